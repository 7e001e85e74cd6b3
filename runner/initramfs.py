"""The initramfs of a kernel target, written by the runner itself.

A guest booted by runner/platforms/kernel.py has nothing installed: what it
runs comes in one initramfs, a gzip'd cpio archive in the kernel's "newc"
form (Documentation/driver-api/early-userspace/buffer-format.rst), which the
kernel unpacks into its first filesystem. This writes one from a list of
files: each program at the path the runner knows it by, so that a request
names it the same inside and outside, and each shared library it needs (its
dynamic loader's --list), with the loader itself. No kernel module, no
network filesystem: a guest needs only what the kernel has built in (ELF,
a serial port, tmpfs, devtmpfs).
"""

from __future__ import annotations

import errno
import gzip
import os
import re
import stat
import struct
import subprocess
from pathlib import Path

MAGIC = b"070701"
TRAILER = "TRAILER!!!"
PT_INTERP = 3


class InitramfsError(Exception):
    """A program or library the guest needs cannot be read."""


class Archive:
    """A newc archive being written: directories and files."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.names: set[str] = set()
        self.inode = 0

    def _entry(self, name: str, mode: int, data: bytes = b"") -> None:
        self.inode += 1
        encoded = name.lstrip("/").encode() + b"\0"
        fields = (self.inode, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0, len(data),
                  0, 0, 0, 0, len(encoded), 0)
        header = MAGIC + b"".join(b"%08x" % value for value in fields)
        self.parts += [header, encoded, _pad(len(header) + len(encoded)), data, _pad(len(data))]

    def directory(self, path: str, mode: int = 0o755) -> None:
        """path and every directory above it."""
        parts = Path(path).parts[1:]
        for depth in range(1, len(parts) + 1):
            name = "/" + "/".join(parts[:depth])
            if name not in self.names:
                self.names.add(name)
                self._entry(name, stat.S_IFDIR | mode)

    def file(self, path: str, data: bytes, mode: int = 0o755) -> None:
        if path in self.names:
            return
        self.directory(str(Path(path).parent))
        self.names.add(path)
        self._entry(path, stat.S_IFREG | mode, data)

    def copy(self, path: Path, at: str | None = None) -> None:
        """The file at path (its content, not a link), at the same path in the guest or at at."""
        try:
            data = path.read_bytes()
            mode = path.stat().st_mode & 0o7777
        except OSError as error:
            raise InitramfsError(f"cannot read {path}, which the guest needs ({error.strerror})") from None
        self.file(at or str(path), data, mode)

    def program(self, path: Path, at: str | None = None) -> None:
        """A program or library (at path in the guest, or at), and every shared library it needs
        (where the loader finds it)."""
        self.copy(path, at)
        for library in libraries(path):
            self.copy(library)

    def write(self, out: Path) -> None:
        self._entry(TRAILER, 0)
        out.write_bytes(gzip.compress(b"".join(self.parts), compresslevel=1))


def _pad(length: int) -> bytes:
    return b"\0" * (-length % 4)


def interpreter(path: Path) -> str | None:
    """The dynamic loader an ELF file names (PT_INTERP), or None (static, or not ELF)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if head[:4] != b"\x7fELF":
                return None
            wide, little = head[4] == 2, head[5] == 1
            order = "<" if little else ">"
            if wide:
                phoff, = struct.unpack_from(order + "Q", head, 32)
                phentsize, phnum = struct.unpack_from(order + "HH", head, 54)
            else:
                phoff, = struct.unpack_from(order + "I", head, 28)
                phentsize, phnum = struct.unpack_from(order + "HH", head, 42)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
            for i in range(phnum):
                entry = table[i * phentsize:(i + 1) * phentsize]
                if struct.unpack_from(order + "I", entry, 0)[0] != PT_INTERP:
                    continue
                offset, size = (struct.unpack_from(order + "QQ", entry, 8)[0], struct.unpack_from(order + "Q", entry, 32)[0]) \
                    if wide else (struct.unpack_from(order + "I", entry, 4)[0], struct.unpack_from(order + "I", entry, 16)[0])
                f.seek(offset)
                return f.read(size).rstrip(b"\0").decode()
    except OSError as error:
        raise InitramfsError(f"cannot read {path}, which the guest needs ({error.strerror})") from None
    return None


def libraries(path: Path) -> list[Path]:
    """The shared libraries a dynamic ELF file loads, its loader included, as
    the loader itself resolves them here (`LOADER --list`); none for a static one."""
    loader = interpreter(path)
    if loader is None:
        return []
    try:
        proc = subprocess.run([loader, "--list", str(path)], capture_output=True, text=True, timeout=30)
    except OSError as error:
        if error.errno == errno.ENOEXEC:      # another architecture's loader (i386 on a kernel without it)
            return _read_needed(path, Path(loader))
        raise InitramfsError(f"cannot ask {loader} what {path} loads ({error})") from None
    except subprocess.SubprocessError as error:
        raise InitramfsError(f"cannot ask {loader} what {path} loads ({error})") from None
    if proc.returncode != 0:
        raise InitramfsError(f"{loader} --list {path} failed: {(proc.stderr or proc.stdout).strip()[:300]}")
    found = [Path(loader)]
    for line in proc.stdout.splitlines():
        name, arrow, rest = line.strip().partition(" => ")
        where = (rest if arrow else name).split(" (")[0].strip()
        if where == "not found" or not where.startswith("/"):
            if arrow:
                raise InitramfsError(f"{path} needs {name}, which the loader does not find here")
            continue                   # the vDSO: the kernel's own, not a file
        found.append(Path(where))
    return found


def _read_needed(path: Path, loader: Path) -> list[Path]:
    """What `LOADER --list` would say, for a loader this kernel cannot run:
    the libraries each file names (DT_NEEDED, as readelf reads it), found
    beside the loader, as its default search finds them there."""
    where = Path(os.path.realpath(loader)).parent
    found, todo = [loader], [path]
    while todo:
        proc = subprocess.run(["readelf", "-d", "--wide", str(todo.pop())], capture_output=True, text=True, timeout=30)
        for name in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", proc.stdout):
            library = where / name
            if not library.exists():
                raise InitramfsError(f"{path} needs {name}, which is not beside its loader {loader} here")
            if library not in found:
                found.append(library)
                todo.append(library)
    return found


def programs_under(directory: Path) -> list[Path]:
    """Every regular file under directory (a build's programs and libraries;
    object files and dependency files are not needed in the guest)."""
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if d != "obj"]
        for name in sorted(files):
            path = Path(root) / name
            if path.is_file() and not path.is_symlink() and not name.endswith((".d", ".o", ".a", ".stamp")):
                found.append(path)
    return found
