"""The fault table: which assertions each injected fault must make FAIL, and at which check.

Each fault of selftest/fault_library/faults.c breaks one platform behaviour in the
agents. The selftest runs the whole suite under each one and checks that
every result listed here comes out FAIL (unexpected) at the check named
with it, and that every (assertion, backend) pair of the spec table is
listed under at least one fault: an assertion that no broken platform can
make fail is not a check.

An entry is "ID:label" (the assertion must fail on every backend it runs
on) or "ID@backend:label" (only there: unlink-noop, say, cannot matter to a
memfd, which has no name). The label is the check the result must end at
(its `check` in results.json): the assertion's own check, the one that
states the behaviour the fault breaks, never a precondition (a step, or a
check that the case's setup worked). Where more than one of the case's
checks states it, they are written "ID:label-a|label-b" and the result
must end at one of them. Every label must be one of that case's labels
(runner/labels.py reads them from the case's source).

A fault is listed for an assertion only when it breaks what the
assertion's statement names: shared-is-private makes every view a private
copy, so it is the fault for "views share pages", but not for "a view at
an offset shows those bytes" (offset-ignored), "the opener gets the
creator's object" (open-replaces) or "atomic increments are exact"
(first-page-shared, with the counter a page after the start barrier).
"""

from __future__ import annotations

