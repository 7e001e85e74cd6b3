"""Steps where the cases run on another machine than the runner's, which
judges what comes back (runner/ssh_target.py): here an sshd of the step's
own on the loopback address stands for a machine with no Python."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterator

from runner import huge_pages, processes, rundir, ssh_target

from .context import Context
from .loopback_sshd import loopback_sshd
from .plan import StepFailed
from .suite_steps import suite_as_expected


def catalogue_over_ssh(ctx: Context) -> None:
    """The catalogue through --target ssh:root@127.0.0.1: every result as the
    spec expects of native, run_info naming the target, the cases' objects
    in the target's directory (so the cases ran there, not here), and that
    directory gone after the run; what runs that are gone left there swept,
    and nothing else."""
    with loopback_sshd(ctx.tmp / "sshd") as options, planted_runs(ctx.tmp / "planted") as planted:
        extra = [arg for option in options for arg in ("--ssh-option", option)]
        try:
            killed = killed_run(ctx, extra)
            doc = suite_as_expected(ctx, "target-ssh", "native", "--target", "ssh:root@127.0.0.1", *extra)
            wrong = sweep_problems(planted)
            if killed.exists() or running_from(killed):
                wrong.append(f"the killed run's directory {killed} or its processes {running_from(killed)} "
                             "were left")
        finally:
            end_killed_run(ctx)
    info = doc["run_info"]
    remote = Path(f"/tmp/mapconf-target-{info['run_id']}")
    if info.get("target") != "ssh:root@127.0.0.1":
        wrong.append(f"run_info names the target {info.get('target')!r}")
    file_results = [r for r in doc["results"] if r["backend"] == "file" and r["status"] == "PASS"]
    elsewhere = [f"{r['id']} [file]" for r in file_results if f"{remote}/run/objects/" not in r["evidence"]["transcript"]]
    if not file_results or elsewhere:
        wrong.append(f"file objects not made in the target's directory {remote}: {elsewhere[:5] or 'no file result'}")
    if remote.exists():
        wrong.append(f"the target's directory {remote} was left behind")
    wrong += not_as_on_native(ctx, doc)
    if wrong:
        raise StepFailed("; ".join(wrong))


KILLED_CASE = "BRK-008"       # its controller hangs until the case's bound: the run is killed meanwhile
KILLED_CASE_TIMEOUT_S = 900   # longer than the step: only the sweep can end the case
UNDER_WAY_S = 120             # the copy, the case host's start over ssh, the case's
KILLED_TMPDIR = "target-ssh-killed-tmp"


def killed_run(ctx: Context, extra: list[str]) -> Path:
    """An ssh run whose runner is killed (SIGKILL, its process group) while
    its case runs on the target; its directory there, once nothing of the
    run holds it (its ssh sessions, their input gone, have ended the
    holder). Its case host and the case's processes still run there."""
    # its run directory here under a TMPDIR of its own: the target is this machine, and the next run's
    # sweep of its own runs would end the case's processes by their run id, the sweep on the target unseen
    tmpdir = ctx.tmp / KILLED_TMPDIR
    tmpdir.mkdir()
    with open(ctx.tmp / "target-ssh-killed.log", "wb") as log:
        runner = subprocess.Popen([str(ctx.repo / "mapconf"), "run", "-q", "--out", str(ctx.tmp / "target-ssh-killed"),
                                   "--target", "ssh:root@127.0.0.1", *extra, "--spec",
                                   str(ctx.repo / "selftest/broken_cases/broken.toml"), "--cases", "selftest-cases",
                                   "--filter", KILLED_CASE, "--timeout", str(KILLED_CASE_TIMEOUT_S)],
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                                  env=ctx.env_with(TMPDIR=str(tmpdir)))
    try:
        remote = _when(lambda: case_under_way(ctx), UNDER_WAY_S, "the killed run's case under way on the target")
    finally:
        os.killpg(runner.pid, signal.SIGKILL)
        runner.wait()
    # the same test of a lock as the sweeps' (this directory's is as a local run's)
    _when(lambda: rundir.is_dead(remote), UNDER_WAY_S, f"the lock of {remote} let go")
    return remote


def killed_runs_root(ctx: Context) -> Path:
    return ctx.tmp / KILLED_TMPDIR / f"mapconf-{os.geteuid()}" / "runs"


def killed_remote(ctx: Context) -> Path | None:
    """The killed run's directory on the target, by its run's id (the one run under its TMPDIR)."""
    runs = [p.name for p in killed_runs_root(ctx).glob("*") if rundir.RUN_ID_FORM.fullmatch(p.name)]
    return Path(f"{ssh_target.REMOTE_PREFIX}{runs[0]}") if runs else None


def case_under_way(ctx: Context) -> Path | None:
    """The killed run's directory on the target once its case's program runs from there."""
    remote = killed_remote(ctx)
    return remote if remote and any(exe.endswith("/broken") for exe in running_from(remote).values()) else None


