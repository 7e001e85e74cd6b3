"""Steps about what runs leave behind: a run killed with SIGKILL is swept by
the next run; the selftest's own leftover checks blame nothing another run
made, and still see what its own runs leave; and, after everything, none
of the selftest's runs left anything."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from runner import processes, rundir

from .context import Context
from .plan import StepFailed

START_WAIT_S = 30


def start_hanging_run(ctx: Context, tmpdir: Path, out: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    """A run of BRK-008 (a case that hangs holding its object) in TMPDIR tmpdir,
    once its case holds its object; the run and its run id."""
    env = ctx.env_with(TMPDIR=str(tmpdir))
    victim = subprocess.Popen([str(ctx.repo / "mapconf"), "run", "-q", "--out", str(out), *extra,
                               "--spec", str(ctx.repo / "selftest/broken_cases/broken.toml"),
                               "--cases", "selftest-cases", "--filter", "BRK-008", "--timeout", "60"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    runs = tmpdir / f"mapconf-{os.getuid()}" / "runs"
    deadline = time.monotonic() + START_WAIT_S
    while True:     # a bounded wait for a condition: the hanging case holds its object
        ids = [p.name for p in runs.glob(f"{victim.pid}*")] if runs.is_dir() else []
        if ids and list(rundir.SHM_DIR.glob(f"mapconf-{ids[0]}-*")):
            return victim, ids[0]
        if time.monotonic() > deadline or victim.poll() is not None:
            victim.kill()
            victim.wait()
            raise StepFailed("the run to be killed never created its object")
        time.sleep(0.05)


def sweep_in(ctx: Context, tmpdir: Path, name: str) -> subprocess.CompletedProcess:
    proc = ctx.mapconf("run", "--filter", "NAME-003", "--out", str(ctx.tmp / name), env=ctx.env_with(TMPDIR=str(tmpdir)))
    if proc.returncode != 0 or "removed what an earlier, killed run left" not in proc.stderr:
        raise StepFailed(f"the next run did not sweep (exit {proc.returncode}): {proc.stderr[-1000:]}")
    return proc


def killed_run_is_swept(ctx: Context) -> None:
    tmpdir = ctx.own.new_tmpdir()
    victim, run_id = start_hanging_run(ctx, tmpdir, ctx.tmp / "killed")
    ctx.own.add_run(run_id)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    if not list(rundir.SHM_DIR.glob(f"mapconf-{run_id}-*")):
        raise StepFailed("the killed run left nothing, so sweeping cannot be tested")
    sweep_in(ctx, tmpdir, "sweeper")
    left = [str(p) for p in rundir.SHM_DIR.glob(f"mapconf-{run_id}-*")]
    left += [path for path in ctx.own.memory_cgroups() if run_id in path]
    if left:
        raise StepFailed(f"the killed run's objects or memory cgroups were not swept: {left}")


def filesystem_processes(ctx: Context, run_id: str) -> list[int]:
    """The holder and FUSE daemon of a run (they carry its MAPCONF_RUN_ID)."""
    marker = f"MAPCONF_RUN_ID={run_id}".encode()
    return [p.pid for p in processes.others()
            if marker in p.environ() and p.name in ("sleep", "bindfs") and p.state != "Z"]


def killed_filesystem_run_is_swept(ctx: Context) -> None:
    """A run killed while its filesystem is mounted leaves its loop
    device, its holder and its FUSE daemon to the next run's sweep."""
    for fs in ("ext4", "fuse"):
        tmpdir = ctx.own.new_tmpdir()
        victim, run_id = start_hanging_run(ctx, tmpdir, ctx.tmp / f"killed-{fs}", "--filesystem", fs)
        ctx.own.add_run(run_id)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        if not filesystem_processes(ctx, run_id):
            raise StepFailed(f"the killed --filesystem {fs} run left no holder, so sweeping cannot be tested")
        sweep_in(ctx, tmpdir, f"sweeper-{fs}")
        left = [line for line in ctx.own.mounts_and_loop_devices() if str(tmpdir) in line]
        left += [f"process {pid}" for pid in filesystem_processes(ctx, run_id)]
        if left:
            raise StepFailed(f"after the sweep of a killed --filesystem {fs} run: {left}")


def beside_other_runs(ctx: Context) -> None:
    """Another run of mapconf (not the selftest's: its own TMPDIR, its own run
    id) holds an object and processes while the selftest looks for leftovers:
    they are not blamed. What the selftest's own runs would leave is: an
    object and a run directory of one of its run ids, and a process with its
    TMPDIR."""
    outside = Path(tempfile.mkdtemp(prefix="mapconf-outsider-", dir=ctx.tmp.parent))   # not below the selftest's
    victim = None
    try:
        victim, run_id = start_hanging_run(ctx, outside, outside / "out")
        blamed = [item for item in ctx.own.everything_left() if run_id in item or str(outside) in item]
        if blamed:
            raise StepFailed(f"another run's objects or processes were taken for the selftest's: {blamed[:5]}")
        fake_id = f"{os.getpid()}beef"
        fake = rundir.SHM_DIR / f"mapconf-{fake_id}-1-selftest"
        # in a TMPDIR no run uses: a run's sweep would take a directory without a lock for a dead run's
        fake_dir = ctx.own.new_tmpdir() / f"mapconf-{os.getuid()}" / "runs" / fake_id
        fake.touch()
        fake_dir.mkdir(parents=True)
        ctx.own.add_run(fake_id)
        holder = subprocess.Popen(["sleep", "60"])    # with the selftest's TMPDIR, as its runs' processes
        try:
            seen = ctx.own.everything_left()
        finally:
            holder.kill()
            holder.wait()
            fake.unlink()
            fake_dir.rmdir()
        unseen = [what for what, needle in (("object", str(fake)), ("run directory", str(fake_dir)),
                                             ("process", f"process {holder.pid} "))
                  if not any(needle in item for item in seen)]
        if unseen:
            raise StepFailed(f"the leftover checks do not see what the selftest's own run would leave: {unseen}")
    finally:
        if victim is not None:
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            subprocess.run([str(ctx.repo / "mapconf"), "run", "-q", "--filter", "NAME-003", "--out",
                            str(outside / "sweeper")], env=ctx.env_with(TMPDIR=str(outside)),
                           capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
        shutil.rmtree(outside, ignore_errors=True)


def nothing_left(ctx: Context) -> None:
    left = ctx.own.everything_left()
    pool = ctx.pool_as_found()
    if pool:
        left.append(pool)
    if left:
        raise StepFailed(f"left behind: {left[:10]}")


def add_steps(plan, ctx: Context, everything: bool) -> None:
    if everything:
        plan.add("killed-run", "a run killed with SIGKILL is swept by the next run", lambda: killed_run_is_swept(ctx))
        plan.add("killed-filesystem-run", "a --filesystem ext4 or fuse run killed with SIGKILL: its loop device, "
                 "holder and FUSE daemon are swept by the next run", lambda: killed_filesystem_run_is_swept(ctx))
        plan.add("beside-other-runs", "another run's objects and processes are not taken for the selftest's, "
                 "its own runs' are", lambda: beside_other_runs(ctx))
    plan.add("nothing-left", "nothing left behind by the selftest's runs: objects, SysV segments, run directories, "
             "processes, memory cgroups, mounts, the huge page pool", lambda: nothing_left(ctx), last=True)
