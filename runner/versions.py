"""Versions and version ranges, for expectations that hold only on some
releases of a platform's runtime, kernel or C library (`runtime`, `kernel`,
`libc` in an [[assertion.expect]] of the spec table).

A version is a tuple of numbers, read from a free text such as run_info's
"Wine 8.0 (Debian 8.0~repack-4)" or "Linux 6.1.0-18-amd64": the first
group of numbers joined by dots, so a platform's runtime string needs no
format of its own. Versions compare number by number, a missing number
counting as 0 (7.2 is 7.2.0, and 7.2.22 is above it).

A range is comparisons joined by commas, all of which must hold:
">= 7.2, < 8.1". `== 7.2` means 7.2 and every 7.2.x, since a reason names
the release it was seen on, not its patch level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Version = tuple[int, ...]

# The first dotted number that is not part of a word ("i386", "x86_64" are
# names, not versions): "qemu-i386 version 7.2.22", "runsc version release-20221219.0".
_IN_TEXT = re.compile(r"(?<![\w.])v?(\d+(?:\.\d+)+)")
_VERSION = re.compile(r"\d+(?:\.\d+)*")
_SNAPSHOT = re.compile(r"~(\d+(?:\.\d+)*)")
_COMPARISON = re.compile(r"\s*(>=|<=|==|>|<)\s*(\S+)\s*")
OPERATORS = (">=", ">", "<=", "<", "==")


def version_of(text: str | None) -> Version | None:
    """The version a free text names, or None when it names none. A version
    of zeros before "~" is Debian's placeholder for a snapshot, whose number
    is the version: runsc "0.0~20221219.0" is 20221219.0."""
    if not text:
        return None
    match = _IN_TEXT.search(text)
    if not match:
        return None
    snapshot = _SNAPSHOT.match(text, match.end())
    if snapshot and not any(parse_version(match.group(1))):
        return parse_version(snapshot.group(1))
    return parse_version(match.group(1))


def parse_version(text: str) -> Version:
    if not _VERSION.fullmatch(text):
        raise ValueError(text)
    return tuple(int(part) for part in text.split("."))


def shown(version: Version | None) -> str:
    return "unknown" if version is None else ".".join(map(str, version))


def _padded(a: Version, b: Version) -> tuple[Version, Version]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def compare(a: Version, b: Version) -> int:
    a, b = _padded(a, b)
    return (a > b) - (a < b)


@dataclass(frozen=True)
class Bound:
    version: Version
    inclusive: bool


@dataclass(frozen=True)
class VersionRange:
    """The versions between two bounds (either may be open), as written."""
    text: str
    lower: Bound | None
    upper: Bound | None

    def __contains__(self, version: Version | None) -> bool:
        if version is None:
            return False          # an unknown version is in no range
        if self.lower is not None:
            order = compare(version, self.lower.version)
            if order < 0 or (order == 0 and not self.lower.inclusive):
                return False
        if self.upper is not None:
            order = compare(version, self.upper.version)
            if order > 0 or (order == 0 and not self.upper.inclusive):
                return False
        return True

    def __str__(self) -> str:
        return self.text


class RangeError(ValueError):
    """A range that cannot be read, or that no version satisfies; the message is a sentence's middle."""


def parse_range(text: str) -> VersionRange:
    lower: Bound | None = None
    upper: Bound | None = None
    for part in text.split(","):
        if not part.strip():
            raise RangeError(f"'{text}' has an empty comparison (a comma too many)")
        match = _COMPARISON.fullmatch(part)
        if not match or not _VERSION.fullmatch(match.group(2)):
            raise RangeError(f"'{part.strip()}' is not a comparison of an operator "
                             f"({', '.join(OPERATORS)}) and a version of numbers joined by dots, like '>= 7.2'")
        operator, version = match.group(1), parse_version(match.group(2))
        if operator in (">=", ">", "=="):
            lower = _tighter(lower, Bound(version, operator != ">"), above=True)
        if operator in ("<=", "<"):
            upper = _tighter(upper, Bound(version, operator == "<="), above=False)
        if operator == "==":          # 7.2 and every 7.2.x: below 7.3
            upper = _tighter(upper, Bound(version[:-1] + (version[-1] + 1,), False), above=False)
    if lower is not None and upper is not None:
        order = compare(lower.version, upper.version)
        if order > 0 or (order == 0 and not (lower.inclusive and upper.inclusive)):
            raise RangeError(f"'{text}' admits no version (nothing is both {'>=' if lower.inclusive else '>'} "
                             f"{shown(lower.version)} and {'<=' if upper.inclusive else '<'} {shown(upper.version)})")
    return VersionRange(" ".join(text.split()), lower, upper)


def _tighter(old: Bound | None, new: Bound, above: bool) -> Bound:
    """Of two lower (above=True) or upper bounds, the one that admits less."""
    if old is None:
        return new
    order = compare(new.version, old.version)
    if order == 0:
        return old if not old.inclusive else new
    return new if (order > 0) == above else old
