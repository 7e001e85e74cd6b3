"""A strict checker of junit.xml, for the tests of the JUnit report and the
selftest: it holds the file to what its strictest readers enforce.

JUnit XML has no standard; each reader has a schema of its own. The
strictest in use are these two, and junit.xml must pass both:

- Jenkins' xUnit plugin validates against its JUnit 10 schema (junit-10.xsd):
  a <testsuites> root may carry name, time, tests, failures and errors, and
  nothing else (no `skipped`); `time` is digits with at most three decimals.
  A <testsuite> needs name, tests, failures and errors and may carry a
  short list of others; a <testcase> needs a name.
- Maven Surefire's report schema (surefire-test-report.xsd, 3.0 as released
  up to Surefire 3.5), the format Jenkins' JUnit plugin reads, has
  <testsuite> as its root, so here it applies to each suite: `skipped` is
  required, `timestamp` is not allowed, <properties> (at most one) comes
  before the test cases and nothing else is in a suite; a test case needs a
  `time` that is an xs:float and has its children in one order (failures,
  then at most one <skipped>, at most one <error>, <system-out>,
  <system-err>); <skipped> may carry a message and nothing else, <failure>
  and <error> a message and a type (3.0 requires the type), and all of
  them hold text only.

Where the two differ, the stricter rule is kept. The checker is stricter
than both where mapconf writes less than they allow (no nested suites, no
rerun or flaky elements, no namespace, no stray text), and it adds what
readers that count for themselves (GitLab, the GitHub test-report actions)
rely on to show the same numbers as Jenkins: every counter is a
non-negative integer equal to what the test cases say, a test case has at
most one outcome, and each time is the sum of the ones below it.

The rules are read from the schemas and written here in our own terms; with
a user's copy of a schema file, xmllint_problems() has `xmllint --schema`
check the file against it (see docs/using.md).
"""

from __future__ import annotations

import os
import re
import subprocess
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

# junit-10.xsd's SUREFIRE_TIME: digit groups (optionally with thousands commas), at most 3 decimals
SUREFIRE_TIME = re.compile(r"(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]{0,3})?")
# XML Schema's xs:float, lexically (special values included)
XS_FLOAT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([Ee][+-]?[0-9]+)?|[+-]?INF|NaN")
COUNT = re.compile(r"0|[1-9][0-9]*")
XS = "{http://www.w3.org/2001/XMLSchema}"

# (allowed, required) attributes: the intersection of what both schemas allow,
# the union of what they require
ROOT_ATTRIBUTES = ({"name", "time", "tests", "failures", "errors"}, set())
SUITE_ATTRIBUTES = ({"name", "tests", "failures", "errors", "skipped", "time", "group", "version"},
                    {"name", "tests", "failures", "errors", "skipped"})
CASE_ATTRIBUTES = ({"name", "classname", "group", "time"}, {"name", "time"})
OUTCOME_ATTRIBUTES = {
    "failure": ({"message", "type"}, {"type"}),
    "error": ({"message", "type"}, {"type"}),
    "skipped": ({"message"}, set()),
}
# Surefire's order of a test case's children, each with how many may appear (None: any number)
CASE_CHILDREN = (("failure", None), ("skipped", 1), ("error", 1), ("system-out", 1), ("system-err", 1))
ROOT_COUNTERS = ("tests", "failures", "errors")
SUITE_COUNTERS = ("tests", "failures", "errors", "skipped")


class JUnitError(ValueError):
    pass


def check(text: str | bytes) -> ET.Element:
    """The root of a junit.xml that passes every rule; JUnitError names the
    first rule broken and where."""
    try:
        root = ET.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
    except ET.ParseError as error:
        raise JUnitError(f"not well-formed XML: {error}") from None
    _check_root(root)
    return root


def _fail(where: str, message: str) -> JUnitError:
    return JUnitError(f"{where}: {message}")


