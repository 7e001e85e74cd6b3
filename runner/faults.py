"""The fault table: which assertions each injected fault must make FAIL.

Each fault of harness/tests/faults.c breaks one platform behaviour in the
agents. The selftest runs the whole suite under each one and checks that
every assertion listed here comes out FAIL (unexpected) on every backend it
runs on, and that every assertion of the spec table is listed under at least
one fault: an assertion that no broken platform can make fail is not a check.
"""

MUST_FAIL = {
    "shared-is-private": ["NAME-001", "VIS-001", "VIS-002", "VIS-003", "VIS-004", "ADDR-002",
                          "REL-001", "FILE-001", "FILE-002", "FILE-004", "SYNC-004"],
    "private-is-shared": ["VIS-005"],
    "excl-ignored": ["NAME-002"],
    "open-creates": ["NAME-003"],
    "names-fold-case": ["NAME-005"],
    "dirty-new-objects": ["NAME-004"],
    "fixed-ignored": ["ADDR-001", "ADDR-004"],
    "fixed-replaces": ["ADDR-003"],
    "munmap-noop": ["ISO-002", "REL-003"],
    "readonly-is-writable": ["ISO-003"],
    "open-ro-as-rw": ["ISO-004"],
    "unlink-noop": ["REL-002", "REL-003", "REL-005"],
    "unlink-truncates": ["REL-004"],
    "exit-unlinks": ["REL-001"],
    "msync-noop": ["FILE-003"],
    "fork-holder": ["REL-003", "REL-005"],
    "global-views": ["ISO-001"],
    "mutex-noop": ["SYNC-001"],
    "sem-noop": ["SYNC-003"],
    "robust-ignored": ["SYNC-002"],
}


def uncovered(assertion_ids) -> list[str]:
    """Assertions that no fault is known to make fail."""
    covered = {i for ids in MUST_FAIL.values() for i in ids}
    return sorted(set(assertion_ids) - covered)


def missing_failures(doc: dict, must_fail: list[str]) -> list[str]:
    """The (id, backend) pairs that should have come out FAIL and did not."""
    missing = []
    for r in doc["results"]:
        if r["id"] in must_fail and not (r["status"] == "FAIL" and r["unexpected"]):
            missing.append(f"{r['id']} [{r['backend']}] was {r['status']}")
    seen = {r["id"] for r in doc["results"]}
    missing += [f"{i} has no result" for i in must_fail if i not in seen]
    return missing
