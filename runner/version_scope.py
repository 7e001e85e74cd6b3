"""Every expectation scoped by the versions its evidence covers.

An expectation's reason says where the divergence was seen: "qemu-user
7.2 treats ...", "Wine 8.0 reports ...", "on Linux 6.18 ...". A reason
that names a version of the platform's runtime, of the kernel or of the C
library is evidence about that version, so its expectation carries the
matching range (`runtime`, `kernel`, `libc`): closed at the upstream fix
where there is one ("< 8.1"), open from the version seen where there is
none (">= 7.2"). A platform that fixed the divergence then comes out PASS on
its fixed releases, not XPASS. Where the evidence covers every version (a
filesystem's design, a kernel rule older than any release mapconf runs on),
the reason says so in the words NO_RANGE and why.

`./mapconf docs --check` (and so the selftest) refuses the spec table's
expectations that break this rule, one sentence each, naming the line.
"""

from __future__ import annotations

import re

from .spec import Spec

NO_RANGE = "No version range:"

# A name a reason gives a runtime, the kernel or the C library, followed by
# the version seen ("qemu-arm 7.2", "runsc 20221219", "glibc 2.36"), and the
# range key that version is held to.
_NAMED_VERSION = re.compile(
    r"\b(?P<name>qemu(?:-[\w]+)?|QEMU|runsc|valgrind|Wine|Linux|glibc|musl)\s+v?(?P<version>\d+(?:\.\d+)*)\b")
_KEY_OF = {"Linux": "kernel", "glibc": "libc", "musl": "libc"}


def named_versions(reason: str) -> list[tuple[str, str]]:
    """(range key, "name version") of each version the reason names."""
    return [(_KEY_OF.get(m.group("name"), "runtime"), f"{m.group('name')} {m.group('version')}")
            for m in _NAMED_VERSION.finditer(reason)]


def problems(the_spec: Spec, path: str = "cases/spec.toml") -> list[str]:
    """One sentence per expectation whose reason names a version it is not scoped by."""
    found = []
    for assertion in the_spec.assertions:
        for expectation in assertion.expectations:
            if not expectation.reason or NO_RANGE in expectation.reason:
                continue
            scoped = {key for key, _ in expectation.ranges}
            for key, named in named_versions(expectation.reason):
                if key not in scoped:
                    found.append(
                        f"{path}:{expectation.line}: an expectation of {assertion.id} names {named} in its reason "
                        f"but has no '{key}' range; add the range its evidence supports ('< FIXED' with the "
                        f"upstream fix, else '>= SEEN'), or say '{NO_RANGE}' and why in the reason.")
                    break
    return found