def end_killed_run(ctx: Context) -> None:
    """What of the killed run the sweep on the target failed to end or remove (a step that failed),
    then its directory here."""
    remote = killed_remote(ctx)
    if remote:
        for pid in running_from(remote):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(remote, ignore_errors=True)
    if killed_runs_root(ctx).exists():
        rundir.sweep_dead_runs(killed_runs_root(ctx))


def _when(found, bound: float, what: str):
    """found()'s first true answer within bound seconds (a bounded wait on a condition)."""
    deadline = time.monotonic() + bound
    while not (answer := found()):
        if time.monotonic() > deadline:
            raise StepFailed(f"no {what} within {bound:g} s")
        time.sleep(0.1)
    return answer


def running_from(directory: Path) -> dict[int, str]:
    """The processes whose program lies under directory: pid, program."""
    found = {}
    for proc in processes.others():
        try:
            exe = os.readlink(f"/proc/{proc.pid}/exe")
        except OSError:
            continue
        if exe.startswith(f"{directory}/"):
            found[proc.pid] = exe
    return found


# Run ids' last four characters (hex, as rundir.RUN_ID_FORM) for the directories planted on the target.
PLANTED = {"killed": "dead", "live": "beef", "being-made": "cafe", "killed-before-its-lock": "f00d",
           "a-link": "fade", "another-users": "face"}
NOBODY = 65534
DIED_WAIT_S = 10


@contextlib.contextmanager
def planted_runs(home: Path) -> Iterator[dict]:
    """Directories on the target as runs leave them, each named as a run's:
    a killed run's (its lock free, a process still running its program from
    there), a live run's (its lock held here, its process running), one being
    made (no lock yet), one a run killed before its lock left long ago, a
    symbolic link to a directory of ours with a free lock, and, as root,
    another user's directory with a free lock. Everything is removed at the end."""
    home.mkdir()
    paths = {kind: Path(f"{ssh_target.REMOTE_PREFIX}{os.getpid()}{tag}") for kind, tag in PLANTED.items()}
    planted = {"paths": paths, "victim": home / "victim", "processes": {}}
    lock_fd = None
    try:
        for kind in ("killed", "live"):
            (paths[kind] / "build").mkdir(parents=True)
            (paths[kind] / "lock").write_bytes(b"")
            program = paths[kind] / "build" / "left-running"
            shutil.copy2("/bin/sleep", program)
            planted["processes"][kind] = subprocess.Popen([str(program), "600"], stdin=subprocess.DEVNULL,
                                                          start_new_session=True)
        lock_fd = os.open(paths["live"] / "lock", os.O_RDWR | os.O_CLOEXEC)
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        paths["being-made"].mkdir()
        (paths["killed-before-its-lock"] / "build").mkdir(parents=True)
        long_ago = time.time() - 2 * ssh_target.UNLOCKED_S
        os.utime(paths["killed-before-its-lock"], (long_ago, long_ago))
        planted["victim"].mkdir()
        (planted["victim"] / "lock").write_bytes(b"")
        paths["a-link"].symlink_to(planted["victim"])
        if os.geteuid() == 0:
            paths["another-users"].mkdir()
            (paths["another-users"] / "lock").write_bytes(b"")
            os.chown(paths["another-users"], NOBODY, NOBODY)    # the lock ours: only the directory's owner tells
        else:
            del paths["another-users"]
        yield planted
    finally:
        for proc in planted["processes"].values():
            proc.kill()
            proc.wait()
        if lock_fd is not None:
            os.close(lock_fd)
        for path in paths.values():
            if path.is_symlink():
                path.unlink()
            elif path.exists():
                shutil.rmtree(path)


def sweep_problems(planted: dict) -> list[str]:
    """What the run's sweep did wrong with the planted directories: the killed
    run's and the one killed before its lock must be gone, the killed run's
    process ended; the rest must stay as they were."""
    paths, wrong = planted["paths"], []
    for kind in ("killed", "killed-before-its-lock"):
        if paths[kind].exists():
            wrong.append(f"the {kind} run's directory {paths[kind]} was not swept")
    try:
        ended = planted["processes"]["killed"].wait(timeout=DIED_WAIT_S)
    except subprocess.TimeoutExpired:
        ended = None
    if ended != -9:
        wrong.append(f"the planted killed run's process was not ended by SIGKILL (its status: {ended})")
    for kind in ("live", "being-made", "another-users"):
        if kind in paths and not paths[kind].is_dir():
            wrong.append(f"the {kind} run's directory {paths[kind]} was swept")
    if planted["processes"]["live"].poll() is not None:
        wrong.append("the live run's process was ended")
    if not (paths["a-link"].is_symlink() and (planted["victim"] / "lock").exists()):
        wrong.append(f"the sweep followed the symbolic link {paths['a-link']}")
    return wrong


