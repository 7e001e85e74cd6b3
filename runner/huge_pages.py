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

from . import trust

POOL = Path("/proc/sys/vm/nr_hugepages")
RECORD = "huge-pages-before"
LOCK = Path("/run/mapconf-huge-pages.lock")     # the same path as controller/huge_pages.c's POOL_LOCK
LOCK_WAIT_S = 60        # a case holds it for one case's time at most
MOST_A_CASE_ADDS = 16   # controller/huge_pages.c's: the most pages a case adds to the pool


def _open_lock() -> int | None:
    """The lock file, made (root's) by root if no run has made it yet."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(LOCK, flags | (os.O_CREAT if os.geteuid() == 0 else 0), 0o644)
    except OSError:
        return None


def lock_made() -> bool:
    """Whether the lock file is there, made now by root if need be: for a
    place that shares this kernel's pool to be given the same lock."""
    fd = _open_lock()
    if fd is None:
        return False
    os.close(fd)
    return True


@contextlib.contextmanager
def pool_lock() -> Iterator[None]:
    """Hold the pool's lock (bounded: a holder that never lets go is a case
    past its timeout, killed by its run). Without the file (no root run
    made it) and as another user than root, nothing can be held."""
    fd = _open_lock()
    if fd is None:
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


def restore(run_path: Path, ignored: list[str] | None = None) -> list[str]:
    """Put the pool back as a record in run_path says; what was done, for
    the sweep's report (and why a record was not followed, to ignored).

    A record is untrusted input: it is followed only when it says what a
    case of this machine could have found, a pool at most MOST_A_CASE_ADDS
    pages below the one there is now. So it can only ever give back pages a
    case took: never reserve memory, never free more than a case added."""
    record = record_path(run_path)
    text = trust.read_record(record)
    if text is None:
        return []
    words = text.split()
    before = int(words[0]) if words and words[0].isdigit() else None
    try:
        with pool_lock():
            now = int(POOL.read_text())
            if before is not None and now - MOST_A_CASE_ADDS <= before < now:
                POOL.write_text(f"{before}\n")
    except (OSError, TimeoutError, ValueError):
        return []          # the record stays: the next sweep tries again
    record.unlink(missing_ok=True)
    if before is None or not now - MOST_A_CASE_ADDS <= before <= now:
        if ignored is not None:
            ignored.append(f"{record}: it says the huge page pool was {text.strip()[:40]!r} pages, which no case "
                           f"could have found with the pool at {now} now (a case adds at most {MOST_A_CASE_ADDS}); "
                           "the pool is left as it is")
        return []
    return [f"huge page pool ({POOL}) put back to {before} pages"] if before < now else []
