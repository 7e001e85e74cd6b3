"""The fault table: which assertions each injected fault must make FAIL.

Each fault of selftest/fault_library/faults.c breaks one platform behaviour in the
agents. The selftest runs the whole suite under each one and checks that
every assertion listed here comes out FAIL (unexpected) on every backend it
runs on, and that every assertion of the spec table is listed under at least
one fault: an assertion that no broken platform can make fail is not a check.

An entry is an ID (it must fail on every backend it runs on) or ID@backend
(only there: unlink-noop, say, cannot matter to a memfd, which has no name).
"""

MUST_FAIL = {
    "shared-is-private": ["NAME-001", "VIS-001", "VIS-002", "VIS-003", "VIS-004", "ADDR-002",
                          "REL-001", "FILE-001", "FILE-002", "FILE-004", "FILE-005", "SYNC-004", "SHARE-003@sysv",
                          "INH-001"],
    "private-is-shared": ["VIS-005", "INH-002"],
    "excl-ignored": ["NAME-002"],
    "open-creates": ["NAME-003"],
    "names-fold-case": ["NAME-005"],
    "dirty-new-objects": ["NAME-004"],
    "fixed-ignored": ["ADDR-001", "ADDR-004"],
    "fixed-replaces": ["ADDR-003", "ADDR-005", "ADDR-006"],
    "munmap-noop": ["ISO-002", "REL-003"],
    "readonly-is-writable": ["ISO-003"],
    "open-ro-as-rw": ["ISO-004"],
    "unlink-noop": ["REL-002", "REL-003@posix-shm", "REL-003@sysv", "REL-005@posix-shm", "REL-005@sysv"],
    "unlink-truncates": ["REL-004@posix-shm", "REL-004@file", "REL-004@sysv"],
    "exit-unlinks": ["REL-001"],
    "msync-noop": ["FILE-003", "FILE-007", "FILE-008", "FILE-009"],
    "fork-holder": ["REL-003", "REL-005"],
    "release-keeps-1mib": ["REL-003", "REL-005"],
    "global-views": ["ISO-001", "SHARE-002"],
    "mutex-noop": ["SYNC-001"],
    "sem-noop": ["SYNC-003"],
    "robust-ignored": ["SYNC-002"],
    "close-truncates": ["REL-004@posix-shm", "REL-004@file", "REL-004@memfd",
                        "SHARE-003@posix-shm", "SHARE-003@file", "SHARE-003@memfd"],
    "tail-garbage": ["SIZE-001"],
    "past-end-mapped": ["SIZE-002"],
    "shrink-ignored": ["SIZE-003"],
    "zero-length-ok": ["SIZE-004"],
    "offset-rounded": ["SIZE-005"],
    "names-sanitized": ["NAME-006", "NAME-007@file"],
    "cloexec-cleared": ["NAME-008"],
    "umask-ignored": ["NAME-009"],
    "mtime-frozen": ["FILE-006"],
    "mode-ignored": ["ISO-005"],
    "mprotect-noop": ["ISO-006"],
    "rnd-ignored": ["ADDR-007"],
    "exec-keeps-views": ["INH-003"],
    "memory-global": ["PRIV-001", "PRIV-002", "PRIV-003", "PRIV-004", "LIB-001", "LIB-002", "LIB-003",
                      "SHARE-001"],
}


def _split(entry: str) -> tuple[str, str | None]:
    assertion_id, _, backend = entry.partition("@")
    return assertion_id, backend or None


def uncovered(results) -> list[str]:
    """(id, backend) pairs of a run, as "ID@backend", that no fault is known to make fail."""
    covered = [_split(e) for entries in MUST_FAIL.values() for e in entries]
    return sorted(f"{i}@{b}" for i, b in results
                  if not any(ci == i and cb in (None, b) for ci, cb in covered))


def missing_failures(doc: dict, must_fail: list[str]) -> list[str]:
    """The results that should have come out FAIL and did not."""
    missing = []
    for entry in must_fail:
        assertion_id, backend = _split(entry)
        rows = [r for r in doc["results"] if r["id"] == assertion_id and backend in (None, r["backend"])]
        if not rows:
            missing.append(f"{entry} has no result")
        missing += [f"{r['id']} [{r['backend']}] was {r['status']}" for r in rows
                    if not (r["status"] == "FAIL" and r["unexpected"])]
    return missing
