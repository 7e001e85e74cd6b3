"""Filesystems: where a run's file-backed objects live (`run --filesystem NAME`).

The file and win32-file backends make their objects as files in the run's
scratch directory (MAPCONF_SCRATCH, runner/rundir.py's objects/). With
--filesystem, that directory is a filesystem of the named kind, made and
mounted for the run; `shm-SIZE` instead puts a tmpfs of SIZE over /dev/shm,
where the posix-shm objects live, as a container runtime does (Docker gives
a container 64 MiB).

Every mount is made in a private mount namespace: the runner leaves the
host's namespace (unshare(CLONE_NEWNS), then / made rprivate so nothing
propagates back) while it is still single-threaded, and the case and agent
processes it starts inherit that namespace. The host never sees the mounts,
and they go away when the last process of the namespace ends, however it
ends.

A run that is killed must still leave nothing behind, so the run records
what it made (the file "filesystem" in its directory: name, image, the pid
of its holder) before it makes it. The holder is a process that does
nothing but stay in the namespace: with it, the next run's sweep can still
reach the dead run's scratch directory (through /proc/PID/root) to remove
the SysV segments its cases wrote down there, and then end the namespace by
killing the holder with the run's other processes, a FUSE daemon included
(all carry MAPCONF_RUN_ID). Loop devices are attached with autoclear, so
they go with the namespace's last mount; the sweep detaches any that is
still there, and the image goes with the run directory.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import select
import signal
import subprocess
from pathlib import Path

from . import processes, trust
from .platforms import PlatformError, Tool, tool_version, which

RECORD = "filesystem"            # in the run directory: what the run made, for a later sweep
IMAGE = "ext4.img"               # in the run directory: the ext4 kind's image
CLONE_NEWNS = 0x00020000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
HELPER_TIMEOUT_S = 60
EXT4_IMAGE_BYTES = 1 << 30       # sparse: only what the objects use takes space
SHM_SIZE = re.compile(r"shm-([1-9][0-9]*)([km])")

# Platforms on which the scratch directory of the runner is not where the
# cases' files go, and why.
REFUSED_PLATFORMS = {
    "gvisor": "gVisor's sandbox serves the case's files through its own gofer and filesystem, "
              "so a mount made for the run is not what the cases' file objects are on",
    "kernel": "the cases run in a virtual machine, whose files are its own: a mount made for the run "
              "is not in it",
}


class FilesystemError(PlatformError):
    """A --filesystem that cannot be used here: one sentence, exit code 2."""


def names() -> str:
    return "tmpfs, ext4, overlayfs, fuse, fuse-direct-io, shm-SIZE (e.g. shm-64m)"


class Filesystem:
    """One kind of scratch filesystem; subclasses say how it is made."""
    fstype = ""
    holds = "the run's scratch directory: the objects of the file and win32-file backends"
    backends = ("file", "win32-file")
    tools: tuple[Tool, ...] = (Tool("mount", "mount"),)

    def __init__(self, name: str):
        self.name = name
        self.run_dir = None
        self.holder: subprocess.Popen | None = None
        self.daemon_pid: int | None = None
        self.mounted: list[Path] = []       # innermost last
        self.image: Path | None = None

    # --- what the run says about it ----------------------------------------
    @property
    def mount_point(self) -> Path:
        return self.run_dir.objects

    def tool(self) -> str | None:
        """The program that serves the filesystem and its version, if not the kernel alone."""
        return None

    def size_limit(self) -> int | None:
        return None

    def notice(self) -> str | None:
        """A sentence the run prints at its start and in its summary, if any."""
        return None

    def info(self) -> dict:
        fstype, source, options = mount_entry(self.mount_point)
        return {
            "name": self.name,
            "holds": self.holds,
            "mount_point": str(self.mount_point),
            "fstype": fstype or self.fstype,
            "source": source,
            "mount_options": options,
            "size_limit_bytes": self.size_limit(),
            "tool": self.tool(),
        }

    # --- the run -------------------------------------------------------------
    def mount(self, run_dir, made_before: list[str] = ()) -> None:
        """Enter a private mount namespace and mount the filesystem for the
        run, with the files the run makes before it begins (made_before,
        names in the scratch directory) on it."""
        self.run_dir = run_dir
        self.made_before = list(made_before)
        self._record()
        enter_private_namespace()
        self.holder = subprocess.Popen(["sleep", "infinity"], env=self.helper_env(), start_new_session=True,
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        self._record()
        run_dir.filesystem = self     # the run's close() takes down even a half-made mount
        self.make()
        make_files(run_dir.objects, [n for n in self.made_before if not (run_dir.objects / n).exists()])

    def make(self) -> None:
        raise NotImplementedError

    def unmount(self) -> None:
        """Unmount what mount() made, end the FUSE daemon and the holder. The
        namespace goes with the runner; this leaves it empty before then."""
        for target in reversed(self.mounted):
            if subprocess.run(["umount", str(target)], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", str(target)], capture_output=True)   # a straggler holds it
        self.mounted = []
        if self.daemon_pid:
            _reap(self.daemon_pid)
            self.daemon_pid = None
        if self.holder:
            self.holder.kill()
            self.holder.wait()
            self.holder = None

    def annotate(self, record: dict) -> None:
        """Add to the message of a result that went wrong on a backend this
        filesystem holds what the reader must know about it."""

    # --- helpers -------------------------------------------------------------
    def helper_env(self) -> dict[str, str]:
        # the run id marks every process of the run for the sweep of a killed run
        return dict(os.environ, MAPCONF_RUN_ID=self.run_dir.run_id)

    def run_helper(self, argv: list[str], what: str) -> None:
        try:
            proc = subprocess.run(argv, env=self.helper_env(), capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL, timeout=HELPER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise FilesystemError(f"{what} took more than {HELPER_TIMEOUT_S} s ({' '.join(argv)}).") from None
        if proc.returncode != 0:
            said = (proc.stderr or proc.stdout).strip().replace("\n", " ")[:300]
            raise FilesystemError(f"{what} failed with status {proc.returncode} ({' '.join(argv)}): {said}")

    def mount_at(self, target: Path, argv: list[str], what: str) -> None:
        self.run_helper(argv, what)
        self.mounted.append(target)

    def _record(self) -> None:
        record = {"name": self.name, "holder": self.holder.pid if self.holder else None,
                  "image": str(self.image) if self.image else None}
        path = self.run_dir.path / RECORD
        path.write_text(json.dumps(record))


class Tmpfs(Filesystem):
    fstype = "tmpfs"

    def make(self) -> None:
        self.mount_at(self.mount_point, ["mount", "-t", "tmpfs", "-o", "mode=0711", "mapconf-scratch",
                                         str(self.mount_point)], "mounting a tmpfs on the scratch directory")


class Ext4(Filesystem):
    fstype = "ext4"
    tools = Filesystem.tools + (Tool("mkfs.ext4", "e2fsprogs"), Tool("losetup", "mount"))

    def make(self) -> None:
        self.image = self.run_dir.path / IMAGE
        self._record()
        with open(self.image, "wb") as image:
            image.truncate(EXT4_IMAGE_BYTES)
        self.run_helper(["mkfs.ext4", "-q", "-F", "-L", "mapconf", str(self.image)], "mkfs.ext4 on the image")
        # mount(8) attaches the loop device with autoclear: it goes with the last unmount
        self.mount_at(self.mount_point, ["mount", "-t", "ext4", "-o", "loop", str(self.image),
                                         str(self.mount_point)], "mounting the ext4 image")
        self.mount_point.chmod(0o711)
        (self.mount_point / "lost+found").rmdir()     # the scratch directory starts empty

    def tool(self) -> str:
        return tool_version([which("mkfs.ext4"), "-V"]) + f", on a loop device ({_loop_of(self.image)})"


class Overlay(Filesystem):
    """The scratch directory is an overlay's merged directory, its layers in
    the run directory, on the host's filesystem, as a container runtime keeps
    them. The objects the cases create are new files, made on the upper
    layer; the files the run makes before it begins (VIS-006) are made on
    the lower layer before the overlay is mounted."""
    fstype = "overlay"
    holds = ("the run's scratch directory: the objects of the file and win32-file backends "
             "(those the cases create on the upper layer; those made before the run on the lower)")

    def make(self) -> None:
        layers = self.run_dir.path / "overlay"
        layers.mkdir(mode=0o700)
        for name in ("lower", "upper", "work"):
            (layers / name).mkdir(mode=0o700)
        (layers / "upper").chmod(0o711)     # the merged directory's mode: as the objects directory's
        make_files(layers / "lower", self.made_before)
        options = f"lowerdir={layers / 'lower'},upperdir={layers / 'upper'},workdir={layers / 'work'}"
        self.mount_at(self.mount_point, ["mount", "-t", "overlay", "-o", options, "mapconf-overlay",
                                         str(self.mount_point)], "mounting the overlay")


class Fuse(Filesystem):
    """bindfs, a FUSE passthrough, from a directory of the run onto the scratch directory."""
    fstype = "fuse"
    tools = Filesystem.tools + (Tool("bindfs", "bindfs"),)

    def __init__(self, name: str, direct_io: bool):
        super().__init__(name)
        self.direct_io = direct_io

    def make(self) -> None:
        source = self.run_dir.path / "fuse-source"
        source.mkdir(mode=0o711)
        source.chmod(0o711)     # the mount's root has its mode: as the objects directory's
        # allow_other: other users reach the files through the mount, each
        # guarded by its own mode, as on any other filesystem
        options = "allow_other" + (",direct_io" if self.direct_io else "")
        argv = ["bindfs", "-o", options, str(source), str(self.mount_point)]
        # bindfs returns once the mount is made; its daemon then lives on as
        # a child of the runner, which is a subreaper
        self.mount_at(self.mount_point, argv, "bindfs")
        self.daemon_pid = _child_named("bindfs")

    def tool(self) -> str:
        return tool_version([which("bindfs"), "--version"]) + (" with -o direct_io" if self.direct_io else "")


class ShmLimit(Filesystem):
    """A tmpfs of a set size over /dev/shm, with the options Docker gives a container's."""
    fstype = "tmpfs"
    holds = "/dev/shm: the objects of the posix-shm backend"
    backends = ("posix-shm",)

    def __init__(self, name: str, size_bytes: int):
        super().__init__(name)
        self.size_bytes = size_bytes

    @property
    def mount_point(self) -> Path:
        return Path("/dev/shm")

    def make(self) -> None:
        options = f"rw,nosuid,nodev,noexec,relatime,size={self.size_bytes // 1024}k"
        self.mount_at(self.mount_point, ["mount", "-t", "tmpfs", "-o", options, "shm", str(self.mount_point)],
                      "mounting a tmpfs on /dev/shm")

    def size_limit(self) -> int:
        return self.size_bytes

    def notice(self) -> str:
        return (f"/dev/shm is limited to {_size_text(self.size_bytes)} in this run (a tmpfs of that size, "
                "as a container has): posix-shm objects share it, and a page that finds no space left "
                "gives SIGBUS where it is touched")

    def annotate(self, record: dict) -> None:
        out_of_space = "SIGBUS" in record["message"] or "ENOSPC" in record["message"]
        if record["backend"] in self.backends and record["unexpected"] and out_of_space:
            record["message"] += (f" [/dev/shm was limited to {_size_text(self.size_bytes)} in this run: "
                                  "an object whose pages find no space left there gives SIGBUS when touched]")


