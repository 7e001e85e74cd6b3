"""A step that plays a local user against a run as root (runner/trust.py).

The user (nobody) has a TMPDIR that anyone may write, sticky as /tmp is,
and plants there what would steer a root run that trusts it: a run root
that is a link to a directory of root's, a user directory that is a link,
and a fake killed run whose records would make the sweep raise the huge
page pool, detach a loop device and remove a memory cgroup that are not
the run's. Each planted root must be refused (exit 2, one sentence), and
records of a killed run in a root the run trusts that name what no run
makes must be left alone and said so (exit 0). Whatever the plant aimed
at is as it was, each time: a directory's mode, the pool, a loop device
on an image, a cgroup, an object of the user's in /dev/shm.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from contextlib import ExitStack
from pathlib import Path

from runner import filesystems, huge_pages, memcg, rundir

from .context import Context
from .plan import StepFailed

NOBODY = 65534


class Victims:
    """What a plant aims at, each made by the step and put away after it."""

    def __init__(self, ctx: Context, stack: ExitStack):
        self.directory = ctx.tmp / "trust-victim"          # root's, mode 0755, empty
        self.directory.mkdir(mode=0o755)
        self.directory.chmod(0o755)
        stack.callback(shutil.rmtree, self.directory, True)
        self.image = ctx.tmp / "trust-victim.img"          # with a loop device on it
        with open(self.image, "wb") as image:
            image.truncate(1 << 20)
        stack.callback(self.image.unlink, True)
        attach = subprocess.run(["losetup", "-f", "--show", str(self.image)], capture_output=True, text=True)
        if attach.returncode != 0:
            raise StepFailed(f"no loop device could be put on the victim image: {attach.stderr.strip()}")
        self.loop = attach.stdout.strip()
        stack.callback(subprocess.run, ["losetup", "-d", self.loop], capture_output=True)
        place = memcg.own_place(Path("/proc/self/cgroup").read_text(), Path("/proc/self/mountinfo").read_text())
        self.cgroup = place.base / f"selftest-victim-{os.getpid()}"
        self.cgroup.mkdir()
        stack.callback(lambda: self.cgroup.exists() and self.cgroup.rmdir())
        self.pool = huge_pages.POOL.read_text().strip()
        stack.callback(self.put_pool_back)

    def put_pool_back(self) -> None:
        """A run that followed a planted record changed the machine's pool: undo it."""
        with huge_pages.pool_lock():
            if huge_pages.POOL.read_text().strip() != self.pool:
                huge_pages.POOL.write_text(f"{self.pool}\n")

    def changed(self) -> list[str]:
        wrong = []
        if stat.S_IMODE(self.directory.stat().st_mode) != 0o755 or list(self.directory.iterdir()):
            wrong.append(f"the directory {self.directory} was changed (mode {self.directory.stat().st_mode & 0o7777:o}, "
                         f"{len(list(self.directory.iterdir()))} entries)")
        if self.loop not in filesystems.loops_of(str(self.image)):
            wrong.append(f"the loop device {self.loop} on {self.image} was detached")
        if not self.cgroup.is_dir():
            wrong.append(f"the memory cgroup {self.cgroup} was removed")
        if huge_pages.POOL.read_text().strip() != self.pool:
            wrong.append(f"the huge page pool is {huge_pages.POOL.read_text().strip()} pages, not {self.pool}")
        return wrong


def as_nobody(*paths: Path) -> None:
    for path in paths:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


def killed_run_records(run: Path, victims: Victims, pool_above: int) -> None:
    """The records of a killed run, each naming a victim."""
    run.mkdir(parents=True, mode=0o711)
    (run / rundir.LOCK).write_text("")
    (run / huge_pages.RECORD).write_text(f"{pool_above}\n")
    (run / filesystems.RECORD).write_text(json.dumps({"name": "ext4", "holder": None, "image": str(victims.image)}))
    (run / memcg.RECORD).write_text(f"{victims.cgroup}\n")


