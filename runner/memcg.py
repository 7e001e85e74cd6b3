"""Memory cgroups for cases: each case runs in a memory cgroup of its own, so
that the controller can measure the pages of the objects the case made, and
only those (the release cases, REL-003..005), whatever else the machine runs.

The runner makes one cgroup for the run and one below it for each case:

  cgroup v1:  <the runner's memory cgroup>/mapconf-<run-id>/case-<n>
  cgroup v2:  <the parent of the runner's cgroup>/mapconf-<run-id>/case-<n>

(a v2 cgroup that holds processes, as the runner's does, cannot pass the
memory controller on to children of its own; its parent already passes it,
or the runner's cgroup would have no memory controller at all). The case is
told where by MAPCONF_MEMORY=cgroup:<dir>; its controller joins that cgroup
before it starts its first agent, so every page the case's agents bring in
is charged there, and reads the cgroup's memory.stat itself.

Where no cgroup can be made (no memory controller, no permission), the case
is told why (MAPCONF_MEMORY=none:<why>), and a case that needs the figure
ends as ERROR saying so: there is no quiet fallback to a machine-wide figure.
A platform may name a figure of its own in its case environment
(MAPCONF_MEMORY=meminfo: the case has a machine to itself); then no cgroup
is made for it.

The run's cgroup is written down in the run directory before it is made, so
that a later run removes it when this one was killed (rundir.sweep_dead_runs).
"""

from __future__ import annotations

import errno
import os
import re
import select
import signal
from dataclasses import dataclass
from pathlib import Path

from . import trust

ENV = "MAPCONF_MEMORY"
RECORD = "memcg"             # in the run directory: the path of the run's cgroup
PREFIX = "mapconf-"
MOUNTINFO = Path("/proc/self/mountinfo")
EXIT_WAIT_S = 10.0           # how long a killed process may take to be gone


class Unavailable(Exception):
    """No memory cgroup can be made here; the message says why, in one sentence."""


@dataclass(frozen=True)
class Place:
    version: int             # 1 or 2
    base: Path               # the cgroup under which the run's cgroup is made


def _unescape(field: str) -> str:
    """A mountinfo field with its octal escapes (\\040 for a space) undone."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _cgroup_mounts(mountinfo: str) -> list[tuple[str, str, str, set[str]]]:
    """(fstype, root, mount point, super options) of each cgroup mount."""
    mounts = []
    for line in mountinfo.splitlines():
        fields = line.split(" ")
        if "-" not in fields:
            continue
        sep = fields.index("-")
        fstype = fields[sep + 1]
        if fstype in ("cgroup", "cgroup2"):
            options = set(fields[sep + 3].split(",")) if len(fields) > sep + 3 else set()
            mounts.append((fstype, _unescape(fields[3]), _unescape(fields[4]), options))
    return mounts


def _directory(mounts, fstype: str, controller: str | None, path: str) -> Path:
    """The directory of cgroup `path` in a mount of that hierarchy."""
    for kind, root, mountpoint, options in mounts:
        if kind != fstype or (controller and controller not in options):
            continue
        if path == root or path.startswith(root.rstrip("/") + "/"):
            return Path(mountpoint) / path[len(root):].lstrip("/")
    raise Unavailable(f"the runner's cgroup {path} is not below any mount of its {fstype} hierarchy")


def own_place(proc_cgroup: str, mountinfo: str) -> Place:
    """Where the run's cgroup goes, from /proc/self/cgroup and /proc/self/mountinfo."""
    mounts = _cgroup_mounts(mountinfo)
    v2_path = None
    for line in proc_cgroup.splitlines():
        hierarchy, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return Place(1, _directory(mounts, "cgroup", "memory", path))
        if hierarchy == "0" and controllers == "":
            v2_path = path
    if v2_path is None:
        raise Unavailable("this machine mounts no memory cgroup controller (no v1 memory hierarchy, no cgroup v2)")
    own = _directory(mounts, "cgroup2", None, v2_path)
    if "memory" not in _words(own / "cgroup.controllers"):
        raise Unavailable(f"cgroup v2 gives the runner's cgroup {own} no memory controller")
    # the top of the hierarchy (as mounted here) is the one cgroup that may hold processes and
    # pass controllers on at once
    at_top = any(kind == "cgroup2" and own == Path(mountpoint) for kind, _, mountpoint, _ in mounts)
    return Place(2, own if at_top else own.parent)


