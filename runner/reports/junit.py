"""Write the results as JUnit XML (junit.xml), one test suite per area.

FAIL, XPASS and a PASS the spec does not expect are <failure>; unexpected
ERROR and TIMEOUT are <error>.
Expected divergences (XFAIL, and an ERROR or TIMEOUT the spec predicts) are
<skipped>, like SKIP, so that a CI reading this file goes red exactly when
the run has unexpected results.

The file is valid under the strictest schemas its readers use: the JUnit 10
schema of Jenkins' xUnit plugin for the whole file, and the Maven Surefire
report schema (which Jenkins' JUnit plugin reads) for each <testsuite>. So
the root carries no `skipped` counter (xUnit allows none there; each suite
has its own), a suite has no `timestamp` (released Surefire schemas allow
none; the property start_time has the run's start, in UTC with its Z), and
the elements come in Surefire's order: properties before test cases, the
outcome before <system-out>. runner/tests/junit_strict.py holds the file to
those rules.

Every counter adds up at every level, time included: a suite's time is the
sum of its test cases' times and the root's the sum of the suites'. (Cases
run in parallel, so that sum is more than the run's wall-clock time, which
each suite carries as the property duration_s.)
"""

import re
import xml.etree.ElementTree as ET

from runner import results_schema, vocabulary
from runner.results import labelled_message

# Everything XML 1.0 allows in a document; the rest (most control
# characters, lone surrogates, U+FFFE, U+FFFF) makes parsers reject the file.
XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

RUN_INFO_PROPERTIES = ("platform", "platform_id", "os", "kernel", "arch", "libc", "runtime",
                       "git_revision", "mapconf_version", "start_time", "duration_s", "command")


def render(doc):
    """The JUnit XML text for a valid results document."""
    results_schema.require_valid(doc)
    root = _testsuites(doc)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write(doc, path):
    """Render `doc` and write it to `path` as UTF-8."""
    text = render(doc)
    with open(path, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)


def xml_safe(value):
    """`value` as text with the characters XML 1.0 forbids removed."""
    text = "" if value is None else str(value)
    return XML_FORBIDDEN.sub("", text)


def outcome_kind(result):
    """failure, error, skipped or passed: how JUnit counts this result."""
    status = result["status"]
    if status in ("FAIL", "XPASS"):
        return "failure"
    if status in ("ERROR", "TIMEOUT"):
        return "error" if result["unexpected"] else "skipped"
    if status == "PASS":
        return "failure" if result["unexpected"] else "passed"
    if status == "SKIP" and result["unexpected"]:
        return "error"              # a SKIP the spec table does not declare: the platform lacks what it claims
    return "skipped"


def _element(tag, attributes=None, text=None):
    element = ET.Element(tag, {key: xml_safe(value) for key, value in (attributes or {}).items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


def _seconds(milliseconds):
    return f"{milliseconds / 1000:.3f}"


def _counters(results, with_skipped=True):
    kinds = [outcome_kind(result) for result in results]
    counters = {
        "tests": str(len(results)),
        "failures": str(kinds.count("failure")),
        "errors": str(kinds.count("error")),
    }
    if with_skipped:
        counters["skipped"] = str(kinds.count("skipped"))
    return counters


def _results_by_area(results):
    areas = {}
    for result in results:
        areas.setdefault(vocabulary.area_of(result["id"]), []).append(result)
    return dict(sorted(areas.items()))


def _testsuites(doc):
    run_info = doc["run_info"]
    total_ms = sum(result["duration_ms"] for result in doc["results"])
    # xUnit's JUnit schema has no skipped counter on the root
    attributes = {"name": "mapconf", **_counters(doc["results"], with_skipped=False), "time": _seconds(total_ms)}
    root = _element("testsuites", attributes)
    for area, results in _results_by_area(doc["results"]).items():
        root.append(_testsuite(area, results, run_info))
    return root


def _testsuite(area, results, run_info):
    total_ms = sum(result["duration_ms"] for result in results)
    attributes = {
        "name": f"mapconf.{area}",
        **_counters(results),
        "time": _seconds(total_ms),
    }
    suite = _element("testsuite", attributes)
    suite.append(_properties(run_info))
    for result in results:
        suite.append(_testcase(result))
    return suite


def _properties(run_info):
    properties = _element("properties")
    for key in RUN_INFO_PROPERTIES:
        value = run_info[key]
        properties.append(_element("property", {"name": key, "value": "" if value is None else value}))
    return properties


def _testcase(result):
    attributes = {
        "classname": f"mapconf.{vocabulary.area_of(result['id'])}",
        "name": f"{result['id']} [{result['backend']}]",
        "time": _seconds(result["duration_ms"]),
    }
    testcase = _element("testcase", attributes)
    outcome_element = _outcome(result)
    if outcome_element is not None:
        testcase.append(outcome_element)
    system_out = _system_out_text(result)
    if system_out:
        testcase.append(_element("system-out", text=system_out))
    return testcase


def _outcome(result):
    kind = outcome_kind(result)
    if kind == "failure" or kind == "error":
        return _element(kind, {"message": _problem_message(result), "type": result["status"]}, _details(result))
    if kind == "skipped":
        return _element("skipped", {"message": _skip_message(result)})
    return None


def _problem_message(result):
    if result["message"]:
        return labelled_message(result)
    if result["status"] == "XPASS":
        return "expected failure did not happen"
    if result["status"] == "PASS":
        return f"passed, but the spec expects {' or '.join(result['expected'])}"
    return f"{result['status']} ({result['evidence']['process']})"


def _skip_message(result):
    reason = result["reason"] or result["message"] or "no reason given"
    if result["status"] == "XFAIL":
        return f"expected failure: {reason}"
    if result["status"] == "SKIP":
        return reason
    return f"expected {result['status']}: {reason}"


def _details(result):
    lines = [
        f"{result['id']} [{result['backend']}] {result['statement']}",
        f"status: {result['status']} (observed {result['observed']}, expected {' or '.join(result['expected'])})",
        f"reason: {result['reason'] or '-'}",
        f"expected by: {result.get('expected_by') or 'the spec table'}",
        f"check: {result['check'] or '-'}",
        f"message: {result['message'] or '-'}",
        f"case: {result['case']}",
        f"process: {result['evidence']['process']}",
    ]
    return "\n".join(lines)


def _system_out_text(result):
    transcript = result["evidence"]["transcript"]
    output = result["evidence"]["output"]
    if not output:
        return transcript
    return f"{transcript.rstrip(chr(10))}\n--- case output (stdout+stderr) ---\n{output}"
