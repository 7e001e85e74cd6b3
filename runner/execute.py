"""Running cases: list what the case binaries contain, run one case for one
backend in its own process with a timeout, and read what it observed.

A case process and its agents form one process group, so a case that hangs
or breaks is ended with everything it started. Its result comes from the
record file the harness appends to (see controller/record.h), never from the
exit status alone: a case PASSes only if its record says it ran to the end
and made at least one check. Each case also has a memory cgroup of its own
(runner/memcg.py), removed once everything in it has ended.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import case_host, memcg, processes, rundir
from .spec import CaseListing

OUTPUT_LIMIT = 64 * 1024
PR_SET_CHILD_SUBREAPER = 36


class BuildError(Exception):
    """A case binary is missing or cannot say what it contains."""


def list_cases(case_dir: Path, binaries: list[str]) -> list[CaseListing]:
    listings = []
    for binary in binaries:
        path = case_dir / binary
        if not path.exists():
            raise BuildError(f"case binary {path} is missing; build it with 'ninja -C {case_dir.parents[2]}'.")
        proc = subprocess.run([str(path), "--list"], capture_output=True, text=True, timeout=30)
        if proc.returncode != 0:
            raise BuildError(f"{path} --list failed with status {proc.returncode}: {proc.stderr.strip()}")
        for line in proc.stdout.splitlines():
            case_id, case, where = line.split("\t")
            source, _, lineno = where.rpartition(":")
            binary_name, _, function = case.partition(":")
            listings.append(CaseListing(binary_name, function, case_id, source, int(lineno)))
    return listings


@dataclass
class CaseRun:
    """Everything needed to run one case for one backend."""
    binary: Path
    function: str
    backend: str
    timeout: float
    env: dict[str, str]
    work: Path                     # its worker's directory for record, transcript, output
    name: str                      # unique in the run (its memory cgroup's name)
    wrap: list[str] = field(default_factory=list)   # a prefix for the case process
    host: case_host.Pool | None = None   # the platform's sandboxes that run the case, or the runner does


@dataclass
class Observed:
    status: str                    # PASS FAIL SKIP ERROR TIMEOUT
    message: str
    duration_ms: int
    transcript: str
    output: str
    process: str
    check: str | None = None       # the label of the check that failed, or the step that ended the case


def run_case(run: CaseRun, run_dir: rundir.RunDir) -> Observed:
    record, transcript, output = (run.work / n for n in ("record", "transcript", "output"))
    argv = run.wrap + [str(run.binary), "--case", run.function, "--backend", run.backend,
                       "--result", str(record), "--transcript", str(transcript)]
    env, cgroup = run.env, None
    if memcg.ENV not in env:          # else the platform named a figure of its own
        cgroup, figure = run_dir.memory.for_case(run.name)
        env = dict(env, **{memcg.ENV: figure})
    started = time.monotonic()
    if run.host is not None:         # it empties the worker's files inside the sandbox
        ended = run.host.run(argv, env, [output, record, transcript], run.timeout)
    else:
        for path in (record, transcript):      # the worker's previous case's
            path.write_bytes(b"")
        ended = _run_here(run, argv, env, output, run_dir)
    duration_ms = int((time.monotonic() - started) * 1000)
    if cgroup:
        ended.leftovers += memcg.remove(cgroup)
    return observe(ended, _read(record), _read(transcript), _read(output, OUTPUT_LIMIT), duration_ms, run.timeout)


def observe(ended: case_host.Ended, record: str, transcript: str, output: str, duration_ms: int,
            timeout: float) -> Observed:
    """What a case showed, from its record, transcript and output and how it
    ended: one judgement wherever the case ran (here, on a target, in a
    bundle run by hand); output as shortened() leaves it."""
    process = _describe_exit(ended, timeout)
    status, message, check = judge(record, ended, timeout)
    notes = "".join(f"-- {note}\n" for note in ended.notes)
    notes += "".join(f"-- the runner removed a leftover: {item}\n" for item in ended.leftovers)
    return Observed(status, message, duration_ms, transcript + notes, output, process, check)


def _run_here(run: CaseRun, argv: list[str], env: dict[str, str], output: Path,
              run_dir: rundir.RunDir) -> case_host.Ended:
    """Start the case process from the runner, wait for it, and remove what it left."""
    with open(output, "wb") as out:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
        timed_out = _wait(proc, run.timeout)
    leftovers = _end_group(proc.pid)
    leftovers += rundir.remove_objects(run_dir.run_id, f"{proc.pid}-")
    leftovers += rundir.remove_sysv_segments(run_dir.objects, f"mapconf-{run_dir.run_id}-{proc.pid}-")
    leftovers += _remove_files(run_dir.objects, f"mapconf-{run_dir.run_id}-{proc.pid}-")
    return case_host.Ended(proc.returncode, timed_out, leftovers)


def _wait(proc: subprocess.Popen, timeout: float) -> bool:
    """Wait for the case process; on timeout kill its group. True if it timed
    out. A pidfd wakes the runner the moment the process ends, where
    Popen.wait(timeout) would poll with sleeps of up to 50 ms."""
    try:
        pidfd = os.pidfd_open(proc.pid)
    except OSError:                    # a kernel without pidfds: the polling wait
        pidfd = None
    try:
        if pidfd is None:
            proc.wait(timeout=timeout)
            return False
        if select.select([pidfd], [], [], timeout)[0]:
            proc.wait()
            return False
    except subprocess.TimeoutExpired:
        pass
    finally:
        if pidfd is not None:
            os.close(pidfd)
    _kill_group(proc.pid)
    proc.wait()
    return True


def _ending(text: str) -> tuple[str | None, str]:
    """(name, message) of an ending's record text: "check=LABEL ..." or
    "step=STEP ..." (controller/record.h); a record without a name has none."""
    head, _, rest = text.partition(" ")
    key, equals, name = head.partition("=")
    if equals and key in ("check", "step") and name:
        return (None if name == "-" else name), rest
    return None, text


def judge(record: str, ended: case_host.Ended, timeout: float) -> tuple[str, str, str | None]:
    """(status, message, check) of a case from its record and how its process
    ended; check names the check or step that ended it (labels.RUNNER_STEPS
    when the runner decided), None for a PASS."""
    returncode, timed_out = ended.returncode, ended.timed_out
    events = {}
    checks = None
    begun = False
    for line in record.splitlines():
        kind, _, text = line.partition(" ")
        if kind == "begin":
            begun = True
        elif kind in ("fail", "error", "skip", "timeout"):
            events.setdefault(kind, text)
        elif kind == "end":
            checks = int(text.partition("=")[2] or 0)
    if timed_out:
        return ("TIMEOUT", f"the case did not finish within {timeout:g} s; it was killed with its agents",
                "case-timeout")
    if ended.broken is not None:
        return "ERROR", f"the target running the case broke: {ended.broken}", "case-host"
    for kind, status in (("timeout", "TIMEOUT"), ("error", "ERROR"), ("fail", "FAIL"), ("skip", "SKIP")):
        if kind in events:
            name, message = _ending(events[kind])
            return status, message, name
    if returncode < 0:
        return ("ERROR", f"the case process was killed by {_signal_name(-returncode)} before it finished",
                "case-process")
    if not begun:
        return ("ERROR", f"the case process exited with status {returncode} without starting the case",
                "case-process")
    if checks is None:
        return ("ERROR", f"the case process exited with status {returncode} before the case finished",
                "case-process")
    if returncode != 0:
        return "ERROR", f"the case finished but its process exited with status {returncode}", "case-process"
    if checks == 0:
        return "ERROR", "the case made no check, so it cannot pass", "no-check"
    return "PASS", "", None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _describe_exit(ended: case_host.Ended, timeout: float) -> str:
    returncode = ended.returncode
    if ended.timed_out:
        return f"timeout after {timeout:g} s"
    if returncode is None:
        return "not known: the target running it broke"
    if returncode < 0:
        return f"signal {_signal_name(-returncode)}"
    return f"exit {returncode}"


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def become_subreaper() -> None:
    """Adopt the orphans of our cases (an agent whose controller died), so that
    the runner reaps them: not every init does, and an unreaped orphan stays
    in the process table for good."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _group_members(pgid: int) -> list[tuple[int, str, str]]:
    """(pid, state, name) of every process in the process group."""
    return [(p.pid, p.state, p.name) for p in processes.others() if p.pgid == pgid]


def _end_group(pgid: int) -> list[str]:
    """Kill and reap whatever of the case's process group is left; say what was still running."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return []          # the usual end: nothing of the group is left, so no need to look
    except PermissionError:
        pass               # a member runs as another user (an agent that became one): look
    members = _group_members(pgid)
    if not members:
        return []
    _kill_group(pgid)
    for pid, _state, _name in members:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass          # not ours to reap: its own parent will
    return [f"process {pid} ({name})" for pid, state, name in members if state != "Z"]


def _remove_files(directory: Path, prefix: str) -> list[str]:
    removed = []
    for path in directory.glob(prefix + "*"):
        path.unlink(missing_ok=True)
        removed.append(str(path))
    return removed


def _read(path: Path, limit: int | None = None) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ""
    return shortened(data, limit) if limit is not None else data.decode("utf-8", errors="replace")


def shortened(data: bytes, limit: int = OUTPUT_LIMIT) -> str:
    """A case's output as results keep it: its start and end when it is long."""
    if len(data) > limit:
        data = data[: limit // 2] + b"\n[... output shortened ...]\n" + data[-limit // 2:]
    return data.decode("utf-8", errors="replace")