def make(name: str, platform_kind: str) -> Filesystem:
    """The filesystem a --filesystem NAME asks for, refused in one sentence
    before any work where it cannot be."""
    if platform_kind in REFUSED_PLATFORMS:
        raise FilesystemError(f"--filesystem does not apply to --platform {platform_kind}: "
                              f"{REFUSED_PLATFORMS[platform_kind]}; drop --filesystem.")
    if os.geteuid() != 0:
        raise FilesystemError(f"--filesystem {name} mounts a filesystem in a private mount namespace, "
                              "which needs root; run mapconf as root (for example with sudo).")
    simple = {"tmpfs": Tmpfs, "ext4": Ext4, "overlayfs": Overlay}
    if name in simple:
        return simple[name](name)
    if name in ("fuse", "fuse-direct-io"):
        return Fuse(name, direct_io=name == "fuse-direct-io")
    size = SHM_SIZE.fullmatch(name)
    if size:
        return ShmLimit(name, int(size.group(1)) << (10 if size.group(2) == "k" else 20))
    raise FilesystemError(f"unknown filesystem '{name}'; choose one of: {names()}.")


# --- the namespace -------------------------------------------------------------

MADE_BEFORE_BYTES = 4096      # controller/objects.h, MC_MADE_BEFORE_SIZE


