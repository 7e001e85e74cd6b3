"""The clauses C1..C11 of the mapping contract: a short title and the statement.

This is the one table of them in the runner; the catalogue (`list
--by-clause`, `explain`) and the HTML reports read it. The statements are
those of the contract as the project states it (SEMANTICS.md, section 1).
"""

from __future__ import annotations

from dataclasses import dataclass


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

