"""Case hosts: long-lived targets that run case processes one after another.

Starting a target costs far more than a case (a gVisor sandbox: about
0.25 s against a few ms; a virtual machine, seconds), so a platform may
keep one target per worker and have the program case_host/case_host.c, on
the target, start each case there. This is the runner's side: a pool of
such hosts, one taken by each case for as long as it runs, so a host never
runs two cases at once. The runner judges what comes back the same way
whatever the target: the case's record, transcript and output.

A target that does not see the runner's files (a machine reached over ssh,
a virtual machine) gets the runner's paths translated to its own (a prefix
map), its environment in an `env` request, and sends each case's files back
after its answer (--send-files), which the runner writes to its own copies.

What one case leaves is removed by the host inside the sandbox, named in the
case's evidence, and then the host must hold nothing but itself (the host
checks: no other process, none of the run's /dev/shm objects or scratch
files, no SysV segment). If anything remains, or the host stops answering,
or a case outlives its timeout and the bound after it, that host is ended
and the next case gets a new one; the case that was running is reported
with what happened, never run again.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

UNIT_SEPARATOR = "\x1f"
RECORD_SEPARATOR = "\x1e"
READY_S = 60.0        # a sandbox's start; runsc under load can take seconds
ANSWER_MARGIN_S = 15.0  # beyond the case's own timeout: the host's cleanup and its answer
STOP_S = 10.0
STARTS_MAX = 3
LOSSES_MAX = 3        # cases in a row whose target broke: then the rest are reported, not run


class HostError(Exception):
    """A host could not be started, or broke while running a case."""


@dataclass
class Ended:
    """How a case process ended, as its host saw it."""
    returncode: int | None            # negative: killed by that signal; None: not known
    timed_out: bool = False
    leftovers: list[str] = field(default_factory=list)
    broken: str | None = None         # the host failed while the case ran: why
    unclean: bool = False             # the host could not clean up after the case
    notes: list[str] = field(default_factory=list)   # for the case's evidence
    duration_ms: int | None = None    # the case's time, as its host measured it


@dataclass
class HostSpec:
    """How the platform starts one host: argv, environment, and how to end
    what is left of it (processes a sandbox keeps in sessions of their own).
    A remote host (send_files) gets its paths translated, and its
    environment and the run's files made before it begins as requests."""
    argv: list[str]
    env: dict[str, str]
    log: Path                         # the host's standard error
    end: Callable[[], list[str]]      # kill what is left of this host; say what
    send_files: bool = False          # the host sends each case's files back (it runs elsewhere)
    translate: dict[str, str] = field(default_factory=dict)     # the runner's path prefix: the target's
    setup: list[list[str]] = field(default_factory=list)        # requests after it is ready (env, make)
    explain: Callable[[], str] | None = None    # why a host that broke did (a console's last words)
    quits_at_end_of_input: bool = True  # False: it cannot see its input end (a serial line): killed at once
    ready: Callable[[], None] | None = None     # told when the host is up (a virtual machine's boot time)

    def target_path(self, text: str) -> str:
        """text with the runner's path prefix that starts it made the target's."""
        for local, remote in self.translate.items():
            if text == local or text.startswith(local.rstrip("/") + "/"):
                return remote + text[len(local):]
        return text


