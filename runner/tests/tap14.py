"""A strict checker of TAP version 14 streams, for the tests of results.tap.

Debian 12's prove (Test::Harness 3.44) knows TAP up to version 13, so it
cannot say whether results.tap is valid TAP 14; this checker can. It follows
the TAP 14 specification (testanything.org) and is stricter than a harness
must be: what a harness may tolerate (lines that are not TAP, unknown
directives, test points without numbers or out of order, a description not
set off by " - ", a lone backslash) is an error here, because mapconf writes
none of it. Subtests are refused too: results.tap has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runner.tests import yaml_subset

VERSION_14 = "TAP version 14"
VERSION_13 = "TAP version 13"
PLAN = re.compile(r"1\.\.(0|[1-9][0-9]*)(?: # (.+))?")
TEST_POINT = re.compile(r"(not )?ok(?: ([0-9]+))?(.*)")
DIRECTIVE = re.compile(r"# (todo|skip)(?: (.+))?$", re.IGNORECASE)
PRAGMA = re.compile(r"pragma [+-][A-Za-z0-9_-]+")
BAIL_OUT = re.compile(r"bail out!(?: .+)?", re.IGNORECASE)
COMMENT = re.compile(r" *#.*")
# Line feed ends lines; any other C0 control (or DEL) has no place in a stream.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")
YAML_START, YAML_END = "  ---", "  ..."


class TapError(ValueError):
    pass


@dataclass
class TestPoint:
    ok: bool
    number: int
    description: str          # unescaped
    directive: str | None     # "todo", "skip" or None
    reason: str | None
    diagnostics: dict | None  # the YAML block, parsed

    @property
    def fails(self) -> bool:
        """Whether a harness counts this point as a failure: a "not ok" with
        no TODO or SKIP directive."""
        return not self.ok and self.directive is None


def check(text: str, accept_version_13: bool = False) -> list[TestPoint]:
    """The test points of a valid stream; TapError names the first problem
    and its line. With `accept_version_13`, a "TAP version 13" line is taken
    as the version line, as the TAP 14 specification allows a harness to."""
    if not text.endswith("\n"):
        raise TapError("the stream does not end with a line feed")
    lines = text[:-1].split("\n")
    for number, line in enumerate(lines, start=1):
        if CONTROL.search(line):
            raise TapError(f"line {number}: a control character ({line[:60]!r})")
    versions = (VERSION_14, VERSION_13) if accept_version_13 else (VERSION_14,)
    if lines[0] not in versions:
        raise TapError(f"line 1: expected {' or '.join(repr(v) for v in versions)}, found {lines[0][:40]!r}")
    return _Body(lines).read()


class _Body:
    def __init__(self, lines: list[str]):
        self.lines = lines
        self.index = 1
        self.points: list[TestPoint] = []
        self.plan: int | None = None
        self.plan_after_points = False

    def error(self, message: str) -> TapError:
        return TapError(f"line {self.index + 1}: {message}")

    def read(self) -> list[TestPoint]:
        while self.index < len(self.lines):
            line = self.lines[self.index]
            if PLAN.fullmatch(line):
                self.read_plan(line)
            elif TEST_POINT.fullmatch(line) and line.startswith(("ok", "not ok")):
                self.points.append(self.read_test_point(line))
            elif line.startswith("    "):
                raise self.error("an indented line: subtests are not used, and YAML blocks are indented by two")
            elif not line.strip() or COMMENT.fullmatch(line) or PRAGMA.fullmatch(line) or BAIL_OUT.fullmatch(line):
                pass
            else:
                raise self.error(f"not a TAP line: {line[:60]!r}")
            self.index += 1
        if self.plan is None:
            raise TapError("the stream has no plan")
        if len(self.points) != self.plan:
            raise TapError(f"the plan says {self.plan} test points, the stream has {len(self.points)}")
        return self.points

    def read_plan(self, line: str) -> None:
        if self.plan is not None:
            raise self.error("a second plan")
        self.plan = int(PLAN.fullmatch(line).group(1))
        # the plan comes before every test point or after all of them
        self.plan_after_points = bool(self.points)
        if self.plan == 0 and self.points:
            raise self.error("a plan of 1..0 after test points")

    def read_test_point(self, line: str) -> TestPoint:
        if self.plan_after_points:
            raise self.error("a test point after a plan that followed test points")
        match = TEST_POINT.fullmatch(line)
        if match.group(2) is None:
            raise self.error("a test point without a number")
        number = int(match.group(2))
        if number != len(self.points) + 1:
            raise self.error(f"test point {number} where {len(self.points) + 1} was due")
        if self.plan is not None and number > self.plan:
            raise self.error(f"test point {number} is outside the plan 1..{self.plan}")
        description, directive, reason = self.description_and_directive(match.group(3))
        point = TestPoint(match.group(1) is None, number, description, directive, reason, None)
        if self.index + 1 < len(self.lines) and self.lines[self.index + 1] == YAML_START:
            point.diagnostics = self.read_yaml_block()
        return point

    def description_and_directive(self, rest: str):
        if not rest:
            return "", None, None
        if not rest.startswith(" - "):
            raise self.error(f"the description is not set off by ' - ': {rest[:40]!r}")
        text = rest[3:]
        out = []
        index = 0
        while index < len(text):
            char = text[index]
            if char == "\\":
                escaped = text[index + 1:index + 2]
                if escaped not in ("\\", "#"):
                    raise self.error(f"a backslash that escapes neither \\ nor #: {text[max(0, index - 20):index + 20]!r}")
                out.append(escaped)
                index += 2
                continue
            if char == "#":
                if not out or out[-1] != " ":
                    raise self.error(f"an unescaped # inside the description: {text[max(0, index - 20):index + 20]!r}")
                directive = DIRECTIVE.match(text[index:])
                if directive is None:
                    raise self.error(f"a # that starts no TODO or SKIP directive: {text[index:index + 40]!r}")
                return "".join(out[:-1]), directive.group(1).lower(), directive.group(2)
            out.append(char)
            index += 1
        return "".join(out), None, None

    def read_yaml_block(self) -> dict:
        start = self.index + 1
        end = start + 1
        while end < len(self.lines) and self.lines[end] != YAML_END:
            if self.lines[end] and not self.lines[end].startswith("  "):
                raise TapError(f"line {end + 1}: a line of a YAML block that is not indented by two spaces")
            end += 1
        if end == len(self.lines):
            raise TapError(f"line {start + 1}: a YAML block without its closing '  ...'")
        try:
            value = yaml_subset.parse("\n".join(line[2:] for line in self.lines[start + 1:end]) + "\n")
        except yaml_subset.YamlError as error:
            raise TapError(f"the YAML block at line {start + 1}: {error}") from None
        if not isinstance(value, dict):
            raise TapError(f"line {start + 1}: the YAML block is not a mapping")
        self.index = end
        return value
