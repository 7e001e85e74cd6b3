"""Write the results as a TAP stream (results.tap).

The body is TAP 14: numbered test points with " - " descriptions in which
a backslash and # are escaped with a backslash, TODO and SKIP directives,
and YAML diagnostics indented by two spaces. The version line says 13 all
the same: TAP::Harness before 3.48 -- the prove of Debian 12 and Ubuntu
24.04 -- rejects a "TAP version 14" line as a parse error and so fails even
an all-passing run, while the TAP 14 specification lets a harness read a
version 13 line as its own. The tests check the stream with that prove, and
with a strict TAP 14 checker after putting 14 in the version line
(runner/tests/tap14.py).

A harness fails the stream exactly when the run has unexpected results:
expected divergences are "not ok ... # TODO", and an XPASS (or a PASS the
spec does not expect) is a plain "not ok" because a passing TODO test does
not fail prove.
"""

import re

from runner import results_schema
from runner.results import labelled_message

TAP_VERSION = 13

# TAP lines and YAML scalars must not carry these: C0 and C1 controls
# (line breaks included) and DEL.
CONTROL_CHARACTERS = re.compile("[\u0000-\u001f\u007f-\u009f]")
# Not encodable in UTF-8 (lone surrogates) or not characters at all.
NON_CHARACTERS = re.compile("[\ud800-\udfff\ufeff\ufffe\uffff]")
YAML_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
YAML_NEEDS_ESCAPE = re.compile('[\\\\"\u0000-\u001f\u007f-\u009f]')
# TAP::Parser's YAML reader cannot match a quoted scalar much longer than
# 32000 characters and reports a parse error; the full text is in results.json.
YAML_VALUE_KEEP_HEAD = 4000
YAML_VALUE_KEEP_TAIL = 4000


def render(doc):
    """The TAP text for a valid results document."""
    results_schema.require_valid(doc)
    results = doc["results"]
    lines = [f"TAP version {TAP_VERSION}", _plan(len(results))]
    for number, result in enumerate(results, start=1):
        lines += _test_point(number, result)
    return "\n".join(lines) + "\n"


def write(doc, path):
    """Render `doc` and write it to `path` as UTF-8."""
    text = render(doc)
    with open(path, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)


def _plan(count):
    if count == 0:
        return "1..0 # SKIP this run has no results"
    return f"1..{count}"


def tap_text(value):
    """`value` fit for one TAP line: no line breaks or controls, and backslash
    and # escaped so that only our own directive starts with #."""
    text = CONTROL_CHARACTERS.sub(" ", value)
    text = NON_CHARACTERS.sub("\ufffd", text)
    return text.replace("\\", "\\\\").replace("#", "\\#")


def yaml_string(value):
    """`value` as a YAML double-quoted scalar that TAP::Parser's YAML reader
    also understands (it knows \\n, \\t, \\r, \\\\, \\" and \\xNN, not \\u)."""
    text = NON_CHARACTERS.sub("\ufffd", shortened(value, YAML_VALUE_KEEP_HEAD, YAML_VALUE_KEEP_TAIL))
    escaped = YAML_NEEDS_ESCAPE.sub(_yaml_escape, text)
    return f'"{escaped}"'


def shortened(value, head, tail):
    """Long values keep their start and their end, where a failure shows."""
    left_out = len(value) - head - tail
    if left_out <= 0:
        return value
    marker = f"\n[... {left_out} characters left out; results.json has them all ...]\n"
    return value[:head] + marker + value[-tail:]


def _yaml_escape(match):
    character = match.group()
    return YAML_SHORT_ESCAPES.get(character) or f"\\x{ord(character):02x}"


def _yaml_optional_string(value):
    return "~" if value is None else yaml_string(value)


def _description(result):
    return tap_text(f"{result['id']} [{result['backend']}] {result['statement']}")


def _test_point(number, result):
    status = result["status"]
    description = _description(result)
    if status == "PASS" and not result["unexpected"]:
        return [f"ok {number} - {description}"]
    if status == "SKIP" and not result["unexpected"]:
        reason = result["reason"] or result["message"] or "no reason given"
        return [f"ok {number} - {description} # SKIP {tap_text(reason)}"]
    if status == "SKIP":
        line = f"not ok {number} - {description} (SKIP, which the spec table does not declare here)"
    elif status == "XPASS":
        line = f"not ok {number} - {description} (XPASS: expected failure did not happen)"
    elif status == "PASS":
        expected = " or ".join(result["expected"])
        line = f"not ok {number} - {description} (PASS, but the spec expects {expected})"
    elif status == "XFAIL":
        line = f"not ok {number} - {description} # TODO expected failure: {_reason_text(result)}"
    elif results_schema.is_expected_error(result):
        line = f"not ok {number} - {description} # TODO expected {status}: {_reason_text(result)}"
    else:
        line = f"not ok {number} - {description}"
    return [line] + _diagnostics(result)


def _reason_text(result):
    return tap_text(result["reason"] or "no reason given")


def _diagnostics(result):
    """The YAML block that follows a "not ok" line, indented by two spaces."""
    evidence = result["evidence"]
    fields = [
        ("message", yaml_string(labelled_message(result))),
        ("check", _yaml_optional_string(result["check"])),
        ("status", yaml_string(result["status"])),
        ("observed", yaml_string(result["observed"])),
        ("reason", _yaml_optional_string(result["reason"])),
        ("backend", yaml_string(result["backend"])),
        ("case", yaml_string(result["case"])),
        ("duration_ms", str(result["duration_ms"])),
        ("process", yaml_string(evidence["process"])),
        ("transcript", yaml_string(evidence["transcript"])),
        ("output", yaml_string(evidence["output"])),
    ]
    lines = ["  ---"]
    lines += [f"  {key}: {value}" for key, value in fields[:3]]
    lines.append("  expected:")
    lines += [f"    - {yaml_string(status)}" for status in result["expected"]]
    lines += [f"  {key}: {value}" for key, value in fields[3:]]
    lines.append("  ...")
    return lines
