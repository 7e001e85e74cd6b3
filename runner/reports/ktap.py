"""Write the results as KTAP version 1 (results.ktap), the format of the
kernel's kselftest and KUnit, for the tools that read those: the kernel's
kunit_parser (tools/testing/kunit), KernelCI and LAVA.

The stream is nested as KUnit's own output is: one suite per assertion
("# Subtest: VIS-001", with the KTAP version line and a plan of its
own) holding one test case per backend, named by both ("VIS-001_posix-shm",
letters, digits, '-' and '_' only, so that it is legal in KTAP, a
KernelCI test path and a LAVA test case name). Nested rather than flat
because that is the shape the kernel's parser and KernelCI already show
a KUnit run in -- suites with their cases, a suite failing when one of its
cases fails -- and an assertion is what a platform engineer looks up.
Only the cases count: kunit_parser adds up the leaves, never the suites.

A consumer fails the stream exactly when the run has unexpected results.
KTAP has no TODO (the kernel's parser reads "not ok ... # TODO" as a
failure) and the parser of Linux 6.1 knows no directive but SKIP: "ok ...
# XFAIL" is a pass to it, as kselftest writes an expected failure. So:

  mapconf status          KTAP line                             kunit_parser
  PASS                    ok N name                             passed
  XFAIL                   ok N name # XFAIL reason              passed
  ERROR, TIMEOUT expected ok N name # XFAIL expected ERROR: ... passed
  SKIP declared           ok N name # SKIP reason               skipped
  FAIL, XPASS             not ok N name                         failed
  ERROR, TIMEOUT          not ok N name # ERROR message         failed
  PASS, SKIP unexpected   not ok N name                         failed

An undeclared SKIP has no SKIP directive, since the parser counts any
"# SKIP" as skipped, "ok" or "not ok". The parser's "crashed" stays 0: it
counts the tests a stream promised and did not give. A suite is "not ok"
when one of its cases is, "ok # SKIP" when all of them SKIP.

Every result but an expected PASS is preceded by "# " diagnostic lines at
its case's indentation: the message with its check, observed against
expected, the reason, how the case process ended. Each is one line:
controls become spaces, a backslash and # are escaped as in results.tap
(so that no text makes a directive), the few phrases the kernel's parser
takes for the end of a kernel's test output ("reboot: System halted" ...)
lose their colon's place, and long values keep their start and their end.
"""

from runner import results_schema
from runner.reports import page
from runner.reports.tap import shortened, tap_text

KTAP_VERSION = 1
INDENT = "  "
# kunit_parser stops reading at a line holding one of these (a kernel log's end)
KERNEL_LOG_ENDS = ("List of all partitions:", "Kernel panic - not syncing: VFS:", "reboot: System halted")
DIAGNOSTIC_KEEP_HEAD = 1000
DIAGNOSTIC_KEEP_TAIL = 1000


def render(doc):
    """The KTAP text for a valid results document."""
    results_schema.require_valid(doc)
    info = doc["run_info"]
    suites = _by_assertion(doc["results"])
    lines = [f"KTAP version {KTAP_VERSION}", f"1..{len(suites)}"]
    lines.append("# " + ktap_text(f"mapconf {info['mapconf_version']} on {info['platform_id']}: "
                                  f"{info['kernel']}, {info['arch']}, {info['libc']}"))
    if not suites:
        lines.append("# this run has no results")
    for number, results in enumerate(suites, start=1):
        lines += _suite(number, results)
    return "\n".join(lines) + "\n"


def write(doc, path):
    """Render `doc` and write it to `path` as UTF-8."""
    page.write(render(doc), path)


def case_name(result):
    return f"{result['id']}_{result['backend']}"


def ktap_text(value):
    """`value` fit for one KTAP line (see the module's docstring)."""
    text = tap_text(shortened(value, DIAGNOSTIC_KEEP_HEAD, DIAGNOSTIC_KEEP_TAIL))
    for end in KERNEL_LOG_ENDS:
        text = text.replace(end, end.replace(":", " :", 1))
    return text


def _by_assertion(results):
    """The results grouped by assertion, in the order each first appears."""
    groups = {}
    for result in results:
        groups.setdefault(result["id"], []).append(result)
    return list(groups.values())


def _suite(number, results):
    assertion = results[0]["id"]
    lines = [f"# {assertion}: {ktap_text(results[0]['statement'])}",
             f"{INDENT}KTAP version {KTAP_VERSION}", f"{INDENT}# Subtest: {assertion}", f"{INDENT}1..{len(results)}"]
    for case_number, result in enumerate(results, start=1):
        lines += [INDENT + line for line in _case(case_number, result)]
    if any(result["unexpected"] for result in results):
        lines.append(f"not ok {number} {assertion}")
    elif all(result["status"] == "SKIP" for result in results):
        lines.append(f"ok {number} {assertion} # SKIP every backend skipped")
    else:
        lines.append(f"ok {number} {assertion}")
    return lines


def _case(number, result):
    status, name = result["status"], case_name(result)
    if status == "PASS" and not result["unexpected"]:
        return [f"ok {number} {name}"]
    lines = _diagnostics(result)
    if result["unexpected"] and status in ("ERROR", "TIMEOUT"):
        lines.append(f"not ok {number} {name} # {status} {ktap_text(result['message'] or 'no message')}")
    elif result["unexpected"]:
        lines.append(f"not ok {number} {name}")
    elif status == "SKIP":
        lines.append(f"ok {number} {name} # SKIP {_reason_text(result)}")
    elif status == "XFAIL":
        lines.append(f"ok {number} {name} # XFAIL {_reason_text(result)}")
    else:
        lines.append(f"ok {number} {name} # XFAIL expected {status}: {_reason_text(result)}")
    return lines


def _reason_text(result):
    return ktap_text(result["reason"] or result["message"] or "no reason given")


def _diagnostics(result):
    status = result["status"]
    lines = [f"# {result['id']} [{result['backend']}] {_verdict(result)}: observed {result['observed']}, "
             f"expected {' or '.join(result['expected'])}"]
    if result["check"]:
        lines.append(f"# check: {ktap_text(result['check'])}")
    if result["message"]:
        lines.append(f"# message: {ktap_text(result['message'])}")
    if result["reason"]:
        lines.append(f"# reason: {ktap_text(result['reason'])}")
    if status != "SKIP":
        lines.append(f"# process: {ktap_text(result['evidence']['process'])}")
    lines.append(f"# case: {ktap_text(result['case'])}, {result['duration_ms']} ms")
    return lines


def _verdict(result):
    status = result["status"]
    if not result["unexpected"]:
        return f"{status} as expected"
    if status == "SKIP":
        return "SKIP, which the spec table does not declare here"
    if status == "PASS":
        return "PASS, which the spec does not expect"
    if status == "XPASS":
        return "XPASS, the expected failure did not happen"
    return status
