"""The machine's huge page pool, put back as a case found it.

A case that needs huge pages raises /proc/sys/vm/nr_hugepages and puts it
back when it ends (controller/huge_pages.c). Before it raises it, it writes
what it was to the run directory's RECORD file and removes that file once
it has put it back. A record still there means a case was killed first:
the run puts the pool back when it closes, or the next run's sweep does.
"""
from __future__ import annotations

from pathlib import Path

POOL = Path("/proc/sys/vm/nr_hugepages")
RECORD = "huge-pages-before"


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
        POOL.write_text(f"{before}\n")
    except OSError:
        return []          # the record stays: the next sweep tries again
    record.unlink(missing_ok=True)
    return [f"huge page pool ({POOL}) put back to {before} pages"]