def make_files(directory: Path, names: list[str]) -> None:
    """The files a run makes before it begins: MADE_BEFORE_BYTES zero bytes each."""
    for name in names:
        with open(directory / name, "xb", opener=lambda path, flags: os.open(path, flags, 0o600)) as f:
            f.truncate(MADE_BEFORE_BYTES)


def enter_private_namespace() -> None:
    """Leave the host's mount namespace for a copy of it that shares nothing
    back. unshare(CLONE_NEWNS) refuses a process with threads (EINVAL), so
    this is done before any case runs."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        raise FilesystemError(f"unshare(CLONE_NEWNS) failed ({os.strerror(ctypes.get_errno())}); "
                              "--filesystem needs root and a kernel with mount namespaces.")
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise FilesystemError(f"making / private in the run's mount namespace failed "
                              f"({os.strerror(ctypes.get_errno())}).")


def mount_entry(target: Path) -> tuple[str | None, str | None, str]:
    """(fstype, source, options) of the topmost mount at target, from this
    namespace's /proc/self/mountinfo (mount and superblock options joined)."""
    found = (None, None, "")
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        if _unescape(fields[4]) != str(target):
            continue
        rest = fields[fields.index("-") + 1:]
        options = [o for o in dict.fromkeys(fields[5].split(",") + rest[2].split(","))]
        found = (rest[0], _unescape(rest[1]), ",".join(options))
    return found