def _words(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError:
        return []


def _pass_memory_down(cgroup: Path) -> None:
    """cgroup v2: give the children of cgroup a memory controller."""
    if "memory" not in _words(cgroup / "cgroup.subtree_control"):
        (cgroup / "cgroup.subtree_control").write_text("+memory\n")


class RunCgroup:
    """The run's memory cgroup, or why there is none."""

    def __init__(self, path: Path | None, why: str = ""):
        self.path = path
        self.why = why

    def for_case(self, name: str) -> tuple[Path | None, str]:
        """Make the case's cgroup: (its directory or None, the value of MAPCONF_MEMORY)."""
        if self.path is None:
            return None, "none:" + self.why
        case = self.path / name
        try:
            case.mkdir()
        except OSError as error:
            return None, f"none:the case's memory cgroup {case} could not be made ({error.strerror})"
        return case, f"cgroup:{case}"

    def close(self) -> list[str]:
        return remove(self.path) if self.path else []


def open_run(run_id: str, record: Path) -> RunCgroup:
    """Make the run's cgroup, written down in `record` first; or say why there is none."""
    try:
        place = own_place(Path("/proc/self/cgroup").read_text(), Path("/proc/self/mountinfo").read_text())
    except (Unavailable, OSError) as error:
        return RunCgroup(None, str(error))
    path = place.base / f"{PREFIX}{run_id}"
    try:
        record.write_text(f"{path}\n")
        if place.version == 2:
            _pass_memory_down(place.base)
        path.mkdir()
        if place.version == 2:
            _pass_memory_down(path)
    except OSError as error:
        hint = " (it takes root, or a cgroup delegated to this user)" \
            if error.errno in (errno.EACCES, errno.EPERM) else ""
        return RunCgroup(None, f"no memory cgroup could be made under {place.base}: {error.strerror}{hint}")
    return RunCgroup(path)


def remove(cgroup: Path) -> list[str]:
    """Remove a cgroup and those below it, after ending whatever still runs in
    them; returns what was found running (and any cgroup left in place)."""
    left = []
    try:
        with os.scandir(cgroup) as entries:     # the file type comes with the name: no stat of each file
            children = sorted(Path(e.path) for e in entries if e.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        return []
    for child in children:
        left += remove(child)
    left += [f"process {pid} (in memory cgroup {cgroup.name})" for pid in _end_processes(cgroup)]
    try:
        cgroup.rmdir()
    except FileNotFoundError:
        pass
    except OSError as error:
        left.append(f"memory cgroup {cgroup}: could not be removed ({error.strerror})")
    return left


def _procs(cgroup: Path) -> list[int]:
    return [int(pid) for pid in _words(cgroup / "cgroup.procs")]


def _end_processes(cgroup: Path) -> list[int]:
    """SIGKILL every process in the cgroup and wait until each is gone (a
    zombie no longer counts: rmdir succeeds). The pids killed."""
    killed, waiting = [], []
    for pid in _procs(cgroup):
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        if pid not in _procs(cgroup):      # the pid now names another process: not ours
            os.close(fd)
            continue
        try:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
            killed.append(pid)
        except ProcessLookupError:
            pass
        waiting.append((pid, fd))
    for pid, fd in waiting:
        select.select([fd], [], [], EXIT_WAIT_S)    # readable once the process has exited
        os.close(fd)
        try:
            os.waitpid(pid, os.WNOHANG)     # an orphan the runner adopted (it is a subreaper)
        except ChildProcessError:
            pass
    return killed


def sweep(record: Path, run_id: str, ignored: list[str] | None = None) -> list[str]:
    """Remove the cgroup of a run that is gone, as its run directory names
    it. The record is untrusted input: a path that is not where a run puts
    its cgroup is left alone, and said so to ignored."""
    text = trust.read_record(record)
    if text is None:
        return []
    path = Path(text.strip())
    if not made_by_run(path, run_id, MOUNTINFO.read_text()):
        if ignored is not None:
            ignored.append(f"{record}: it names {text.strip()[:200]!r}, not a memory cgroup {PREFIX}{run_id} "
                           f"in a cgroup filesystem, as run {run_id} would have made; it is left alone")
        return []
    if not path.is_dir():
        return []
    return remove(path) + ([] if path.exists() else [f"memory cgroup {path}"])


def made_by_run(path: Path, run_id: str, mountinfo: str) -> bool:
    """Whether path is where run run_id puts its cgroup: named for the run,
    inside a cgroup filesystem, reached through no link and no '..'."""
    return (path.is_absolute() and path.name == f"{PREFIX}{run_id}" and os.path.realpath(path) == str(path)
            and any(Path(mount_point) in path.parents for _, _, mount_point, _ in _cgroup_mounts(mountinfo)))


def leftovers() -> list[str]:
    """The run cgroups of mapconf below this process's place (none after a run)."""
    try:
        place = own_place(Path("/proc/self/cgroup").read_text(), Path("/proc/self/mountinfo").read_text())
    except (Unavailable, OSError):
        return []
    return sorted(str(p) for p in place.base.glob(PREFIX + "*") if p.is_dir())
