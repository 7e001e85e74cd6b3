"""The run directory: where a run keeps its scratch files, and how a later
run finds and sweeps what a killed run left behind.

Each run owns ${TMPDIR:-/tmp}/mapconf-<uid>/runs/<run-id>/ and holds an
exclusive flock on its "lock" file for as long as it lives. The kernel drops
the lock when the process dies, however it dies, so "the lock can be taken"
is an exact test that the run is gone (no pid files, no pid reuse races).
Everything a run creates carries its run id: shared-memory objects
(/dev/shm/mapconf-<run-id>-...), files under objects/, the memory cgroup of
its cases (named in the file "memcg", see runner/memcg.py), the scratch
filesystem of --filesystem (named in the file "filesystem", see
runner/filesystems.py), and the environment variable MAPCONF_RUN_ID of its
case and agent processes.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import re
import secrets
import shutil
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import filesystems, huge_pages, memcg, processes, trust

SHM_DIR = Path("/dev/shm")
SYSV_SHM_TABLE = Path("/proc/sysvipc/shm")


# Others may pass through a run's directories but not list them: gVisor's
# sandbox reaches its bundle under the case's directory as another user, and
# cannot start at all below a 0700 directory. The objects directory is the
# same: an object file is guarded by its own mode, as an object in /dev/shm
# is, so that a case can let another user try its rights on it (ISO-005,
# ISO-007..010) and a refusal is the object's doing, not its directory's.
TRAVERSE_ONLY = 0o711


def runs_root() -> Path:
    """${TMPDIR:-/tmp}/mapconf-<uid>/runs, made if missing, once it can be
    trusted (runner/trust.py); trust.Untrusted (exit 2) if it cannot."""
    tmp = Path(os.path.abspath(os.environ.get("TMPDIR") or "/tmp"))
    where = tmp / f"mapconf-{os.geteuid()}" / "runs"
    base = trust.trusted_real_path(tmp, where)
    mine = trust.own_directory(base, f"mapconf-{os.geteuid()}", TRAVERSE_ONLY, where)
    return trust.own_directory(mine, "runs", TRAVERSE_ONLY, where)


@dataclass
class RunDir:
    run_id: str
    path: Path
    lock_fd: int
    swept: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)     # what the sweep found and did not follow
    memory: memcg.RunCgroup = field(default_factory=lambda: memcg.RunCgroup(None, "the run made no memory cgroup"))
    filesystem: filesystems.Filesystem | None = None     # set by its mount()
    _workers: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _made: int = 0

    @property
    def objects(self) -> Path:
        return self.path / "objects"

    def work_dir(self) -> Path:
        """A directory for a case's record, transcript and output, kept by the
        calling worker thread and used again for its next case (the runner
        empties the files first; a case's evidence is read into its result as
        soon as it ends). A new file costs more than a case on some
        filesystems: ext4 looks for recently deleted inodes at each one."""
        mine = getattr(self._workers, "dir", None)
        if mine is None:
            with self._lock:
                self._made += 1
                mine = self.path / "cases" / f"worker-{self._made}"
            mine.mkdir(parents=True)
            self._workers.dir = mine
        return mine

    def close(self) -> None:
        """Remove everything of this run (the caller has ended its cases)."""
        self.memory.close()
        huge_pages.restore(self.path)
        remove_objects(self.run_id)
        remove_sysv_segments(self.objects, f"mapconf-{self.run_id}-")
        if self.filesystem:   # before the directory goes: its mount points are in it
            self.filesystem.unmount()
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self.lock_fd)


# What a run's id looks like: its runner's pid and four hex digits. A
# reproducer names its own processes MAPCONF_RUN_ID=repro<pid> and sweeps
# them itself: they are no run's orphans.
RUN_ID_FORM = re.compile(r"[0-9]+[0-9a-f]{4}")


LOCK = "lock"
MAKE_ATTEMPTS = 3


def open_run(root: Path | None = None) -> RunDir:
    """Sweep dead runs, then create and lock a new run directory (in root,
    runs_root() by default)."""
    root = root or runs_root()
    ignored: list[str] = []
    swept = sweep_dead_runs(root, ignored)
    for attempt in range(MAKE_ATTEMPTS):
        run_id = f"{os.getpid()}{secrets.token_hex(2)}"     # RUN_ID_FORM
        path = root / run_id
        path.mkdir(mode=TRAVERSE_ONLY)
        path.chmod(TRAVERSE_ONLY)          # whatever the umask
        # the lock first: a directory without one is a run's only if it is empty (sweep_dead_runs)
        try:
            fd = os.open(path / LOCK, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            break
        except FileNotFoundError:      # another run's sweep took it for one killed before its lock
            if attempt == MAKE_ATTEMPTS - 1:
                raise
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    (path / "objects").mkdir(mode=TRAVERSE_ONLY)
    (path / "objects").chmod(TRAVERSE_ONLY)
    return RunDir(run_id, path, fd, swept, ignored, memcg.open_run(run_id, path / memcg.RECORD))


def is_dead(run_path: Path) -> bool:
    """Whether the run of this directory is gone: its lock (this user's
    regular file, not a link) can be taken."""
    try:
        fd = os.open(run_path / LOCK, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
            return False
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def sweep_dead_runs(root: Path, ignored: list[str] | None = None) -> list[str]:
    """Remove what runs that are gone left behind; returns what was removed.
    Only directories this user's runs made are swept (named as a run,
    this user's, with their lock); what else is there, and any record in
    them that names what a run does not make, is left alone and said so
    to ignored."""
    ignored = [] if ignored is None else ignored
    removed = []
    for run_path in sorted(root.iterdir()):
        if not (RUN_ID_FORM.fullmatch(run_path.name) and trust.is_own_directory(run_path)):
            ignored.append(f"{run_path}: not a run directory of this user's")
            continue
        if not (run_path / LOCK).exists() and not run_path.is_symlink():
            # made by a run killed before it took its lock: nothing is in it yet
            try:
                run_path.rmdir()
                removed.append(str(run_path))
            except OSError:
                ignored.append(f"{run_path}: a directory without a run's lock, and not empty")
            continue
        if not is_dead(run_path):
            continue
        removed += _sweep_dead_run(run_path, ignored)
    removed += [f"process {pid} of a run that is gone" for pid in kill_orphans(root)]
    return removed


def _sweep_dead_run(run_path: Path, ignored: list[str]) -> list[str]:
    run_id = run_path.name
    removed = []
    # a run with a scratch filesystem wrote its SysV keys down on it: read them
    # through its namespace while a process of the run still holds that
    scratch = filesystems.dead_scratch(run_path, run_id)
    if scratch:
        removed += remove_sysv_segments(scratch, f"mapconf-{run_id}-")
    killed = kill_run_processes(run_id, run_path)
    removed += [f"process {pid}" for pid in killed]
    if (run_path / filesystems.RECORD).exists():
        processes.wait_gone(killed)      # the namespace, its mounts and loop devices go with the last of them
        removed += filesystems.sweep(run_path, ignored)
    removed += memcg.sweep(run_path / memcg.RECORD, run_id, ignored)
    removed += huge_pages.restore(run_path, ignored)
    removed += remove_objects(run_id)
    removed += remove_sysv_segments(run_path / "objects", f"mapconf-{run_id}-")
    shutil.rmtree(run_path, ignore_errors=True)
    removed.append(str(run_path))
    return removed


def kill_orphans(root: Path, among: set[int] | None = None) -> list[int]:
    """SIGKILL every process of ours whose environment names a run of this
    root that has no directory any more: a run makes its directory before
    any process carries its id, so such a process outlived its run (a Wine
    service that came up while the run was ending, say). A process of a run
    under another TMPDIR (another root, whose directories are not here) is
    not this root's to judge. among limits the search to those pids."""
    def orphaned(p: processes.Process) -> bool:
        if (among is not None and p.pid not in among) or not p.owned():
            return False
        environ = p.environ()
        run_ids = [v[len(b"MAPCONF_RUN_ID="):].decode(errors="replace") for v in environ
                   if v.startswith(b"MAPCONF_RUN_ID=")]
        if not (run_ids and RUN_ID_FORM.fullmatch(run_ids[0])) or (root / run_ids[0]).exists():
            return False
        return _in_root(environ, root)
    return processes.kill_all(p for p in processes.others() if orphaned(p))


