"""The machine's huge page pool, put back as a case found it.

A case that needs huge pages raises /proc/sys/vm/nr_hugepages and puts it
back when it ends (controller/huge_pages.c). Before it raises it, it writes
what it was to the run directory's RECORD file and removes that file once
it has put it back. A record still there means a case was killed first:
the run puts the pool back when it closes, or the next run's sweep does.

The pool is the machine's, and other runs of mapconf may use it at the same
time: a case that counts or changes it holds LOCK (an flock) until it ends,
so no other run's reservation changes what it counts, and whoever puts the
pool back or reads it as a whole holds it too. The file is root's, in /run,
which no other user can write: no one else can hold it to stall a run, or
put a link there.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path
from typing import Iterator

POOL = Path("/proc/sys/vm/nr_hugepages")
RECORD = "huge-pages-before"
LOCK = Path("/run/mapconf-huge-pages.lock")     # the same path as controller/huge_pages.c's POOL_LOCK
LOCK_WAIT_S = 60        # a case holds it for one case's time at most


@contextlib.contextmanager
def pool_lock() -> Iterator[None]:
    """Hold the pool's lock (bounded: a holder that never lets go is a case
    past its timeout, killed by its run). Without the file (no root run
    made it) and as another user than root, nothing can be held."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(LOCK, flags | (os.O_CREAT if os.geteuid() == 0 else 0), 0o644)
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{LOCK} was held for more than {LOCK_WAIT_S} s") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)


def record_path(run_path: Path) -> Path:
    return run_path / RECORD


def restore(run_path: Path) -> list[str]:
    """Put the pool back as a record in run_path says; what was done, for the sweep's report."""
    record = record_path(run_path)
    try:
        before = int(record.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    try:
        with pool_lock():
            POOL.write_text(f"{before}\n")
    except (OSError, TimeoutError):
        return []          # the record stays: the next sweep tries again
    record.unlink(missing_ok=True)
    return [f"huge page pool ({POOL}) put back to {before} pages"]