# A machine with nothing installed: the bundle's directory as the root of a
# private mount namespace, with the kernel's own filesystems and nothing else
# but the huge page pool's lock. The kernel is this machine's, and so is its
# pool, which other steps' cases count and change meanwhile: a case counting
# it holds the lock every run on this kernel holds (runner/huge_pages.py), as
# on any machine with a /run, or another step's case frees pages between its
# count and its request.
NOTHING_INSTALLED = """set -e
for d in proc sys dev tmp run; do mkdir -p "$1/$d"; done
mount -t proc proc "$1/proc"
mount --rbind /sys "$1/sys"
mount --rbind /dev "$1/dev"
mount -t tmpfs -o mode=1777 tmpfs "$1/tmp"
: > "$1$2"
mount --bind "$2" "$1$2"
cd "$1"
exec chroot . ./mapconf-run
"""


def run_in_empty_machine(bundle: Path) -> subprocess.CompletedProcess:
    if not huge_pages.lock_made():
        raise StepFailed(f"the huge page pool's lock {huge_pages.LOCK} cannot be made")
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", NOTHING_INSTALLED,
                           "sh", str(bundle), str(huge_pages.LOCK)], env={}, capture_output=True, text=True,
                          timeout=900, stdin=subprocess.DEVNULL)


def bundle_by_hand(ctx: Context) -> None:
    """./mapconf bundle, then DIR/mapconf-run as the root of an otherwise
    empty machine (no C library, no shell, no /etc: a chroot into the
    bundle), then ./mapconf judge: every result as the spec expects, and
    run_info naming the bundle and the machine it ran on. Run again there,
    it refuses, and the records stay as they were."""
    bundle = ctx.tmp / "bundle"
    made = ctx.mapconf("bundle", "-o", str(bundle), *ctx.filters())
    if made.returncode != 0:
        raise StepFailed(f"./mapconf bundle failed (exit {made.returncode}): {made.stderr[-800:]}")
    ran = run_in_empty_machine(bundle)
    if ran.returncode != 0:
        raise StepFailed(f"mapconf-run in the bundle exited {ran.returncode}: {ran.stderr[-800:]}")
    answers = (bundle / "records" / "answers").read_bytes()
    again = run_in_empty_machine(bundle)
    if again.returncode != 2 or "records/answers is here already" not in again.stderr \
            or (bundle / "records" / "answers").read_bytes() != answers:
        raise StepFailed(f"mapconf-run run again in the same bundle exited {again.returncode} ({again.stderr[-300:]!r}); "
                         "it must refuse with exit 2 and leave the records as they were")
    proc = ctx.mapconf("judge", str(bundle), "-q", "-o", str(ctx.tmp / "bundle-judged"))
    doc = json.loads((ctx.tmp / "bundle-judged" / "results.json").read_text()) \
        if (ctx.tmp / "bundle-judged" / "results.json").exists() else None
    want = len(ctx.pairs(ctx.platform_backends("native")))
    if proc.returncode != 0 or doc is None or len(doc["results"]) != want:
        raise StepFailed(f"./mapconf judge: exit {proc.returncode}, {len(doc['results']) if doc else 'no'} results "
                         f"of {want}: {proc.stdout[-2500:]}{proc.stderr[-500:]}")
    undeclared = [f"{r['id']} [{r['backend']}]" for r in doc["results"]
                  if r["status"] == "SKIP" and "SKIP" not in r["expected"]]
    info = doc["run_info"]
    if undeclared or info.get("target") != "bundle:bundle" or info["os"] != "unknown":
        raise StepFailed(f"undeclared SKIPs {undeclared[:5]}; run_info names the target {info.get('target')!r} "
                         f"and the OS {info['os']!r} (a chroot with no /etc has none)")
    differ = not_as_on_native(ctx, doc)
    if differ:
        raise StepFailed("; ".join(differ))


def not_as_on_native(ctx: Context, doc: dict) -> list[str]:
    """Each pair whose status differs from the same pair's in the native run on
    this machine (suite-native): a target that is this machine must give the
    same verdict, pair by pair, as the runner running the cases itself."""
    native = {(r["id"], r["backend"]): r["status"]
              for r in json.loads(ctx.suite_results("native").read_text())["results"]}
    differ = [f"{r['id']} [{r['backend']}] {r['status']}, native {native.get((r['id'], r['backend']), 'no result')}"
              for r in doc["results"] if native.get((r["id"], r["backend"])) != r["status"]]
    return [f"{len(differ)} pairs differ from the native run: {differ[:10]}"] if differ else []


def add_steps(plan, ctx: Context, everything: bool) -> None:
    if not ctx.pairs(ctx.platform_backends("native")):
        return      # a proof of Win32 assertions alone has nothing to run on a Linux target
    plan.add("target-bundle", "a bundle run by hand as the root of a machine with nothing else installed, then "
             "judged: every result as the spec expects and as on native", lambda: bundle_by_hand(ctx),
             after=("suite-native",))
    plan.add("target-ssh", "the catalogue on a target reached with ssh (an sshd on the loopback address): every "
             "result as on native, the cases run there, nothing left there; what killed runs left there swept, "
             "a live run's kept", lambda: catalogue_over_ssh(ctx), after=("suite-native",))