def _check_attributes(element: ET.Element, rules: tuple[set, set], where: str) -> None:
    allowed, required = rules
    for name in element.attrib:
        if name not in allowed:
            raise _fail(where, f"the attribute {name!r} is not allowed (allowed: {', '.join(sorted(allowed))})")
    for name in sorted(required):
        if name not in element.attrib:
            raise _fail(where, f"the attribute {name!r} is required")


def _check_no_text(element: ET.Element, where: str) -> None:
    """Element-only content: nothing but white space between the children."""
    for text in [element.text] + [child.tail for child in element]:
        if text and text.strip():
            raise _fail(where, f"text {text.strip()[:40]!r} where only elements may be")


def _check_text_only(element: ET.Element, where: str) -> None:
    if len(element):
        raise _fail(where, f"the element <{element[0].tag}> inside <{element.tag}>, which holds text only")


def _tag(element: ET.Element, where: str) -> str:
    if element.tag.startswith("{"):
        raise _fail(where, f"the element {element.tag} is in a namespace; JUnit XML has none")
    return element.tag


def _count(element: ET.Element, name: str, where: str) -> int:
    value = element.get(name)
    if value is None or not COUNT.fullmatch(value):
        raise _fail(where, f"{name}={value!r} is not a non-negative integer")
    return int(value)


def _milliseconds(element: ET.Element, where: str, required: bool) -> int | None:
    value = element.get("time")
    if value is None:
        if required:
            raise _fail(where, "the attribute 'time' is required")
        return None
    if not SUREFIRE_TIME.fullmatch(value) or not XS_FLOAT.fullmatch(value):
        raise _fail(where, f"time={value!r} is not seconds with at most three decimals, as both schemas read them")
    return int(Decimal(value) * 1000)


def _check_root(root: ET.Element) -> None:
    where = "<testsuites>"
    if _tag(root, "the root") != "testsuites":
        raise _fail("the root", f"<{root.tag}>, expected <testsuites>")
    _check_attributes(root, ROOT_ATTRIBUTES, where)
    _check_no_text(root, where)
    totals = dict.fromkeys(ROOT_COUNTERS, 0)
    total_ms = 0
    for index, suite in enumerate(root):
        suite_where = f"testsuite {index + 1} ({suite.get('name')!r})"
        if _tag(suite, suite_where) != "testsuite":
            raise _fail(where, f"the element <{suite.tag}>; only <testsuite> may be here")
        counts, milliseconds = _check_suite(suite, suite_where)
        for name in ROOT_COUNTERS:
            totals[name] += counts[name]
        total_ms += milliseconds
    for name in ROOT_COUNTERS:
        if name in root.attrib and _count(root, name, where) != totals[name]:
            raise _fail(where, f"{name}={root.get(name)}, but the suites add up to {totals[name]}")
    root_ms = _milliseconds(root, where, required=False)
    if root_ms is not None and root_ms != total_ms:
        raise _fail(where, f"time={root.get('time')}, but the suites add up to {total_ms / 1000:.3f}")


def _check_suite(suite: ET.Element, where: str) -> tuple[dict, int]:
    _check_attributes(suite, SUITE_ATTRIBUTES, where)
    _check_no_text(suite, where)
    children = list(suite)
    if children and _tag(children[0], where) == "properties":
        _check_properties(children.pop(0), where)
    counts = dict.fromkeys(SUITE_COUNTERS, 0)
    total_ms = 0
    for index, case in enumerate(children):
        case_where = f"{where}, test case {index + 1} ({case.get('name')!r})"
        tag = _tag(case, where)
        if tag != "testcase":
            place = "at most one <properties>, first" if tag == "properties" else "only <properties> and <testcase>"
            raise _fail(where, f"the element <{tag}>; a suite holds {place}")
        outcome, milliseconds = _check_case(case, case_where)
        counts["tests"] += 1
        if outcome:
            counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[outcome]] += 1
        total_ms += milliseconds
    for name in SUITE_COUNTERS:
        if _count(suite, name, where) != counts[name]:
            raise _fail(where, f"{name}={suite.get(name)}, but its test cases say {counts[name]}")
    suite_ms = _milliseconds(suite, where, required=False)
    if suite_ms is not None and suite_ms != total_ms:
        raise _fail(where, f"time={suite.get('time')}, but its test cases add up to {total_ms / 1000:.3f}")
    return counts, total_ms