def run_in(ctx: Context, tmpdir: Path, name: str) -> subprocess.CompletedProcess:
    return ctx.mapconf("run", "-q", "--filter", "NAME-003", "--out", str(ctx.tmp / name),
                       env=ctx.env_with(TMPDIR=str(tmpdir)))


def refused(ctx: Context, sticky: Path, name: str, victims: Victims) -> None:
    proc = run_in(ctx, sticky, name)
    lines = proc.stderr.strip().splitlines()
    wrong = victims.changed()
    if proc.returncode != 2 or len(lines) != 1 or "cannot be trusted" not in lines[0]:
        wrong.insert(0, f"the run was not refused with exit 2 and one sentence (exit {proc.returncode}: "
                        f"{proc.stderr[-600:]})")
    if wrong:
        raise StepFailed(f"{name}, in a TMPDIR where another user planted a run root: {'; '.join(wrong)}")


def planted_paths_change_nothing(ctx: Context) -> None:
    with ExitStack() as stack:
        victims = Victims(ctx, stack)
        pool_above = int(victims.pool) + 7
        user_dir = f"mapconf-{os.geteuid()}"

        def sticky_tmpdir() -> Path:
            path = ctx.own.new_tmpdir() / "shared-tmp"
            path.mkdir()
            path.chmod(0o1777)
            return path

        # the run root a link to a directory of root's, in a directory the user made
        sticky = sticky_tmpdir()
        (sticky / user_dir).mkdir()
        (sticky / user_dir / "runs").symlink_to(victims.directory)
        as_nobody(sticky / user_dir, sticky / user_dir / "runs")
        refused(ctx, sticky, "trust-linked-runs", victims)

        # the user directory itself a link the user made
        sticky = sticky_tmpdir()
        (sticky / user_dir).symlink_to(victims.directory)
        as_nobody(sticky / user_dir)
        refused(ctx, sticky, "trust-linked-user-directory", victims)

        # a fake killed run, all of it the user's
        sticky = sticky_tmpdir()
        fake = sticky / user_dir / "runs" / f"{os.getpid()}dead"
        killed_run_records(fake, victims, pool_above)
        as_nobody(*[fake.parent.parent, fake.parent, fake, *fake.iterdir()])
        refused(ctx, sticky, "trust-planted-killed-run", victims)

        # a root the run trusts, holding a killed run whose records name what
        # no run makes, and the user's object named for that run in /dev/shm
        tmpdir = ctx.own.new_tmpdir()
        made = run_in(ctx, tmpdir, "trust-root-made")
        if made.returncode != 0:
            raise StepFailed(f"a run in a TMPDIR of root's failed (exit {made.returncode}): {made.stderr[-600:]}")
        fake_id = f"{os.getpid()}dead"
        killed_run_records(tmpdir / user_dir / "runs" / fake_id, victims, pool_above)
        theirs = rundir.SHM_DIR / f"mapconf-{fake_id}-planted"
        theirs.write_text("")
        stack.callback(theirs.unlink, True)
        as_nobody(theirs)
        proc = run_in(ctx, tmpdir, "trust-records")
        said = [line for line in proc.stderr.splitlines() if "left alone what no run of this user made" in line]
        unsaid = [record for record in (huge_pages.RECORD, filesystems.RECORD, memcg.RECORD)
                  if not any(f"/{fake_id}/{record}:" in line for line in said)]
        wrong = victims.changed() + ([] if theirs.exists() else [f"the user's object {theirs} was removed"])
        if proc.returncode != 0 or unsaid or wrong:
            raise StepFailed(f"a killed run's records naming what no run makes: exit {proc.returncode}, "
                             f"not said to be left alone: {unsaid or 'none'}, {wrong or 'nothing changed'}: "
                             f"{proc.stderr[-1200:]}")


def add_steps(plan, ctx: Context, everything: bool) -> None:
    if everything:
        plan.add("planted-by-another-user", "as root, with a shared TMPDIR where another user planted a linked run "
                 "root, a linked user directory or a fake killed run, the run refuses (exit 2, one sentence); a "
                 "killed run's records naming what no run makes are left alone and said; nothing they aim at "
                 "changes", lambda: planted_paths_change_nothing(ctx))
