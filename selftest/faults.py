"""The fault table: which assertions each injected fault must make FAIL, and at which check.

A fault breaks one platform behaviour. Each is made for one or both agent
families: for POSIX agents by selftest/fault_library/faults.c, a library
preloaded into every agent; for the Win32 agent by its fault build
(build/win32/agent/mapconf-agent-faults.exe, agents/win32/faults.h), which
the wine platform starts when the run's agents are given MAPCONF_FAULT.
The selftest runs, under each fault, the assertions listed for it, and
requires every listed result to come out FAIL (unexpected) at the listed
check; and every (assertion, backend) pair of the spec table must be listed
under some fault of its family: an assertion that no broken platform can
make fail is not a check. A pair the spec table expects to fail on a
platform (WIN-011 under Wine) is no exception: it is listed where a fault
makes it fail at another check, which is unexpected.

An entry is "ID:label" (the assertion must fail on every backend of the
family it runs on) or "ID@backend:label" (only there: unlink-noop, say,
cannot matter to a memfd, which has no name). The label is the check the
result must end at (its `check` in results.json): the assertion's own
check, the one that states the behaviour the fault breaks, never a
precondition (a step, or a check that the case's setup worked). Where more
than one of the case's checks states it, they are written
"ID:label-a|label-b" and the result must end at one of them. Every label
must be one of that case's labels (runner/labels.py reads them from the
case's source).

A fault is listed for an assertion only when it breaks what the
assertion's statement names: shared-is-private makes every view a private
copy, so it is the fault for "views share pages", but not for "a view at
an offset shows those bytes" (offset-ignored), "the opener gets the
creator's object" (open-replaces) or "atomic increments are exact"
(first-page-shared, with the counter a page after the start barrier).
"""

from __future__ import annotations

FAMILIES = ("posix", "win32")