MUST_FAIL = {
    "shared-is-private": ["VIS-001:b-reads-a-write", "VIS-002:second-view-reads-first-write",
                          "VIS-007:every-agent-reads-every-write",
                          "VIS-008:overlapping-view-in-a-reads-it|overlapping-view-in-b-reads-it",
                          "VIS-003:b-checksum-matches", "ADDR-002:chain-walks-whole",
                          "VIS-009@sysv:read-only-view-sees-write"],
    "private-is-shared": ["VIS-005:shared-view-unchanged", "INH-002:parent-copy-unchanged"],
    "first-page-shared": ["VIS-003:b-checksum-matches", "SYNC-004:increments-exact"],
    "offset-ignored": ["VIS-004:b-reads-at-offset",
                       "VIS-008:overlapping-view-in-a-reads-it|overlapping-view-in-b-reads-it"],
    "open-replaces": ["NAME-001:opener-reads-creator-write"],
    "excl-ignored": ["NAME-002:exclusive-create-refused"],
    "open-creates": ["NAME-003:open-missing-refused"],
    "names-fold-case": ["NAME-005:upper-case-name-not-found"],
    "dirty-new-objects": ["NAME-004:new-object-is-zero"],
    "created-sized": ["NAME-010:new-object-size-zero"],
    "fixed-ignored": ["ADDR-001:a-view-exactly-there", "ADDR-002:b-view-at-same-address", "ADDR-004:misaligned-refused"],
    "noreplace-hint": ["ADDR-003@posix-shm:request-refused", "ADDR-003@file:request-refused",
                       "ADDR-003@memfd:request-refused", "ADDR-005@posix-shm:request-refused",
                       "ADDR-005@file:request-refused", "ADDR-005@memfd:request-refused",
                       "ADDR-004@posix-shm:misaligned-refused", "ADDR-004@file:misaligned-refused",
                       "ADDR-004@memfd:misaligned-refused"],
    "fixed-replaces": ["ADDR-003:old-data-stays", "ADDR-005:old-data-stays", "ADDR-006:old-data-stays"],
    "munmap-noop": ["ISO-002:read-faults-after-unmap", "REL-003:memory-released", "REL-009:memory-released"],
    "readonly-is-writable": ["ISO-003:write-faults", "ISO-011@sysv:writable-protect-refused"],
    "open-ro-as-rw": ["ISO-004:writable-map-refused", "ISO-011@posix-shm:writable-protect-refused", "ISO-011@file:writable-protect-refused", "ISO-011@memfd:writable-protect-refused"],
    "rights-ignored": ["ISO-005:other-user-write-open-refused|other-user-read-open-refused",
                       "ISO-007:other-user-writable-map-refused", "ISO-008:other-user-resize-refused",
                       "ISO-009:other-user-remove-refused", "ISO-010:other-user-chmod-refused"],
    "unlink-noop": ["REL-002:name-gone-after-unlink", "REL-003@posix-shm:memory-released",
                    "REL-003@sysv:memory-released", "REL-005@posix-shm:memory-released",
                    "REL-005@sysv:memory-released", "NAME-011:name-created-anew"],
    "unlink-truncates": ["REL-004@posix-shm:pages-kept-while-viewed", "REL-004@file:pages-kept-while-viewed",
                         "REL-004@sysv:pages-kept-while-viewed", "NAME-011:old-view-keeps-data"],
    "exit-unlinks": ["REL-001:c-opens-name"],
    "exit-truncates": ["REL-007@posix-shm:pages-kept-while-one-holds|last-holder-reads-all",
                       "REL-007@memfd:pages-kept-while-one-holds|last-holder-reads-all"],
    "creator-owns": ["REL-001:c-opens-name", "REL-008:c-opens-name", "REL-010:c-opens-name"],
    "msync-partial-noop": ["FILE-012:flushed-page-clean"],
    "views-snapshot": ["FILE-011:view-sees-the-write", "VIS-009@posix-shm:read-only-view-sees-write",
                       "VIS-009@file:read-only-view-sees-write", "VIS-009@memfd:read-only-view-sees-write"],
    "hugetlb-ignored": ["HUGE-001:huge-request-refused", "HUGE-002:page-from-the-pool"],
    "huge-pages-refused": ["HUGE-002:huge-object-made"],
    "msync-noop": ["FILE-003:pages-clean-after-flush", "FILE-007:sync-and-async-refused",
                   "FILE-008:misaligned-flush-refused", "FILE-009:unmapped-flush-refused",
                   "FILE-012:flushed-page-clean"],
    "file-views-copied": ["FILE-004:file-holds-killed-writers-data", "FILE-005:file-holds-a-write|file-holds-b-write",
                          "VIS-006:a-sees-b-write"],
    "file-views-copied-flush-noop": ["FILE-001:file-holds-flushed-data"],
    "file-views-copied-flush-first-page": ["FILE-001:file-holds-later-page"],
    "file-views-copied-unmap-discards": ["FILE-002:file-holds-first-page|file-holds-second-page"],
    "fork-holder": ["REL-003:memory-released", "REL-005:memory-released", "REL-006:memory-released"],
    "release-keeps-1mib": ["REL-003:memory-released", "REL-005:memory-released", "REL-006:memory-released",
                           "REL-007:memory-released", "REL-009:memory-released"],
    "global-views": ["ISO-001:b-read-faults|b-write-faults", "SHARE-002:no-view-read-faults"],
    "mutex-noop": ["SYNC-001:increments-exact", "SYNC-005:increments-exact"],
    "sem-noop": ["SYNC-003:increments-exact"],
    "robust-ignored": ["SYNC-002:c-locks-mutex|owner-dead-reported"],
    "close-truncates": ["REL-004@posix-shm:pages-kept-while-viewed", "REL-004@file:pages-kept-while-viewed",
                        "REL-004@memfd:pages-kept-while-viewed",
                        "SHARE-003@posix-shm:a-writes-after-handles-close",
                        "SHARE-003@file:a-writes-after-handles-close",
                        "SHARE-003@memfd:a-writes-after-handles-close", "REL-009@posix-shm:pages-kept-while-one-holds", "REL-009@memfd:pages-kept-while-one-holds"],
    "tail-garbage": ["SIZE-001:tail-reads-zero"],
    "past-end-mapped": ["SIZE-002:past-end-is-bus-error"],
    "shrink-ignored": ["SIZE-003:beyond-old-size-faults", "SIZE-010:cut-page-faults"],
    "size-wraps-32": ["SIZE-007:size-past-4gib-exact"],
    "offset-wraps-32": ["SIZE-008:start-untouched", "FILE-010:file-holds-it-at-4gib"],
    "past-end-anonymous": ["SIZE-009:a-reads-grown-page", "SIZE-002:past-end-is-bus-error", "FILE-013:view-reads-grown-page"],
    "zero-length-ok": ["SIZE-004:zero-length-refused"],
    "offset-rounded": ["SIZE-005:misaligned-offset-refused"],
    "names-sanitized": ["NAME-006:inner-slash-refused", "NAME-007@file:long-name-refused"],
    "cloexec-cleared": ["NAME-008:descriptor-close-on-exec"],
    "umask-ignored": ["NAME-009:mode-masked-by-umask"],
    "mtime-frozen": ["FILE-006:mtime-updated"],
    "mode-ignored": ["ISO-005:other-user-write-open-refused|other-user-read-open-refused"],
    "mprotect-noop": ["ISO-006:write-faults"],
    "rnd-ignored": ["ADDR-007:rounded-attach-succeeds|lands-rounded-down"],
    "exec-keeps-views": ["INH-003:view-gone-after-exec"],
    "fork-unshares": ["INH-001:parent-reads-child-write|child-reads-parent-write"],
    "memory-global": ["PRIV-001:allocation-unreachable", "PRIV-002:allocation-unreachable",
                      "PRIV-003:allocation-unreachable", "PRIV-004:parent-heap-unchanged",
                      "LIB-001:library-allocation-unreachable", "LIB-002:b-global-unchanged",
                      "LIB-003:allocation-starts-zero", "SHARE-001:anonymous-shared-unreachable"],
    "shm-elsewhere": ["SIZE-006:fill-runs-out-with-sigbus"],
}

