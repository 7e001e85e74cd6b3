"""The machine's processes as /proc shows them: what the runner's cleanups
search (a case's process group, a dead run's processes, a sandbox's, Wine's
services, a FUSE daemon). Each look reads what it needs of each process,
once; a process that ends meanwhile is simply not there."""

from __future__ import annotations

import os
import select
import signal
from pathlib import Path
from typing import Iterator

PROC = Path("/proc")


class Process:
    def __init__(self, pid: int):
        self.pid = pid
        self._stat: tuple[str, str, int, int] | None = None

    def _read(self, name: str) -> bytes | None:
        try:
            return (PROC / str(self.pid) / name).read_bytes()
        except OSError:
            return None

    def _stat_fields(self) -> tuple[str, str, int, int]:
        """(name, state, ppid, pgid); a process gone reads as a zombie of no group."""
        if self._stat is None:
            stat = (self._read("stat") or b"(?) Z 0 0").decode(errors="replace")
            name = stat[stat.index("(") + 1: stat.rindex(")")]
            state, ppid, pgid = stat[stat.rindex(")") + 2:].split()[:3]
            self._stat = (name, state, int(ppid), int(pgid))
        return self._stat

    @property
    def name(self) -> str:
        return self._stat_fields()[0]

    @property
    def state(self) -> str:
        return self._stat_fields()[1]

    @property
    def ppid(self) -> int:
        return self._stat_fields()[2]

    @property
    def pgid(self) -> int:
        return self._stat_fields()[3]

    def environ(self) -> list[bytes]:
        """Its environment, NAME=value each (empty for a process not ours to read)."""
        return (self._read("environ") or b"").split(b"\0")

    def cmdline(self) -> bytes:
        return self._read("cmdline") or b""

    def owned(self) -> bool:
        try:
            return (PROC / str(self.pid)).stat().st_uid == os.getuid()
        except OSError:
            return False

    def kill(self) -> bool:
        """SIGKILL it; False if it was already gone."""
        try:
            os.kill(self.pid, signal.SIGKILL)
            return True
        except ProcessLookupError:
            return False


def others() -> Iterator[Process]:
    """Every process but this one."""
    me = os.getpid()
    for entry in PROC.iterdir():
        if entry.name.isdigit() and int(entry.name) != me:
            yield Process(int(entry.name))


def kill_all(found: Iterator[Process]) -> list[int]:
    """SIGKILL each process found; the pids of those that were still there."""
    return [p.pid for p in found if p.kill()]


GONE_WAIT_S = 10


def wait_gone(pids: list[int]) -> None:
    """Wait, bounded, until these processes (not ours to reap) have exited:
    a killed process stays in /proc until the kernel has ended it."""
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            select.select([fd], [], [], GONE_WAIT_S)
        finally:
            os.close(fd)
