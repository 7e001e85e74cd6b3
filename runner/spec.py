"""Load and validate the mapconf spec table (cases/spec.toml).

The spec table is the single source of truth for what the suite checks: one
[[assertion]] per behaviour, each tied to exactly one case function in one
compiled case binary, with optional per-platform or per-backend expectations.
Every problem is reported as a SpecError that names the file and line, so a
contributor can fix the table without reading this module.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from fnmatch import fnmatchcase
from typing import Any, Iterable

from .labels import NAME
from .versions import RangeError, Version, VersionRange, parse_range, shown
from .vocabulary import BACKENDS, CLAUSES, CONDITIONS, ID_PATTERN, OBSERVED_STATUSES

ASSERTION_KEYS = ("id", "clause", "statement", "backends", "case", "exclusive", "file_made_before", "expect")
REQUIRED_ASSERTION_KEYS = ("id", "clause", "statement", "backends", "case")
EXPECT_KEYS = ("platform", "backend", "when", "runtime", "kernel", "libc", "status", "check", "answer", "reason")
# What a version range of an expectation applies to: the run's runtime (the
# emulator, sandbox or layer: Platform.version()), its kernel and its C library.
VERSION_KEYS = ("runtime", "kernel", "libc")
# A failure is expected at one check (or step): these statuses must name it.
STATUSES_NAMING_A_CHECK = ("FAIL", "ERROR", "TIMEOUT")
REQUIRED_EXPECT_KEYS = ("status",)

# Shown in "missing key" errors so the fix can be copied straight into the table.
_KEY_EXAMPLES = {
    "id": 'id = "AREA-001"',
    "clause": 'clause = "C1"',
    "statement": 'statement = "..."',
    "backends": 'backends = ["posix-shm"]',
    "case": 'case = "binary:function"',
    "status": 'status = "FAIL"',
    "check": 'check = "label-of-the-check"',
    "runtime": 'runtime = ">= 7.2, < 8.1"',
}

_IDENTIFIER = r"[a-z_][a-z0-9_]*"
_CASE_PATTERN = re.compile(rf"{_IDENTIFIER}:{_IDENTIFIER}")

_ASSERTION_HEADER = re.compile(r"^\s*\[\[\s*assertion\s*\]\]")
_EXPECT_HEADER = re.compile(r"^\s*\[\[\s*assertion\s*\.\s*expect\s*\]\]")
_TOML_POSITION = re.compile(
    r"^(?P<message>.*) \(at (?:line (?P<line>\d+), column (?P<column>\d+)|end of document)\)$",
    re.DOTALL,
)


class SpecError(Exception):
    """One problem in the spec table, with the place it was found."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path = path
        self.line = line
        self.message = message
        super().__init__(self._located(path, line, message))

    @staticmethod
    def _located(path: str, line: int | None, message: str) -> str:
        if line is None:
            return f"{path}: {message}"
        return f"{path}:{line}: {message}"


