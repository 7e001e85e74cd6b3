"""The Win32 fault table: which results each fault of the Win32 agent must make FAIL.

The fault build of the Win32 agent (build/win32/agent/mapconf-agent-faults.exe,
agents/win32/faults.h) breaks the one behaviour MAPCONF_FAULT names; the wine
platform starts it when the run's agents are given MAPCONF_FAULT. The
selftest runs, under each fault, the assertions listed for it, and requires
every listed result to come out FAIL (unexpected) at the listed check; and
every (assertion, Win32 backend) pair of the spec table must be listed under
some fault. A pair the spec table expects to fail under Wine (WIN-011) is no
exception: it is listed where a fault makes it fail at another check, which
is unexpected.

Entries are written as in selftest/faults.py: "ID:label" (on every Win32
backend the assertion has) or "ID@backend:label" (there only), the label
being the check the result must end at, the one that states the behaviour
the fault breaks.
"""

from . import faults

MUST_FAIL = {
    "shared-is-private": ["VIS-001:b-reads-a-write", "VIS-002:second-view-reads-first-write",
                          "VIS-007:every-agent-reads-every-write",
                          "VIS-008:overlapping-view-in-a-reads-it|overlapping-view-in-b-reads-it",
                          "VIS-003:b-checksum-matches", "ADDR-002:chain-walks-whole",
                          "REL-001:b-reads-after-creator-ends",
                          "FILE-001:file-holds-flushed-data", "FILE-002:file-holds-first-page",
                          "FILE-004:file-holds-killed-writers-data", "FILE-005:file-holds-a-write",
                          "WIN-020:child-reads-parent-write"],
    "offset-ignored": ["VIS-004:b-reads-at-offset",
                       "VIS-008:overlapping-view-in-a-reads-it|overlapping-view-in-b-reads-it"],
    "open-replaces": ["NAME-001:opener-reads-creator-write"],
    "atomic-add-torn": ["SYNC-004:increments-exact"],
    "private-is-shared": ["VIS-005:shared-view-unchanged", "WIN-011:copy-on-write-before-write"],
    "readonly-is-writable": ["ISO-003:write-faults"],
    "open-ro-as-rw": ["ISO-004:writable-map-refused"],
    "fixed-ignored": ["ADDR-001:a-view-exactly-there", "ADDR-002:b-view-at-same-address", "ADDR-004:misaligned-refused",
                      "WIN-007:off-granule-view-refused"],
    "fixed-replaces": ["ADDR-003:old-data-stays", "ADDR-005:old-data-stays"],
    "offset-rounded": ["SIZE-005:misaligned-offset-refused"],
    "views-snapshot": ["FILE-011:view-sees-the-write", "VIS-009:read-only-view-sees-write"],
    "offset-wraps-32": ["SIZE-008:start-untouched", "FILE-010:file-holds-it-at-4gib"],
    "long-view-whole-section": ["WIN-002:larger-view-refused", "WIN-008:view-past-section-refused"],
    "addresses-a-page-off": ["ADDR-001:a-view-exactly-there", "WIN-006:view-on-granule", "WIN-014:view-is-mapped"],
    "unmap-noop": ["ISO-002:read-faults-after-unmap", "WIN-014:range-free-after-unmap"],
    "protect-noop": ["ISO-006:write-faults"],
    "excl-ignored": ["NAME-002:exclusive-create-refused"],
    "names-fold-case": ["NAME-005:upper-case-name-not-found"],
    "dirty-new-objects": ["NAME-004:new-object-is-zero"],
    "open-creates": ["NAME-003:open-missing-refused", "WIN-012:name-gone-after-last-close",
                     "WIN-013:name-gone-after-kill", "WIN-025:name-gone-after-terminate"],
    "close-noop": ["WIN-012:name-gone-after-last-close"],
    "close-unmaps": ["SHARE-003:a-writes-after-handles-close"],
    "handles-inheritable": ["NAME-008:descriptor-close-on-exec"],
    "namespaces-apart": ["WIN-003:name-of-mutex-refused"],
    "names-sanitized": ["WIN-004:backslash-name-refused"],
    "zero-size-ok": ["WIN-005:zero-size-refused"],
    "tail-garbage": ["SIZE-001:tail-reads-zero"],
    "shrink-ignored": ["WIN-009:shrink-under-view-refused"],
    "file-size-short": ["WIN-010:file-grown-to-section"],
    "existed-unreported": ["WIN-001:existed-reported"],
    "memory-global": ["PRIV-001:allocation-unreachable", "PRIV-002:allocation-unreachable",
                      "PRIV-003:allocation-unreachable", "LIB-001:library-allocation-unreachable",
                      "LIB-002:b-global-unchanged", "LIB-003:allocation-starts-zero",
                      "SHARE-001:anonymous-shared-unreachable", "WIN-015:heapalloc-unreachable",
                      "WIN-016:globalalloc-unreachable", "WIN-017:localalloc-unreachable"],
    "faults-get-fresh-pages": ["ISO-001:b-read-faults", "ISO-002:read-faults-after-unmap",
                               "SHARE-002:no-view-read-faults"],
    "mutex-noop": ["SYNC-001:increments-exact", "SYNC-005:increments-exact"],
    "sem-noop": ["SYNC-003:increments-exact"],
    "abandoned-unreported": ["SYNC-002:owner-dead-reported", "WIN-019:first-wait-abandoned"],
    "dll-shared-is-private": ["WIN-018:b-sees-shared-global"],
    "offset-granule-page": ["WIN-021:page-offset-refused"],
    # Wine itself lets a reserved page be read (WIN-022's expectation): this fault is seen where
    # VirtualQuery, which Wine answers as documented, reports the view committed
    "reserve-commits": ["WIN-022:view-reserved-before-commit"],
    "commit-private": ["WIN-023:b-reads-committed-write"],
    # Wine itself ignores SEC_LARGE_PAGES (WIN-024's expectation): this fault refuses it for
    # another reason, a failure at the same check with another answer
    "large-pages-invalid": ["WIN-024:large-pages-refused"],
    "duplicate-ro-as-rw": ["WIN-026:duplicate-writable-view-refused"],
    "file-opened-rw": ["WIN-027:read-write-section-refused"],
    "protection-ignored": ["WIN-028:writable-view-refused"],
    # ISO-003 holds under it (the view's pages are read-only): only raising them shows the rights it has
    "read-view-writable-underneath": ["WIN-029:raise-to-read-write-refused"],
}


def assertion_ids(entries: list[str]) -> list[str]:
    """The assertions a fault's entries name, once each: what its run filters to."""
    return sorted({faults.parse(e)[0] for e in entries})

