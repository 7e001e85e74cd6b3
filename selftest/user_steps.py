"""The catalogue run as an ordinary user, the way a developer or a CI job
that is not root runs it: from a copy of the tree that user owns, with a
TMPDIR of its own; once in a memory cgroup delegated to it, so that release
is measured without root, and once without, where release's ERROR is
declared.

The user is `nobody`, which Debian has: the step makes no user. It makes
and removes everything else itself: the user's TMPDIR (the copy of the
tree and the run's reports in it) and the delegated cgroup. cgroup v1
delegates a cgroup by its owner (the process joins a cgroup it owns); v2
delegates a subtree, whose processes live in a leaf, so that the runner
makes its own cgroup beside that leaf (runner/memcg.py: below the parent
of its cgroup).

Only root can run another user's run; as another user, the selftest's own
suite-native is the unprivileged run.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

from runner import memcg

from .context import Context
from .plan import StepFailed
from .suite_steps import as_expected

USER = "nobody"
RUN_TIMEOUT_S = 600


def delegated_name() -> str:
    """The name of the cgroup the step delegates, which own_runs looks for if it is left."""
    return f"{memcg.PREFIX}delegated-{os.getpid()}"


def _chown(paths, uid: int, gid: int) -> None:
    for path in paths:
        if path.exists():
            os.chown(path, uid, gid)


@contextlib.contextmanager
def delegated_cgroup(uid: int, gid: int) -> Iterator[Path]:
    """A memory cgroup delegated to the user; yields the cgroup its run joins.
    Removed at the end, with a StepFailed if the run left a cgroup in it."""
    place = memcg.own_place(Path("/proc/self/cgroup").read_text(), Path("/proc/self/mountinfo").read_text())
    top = place.base / delegated_name()
    top.mkdir()
    try:
        if place.version == 1:
            _chown([top, top / "cgroup.procs", top / "tasks"], uid, gid)
            join = top
        else:
            if "memory" not in (place.base / "cgroup.subtree_control").read_text().split():
                (place.base / "cgroup.subtree_control").write_text("+memory\n")
            _chown([top] + [top / f for f in ("cgroup.procs", "cgroup.subtree_control", "cgroup.threads")], uid, gid)
            join = top / "run"
            join.mkdir()
            _chown([join, join / "cgroup.procs", join / "cgroup.threads"], uid, gid)
        yield join
        left = sorted(p.name for p in top.iterdir() if p.is_dir() and p != join)
        if left:
            raise StepFailed(f"the run left memory cgroups in the one delegated to it: {left}")
    finally:
        left = memcg.remove(top)
        if left:
            raise StepFailed(f"the delegated memory cgroup {top} could not be emptied: {left}")


def copy_tree(repo: Path, to: Path) -> None:
    """The sources, and the native build with its logs, so that the user's
    run builds nothing (what is up to date stays so: times are kept)."""
    def ignored(folder: str, names: list[str]) -> list[str]:
        top = Path(folder) == repo
        return [n for n in names if n == "__pycache__" or (top and n in (".git", "build", "reports"))]
    shutil.copytree(repo, to, ignore=ignored, symlinks=True)
    (to / "build").mkdir()
    shutil.copytree(repo / "build" / "native", to / "build" / "native", symlinks=True)
    for log in (".ninja_log", ".ninja_deps"):
        if (repo / "build" / log).exists():
            shutil.copy2(repo / "build" / log, to / "build" / log)


def owned_by(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


@contextlib.contextmanager
def no_cgroup() -> Iterator[None]:
    yield None


def unprivileged_suite(ctx: Context, delegate: bool) -> None:
    """The chosen assertions as nobody: exit 0, every SKIP and ERROR declared,
    and nothing left in the user's TMPDIR (or the cgroup delegated to it).
    With a delegated cgroup, release is measured: no ERROR at all; without
    one, the only ERRORs are release's, at the memory figure."""
    try:
        user = pwd.getpwnam(USER)
    except KeyError:
        raise StepFailed(f"this system has no user {USER} to run the catalogue as") from None
    uid, gid = user.pw_uid, user.pw_gid
    tmp = ctx.own.new_tmpdir()
    try:
        copy_tree(ctx.repo, tmp / "tree")
        owned_by(tmp, uid, gid)
        out = tmp / "out"
        with delegated_cgroup(uid, gid) if delegate else no_cgroup() as join:
            # root puts the shell in the delegated cgroup, which then becomes the user for good
            joins = ["sh", "-c", 'echo $$ > "$1" && shift && exec "$@"', "sh", str(join / "cgroup.procs")] if join else []
            command = joins + ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--",
                               str(tmp / "tree" / "mapconf"), "run", "-q", "--out", str(out), "--platform", "native",
                               *ctx.filters()]
            try:
                proc = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                      env=dict(os.environ, TMPDIR=str(tmp)), timeout=RUN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                raise StepFailed(f"the run as {USER} ran past {RUN_TIMEOUT_S} s") from None
            if not (out / "results.json").exists():
                raise StepFailed(f"no results.json (exit {proc.returncode}): {proc.stderr[-1500:]}")
            doc = json.loads((out / "results.json").read_text())
            ctx.own.add_run(doc["run_info"]["run_id"])
        as_expected(ctx, proc, doc, "native")
        broken = [f"{r['id']} [{r['backend']}] at {r['check']}" for r in doc["results"]
                  if r["status"] in ("ERROR", "TIMEOUT") and (delegate or r["check"] != "memory-figure")]
        if broken:
            raise StepFailed(f"results not measured as {USER}{', in a cgroup delegated to it' if delegate else ''}: "
                             f"{broken[:10]}")
        left = sorted(str(p) for p in tmp.glob(f"mapconf-{uid}/runs/*"))
        if left:
            raise StepFailed(f"the run as {USER} left run directories: {left[:5]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def add_steps(plan, ctx: Context) -> None:
    if os.geteuid() == 0 and ctx.chosen_ids(("posix-shm", "file", "memfd", "sysv", "anon-fork")):
        plan.add("suite-unprivileged", f"full suite as the user {USER}, from a copy it owns, release measured in "
                 "a memory cgroup delegated to it: exit 0, every SKIP declared, nothing left",
                 lambda: unprivileged_suite(ctx, delegate=True))
        plan.add("suite-unprivileged-no-cgroup", f"full suite as the user {USER} with no cgroup delegated: exit 0, "
                 "every SKIP declared, release's ERROR declared and the only ERROR, nothing left",
                 lambda: unprivileged_suite(ctx, delegate=False))