# What a fault's run needs besides the fault: SIZE-006 runs only where
# /dev/shm has little room (elsewhere it is a declared SKIP).
RUN_WITH = {
    "shm-elsewhere": ("--filesystem", "shm-64m"),
}


def parse(entry: str) -> tuple[str, str | None, tuple[str, ...]]:
    """An entry's assertion ID, backend (None: every backend) and labels (empty: none given)."""
    target, _, labels = entry.partition(":")
    assertion_id, _, backend = target.partition("@")
    return assertion_id, backend or None, tuple(label for label in labels.split("|") if label)


def unlabelled(table: dict[str, list[str]] = MUST_FAIL) -> list[str]:
    """Entries of a fault table that do not name the check their result must end at."""
    return [f"{fault}: {entry}" for fault, entries in table.items() for entry in entries
            if not parse(entry)[2]]


def unknown_labels(labels_of: dict[str, list[str]], table: dict[str, list[str]] = MUST_FAIL) -> list[str]:
    """Entries whose labels are not labels of their assertion's case; labels_of maps an ID to its case's labels."""
    wrong = []
    for fault, entries in table.items():
        for entry in entries:
            assertion_id, _, labels = parse(entry)
            known = labels_of.get(assertion_id)
            if known is None:
                wrong.append(f"{fault}: {entry} (no assertion {assertion_id})")
                continue
            wrong += [f"{fault}: {entry} ('{label}' is not a check of {assertion_id}'s case)"
                      for label in labels if label not in known]
    return wrong


def uncovered(results, table: dict[str, list[str]] = MUST_FAIL) -> list[str]:
    """(id, backend) pairs, as "ID@backend", that no labelled entry of a fault table makes fail."""
    covered = [parse(e)[:2] for entries in table.values() for e in entries if parse(e)[2]]
    return sorted(f"{i}@{b}" for i, b in results
                  if not any(ci == i and cb in (None, b) for ci, cb in covered))


def missing_failures(doc: dict, must_fail: list[str]) -> list[str]:
    """The results that should have come out FAIL (at the entry's check, if it names one) and did not."""
    missing = []
    for entry in must_fail:
        assertion_id, backend, labels = parse(entry)
        rows = [r for r in doc["results"] if r["id"] == assertion_id and backend in (None, r["backend"])]
        if not rows:
            missing.append(f"{entry} has no result")
        for r in rows:
            if not (r["status"] == "FAIL" and r["unexpected"]):
                missing.append(f"{r['id']} [{r['backend']}] was {r['status']} (at {r['check']})")
            elif labels and r["check"] not in labels:
                missing.append(f"{r['id']} [{r['backend']}] failed at {r['check']}, not at {'|'.join(labels)}")
    return missing