def filesystem_of(path: Path) -> str:
    """The type of the filesystem path is on (the mount with the longest
    mount point that holds it, the topmost of those), or "unknown"."""
    try:
        target = os.path.realpath(path)
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return "unknown"
    best, fstype = -1, "unknown"
    for line in lines:
        fields = line.split()
        point = _unescape(fields[4])
        if (target == point or target.startswith(point.rstrip("/") + "/")) and len(point) >= best:
            best, fstype = len(point), fields[fields.index("-") + 1]
    return fstype


def _unescape(text: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


# --- the sweep of a killed run (runner/rundir.py) -------------------------------

def _record(run_path: Path) -> dict:
    """The dead run's record, untrusted: {} when there is none to read."""
    text = trust.read_record(run_path / RECORD)
    try:
        record = json.loads(text) if text is not None else {}
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def dead_scratch(run_path: Path, run_id: str) -> Path | None:
    """The scratch directory of a dead run as its namespace still shows it,
    through its holder's root, while the holder lives; else None. The
    holder must be this user's process that carries the run's id."""
    pid = _record(run_path).get("holder")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return None
    holder = processes.Process(pid)
    if not holder.owned() or f"MAPCONF_RUN_ID={run_id}".encode() not in holder.environ():
        return None
    return Path(f"/proc/{pid}/root") / str(run_path / "objects").lstrip("/")


def sweep(run_path: Path, ignored: list[str] | None = None) -> list[str]:
    """After the dead run's processes are gone: detach any loop device still
    on its image (the image itself goes with the run directory). The record
    is untrusted input: an image anywhere but where a run puts it is left
    alone, and said so to ignored."""
    image = _record(run_path).get("image")
    if not image:
        return []
    if image != str(run_path / IMAGE):
        if ignored is not None:
            ignored.append(f"{run_path / RECORD}: it names the image {str(image)[:200]!r}, not {run_path / IMAGE} "
                           "where the run would have made it; its loop devices are left alone")
        return []
    removed = []
    for device in loops_of(image):
        if subprocess.run(["losetup", "-d", device], capture_output=True).returncode == 0:
            removed.append(f"loop device {device}")
    return removed


def loops_of(image: str) -> list[str]:
    try:
        proc = subprocess.run(["losetup", "-n", "-O", "NAME", "-j", image], capture_output=True, text=True,
                              timeout=HELPER_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError):
        return []
    return proc.stdout.split()


def _loop_of(image: Path | None) -> str:
    return ", ".join(loops_of(str(image))) if image else "none"


def _child_named(comm: str) -> int | None:
    """A child of this process with that command name (a daemon that was
    re-parented to the runner, a subreaper)."""
    return next((p.pid for p in processes.others() if p.ppid == os.getpid() and p.name == comm), None)


def _reap(pid: int) -> None:
    """Wait for a child that its unmount ends; kill it if it does not end."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        if not select.select([fd], [], [], HELPER_TIMEOUT_S)[0]:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    finally:
        os.close(fd)


def _size_text(size: int) -> str:
    if size % (1 << 20) == 0:
        return f"{size >> 20} MiB"
    return f"{size >> 10} KiB"