@dataclass(frozen=True)
class Expectation:
    """A deviation from PASS on some platforms and/or backends (and, with
    `when`, only in runs under that condition; with `runtime`, `kernel` or
    `libc`, only where that version is in the range), with its reason. A
    FAIL, ERROR or TIMEOUT names the check (or step) it happens at, and may
    pin the answer: a substring of the failure's message."""

    platform: str | None
    backend: str | None
    statuses: tuple[str, ...]
    reason: str | None
    line: int | None
    check: str | None = None
    answer: str | None = None
    when: str | None = None
    ranges: tuple[tuple[str, VersionRange], ...] = ()     # (one of VERSION_KEYS, its range)
    source: str | None = None      # the --expectations file it comes from; None: the spec table

    def matches(self, platform: str, backend: str, conditions: frozenset[str] = frozenset(),
                versions: dict[str, Version | None] | None = None) -> bool:
        """versions: the run's versions by VERSION_KEYS; None (a reader of the
        table, not a run) lets every range hold, and a version the run does not
        know is in no range."""
        # fnmatchcase, not fnmatch: platform ids must match the same way on every host OS.
        # A run with --filesystem has the id PLATFORM+FILESYSTEM: what holds for the
        # platform holds on any filesystem, and "*+fuse" names one filesystem.
        platform_matches = self.platform is None or fnmatchcase(platform, self.platform) or (
            "+" in platform and fnmatchcase(platform.partition("+")[0], self.platform))
        backend_matches = self.backend is None or self.backend == backend
        condition_holds = self.when is None or self.when in conditions
        return platform_matches and backend_matches and condition_holds and self.in_range(versions)

    def in_range(self, versions: dict[str, Version | None] | None) -> bool:
        return versions is None or all(versions.get(key) in range_ for key, range_ in self.ranges)

    def ranges_text(self) -> str:
        """The ranges as the table writes them, e.g. "runtime >= 7.2, < 8.1"; "" without one."""
        return "; ".join(f"{key} {range_}" for key, range_ in self.ranges)


@dataclass(frozen=True)
class Assertion:
    """One checked behaviour and the case function that checks it."""

    id: str
    clause: str
    statement: str
    backends: tuple[str, ...]
    case: str
    exclusive: bool
    expectations: tuple[Expectation, ...]
    line: int | None
    # the runner makes the case's file before the run (run.made_before_files)
    file_made_before: bool = False

    @property
    def binary(self) -> str:
        return self.case.split(":", 1)[0]

    @property
    def function(self) -> str:
        return self.case.split(":", 1)[1]

    def expectation(self, platform: str, backend: str, conditions: frozenset[str] = frozenset(),
                    versions: dict[str, Version | None] | None = None) -> Expectation | None:
        """The first matching expectation, else None (PASS is expected)."""
        for expectation in self.expectations:
            if expectation.matches(platform, backend, conditions, versions):
                return expectation
        return None

    def passed_over(self, platform: str, backend: str, conditions: frozenset[str],
                    versions: dict[str, Version | None]) -> str | None:
        """Why an expectation that comes before the one that applies (or before
        PASS) does not: its version range excludes this run. None if none does."""
        for expectation in self.expectations:
            if expectation.matches(platform, backend, conditions, versions):
                return None
            if expectation.matches(platform, backend, conditions) and not expectation.in_range(versions):
                have = ", ".join(f"{key} {shown(versions.get(key))}" for key, _ in expectation.ranges)
                statuses = " or ".join(expectation.statuses)
                return (f"the expectation at line {expectation.line} of the spec table ({statuses} "
                        f"for {expectation.ranges_text()}) is for other versions: this run has {have}")
        return None

    def expected(self, platform: str, backend: str,
                 conditions: frozenset[str] = frozenset()) -> tuple[tuple[str, ...], str | None]:
        """(statuses, reason) of the first matching expectation, else (("PASS",), None)."""
        expectation = self.expectation(platform, backend, conditions)
        if expectation is None:
            return ("PASS",), None
        return expectation.statuses, expectation.reason


@dataclass(frozen=True)
class Spec:
    """The validated spec table: assertions in file order."""

    path: str
    assertions: tuple[Assertion, ...]

    def by_id(self, id: str) -> Assertion:
        for assertion in self.assertions:
            if assertion.id == id:
                return assertion
        raise KeyError(id)


@dataclass(frozen=True)
class CaseListing:
    """What a compiled case binary says it contains."""

    binary: str
    function: str
    id: str
    source: str
    line: int

    @property
    def case(self) -> str:
        return f"{self.binary}:{self.function}"


# --------------------------------------------------------------------------
# Loading


def load(path) -> Spec:
    """Read and validate the spec table at path; every problem is a SpecError."""
    path = str(path)
    return parse(_read_text(path), path)


EXPECTATIONS_FILE_KEYS = ("id", "expect")