def _check_properties(properties: ET.Element, where: str) -> None:
    where = f"{where}, <properties>"
    _check_attributes(properties, (set(), set()), where)
    _check_no_text(properties, where)
    for prop in properties:
        if _tag(prop, where) != "property":
            raise _fail(where, f"the element <{prop.tag}>; only <property> may be here")
        prop_where = f"{where}, property {prop.get('name')!r}"
        _check_attributes(prop, ({"name", "value"}, {"name", "value"}), prop_where)
        if len(prop) or (prop.text or "").strip():
            raise _fail(prop_where, "a <property> is empty: its value is an attribute")


def _check_case(case: ET.Element, where: str) -> tuple[str | None, int]:
    """The case's outcome (failure, error, skipped or None) and its time in ms."""
    _check_attributes(case, CASE_ATTRIBUTES, where)
    _check_no_text(case, where)
    milliseconds = _milliseconds(case, where, required=True)
    order = [name for name, _ in CASE_CHILDREN]
    position, seen = 0, {}
    for child in case:
        tag = _tag(child, where)
        if tag not in order:
            raise _fail(where, f"the element <{tag}>; a test case holds only {', '.join(order)}")
        if order.index(tag) < position:
            raise _fail(where, f"<{tag}> after <{order[position]}>; the order is {', '.join(order)}")
        position = order.index(tag)
        seen[tag] = seen.get(tag, 0) + 1
        most = dict(CASE_CHILDREN)[tag]
        if most is not None and seen[tag] > most:
            raise _fail(where, f"more than {most} <{tag}>")
        _check_attributes(child, OUTCOME_ATTRIBUTES.get(tag, (set(), set())), f"{where}, <{tag}>")
        _check_text_only(child, f"{where}, <{tag}>")
    outcomes = [tag for tag in ("failure", "error", "skipped") if tag in seen]
    if len(outcomes) > 1 or seen.get("failure", 0) > 1:
        raise _fail(where, f"more than one outcome ({', '.join(outcomes)}); readers would count it differently")
    return (outcomes[0] if outcomes else None), milliseconds


def user_schemas() -> list[Path]:
    """The JUnit schema files a user named in MAPCONF_JUNIT_XSD (several
    separated by ':'); none is shipped with mapconf."""
    return [Path(name) for name in os.environ.get("MAPCONF_JUNIT_XSD", "").split(os.pathsep) if name]


def xmllint_problems(junit_xml: Path, xsd: Path, scratch: Path) -> str | None:
    """What `xmllint --schema` says of junit.xml under a user's JUnit schema,
    or None if it validates. A schema whose root element is <testsuites>
    (xUnit's) checks the whole file; one whose root is <testsuite>
    (Surefire's) checks each suite as a file of its own, as Surefire writes them."""
    roots = {element.get("name") for element in ET.parse(xsd).getroot().findall(f"{XS}element")}
    if "testsuites" in roots:
        files = [junit_xml]
    elif "testsuite" in roots:
        scratch.mkdir(parents=True, exist_ok=True)
        files = []
        for index, suite in enumerate(ET.parse(junit_xml).getroot().findall("testsuite")):
            files.append(scratch / f"{junit_xml.stem}-suite-{index + 1}.xml")
            ET.ElementTree(suite).write(files[-1], encoding="UTF-8", xml_declaration=True)
    else:
        return f"{xsd} declares neither <testsuites> nor <testsuite>; it is not a JUnit schema"
    if not files:
        return None
    proc = subprocess.run(["xmllint", "--noout", "--schema", str(xsd), *map(str, files)],
                          capture_output=True, text=True)
    if proc.returncode == 0:
        return None
    errors = [line for line in proc.stderr.splitlines() if not line.endswith(" validates")]
    return "; ".join(errors[:3]) or f"xmllint exited {proc.returncode}"
