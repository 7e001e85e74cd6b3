"""The KTAP writer (results.ktap): its lines, its escapes, an empty run, and,
where an earlier selftest took the kernel's parser out of linux-source-6.1,
that parser's reading of the fixtures."""

import re
import tempfile
import unittest
from pathlib import Path

from runner.reports import ktap as report_ktap
from runner.tests import fixtures
from selftest import ktap_reader

# kunit_parser's result line: no '#' before the directive
RESULT_LINE = re.compile(r"^(\s*)(ok|not ok) ([0-9]+) ([^#]*?)( # .*)?$")


def results_lines(text):
    """(indentation, ok or not ok, number, name, directive) of each result line."""
    return [match.groups() for match in map(RESULT_LINE.match, text.splitlines()) if match]


def cases(text):
    return {name: (result, directive) for indent, result, _, name, directive in results_lines(text) if indent}


class KtapReportTest(unittest.TestCase):
    def test_version_plan_and_one_suite_per_assertion(self):
        doc = fixtures.realistic_doc()
        text = report_ktap.render(doc)
        lines = text.splitlines()
        self.assertEqual(lines[:2], ["KTAP version 1", "1..6"])
        suites = [(number, name) for indent, _, number, name, _ in results_lines(text) if not indent]
        self.assertEqual(suites, [(str(n), i) for n, i in enumerate(
            ["VIS-001", "VIS-002", "LIFE-001", "LIFE-002", "NAME-001", "NAME-002"], start=1)])
        self.assertEqual(set(cases(text)), {f"{r['id']}_{r['backend']}" for r in doc["results"]})
        for assertion in ("VIS-001", "NAME-002"):
            start = lines.index(f"  # Subtest: {assertion}")
            self.assertEqual(lines[start - 1:start + 2], ["  KTAP version 1", f"  # Subtest: {assertion}", "  1..2"])

    def test_line_per_status(self):
        found = cases(report_ktap.render(fixtures.realistic_doc()))
        self.assertEqual(found["VIS-001_posix-shm"], ("ok", None))
        self.assertEqual(found["VIS-002_posix-shm"], ("not ok", None))
        self.assertEqual(found["VIS-002_file"],
                         ("ok", " # XFAIL file mappings are not coherent with later views on this platform"))
        self.assertEqual(found["LIFE-001_file"], ("not ok", None))            # XPASS
        self.assertEqual(found["LIFE-002_posix-shm"], ("ok", " # SKIP needs a second user account"))
        self.assertEqual(found["LIFE-002_file"], ("not ok", " # ERROR agent B lost its connection"))
        self.assertEqual(found["NAME-001_posix-shm"], ("not ok", " # TIMEOUT no reply from agent A"))
        self.assertEqual(found["NAME-001_file"],
                         ("ok", " # XFAIL expected ERROR: exclusive create is not implemented for files here"))
        self.assertEqual(found["NAME-002_file"], ("not ok", None))            # a PASS the spec does not expect

    def test_undeclared_skip_is_not_ok_without_a_skip_directive(self):
        doc = fixtures.make_doc([fixtures.make_result("VIS-001", "C5", "file", "SKIP", expected=["PASS"],
                                                      message="no second user")])
        text = report_ktap.render(doc)
        self.assertEqual(cases(text)["VIS-001_file"], ("not ok", None))
        self.assertNotIn("# SKIP", text)
        self.assertIn("  # VIS-001 [file] SKIP, which the spec table does not declare here: observed SKIP, "
                      "expected PASS", text.splitlines())

    def test_suite_fails_with_a_case_and_skips_with_all(self):
        text = report_ktap.render(fixtures.make_doc([
            fixtures.make_result("VIS-001", "C5", "posix-shm", "PASS"),
            fixtures.make_result("VIS-001", "C5", "file", "XFAIL", reason="not coherent"),
            fixtures.make_result("VIS-002", "C5", "file", "SKIP", reason="no file backend"),
            fixtures.make_result("LIFE-001", "C2", "file", "PASS"),
            fixtures.make_result("LIFE-001", "C2", "memfd", "FAIL"),
        ]))
        suites = {name: (result, directive) for indent, result, _, name, directive in results_lines(text)
                  if not indent}
        self.assertEqual(suites, {"VIS-001": ("ok", None), "VIS-002": ("ok", " # SKIP every backend skipped"),
                                  "LIFE-001": ("not ok", None)})

    def test_diagnostics_precede_the_case_at_its_indentation(self):
        lines = report_ktap.render(fixtures.realistic_doc()).splitlines()
        end = lines.index("  not ok 2 LIFE-002_file # ERROR agent B lost its connection")
        start = lines.index("  # LIFE-002 [file] ERROR: observed ERROR, expected PASS")
        self.assertEqual(lines[start + 1:end], ["  # check: create", "  # message: agent B lost its connection",
                                                "  # process: signal SIGSEGV", "  # case: life:life_002, 12 ms"])
        self.assertNotIn("  # VIS-001 [posix-shm]", "\n".join(lines))   # an expected PASS says nothing more

    def test_empty_run(self):
        text = report_ktap.render(fixtures.make_doc([]))
        self.assertEqual(text.splitlines()[:2], ["KTAP version 1", "1..0"])
        self.assertEqual(results_lines(text), [])

    def test_every_line_is_one_line_and_no_text_makes_a_directive(self):
        text = report_ktap.render(fixtures.hostile_doc())
        for line in text.splitlines():
            self.assertNotRegex(line, r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
            self.assertLess(len(line), 3000)
            if RESULT_LINE.match(line):
                self.assertNotRegex(line, r"(?<!\\)(?:\\\\)*#.*(?<!\\)(?:\\\\)*#", line[:200])
        self.assertEqual(cases(text)["VIS-001_file"][0], "ok")
        self.assertTrue(cases(text)["VIS-001_file"][1].startswith(" # XFAIL <script>"))

    def test_long_values_keep_their_ends(self):
        message = "start " + fixtures.LONG_LINE + " end"
        doc = fixtures.make_doc([fixtures.make_result("VIS-001", "C5", "file", "FAIL", message=message)])
        line = next(line for line in report_ktap.render(doc).splitlines() if line.startswith("  # message: "))
        self.assertLess(len(line), 2200)
        self.assertRegex(line, r"^  # message: start x+ \[\.\.\. 98010 characters left out; "
                               r"results\.json has them all \.\.\.\] x+ end$")

    def test_kernel_log_ends_are_defused(self):
        message = "sysrq: Trigger a crash\nKernel panic - not syncing: VFS: no root\nreboot: System halted"
        doc = fixtures.make_doc([fixtures.make_result("VIS-001", "C5", "file", "ERROR", message=message)])
        text = report_ktap.render(doc)
        for end in report_ktap.KERNEL_LOG_ENDS:
            self.assertNotIn(end, text)
        self.assertIn("Kernel panic - not syncing : VFS: no root", text)

    def test_names_are_legal_everywhere(self):
        for _, _, _, name, _ in results_lines(report_ktap.render(fixtures.realistic_doc())):
            self.assertRegex(name, r"^[A-Za-z0-9_-]+$")


@unittest.skipUnless(ktap_reader.cached_parser(), "the kernel's KTAP parser has not been taken out of "
                     "linux-source-6.1 yet (./mapconf selftest --step suite-native does it)")
class KernelParserReadsKtapTest(unittest.TestCase):
    def assert_read_as_the_run_says(self, doc):
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "results.ktap"
            report_ktap.write(doc, path)
            ktap_reader.check(path, doc, ktap_reader.cached_parser())

    def test_every_status(self):
        self.assert_read_as_the_run_says(fixtures.realistic_doc())

    def test_nothing_unexpected(self):
        self.assertEqual(ktap_reader.expected_reading(fixtures.all_expected_doc())["status"], "SUCCESS")
        self.assert_read_as_the_run_says(fixtures.all_expected_doc())

    def test_hostile_strings(self):
        self.assert_read_as_the_run_says(fixtures.hostile_doc())

    def test_a_kernel_log_end_in_a_message_does_not_end_the_stream(self):
        message = "Kernel panic - not syncing: VFS: no root\nreboot: System halted"
        self.assert_read_as_the_run_says(fixtures.make_doc([
            fixtures.make_result("VIS-001", "C5", "file", "ERROR", message=message),
            fixtures.make_result("VIS-002", "C5", "file", "PASS")]))

    def test_undeclared_skip_fails(self):
        doc = fixtures.make_doc([fixtures.make_result("VIS-001", "C5", "file", "SKIP", expected=["PASS"]),
                                 fixtures.make_result("VIS-001", "C5", "memfd", "PASS")])
        self.assertEqual(ktap_reader.expected_reading(doc)["failed"], 1)
        self.assert_read_as_the_run_says(doc)

    def test_a_stream_saying_ok_for_a_failure_is_refused(self):
        doc = fixtures.make_doc([fixtures.make_result("VIS-001", "C5", "file", "FAIL")])
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "results.ktap"
            path.write_text(report_ktap.render(doc).replace("not ok", "ok"))
            with self.assertRaisesRegex(ktap_reader.KtapRefused, "'SUCCESS', expected 'FAILURE'"):
                ktap_reader.check(path, doc, ktap_reader.cached_parser())


if __name__ == "__main__":
    unittest.main()