def _in_root(environ: list[bytes], root: Path) -> bool:
    """Whether a process of a run, by its TMPDIR, is of a run under root: its
    runner's TMPDIR, or (Wine's processes) a run directory of root."""
    tmpdirs = [v[len(b"TMPDIR="):].decode(errors="replace") for v in environ if v.startswith(b"TMPDIR=")]
    base = root.parent.parent
    tmp = Path(tmpdirs[0]) if tmpdirs and tmpdirs[0] else Path("/tmp")
    return tmp == base or root in tmp.parents


def remove_objects(run_id: str, prefix: str = "") -> list[str]:
    """Remove the shared-memory objects named for this run (and prefix)
    that this user's processes made: /dev/shm is everyone's, and a name
    is no proof of who made it."""
    removed = []
    pattern = f"mapconf-{run_id}-{prefix}*"
    for path in SHM_DIR.glob(pattern):
        try:
            if path.lstat().st_uid != os.geteuid():
                continue
            path.unlink()
            removed.append(str(path))
        except FileNotFoundError:
            pass
    return removed


def kill_run_processes(run_id: str, run_path: Path | None = None) -> list[int]:
    """SIGKILL every process of ours whose environment names this run, or
    whose command line names its directory (a sandbox process, which gets
    an environment of its own)."""
    marker = f"MAPCONF_RUN_ID={run_id}".encode()
    path_marker = str(run_path).encode() + b"/" if run_path else None
    return processes.kill_all(p for p in processes.others()
                              if marker in p.environ() or (path_marker and path_marker in p.cmdline()))


IPC_RMID = 0


def remove_sysv_segments(directory: Path, prefix: str) -> list[str]:
    """Remove the SysV segments whose keys the cases wrote down as
    <prefix>...-sysv-<key in hex> files (a key cannot carry the run id),
    when this user made them: a key is no proof of who holds it now."""
    removed = []
    libc = None
    for marker in directory.glob(prefix + "*-sysv-*"):
        key = int(marker.name.rpartition("-sysv-")[2], 16)
        libc = libc or ctypes.CDLL(None, use_errno=True)
        shmid = libc.shmget(key, 0, 0)
        if shmid >= 0 and _segment_creator(shmid) == os.geteuid() and libc.shmctl(shmid, IPC_RMID, None) == 0:
            removed.append(f"SysV segment key 0x{key:08x}")
        marker.unlink(missing_ok=True)
    return removed


def _segment_creator(shmid: int) -> int | None:
    """The uid that made segment shmid, as /proc/sysvipc/shm (of this IPC namespace) lists it."""
    try:
        lines = SYSV_SHM_TABLE.read_text().splitlines()
    except OSError:
        return None
    columns = lines[0].split() if lines else []
    for line in lines[1:]:
        fields = dict(zip(columns, line.split()))
        if fields.get("shmid") == str(shmid):
            return int(fields["cuid"])
    return None
