"""The words of mapconf, each defined once: the clauses of the mapping
contract, the backends and the agent family that implements each, the
platform kinds, the statuses and the form of an assertion ID.

The spec table's validation, the results document's schema, the platforms,
the catalogue and the reports all read them from here. The clause
statements are the mapping contract's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


# --- clauses of the mapping contract ------------------------------------------

@dataclass(frozen=True)
class Clause:
    id: str
    title: str
    statement: str


CLAUSES = {clause.id: clause for clause in (
    Clause("C1", "Private allocation",
           "Memory a process obtains from its ordinary allocators (heap, virtual memory, and on Win32 "
           "HeapAlloc, VirtualAlloc, GlobalAlloc, LocalAlloc) can be reached by that process only."),
    Clause("C2", "Library allocation is the caller's",
           "Memory allocated by code in a shared library (DLL, .so) lives in the address space of the "
           "process that called it; other processes that load the same library cannot reach it, and the "
           "library's ordinary global data is per process."),
    Clause("C3", "Sharing needs a mapping",
           "The only way to share memory between unrelated processes is a mapping object (file mapping, "
           "shared memory object)."),
    Clause("C4", "Named objects",
           "A process can give the mapping object a name when it creates it; another process that creates "
           "or opens with the same name gets a handle to the same object. Creating an existing name reports "
           "that it already existed; opening a missing name fails."),
    Clause("C5", "Views share pages",
           "Each process maps a view of the object into its own address space. All views of one object, in "
           "all processes, map the same physical pages: a write through one view is seen through every "
           "other view."),
    Clause("C6", "Addresses are per process",
           "The virtual address of a view may differ from process to process, unless the view is mapped at "
           "a specified address; then it is exactly there, or the call fails."),
    Clause("C7", "Not global",
           "The pages are shared but not global: a process that has not mapped a view cannot reach them (not "
           "at the address where another process has them, and not without the name and the rights to open "
           "it)."),
    Clause("C8", "Release on last unmap",
           "The committed pages are released when the last process that has a view unmaps it or terminates "
           "(however it terminates)."),
    Clause("C9", "File updated at release",
           "If the object is backed by a file, the file is updated by then."),
    Clause("C10", "Flush",
           "A flush of a view forces the file to be updated without unmapping."),
    Clause("C11", "Synchronise writers",
           "When several processes can write, they must synchronise; process-shared synchronisation placed "
           "in, or beside, the mapping must work across processes."),
)}


def title(clause_id: str) -> str:
    """The clause's short title, e.g. "Views share pages" for C5."""
    return CLAUSES[clause_id].title


def clause_number(clause_id: str) -> int:
    """C10 -> 10, so that clauses sort C1, C2, ..., C11 rather than C1, C10, C11, C2."""
    return int(clause_id[1:])


# --- backends: the kinds of shared memory a case maps ------------------------

@dataclass(frozen=True)
class Backend:
    name: str
    agent_family: str      # the agent that implements it: "posix" or "win32"


BACKENDS = {backend.name: backend for backend in (
    Backend("posix-shm", "posix"),
    Backend("file", "posix"),
    Backend("memfd", "posix"),
    Backend("sysv", "posix"),
    Backend("anon-fork", "posix"),
    Backend("win32-section", "win32"),
    Backend("win32-file", "win32"),
)}

AGENT_FAMILIES = ("posix", "win32")


def backends_of(agent_family: str) -> tuple[str, ...]:
    """The backends an agent family implements, in table order."""
    if agent_family not in AGENT_FAMILIES:
        raise ValueError(f"unknown agent family {agent_family!r}; use one of {', '.join(AGENT_FAMILIES)}.")
    return tuple(name for name, backend in BACKENDS.items() if backend.agent_family == agent_family)


# --- reproducers (./mapconf repro): where each agent family's case is recorded --

# A reproducer carries its family's agent; its case is recorded where that
# agent runs on this machine: POSIX natively, Win32 under Wine.
RECORDED_ON = {"posix": "native", "win32": "wine"}


def has_reproducer(backend: str) -> bool:
    """True if ./mapconf repro makes programs for this backend."""
    return backend in BACKENDS and BACKENDS[backend].agent_family in RECORDED_ON


# --- platforms: where a run's agents run (runner/platforms/<kind>.py) -----

PLATFORMS = ("native", "wine", "wine32", "wine-bundle", "windows", "qemu-aarch64", "qemu-arm", "qemu-i386",
             "qemu-riscv64", "qemu-s390x", "qemu-ppc64el", "qemu-mips64el", "gvisor", "i386", "musl", "valgrind", "custom", "kernel")


# --- statuses ----------------------------------------------------------------

# What a case process can come out as, and what the spec table may expect.
OBSERVED_STATUSES = ("PASS", "FAIL", "SKIP", "ERROR", "TIMEOUT")
# What a result is once reconciled with the expectation (runner/outcome.py).
FINAL_STATUSES = ("PASS", "FAIL", "XFAIL", "XPASS", "SKIP", "ERROR", "TIMEOUT")


# --- conditions of a run an expectation may depend on (`when` in the spec table) --

# unprivileged: the run is not root, so the system refuses a case's change of uid or of the huge page pool.
# no-memory-cgroup: the run could make no memory cgroup (no memory controller, or none it may write:
# not root and none delegated to it), so release cannot be measured (runner/memcg.py).
# shm-unlimited: /dev/shm has more room than a case may fill (ROOM_A_CASE_FILLS), so
# SIZE-006 cannot run out of it (cases/sizes.c has the same bound).
SHM_ROOM_A_CASE_FILLS = 256 << 20
# files-in-memory: the run's scratch directory, where the file objects live, is on a filesystem
# with no backing store (tmpfs, ramfs: a TMPDIR on tmpfs, --filesystem tmpfs, a guest's initramfs),
# so a flush writes nothing back and leaves the pages dirty. Probed where the cases run.
IN_MEMORY_FILESYSTEMS = ("tmpfs", "ramfs")
CONDITIONS = ("unprivileged", "no-memory-cgroup", "shm-unlimited", "files-in-memory")


# --- assertion IDs -----------------------------------------------------------

# AREA-NNN: upper-case letters, a dash, exactly three digits (VIS-001).
ID_PATTERN = re.compile(r"[A-Z]+-[0-9]{3}")


def area_of(assertion_id: str) -> str:
    """The area of an assertion ID: the part before the dash (VIS for VIS-001)."""
    return assertion_id.split("-", 1)[0]