MUST_FAIL = {
    "shared-is-private": {
        "posix": ["VIS-001:b-reads-a-write", "VIS-002:second-view-reads-first-write",
                  "VIS-007:every-agent-reads-every-write",
                  "VIS-008:overlapping-view-in-a-reads-it|overlapping-view-in-b-reads-it",
                  "VIS-003:b-checksum-matches", "ADDR-002:chain-walks-whole",
                  "VIS-009@sysv:read-only-view-sees-write"],
        "win32": ["VIS-001:b-reads-a-write", "VIS-002:second-view-reads-first-write",
                  "VIS-007:every-agent-reads-every-write",
                  "VIS-008:overlapping-view-in-a-reads-it|overlapping-view-in-b-reads-it",
                  "VIS-003:b-checksum-matches", "ADDR-002:chain-walks-whole", "REL-001:b-reads-after-creator-ends",
                  "FILE-001:file-holds-flushed-data", "FILE-002:file-holds-first-page",
                  "FILE-004:file-holds-killed-writers-data", "FILE-005:file-holds-a-write",
                  "WIN-020:child-reads-parent-write"],
    },
    "private-is-shared": {
        "posix": ["VIS-005:shared-view-unchanged", "INH-002:parent-copy-unchanged"],
        "win32": ["VIS-005:shared-view-unchanged", "WIN-011:copy-on-write-before-write"],
    },
    "first-page-shared": {
        "posix": ["VIS-003:b-checksum-matches", "SYNC-004:increments-exact"],
    },
    "offset-ignored": {
        "posix": ["VIS-004:b-reads-at-offset",
                  "VIS-008:overlapping-view-in-a-reads-it|overlapping-view-in-b-reads-it"],
        "win32": ["VIS-004:b-reads-at-offset",
                  "VIS-008:overlapping-view-in-a-reads-it|overlapping-view-in-b-reads-it"],
    },
    "open-replaces": {
        "posix": ["NAME-001:opener-reads-creator-write"],
        "win32": ["NAME-001:opener-reads-creator-write"],
    },
    "excl-ignored": {
        "posix": ["NAME-002:exclusive-create-refused"],
        "win32": ["NAME-002:exclusive-create-refused"],
    },
    "open-creates": {
        "posix": ["NAME-003:open-missing-refused"],
        "win32": ["NAME-003:open-missing-refused", "WIN-012:name-gone-after-last-close",
                  "WIN-013:name-gone-after-kill", "WIN-025:name-gone-after-terminate"],
    },
    "names-fold-case": {
        "posix": ["NAME-005:upper-case-name-not-found"],
        "win32": ["NAME-005:upper-case-name-not-found"],
    },
    "dirty-new-objects": {
        "posix": ["NAME-004:new-object-is-zero"],
        "win32": ["NAME-004:new-object-is-zero"],
    },
    "created-sized": {
        "posix": ["NAME-010:new-object-size-zero"],
    },
    "fixed-ignored": {
        "posix": ["ADDR-001:a-view-exactly-there", "ADDR-002:b-view-at-same-address",
                  "ADDR-004:misaligned-refused"],
        "win32": ["ADDR-001:a-view-exactly-there", "ADDR-002:b-view-at-same-address",
                  "ADDR-004:misaligned-refused", "WIN-007:off-granule-view-refused"],
    },
    "noreplace-hint": {
        "posix": ["ADDR-003@posix-shm:request-refused", "ADDR-003@file:request-refused",
                  "ADDR-003@memfd:request-refused", "ADDR-005@posix-shm:request-refused",
                  "ADDR-005@file:request-refused", "ADDR-005@memfd:request-refused",
                  "ADDR-004@posix-shm:misaligned-refused", "ADDR-004@file:misaligned-refused",
                  "ADDR-004@memfd:misaligned-refused"],
    },
    "fixed-replaces": {
        "posix": ["ADDR-003:old-data-stays", "ADDR-005:old-data-stays", "ADDR-006:old-data-stays"],
        "win32": ["ADDR-003:old-data-stays", "ADDR-005:old-data-stays"],
    },
    "munmap-noop": {
        "posix": ["ISO-002:read-faults-after-unmap", "REL-003:memory-released", "REL-009:memory-released"],
    },
    "readonly-is-writable": {
        "posix": ["ISO-003:write-faults", "ISO-011@sysv:writable-protect-refused"],
        "win32": ["ISO-003:write-faults"],
    },
    "open-ro-as-rw": {
        "posix": ["ISO-004:writable-map-refused", "ISO-011@posix-shm:writable-protect-refused",
                  "ISO-011@file:writable-protect-refused", "ISO-011@memfd:writable-protect-refused"],
        "win32": ["ISO-004:writable-map-refused"],
    },
    "rights-ignored": {
        "posix": ["ISO-005:other-user-write-open-refused|other-user-read-open-refused",
                  "ISO-007:other-user-writable-map-refused", "ISO-008:other-user-resize-refused",
                  "ISO-009:other-user-remove-refused", "ISO-010:other-user-chmod-refused"],
    },
    "unlink-noop": {
        "posix": ["REL-002:name-gone-after-unlink", "REL-003@posix-shm:memory-released",
                  "REL-003@sysv:memory-released", "REL-005@posix-shm:memory-released",
                  "REL-005@sysv:memory-released", "NAME-011:name-created-anew"],
    },
    "unlink-truncates": {
        "posix": ["REL-004@posix-shm:pages-kept-while-viewed", "REL-004@file:pages-kept-while-viewed",
                  "REL-004@sysv:pages-kept-while-viewed", "NAME-011:old-view-keeps-data"],
    },
    "exit-unlinks": {
        "posix": ["REL-001:c-opens-name",
                  "REL-013:name-opens-after-creator-ended"],
    },
    "exit-truncates": {
        "posix": ["REL-007@posix-shm:pages-kept-while-one-holds|last-holder-reads-all",
                  "REL-007@memfd:pages-kept-while-one-holds|last-holder-reads-all"],
    },
    "creator-owns": {
        "posix": ["REL-001:c-opens-name", "REL-008:c-opens-name", "REL-010:c-opens-name",
                  "REL-013:name-opens-after-creator-ended"],
    },
    "msync-partial-noop": {
        "posix": ["FILE-012:flushed-page-clean"],
    },
    "views-snapshot": {
        "posix": ["FILE-011:view-sees-the-write", "VIS-009@posix-shm:read-only-view-sees-write",
                  "VIS-009@file:read-only-view-sees-write", "VIS-009@memfd:read-only-view-sees-write"],
        "win32": ["FILE-011:view-sees-the-write", "VIS-009:read-only-view-sees-write"],
    },
    "hugetlb-ignored": {
        "posix": ["HUGE-001:huge-request-refused", "HUGE-002:page-from-the-pool",
                  "HUGE-003:page-from-the-pool", "HUGE-004:huge-request-refused"],
    },
    "huge-pages-refused": {
        "posix": ["HUGE-002:huge-object-made",
                  "HUGE-003:huge-region-made"],
    },
    "msync-noop": {
        "posix": ["FILE-003:pages-clean-after-flush", "FILE-007:sync-and-async-refused",
                  "FILE-008:misaligned-flush-refused", "FILE-009:unmapped-flush-refused",
                  "FILE-012:flushed-page-clean"],
    },
    "file-views-copied": {
        "posix": ["FILE-004:file-holds-killed-writers-data", "FILE-005:file-holds-a-write|file-holds-b-write",
                  "VIS-006:a-sees-b-write"],
    },
    "file-views-copied-flush-noop": {
        "posix": ["FILE-001:file-holds-flushed-data"],
    },
    "file-views-copied-flush-first-page": {
        "posix": ["FILE-001:file-holds-later-page",
                  "FILE-015:file-holds-range-middle-page", "FILE-016:file-holds-last-page"],
        "win32": ["FILE-015:file-holds-range-middle-page", "FILE-016:file-holds-last-page"],
    },
    "file-views-copied-flush-from-view-start": {
        "posix": ["FILE-014:file-holds-flushed-page", "FILE-015:file-holds-range-last-page",
                  "FILE-016:file-holds-next-to-last-page"],
        "win32": ["FILE-014:file-holds-flushed-page", "FILE-015:file-holds-range-last-page",
                  "FILE-016:file-holds-next-to-last-page"],
    },
    "file-views-copied-flush-short-of-end": {
        "posix": ["FILE-016:file-holds-last-page"],
        "win32": ["FILE-016:file-holds-last-page"],
    },
    "seals-ignored": {
        "posix": ["ISO-012:write-refused", "ISO-013:seal-refused-while-b-has-writable-view",
                  "ISO-014:new-writable-map-refused", "ISO-015:grow-refused", "ISO-016:shrink-refused"],
    },
    "private-made-writable-is-shared": {
        "posix": ["VIS-010:shared-view-unchanged", "VIS-011:copy-kept-writable-again"],
    },
    "reprotect-drops-copy": {
        "posix": ["VIS-011:copy-kept-read-only"],
    },
    "names-go-with-last-holder": {
        "posix": ["REL-011:name-opens-after-last-close", "REL-012:name-opens-after-last-unmap"],
    },
    "file-views-copied-unmap-discards": {
        "posix": ["FILE-002:file-holds-first-page|file-holds-second-page"],
    },
    "fork-holder": {
        "posix": ["REL-003:memory-released", "REL-005:memory-released", "REL-006:memory-released"],
    },
    "release-keeps-1mib": {
        "posix": ["REL-003:memory-released", "REL-005:memory-released", "REL-006:memory-released",
                  "REL-007:memory-released", "REL-009:memory-released"],
    },
    "global-views": {
        "posix": ["ISO-001:b-read-faults|b-write-faults", "SHARE-002:no-view-read-faults"],
    },
    "mutex-noop": {
        "posix": ["SYNC-001:increments-exact", "SYNC-005:increments-exact"],
        "win32": ["SYNC-001:increments-exact", "SYNC-005:increments-exact"],
    },
    "sem-noop": {
        "posix": ["SYNC-003:increments-exact"],
        "win32": ["SYNC-003:increments-exact"],
    },
    "robust-ignored": {
        "posix": ["SYNC-002:c-locks-mutex|owner-dead-reported"],
    },
    "close-truncates": {
        "posix": ["REL-004@posix-shm:pages-kept-while-viewed", "REL-004@file:pages-kept-while-viewed",
                  "REL-004@memfd:pages-kept-while-viewed", "SHARE-003@posix-shm:a-writes-after-handles-close",
                  "SHARE-003@file:a-writes-after-handles-close", "SHARE-003@memfd:a-writes-after-handles-close",
                  "REL-009@posix-shm:pages-kept-while-one-holds", "REL-009@memfd:pages-kept-while-one-holds"],
    },
    "tail-garbage": {
        "posix": ["SIZE-001:tail-reads-zero"],
        "win32": ["SIZE-001:tail-reads-zero"],
    },
    "past-end-mapped": {
        "posix": ["SIZE-002:past-end-is-bus-error"],
    },
    "shrink-ignored": {
        "posix": ["SIZE-003:beyond-old-size-faults", "SIZE-010:cut-page-faults"],
        "win32": ["WIN-009:shrink-under-view-refused"],
    },
    "size-wraps-32": {
        "posix": ["SIZE-007:size-past-4gib-exact"],
    },
    "offset-wraps-32": {
        "posix": ["SIZE-008:start-untouched", "FILE-010:file-holds-it-at-4gib"],
        "win32": ["SIZE-008:start-untouched", "FILE-010:file-holds-it-at-4gib"],
    },
    "past-end-anonymous": {
        "posix": ["SIZE-009:a-reads-grown-page", "SIZE-002:past-end-is-bus-error",
                  "FILE-013:view-reads-grown-page"],
    },
    "zero-length-ok": {
        "posix": ["SIZE-004:zero-length-refused"],
    },
    "offset-rounded": {
        "posix": ["SIZE-005:misaligned-offset-refused"],
        "win32": ["SIZE-005:misaligned-offset-refused"],
    },
    "names-sanitized": {
        "posix": ["NAME-006:inner-slash-refused", "NAME-007@file:long-name-refused"],
        "win32": ["WIN-004:backslash-name-refused"],
    },
    "cloexec-cleared": {
        "posix": ["NAME-008:descriptor-close-on-exec"],
    },
    "umask-ignored": {
        "posix": ["NAME-009:mode-masked-by-umask"],
    },
    "mtime-frozen": {
        "posix": ["FILE-006:mtime-updated"],
    },
    "mode-ignored": {
        "posix": ["ISO-005:other-user-write-open-refused|other-user-read-open-refused"],
    },
    "mprotect-noop": {
        "posix": ["ISO-006:write-faults"],
    },
    "rnd-ignored": {
        "posix": ["ADDR-007:rounded-attach-succeeds|lands-rounded-down"],
    },
    "exec-keeps-views": {
        "posix": ["INH-003:view-gone-after-exec"],
    },
    "fork-unshares": {
        "posix": ["INH-001:parent-reads-child-write|child-reads-parent-write"],
    },
    "memory-global": {
        "posix": ["PRIV-001:allocation-unreachable", "PRIV-002:allocation-unreachable",
                  "PRIV-003:allocation-unreachable", "PRIV-004:parent-heap-unchanged",
                  "LIB-001:library-allocation-unreachable", "LIB-002:b-global-unchanged",
                  "LIB-003:allocation-starts-zero", "SHARE-001:anonymous-shared-unreachable"],
        "win32": ["PRIV-001:allocation-unreachable", "PRIV-002:allocation-unreachable",
                  "PRIV-003:allocation-unreachable", "LIB-001:library-allocation-unreachable",
                  "LIB-002:b-global-unchanged", "LIB-003:allocation-starts-zero",
                  "SHARE-001:anonymous-shared-unreachable", "WIN-015:heapalloc-unreachable",
                  "WIN-016:globalalloc-unreachable", "WIN-017:localalloc-unreachable"],
    },
    "shm-elsewhere": {
        "posix": ["SIZE-006:fill-runs-out-with-sigbus"],
    },
    "atomic-add-torn": {
        "win32": ["SYNC-004:increments-exact"],
    },
    "long-view-whole-section": {
        "win32": ["WIN-002:larger-view-refused", "WIN-008:view-past-section-refused"],
    },
    "addresses-a-page-off": {
        "win32": ["ADDR-001:a-view-exactly-there", "WIN-006:view-on-granule", "WIN-014:view-is-mapped"],
    },
    "unmap-noop": {
        "win32": ["ISO-002:read-faults-after-unmap", "WIN-014:range-free-after-unmap"],
    },
    "protect-noop": {
        "win32": ["ISO-006:write-faults"],
    },
    "close-noop": {
        "win32": ["WIN-012:name-gone-after-last-close"],
    },
    "close-unmaps": {
        "win32": ["SHARE-003:a-writes-after-handles-close"],
    },
    "handles-inheritable": {
        "win32": ["NAME-008:descriptor-close-on-exec"],
    },
    "namespaces-apart": {
        "win32": ["WIN-003:name-of-mutex-refused"],
    },
    "zero-size-ok": {
        "win32": ["WIN-005:zero-size-refused"],
    },
    "file-size-short": {
        "win32": ["WIN-010:file-grown-to-section"],
    },
    "existed-unreported": {
        "win32": ["WIN-001:existed-reported"],
    },
    "faults-get-fresh-pages": {
        "win32": ["ISO-001:b-read-faults", "ISO-002:read-faults-after-unmap", "SHARE-002:no-view-read-faults"],
    },
    "abandoned-unreported": {
        "win32": ["SYNC-002:owner-dead-reported", "WIN-019:first-wait-abandoned"],
    },
    "dll-shared-is-private": {
        "win32": ["WIN-018:b-sees-shared-global"],
    },
    "offset-granule-page": {
        "win32": ["WIN-021:page-offset-refused"],
    },
    # Wine itself lets a reserved page be read (WIN-022's expectation): this fault is seen where
    # VirtualQuery, which Wine answers as documented, reports the view committed
    "reserve-commits": {
        "win32": ["WIN-022:view-reserved-before-commit"],
    },
    "commit-private": {
        "win32": ["WIN-023:b-reads-committed-write"],
    },
    # Wine itself ignores SEC_LARGE_PAGES (WIN-024's expectation): this fault refuses it for
    # another reason, a failure at the same check with another answer
    "large-pages-invalid": {
        "win32": ["WIN-024:large-pages-refused"],
    },
    "duplicate-ro-as-rw": {
        "win32": ["WIN-026:duplicate-writable-view-refused"],
    },
    "file-opened-rw": {
        "win32": ["WIN-027:read-write-section-refused"],
    },
    "protection-ignored": {
        "win32": ["WIN-028:writable-view-refused"],
    },
    # ISO-003 holds under it (the view's pages are read-only): only raising them shows the rights it has
    "read-view-writable-underneath": {
        "win32": ["WIN-029:raise-to-read-write-refused"],
    },
    # Wine itself lets the write through a page made copy-on-write reach the section, and keeps
    # reporting a written page PAGE_WRITECOPY (the expectations of WIN-030..036): this fault is seen
    # where VirtualQuery, which Wine answers as documented, reports the page before the write
    "no-copy-on-write": {
        "win32": ["WIN-030:reported-write-copy", "WIN-031:reported-write-copy", "WIN-032:reported-write-copy",
                  "WIN-033:view-reported-write-copy", "WIN-034:reported-write-copy",
                  "WIN-035:write-copy-accepted|reported-write-copy", "WIN-036:reported-write-copy"],
    },
    "reprotect-rereads-section": {
        "win32": ["WIN-037:private-copy-kept", "WIN-044:private-copy-kept"],
    },
    "names-persist": {
        "win32": ["WIN-012:name-gone-after-last-close", "WIN-038:name-gone-while-views-remain",
                  "WIN-040:name-gone-after-creator-ends", "WIN-041:name-gone-after-creator-ends",
                  "WIN-042:name-gone-after-last-unmap"],
    },
    "unmap-discards-pages": {
        "win32": ["WIN-039:pages-kept-by-handle"],
    },
    "copy-view-raised-shared": {
        "win32": ["WIN-043:raise-to-read-write-refused"],
    },
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


def table(family: str) -> dict[str, list[str]]:
    """The faults of one agent family ("posix" or "win32") and the entries each must make fail."""
    return {fault: families[family] for fault, families in MUST_FAIL.items() if family in families}


def assertion_ids(entries: list[str]) -> list[str]:
    """The assertions a fault's entries name, once each: what its run filters to."""
    return sorted({parse(e)[0] for e in entries})


def unlabelled(table: dict[str, list[str]]) -> list[str]:
    """Entries of a fault table that do not name the check their result must end at."""
    return [f"{fault}: {entry}" for fault, entries in table.items() for entry in entries
            if not parse(entry)[2]]


def unknown_labels(labels_of: dict[str, list[str]], table: dict[str, list[str]]) -> list[str]:
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


def uncovered(results, table: dict[str, list[str]]) -> list[str]:
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