class Host:
    def __init__(self, spec: HostSpec):
        self.spec = spec
        self.buffer = b""
        self.closed = False           # its output ended: the host is gone
        with open(spec.log, "ab") as log:
            self.proc = subprocess.Popen(spec.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=log, env=spec.env, start_new_session=True)
        line = self._line(READY_S)
        if line is None or not line.startswith("ready"):
            self.stop()
            raise HostError(f"the target did not start: {self._why() or 'no output'}")
        self.facts = ready_facts(line)
        if spec.ready:
            spec.ready()
        for request in spec.setup:
            problem = self._ask(request)
            if problem:
                self.stop()
                raise HostError(f"the target refused its setup ({request[0]}): {problem}")

    def _send(self, fields: list[str]) -> str | None:
        """Write one request; what went wrong, or None."""
        if any(c in field for field in fields for c in ("\n", UNIT_SEPARATOR)):
            return "a field holds a newline or a unit separator, which a request cannot carry"
        try:
            self.proc.stdin.write((UNIT_SEPARATOR.join(fields) + "\n").encode())
            self.proc.stdin.flush()
        except OSError as error:
            return f"the target no longer takes requests ({error.strerror})"
        return None

    def _ask(self, fields: list[str]) -> str | None:
        """A setup request, answered `ok`; what went wrong, or None."""
        if fields[0] == "env":      # NAME=value, the value's paths (US between them) translated, in hex
            fields = [fields[0], *(f"{name}={self._translated(value).encode().hex()}" if equals else name
                                   for name, equals, value in (f.partition("=") for f in fields[1:]))]
        problem = self._send([self.spec.target_path(field) for field in fields])
        if problem:
            return problem
        line = self._line(READY_S)
        if line is not None and line.split(" ", 1)[0] == "ok":
            self.facts.update(ready_facts(line))      # what the target tells once it has the request's effect
            return None
        return repr(line) if line is not None else (self._why() or "no answer")

    def _translated(self, value: str) -> str:
        return UNIT_SEPARATOR.join(self.spec.target_path(part) for part in value.split(UNIT_SEPARATOR))

    def run(self, argv: list[str], files: list[Path], timeout: float) -> Ended:
        """Run the case; files[0] gets its output, and all are emptied first."""
        names = [self.spec.target_path(str(f)) for f in files]
        if any(RECORD_SEPARATOR in arg for arg in [*argv, *names]):
            return Ended(None, broken="an argument of the case holds a record separator, which a request "
                                      "to the target cannot carry")
        problem = self._send(["case", str(int(timeout * 1000)), RECORD_SEPARATOR.join(names),
                              *(self.spec.target_path(arg) for arg in argv)])
        if problem:
            return Ended(None, broken=problem)
        line = self._line(timeout + ANSWER_MARGIN_S)
        if line is None and self.closed:
            try:
                status = f"exit status {self.proc.wait(timeout=STOP_S)}"
            except subprocess.TimeoutExpired:
                status = "its output closed"
            return Ended(None, broken=f"the target ended while the case ran ({status}): "
                                      f"{self._why() or 'it said nothing of why'}")
        if line is None:
            return Ended(None, broken=f"the target did not answer within {timeout + ANSWER_MARGIN_S:g} s "
                                      f"of the case's start ({self._why() or 'it wrote nothing'})")
        ended = parse_answer(line)
        if self.spec.send_files:
            for path in files:
                problem = self._receive(path, timeout + ANSWER_MARGIN_S)
                if problem:
                    ended.broken = ended.broken or problem
                    break
        return ended

    def _receive(self, path: Path, bound: float) -> str | None:
        """One file the host sends after its answer, written to path; what went wrong, or None."""
        head = self._line(bound)
        kind, _, length = (head or "").partition(UNIT_SEPARATOR)
        if kind != "file" or not length.isdigit():
            return f"the target sent {head[:100]!r} where a file was due" if head is not None else \
                f"the target ended while sending the case's files ({self._why() or 'no reason given'})"
        data = self._bytes(int(length), bound)
        if data is None:
            return f"the target ended while sending {path.name} ({self._why() or 'no reason given'})"
        path.write_bytes(data)
        return None

    def _fill(self, enough: Callable[[], bool], bound: float) -> bool:
        """Read until enough() holds; False if the host ends or is silent for bound seconds."""
        deadline = time.monotonic() + bound
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while not enough():
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return False
                chunk = os.read(fd, 65536)
                if not chunk:
                    self.closed = True
                    return False
                self.buffer += chunk
        return True

    def _line(self, bound: float) -> str | None:
        """The host's next line, or None if it ends or is silent for bound seconds."""
        if not self._fill(lambda: b"\n" in self.buffer, bound):
            return None
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode(errors="replace")

    def _bytes(self, count: int, bound: float) -> bytes | None:
        if not self._fill(lambda: len(self.buffer) >= count, bound):
            return None
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def _why(self) -> str:
        """What the host's log (and the platform, for a target that broke) says."""
        said = []
        try:
            said.append(self.spec.log.read_text(errors="replace").strip()[-300:])
        except OSError:
            pass
        if self.spec.explain:
            said.append(self.spec.explain())
        return "; ".join(s for s in said if s)

    def stop(self) -> list[str]:
        """End the host (an end of input is its signal to go), then whatever of it is left."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=STOP_S if self.spec.quits_at_end_of_input else 0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        return self.spec.end()


def first_line(proc: subprocess.Popen, bound: float) -> bytes:
    """What the process writes until its first newline, or until bound seconds pass."""
    deadline, seen = time.monotonic() + bound, b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while b"\n" not in seen and time.monotonic() < deadline:
            if sel.select(deadline - time.monotonic()):
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                seen += chunk
    return seen


def ready_facts(line: str) -> dict[str, str]:
    """The NAME=value facts of a `ready` line (the target's uid, /dev/shm room, memory cgroup),
    or of an `ok` to a setup request (the scratch directory's filesystem, once the environment names it)."""
    return dict(item.split("=", 1) for item in line.split()[1:] if "=" in item)


def parse_answer(line: str) -> Ended:
    """An `ended` line of case_host.c."""
    head, *items = line.split(UNIT_SEPARATOR)
    if head != "ended":
        return Ended(None, broken=f"the target answered {line[:200]!r}")
    ended = Ended(None)
    remains = []
    for item in items:
        key, _, value = item.partition("=")
        if key == "exit":
            ended.returncode = int(value)
        elif key == "signal":
            ended.returncode = -int(value)
        elif key == "timeout":
            ended.timed_out = True
        elif key == "removed":
            ended.leftovers.append(value)
        elif key == "remains":
            remains.append(value)
        elif key == "error":
            ended.broken = value
        elif key == "ms" and value.isdigit():
            ended.duration_ms = int(value)
    if remains:
        ended.unclean = True
        ended.notes.append("the target still held, after its cleanup: " + "; ".join(remains)
                           + "; the next case gets a new target")
    if ended.returncode is None and not ended.timed_out and ended.broken is None:
        ended.broken = f"the target's answer says nothing of how the case ended: {line[:200]!r}"
    return ended


class Pool:
    """Hosts for one run: a case takes a free one, or a new one is started."""

    def __init__(self, make_spec: Callable[[int, dict[str, str]], HostSpec]):
        self.make_spec = make_spec
        self.free: list[Host] = []
        self.all: list[Host] = []
        self.started = 0
        self.lock = threading.Lock()
        self.ended: list[str] = []
        self.losses = 0                   # cases in a row whose target broke or would not start
        self.given_up: str | None = None  # why no more targets are started

    def run(self, argv: list[str], env: dict[str, str], files: list[Path], timeout: float) -> Ended:
        """Run the case on a free host; files[0] gets its output, and all are emptied first."""
        if self.given_up:
            return Ended(None, broken=f"not run: {self.given_up}")
        try:
            host, notes = self._take(env)
        except HostError as error:
            with self.lock:      # STARTS_MAX starts failed: another would fail as well
                self.given_up = self.given_up or f"the target could not be started: {error}"
            return Ended(None, broken=str(error))
        ended = self._run_on(host, argv, files, timeout)
        ended.notes = notes + ended.notes
        if ended.broken is not None:
            self._lost(ended.broken)
        else:
            self.losses = 0
        return ended

    def _lost(self, why: str) -> None:
        """A case whose target broke or would not start: after LOSSES_MAX in a row, no more are started."""
        with self.lock:
            self.losses += 1
            if self.losses >= LOSSES_MAX and not self.given_up:
                self.given_up = (f"the target was lost in {self.losses} cases in a row, the last time: "
                                 f"{why.splitlines()[0][:300]}")

    def _run_on(self, host: Host, argv: list[str], files: list[Path], timeout: float) -> Ended:
        ended = host.run(argv, files, timeout)
        if ended.broken is None and not ended.unclean:
            with self.lock:
                self.free.append(host)
            return ended
        with self.lock:
            self.all.remove(host)
        ended.leftovers += [f"{item}, of the target that was ended" for item in host.stop()]
        return ended

    def _take(self, env: dict[str, str]) -> tuple[Host, list[str]]:
        with self.lock:
            if self.free:
                return self.free.pop(), []
            self.started += 1
            number = self.started
        notes = []
        for attempt in range(1, STARTS_MAX + 1):
            try:
                host = Host(self.make_spec(number, env))
            except HostError as error:
                notes.append(f"start {attempt} of target {number} failed: {error}")
                continue
            with self.lock:
                self.all.append(host)
            return host, [f"{note}; started again" for note in notes]
        raise HostError("; ".join(notes))

    def start_one(self, env: dict[str, str] | None = None) -> dict[str, str]:
        """Start a host ahead of the first case (env: the run's, as a case's
        would be); the facts it tells of its target."""
        host, _notes = self._take(env or {})
        with self.lock:
            self.free.append(host)
        return host.facts

    def close(self) -> list[str]:
        """End every host; say what was left of them."""
        with self.lock:
            hosts, self.all, self.free = self.all, [], []
        left = []
        for host in hosts:
            left += host.stop()
        return left