def with_expectations(the_spec: Spec, path) -> Spec:
    """The spec with a team's expectations file put before its own
    expectations, so that the first that matches is the file's. The file
    has the spec table's form, each [[assertion]] with only its `id` and
    [[assertion.expect]] tables; every problem is a SpecError at its line."""
    path = str(path)
    text = _read_text(path, "the expectations file")
    return _ExpectationsValidator(path, _Layout.scan(text), the_spec).layered(_parse_toml(text, path))


def parse(text: str, path: str) -> Spec:
    """Validate spec table text; path is only used to locate errors."""
    document = _parse_toml(text, path)
    layout = _Layout.scan(text)
    return _Validator(path, layout).spec(document)


def _read_text(path: str, what: str = "the spec table") -> str:
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError as error:
        reason = error.strerror or str(error)
        raise SpecError(
            path, None, f"cannot read {what} ({reason}); check that the file exists and is readable."
        ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise SpecError(path, line, f"{what} is not valid UTF-8; save the file as UTF-8.") from None


def _parse_toml(text: str, path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except ValueError as error:  # tomllib.TOMLDecodeError is a ValueError
        line, message = _describe_toml_error(str(error), text)
        raise SpecError(path, line, message) from None


def _describe_toml_error(detail: str, text: str) -> tuple[int | None, str]:
    """Move tomllib's "(at line N, column M)" suffix into the error's location."""
    match = _TOML_POSITION.match(detail)
    if match is None:
        return None, f"invalid TOML: {_lower_first(detail)}; correct the syntax."
    message = _lower_first(match["message"])
    if match["line"] is None:
        last_line = text.rstrip().count("\n") + 1
        return last_line, f"invalid TOML at the end of the file: {message}; correct the syntax."
    return int(match["line"]), f"invalid TOML at column {match['column']}: {message}; correct the syntax."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# --------------------------------------------------------------------------
# Locating lines: tomllib gives no positions, so find them in the raw text.


class _Block:
    """The lines of one table: its header line and the lines after it."""

    def __init__(self, header: int | None, body: list[tuple[int, str]] | None = None, table: str = "assertion"):
        self.header = header
        self.body = body or []
        self.table = table  # dotted name a sub-table header of this block starts with

    def key_line(self, key: str) -> int | None:
        """Line of the key's first assignment (or sub-table), else the header line."""
        pattern = _key_pattern(self.table, key)
        for number, text in self.body:
            if pattern.match(text):
                return number
        return self.header

    @property
    def last_line(self) -> int | None:
        """Last non-blank, non-comment line of the table (its header if it has none)."""
        for number, text in reversed(self.body):
            if text.strip() and not text.lstrip().startswith("#"):
                return number
        return self.header


def _key_pattern(table: str, key: str) -> re.Pattern[str]:
    """Matches `key = ...`, `key.sub = ...` and a `[table.key]` or `[[table.key]]` header."""
    escaped = re.escape(key)
    plain = rf"""\s*["']?{escaped}["']?\s*[=.]"""
    prefix = "".join(rf"{re.escape(part)}\s*\.\s*" for part in table.split(".") if part)
    subtable = rf"\s*\[\[?\s*{prefix}{escaped}\s*[\].]"
    return re.compile(rf"^(?:{plain}|{subtable})")


class _AssertionBlock:
    def __init__(self, own: _Block):
        self.own = own
        self.expects: list[_Block] = []

    def expect_block(self, index: int, count: int) -> _Block:
        # A count mismatch means expectations were written in a form we do not
        # scan (e.g. inline tables); report without a line rather than a wrong one.
        if len(self.expects) != count:
            return _Block(None)
        return self.expects[index]


class _Layout:
    """Where each [[assertion]] and [[assertion.expect]] table sits in the text."""

    def __init__(self, lines: list[tuple[int, str]], assertions: list[_AssertionBlock]):
        self.lines = lines
        self.assertions = assertions

    @classmethod
    def scan(cls, text: str) -> _Layout:
        # split("\n"), not splitlines(): tomllib numbers lines by "\n" alone.
        lines = list(enumerate(text.split("\n"), start=1))
        assertions: list[_AssertionBlock] = []
        current: _Block | None = None
        for number, line in lines:
            if _ASSERTION_HEADER.match(line):
                current = _Block(number)
                assertions.append(_AssertionBlock(current))
            elif _EXPECT_HEADER.match(line) and assertions:
                current = _Block(number, table="assertion.expect")
                assertions[-1].expects.append(current)
            elif current is not None:
                current.body.append((number, line))
        return cls(lines, assertions)

    def assertion_block(self, index: int, count: int) -> _AssertionBlock:
        if len(self.assertions) != count:
            return _AssertionBlock(_Block(None))
        return self.assertions[index]

    def top_level_line(self, key: str) -> int | None:
        return _Block(None, self.lines, table="").key_line(key)


# --------------------------------------------------------------------------
# Validation


class _Invalid:
    """Marks a value that failed validation, so dependent checks are skipped."""


_INVALID = _Invalid()


def _toml_type(value: Any) -> str:
    # bool before int: in Python a bool is an int.
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (datetime, date, time)):
        return "a date or time"
    return type(value).__name__


def _is_array_of_tables(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _listed(names: Iterable[str]) -> str:
    return ", ".join(names)


def _clause_range() -> str:
    """The clauses as a range for a message, e.g. C1 to C11 (they are numbered without gaps)."""
    first, *_, last = CLAUSES
    return f"{first} to {last}"


class _Validator:
    """Checks the whole table, then reports the problem nearest the top of the file."""

    def __init__(self, path: str, layout: _Layout):
        self.path = path
        self.layout = layout
        self.problems: list[tuple[float, SpecError]] = []
        self.line_of_id: dict[str, int | None] = {}
        self.owner_of_case: dict[str, tuple[str, int | None]] = {}

    def problem(self, line: int | None, message: str, noticed_at: int | None = None) -> _Invalid:
        """Record a problem reported at line; noticed_at (default: line) decides which is reported first."""
        noticed_at = line if noticed_at is None else noticed_at
        self.problems.append((math.inf if noticed_at is None else noticed_at, SpecError(self.path, line, message)))
        return _INVALID

    def missing(self, block: _Block, message: str) -> _Invalid:
        # A missing key is reported at its table's header but only noticed at the table's
        # end, so a misspelt key in the same table (the usual cause) is reported first.
        return self.problem(block.header, message, noticed_at=block.last_line)

    def raise_first_problem(self) -> None:
        if self.problems:
            # sorted() is stable, so problems noticed on one line keep the order they were found in.
            raise sorted(self.problems, key=lambda problem: problem[0])[0][1]

    def spec(self, document: dict[str, Any]) -> Spec:
        tables = self.assertion_tables(document)
        assertions = [self.assertion(index, table, len(tables)) for index, table in enumerate(tables)]
        self.raise_first_problem()
        return Spec(self.path, tuple(assertions))

    # ---- top level

    def assertion_tables(self, document: dict[str, Any]) -> list[dict[str, Any]]:
        for key in document:
            if key != "assertion":
                self.problem(
                    self.layout.top_level_line(key),
                    f"unknown top-level key '{key}'; the spec table holds only [[assertion]] tables, "
                    f"so move it into one or remove it.",
                )
        tables = document.get("assertion", [])
        if not _is_array_of_tables(tables):
            self.problem(
                self.layout.top_level_line("assertion"),
                f"'assertion' must be an array of tables, not {_toml_type(tables)}; "
                f"write each entry under its own [[assertion]] header.",
            )
            self.raise_first_problem()
        if not tables:
            self.problem(None, "the spec table defines no assertions; add at least one [[assertion]] table.")
            self.raise_first_problem()
        return tables

    # ---- one assertion

    def assertion(self, index: int, table: dict[str, Any], count: int) -> Assertion | None:
        block = self.layout.assertion_block(index, count)
        own = block.own
        label = self.label(table, index)
        what = f"assertion {label}"
        self.check_keys(table, own, what, ASSERTION_KEYS, REQUIRED_ASSERTION_KEYS)
        fields = {
            "id": self.assertion_id(table, own, what),
            "clause": self.clause(table, own, what),
            "statement": self.statement(table, own, what),
            "backends": self.backends(table, own, what),
            "case": self.case(table, own, what),
            "exclusive": self.flag(table, own, what, "exclusive"),
            "file_made_before": self.flag(table, own, what, "file_made_before"),
        }
        fields["expectations"] = self.expectations(table, block, label, fields["backends"])
        if any(value is _INVALID for value in fields.values()):
            return None
        return Assertion(line=own.header, **fields)

    @staticmethod
    def label(table: dict[str, Any], index: int) -> str:
        assertion_id = table.get("id")
        if isinstance(assertion_id, str):
            return f"'{assertion_id}'"
        return f"#{index + 1}"

    def check_keys(self, table, block: _Block, what: str, allowed, required) -> None:
        for key in table:
            if key not in allowed:
                self.problem(
                    block.key_line(key),
                    f"{what} has unknown key '{key}'; allowed keys are {_listed(allowed)}.",
                )
        for key in required:
            if key not in table:
                self.missing(
                    block,
                    f"{what} is missing the required key '{key}'; add a line like {_KEY_EXAMPLES[key]}.",
                )

    def string(self, table, block: _Block, what: str, key: str) -> str | None | _Invalid:
        """The key's string value, None when absent, _INVALID when not a non-empty string."""
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, str):
            return self.problem(
                block.key_line(key),
                f"'{key}' in {what} must be a string, not {_toml_type(value)}; put the value in quotes.",
            )
        if not value.strip():
            return self.problem(block.key_line(key), f"'{key}' in {what} is empty; give it a value or remove it.")
        return value

    def required_string(self, table, block: _Block, what: str, key: str) -> str | _Invalid:
        value = self.string(table, block, what, key)
        return _INVALID if value is None else value  # absence is already reported by check_keys

    def assertion_id(self, table, block: _Block, what: str) -> str | _Invalid:
        value = self.required_string(table, block, what, "id")
        if value is _INVALID:
            return _INVALID
        line = block.key_line("id")
        if not ID_PATTERN.fullmatch(value):
            return self.problem(
                line,
                f"id '{value}' does not have the form AREA-NNN (upper-case letters, a dash, exactly three digits); "
                f"rename it, e.g. 'VIS-001'.",
            )
        if value in self.line_of_id:
            first = self.line_of_id[value]
            where = f"the assertion at line {first}" if first is not None else "an earlier assertion"
            return self.problem(
                line, f"id '{value}' is already used by {where}; give this assertion a new id (ids are never reused)."
            )
        self.line_of_id[value] = block.header
        return value

    def clause(self, table, block: _Block, what: str) -> str | _Invalid:
        value = self.required_string(table, block, what, "clause")
        if value is not _INVALID and value not in CLAUSES:
            return self.problem(
                block.key_line("clause"), f"{what} names unknown clause '{value}'; use one of {_clause_range()}."
            )
        return value

    def statement(self, table, block: _Block, what: str) -> str | _Invalid:
        return self.required_string(table, block, what, "statement")

    def backends(self, table, block: _Block, what: str) -> tuple[str, ...] | _Invalid:
        if "backends" not in table:
            return _INVALID
        value = table["backends"]
        line = block.key_line("backends")
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            actual = _toml_type(value) if not isinstance(value, list) else "an array with non-string items"
            return self.problem(line, f"'backends' in {what} must be a list of strings, not {actual}; correct it.")
        if not value:
            return self.problem(
                line, f"{what} lists no backends; name at least one of {_listed(BACKENDS)}."
            )
        return self.known_distinct_backends(value, line, what)

    def known_distinct_backends(self, backends: list[str], line: int | None, what: str) -> tuple[str, ...] | _Invalid:
        seen: set[str] = set()
        for backend in backends:
            if backend not in BACKENDS:
                return self.problem(
                    line, f"{what} names unknown backend '{backend}'; use one of {_listed(BACKENDS)}."
                )
            if backend in seen:
                return self.problem(line, f"{what} lists backend '{backend}' twice; remove the duplicate.")
            seen.add(backend)
        return tuple(backends)

    def case(self, table, block: _Block, what: str) -> str | _Invalid:
        value = self.required_string(table, block, what, "case")
        if value is _INVALID:
            return _INVALID
        line = block.key_line("case")
        if not _CASE_PATTERN.fullmatch(value):
            return self.problem(
                line,
                f"{what} has case '{value}', which is not '<binary>:<function>' with both parts C identifiers "
                f"([a-z_][a-z0-9_]*); correct the name.",
            )
        if value in self.owner_of_case:
            other_id, other_line = self.owner_of_case[value]
            where = f" at line {other_line}" if other_line is not None else ""
            return self.problem(
                line,
                f"{what} names case '{value}', which assertion '{other_id}'{where} already names; "
                f"each case checks exactly one assertion, so give this one its own case.",
            )
        owner_id = table["id"] if isinstance(table.get("id"), str) else what
        self.owner_of_case[value] = (owner_id, block.header)
        return value

    def flag(self, table, block: _Block, what: str, key: str) -> bool | _Invalid:
        value = table.get(key, False)
        if not isinstance(value, bool):
            return self.problem(
                block.key_line(key),
                f"'{key}' in {what} must be true or false, not {_toml_type(value)}; correct it.",
            )
        return value

    # ---- expectations

    def expectations(self, table, block: _AssertionBlock, label: str, backends) -> tuple[Expectation, ...] | _Invalid:
        tables = table.get("expect", [])
        if not _is_array_of_tables(tables):
            return self.problem(
                block.own.key_line("expect"),
                f"'expect' in assertion {label} must be an array of tables, not {_toml_type(tables)}; "
                f"write each expectation under its own [[assertion.expect]] header.",
            )
        built = [
            self.expectation(expect, block.expect_block(index, len(tables)), label, backends)
            for index, expect in enumerate(tables)
        ]
        if any(expectation is _INVALID for expectation in built):
            return _INVALID
        return tuple(built)

    def expectation(self, table, block: _Block, label: str, backends) -> Expectation | _Invalid:
        what = f"an expectation of assertion {label}"
        self.check_keys(table, block, what, EXPECT_KEYS, REQUIRED_EXPECT_KEYS)
        platform = self.string(table, block, what, "platform")
        backend = self.expect_backend(table, block, what, backends)
        when = self.when(table, block, what)
        ranges = self.ranges(table, block, what)
        statuses = self.statuses(table, block, what)
        check = self.check(table, block, what, statuses)
        answer = self.answer(table, block, what, check)
        reason = self.reason(table, block, what, statuses)
        if any(part is _INVALID for part in (platform, backend, when, ranges, statuses, check, answer, reason)):
            return _INVALID
        return Expectation(platform, backend, statuses, reason, block.header, check, answer, when, ranges)

    def ranges(self, table, block: _Block, what: str) -> tuple[tuple[str, VersionRange], ...] | _Invalid:
        ranges = []
        for key in VERSION_KEYS:
            value = self.string(table, block, what, key)
            if value is _INVALID:
                return _INVALID
            if value is None:
                continue
            try:
                ranges.append((key, parse_range(value)))
            except RangeError as error:
                return self.problem(
                    block.key_line(key),
                    f"'{key}' in {what} is not a version range: {error}; "
                    f"write comparisons joined by commas, like {_KEY_EXAMPLES['runtime'].replace('runtime', key)}.",
                )
        return tuple(ranges)

    def when(self, table, block: _Block, what: str) -> str | None | _Invalid:
        value = self.string(table, block, what, "when")
        if isinstance(value, str) and value not in CONDITIONS:
            return self.problem(
                block.key_line("when"),
                f"{what} has unknown condition when = '{value}'; use one of {_listed(CONDITIONS)}.",
            )
        return value

    def check(self, table, block: _Block, what: str, statuses) -> str | None | _Invalid:
        value = self.string(table, block, what, "check")
        if value is _INVALID or statuses is _INVALID:
            return value
        if value is not None and not NAME.fullmatch(value):
            return self.problem(
                block.key_line("check"),
                f"check '{value}' in {what} is not a label (lowercase words joined by hyphens, "
                f"like 'b-reads-a-write') or a step (a verb like 'create'); use the name the case gives it.",
            )
        failing = [status for status in statuses if status in STATUSES_NAMING_A_CHECK]
        if failing and value is None:
            return self.missing(
                block,
                f"{what} allows {_listed(failing)} without naming where; add a line like "
                f"{_KEY_EXAMPLES['check']} (the label of the check, or the step, it happens at).",
            )
        return value

    def answer(self, table, block: _Block, what: str, check) -> str | None | _Invalid:
        value = self.string(table, block, what, "answer")
        if isinstance(value, str) and check is None:
            return self.problem(
                block.key_line("answer"),
                f"{what} pins an answer without a check; add check = \"...\" naming where it is given.",
            )
        return value

    def expect_backend(self, table, block: _Block, what: str, backends) -> str | None | _Invalid:
        value = self.string(table, block, what, "backend")
        if value is None or value is _INVALID or backends is _INVALID:
            return value
        if value not in backends:
            return self.problem(
                block.key_line("backend"),
                f"{what} names backend '{value}', which the assertion does not list in 'backends'; "
                f"use one of {_listed(backends)} or add it to 'backends'.",
            )
        return value

    def statuses(self, table, block: _Block, what: str) -> tuple[str, ...] | _Invalid:
        if "status" not in table:
            return _INVALID
        value = table["status"]
        line = block.key_line("status")
        statuses = [value] if isinstance(value, str) else value
        if not isinstance(statuses, list) or not all(isinstance(item, str) for item in statuses):
            return self.problem(
                line,
                f"'status' in {what} must be a string or a list of strings, not {_toml_type(value)}; correct it.",
            )
        if not statuses:
            return self.problem(
                line, f"{what} has an empty status list; give at least one of {_listed(OBSERVED_STATUSES)}."
            )
        for status in statuses:
            if status not in OBSERVED_STATUSES:
                return self.problem(
                    line, f"{what} has unknown status '{status}'; use one of {_listed(OBSERVED_STATUSES)}."
                )
        return tuple(statuses)

    def reason(self, table, block: _Block, what: str, statuses) -> str | None | _Invalid:
        value = self.string(table, block, what, "reason")
        if value is _INVALID or statuses is _INVALID:
            return value
        deviations = [status for status in statuses if status != "PASS"]
        if deviations and value is None:
            return self.missing(
                block,
                f"{what} allows {_listed(deviations)} without a reason; "
                f'add reason = "..." saying why this platform or backend differs.',
            )
        return value


# --------------------------------------------------------------------------
# Cross-checking the table against the compiled case binaries


def check_cases(spec: Spec, listings: list[CaseListing],
                case_labels: dict[str, list[str]] | None = None, steps: set[str] | None = None) -> None:
    """Raise SpecError unless assertions and case functions correspond one to one.

    Every assertion must name a case some binary contains, every case must be
    named by an assertion, and the id a case declares in its C code must be the
    id of the assertion that names it. Given each case's labels (and the
    steps a case can end at), every expectation must name a check the case
    makes: for a FAIL one of its labels, for an ERROR or TIMEOUT one of its
    labels or a step.
    """
    listing_of_case = {listing.case: listing for listing in listings}
    for assertion in spec.assertions:
        listing = listing_of_case.get(assertion.case)
        if listing is None:
            raise _missing_case(spec, assertion)
        if listing.id != assertion.id:
            raise _id_mismatch(spec, assertion, listing)
        if case_labels is not None:
            _check_labels(spec, assertion, listing, case_labels.get(assertion.case, []), steps or set())
    named_cases = {assertion.case for assertion in spec.assertions}
    for listing in listings:
        if listing.case not in named_cases:
            raise _orphan_case(spec, listing)


def _check_labels(spec: Spec, assertion: Assertion, listing: CaseListing, labels: list[str],
                  steps: set[str]) -> None:
    for expectation in assertion.expectations:
        if expectation.check is None:
            continue
        at_a_step = any(status in ("ERROR", "TIMEOUT", "SKIP") for status in expectation.statuses)
        if expectation.check in labels or (at_a_step and expectation.check in steps):
            continue
        known = ", ".join(labels) or "none"
        steps_too = " (or, for an ERROR, TIMEOUT or SKIP, a step: a verb like 'create')" if at_a_step else ""
        raise SpecError(
            expectation.source or spec.path, expectation.line,
            f"assertion '{assertion.id}' expects check '{expectation.check}', which case '{assertion.case}' "
            f"({listing.source}) does not make; name one of its labels{steps_too}: {known}.",
        )


def _missing_case(spec: Spec, assertion: Assertion) -> SpecError:
    return SpecError(
        spec.path,
        assertion.line,
        f"assertion '{assertion.id}' names case '{assertion.case}', which no case binary contains; "
        f"add function '{assertion.function}' to binary '{assertion.binary}' or correct the case name.",
    )


def _id_mismatch(spec: Spec, assertion: Assertion, listing: CaseListing) -> SpecError:
    spec_place = spec.path if assertion.line is None else f"{spec.path}:{assertion.line}"
    return SpecError(
        listing.source,
        listing.line,
        f"case '{listing.case}' declares id '{listing.id}', but {spec_place} gives that case to "
        f"assertion '{assertion.id}'; make the two ids agree.",
    )


def _orphan_case(spec: Spec, listing: CaseListing) -> SpecError:
    return SpecError(
        listing.source,
        listing.line,
        f"case '{listing.case}' checks no assertion in {spec.path}; "
        f'add an [[assertion]] with case = "{listing.case}" or remove it.',
    )


class _ExpectationsValidator(_Validator):
    """An expectations file: assertions of the spec, each with only its id and expectations."""

    def __init__(self, path: str, layout: _Layout, the_spec: Spec):
        super().__init__(path, layout)
        self.the_spec = the_spec

    def layered(self, document: dict[str, Any]) -> Spec:
        # a file with nothing to expect is a valid one (every divergence fixed, say)
        tables = self.assertion_tables(document) if document else []
        known = {a.id: a for a in self.the_spec.assertions}
        added: dict[str, list[Expectation]] = {}
        for index, table in enumerate(tables):
            block = self.layout.assertion_block(index, len(tables))
            label = self.label(table, index)
            what = f"assertion {label}"
            self.check_keys(table, block.own, what, EXPECTATIONS_FILE_KEYS, ("id",))
            assertion_id = table.get("id")
            if not isinstance(assertion_id, str) or assertion_id not in known:
                self.problem(block.own.key_line("id"), f"{what} is not in the spec table {self.the_spec.path}; "
                             f"give the ID of one of its assertions ('./mapconf list' shows them).")
                continue
            expectations = self.expectations(table, block, label, known[assertion_id].backends)
            if expectations is not _INVALID:
                added.setdefault(assertion_id, []).extend(replace(e, source=self.path) for e in expectations)
        self.raise_first_problem()
        return Spec(self.the_spec.path, tuple(replace(a, expectations=(*added.get(a.id, ()), *a.expectations))
                                              for a in self.the_spec.assertions))
