"""Tests of what `mapconf run` prints (runner/terminal.py), on a fake stream."""

import io
import unittest
from pathlib import Path

from runner import terminal
from runner.tests import fixtures

WRITTEN = [Path("/out/results.json"), Path("/out/index.html")]


class FakeStream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


def run_through(records, tty, env=None, **options):
    """Everything a Terminal prints for `records` and the summary."""
    stream = FakeStream(tty)
    term = terminal.Terminal(stream, env if env is not None else {"TERM": "xterm"}, **options)
    for done, record in enumerate(records, start=1):
        term.result(record, done, len(records))
    term.summary(fixtures.make_doc(records), WRITTEN)
    return term, stream.getvalue()


def records():
    return [
        fixtures.make_result("VIS-001", "C5", "posix-shm", "PASS"),
        fixtures.make_result("VIS-002", "C5", "file", "XFAIL", reason="known", message="B read 0"),
        fixtures.make_result("VIS-002", "C5", "posix-shm", "FAIL", message="cases/visibility.c:42: B read 0",
                             process="exit 1", output="assertion failed\n"),
    ]


class PlainOutputTest(unittest.TestCase):
    def test_not_a_tty_prints_a_line_per_result_without_colour(self):
        term, out = run_through(records(), tty=False)
        self.assertFalse(term.interactive or term.colour)
        self.assertEqual(out.splitlines()[:3], [
            "[1/3] PASS    VIS-001 [posix-shm] (12 ms)",
            "[2/3] XFAIL   VIS-002 [file] (12 ms): at b-reads-a-write: B read 0",
            "[3/3] FAIL    VIS-002 [posix-shm] (12 ms): at b-reads-a-write: cases/visibility.c:42: B read 0",
        ])
        self.assertNotIn("\x1b", out)
        self.assertNotIn("\r", out)

    def test_summary(self):
        _, out = run_through(records(), tty=False)
        self.assertEqual(out.splitlines()[3:], [
            "mapconf: 3 results on native in 12.5 s: 1 PASS, 1 FAIL, 1 XFAIL",
            "  unexpected FAIL: VIS-002 [posix-shm] at b-reads-a-write: cases/visibility.c:42: B read 0",
            "unexpected results: 1",
            "reports: /out/ (results.json, index.html)",
        ])

    def test_ci_true_is_plain_even_on_a_tty(self):
        term, out = run_through(records(), tty=True, env={"CI": "true", "TERM": "xterm"})
        self.assertFalse(term.interactive or term.colour)
        self.assertNotIn("\x1b", out)
        self.assertEqual(len(out.splitlines()), 7)

    def test_ci_false_and_dumb_terminal(self):
        self.assertTrue(terminal.Terminal(FakeStream(True), {"CI": "false"}).interactive)
        self.assertFalse(terminal.Terminal(FakeStream(True), {"TERM": "dumb"}).interactive)

    def test_quiet_prints_only_unexpected_results(self):
        _, out = run_through(records(), tty=False, quiet=True)
        self.assertEqual(out.splitlines()[0], "[3/3] FAIL    VIS-002 [posix-shm] (12 ms): at b-reads-a-write: cases/visibility.c:42: B read 0")
        self.assertTrue(out.splitlines()[1].startswith("mapconf: 3 results"))

    def test_verbose_prints_messages_and_the_evidence_of_unexpected_results(self):
        passing = fixtures.make_result("VIS-001", "C5", "file", "PASS", message="checked 4096 bytes")
        _, out = run_through([passing] + records(), tty=False, verbose=True)
        lines = out.splitlines()
        self.assertEqual(lines[0], "[1/4] PASS    VIS-001 [file] (12 ms): checked 4096 bytes")
        failure = lines.index("[4/4] FAIL    VIS-002 [posix-shm] (12 ms): at b-reads-a-write: cases/visibility.c:42: B read 0")
        self.assertEqual(lines[failure + 1:failure + 5], [
            "    expected: PASS, observed: FAIL at b-reads-a-write",
            "    process: exit 1",
            "    transcript:",
            "      +0.000 A <- create name=/mapconf-VIS-002 size=4096 backend=posix-shm excl=1",
        ])
        self.assertIn("      assertion failed", lines)
        # an expected divergence gets its message but no evidence
        xfail = lines.index("[3/4] XFAIL   VIS-002 [file] (12 ms): at b-reads-a-write: B read 0")
        self.assertTrue(lines[xfail + 1].startswith("[4/4]"))

    def test_a_missing_backend_is_said_once_loudly(self):
        skipped = [fixtures.make_result(f"VIS-00{n}", "C5", "posix-shm", "SKIP", expected=["PASS"], check="create",
                                        message="A does not support \"create backend=posix-shm\": err code=unsupported "
                                                "native=ENOSYS")
                   for n in (1, 2)]
        other = fixtures.make_result("VIS-001", "C5", "file", "PASS")
        _, out = run_through(skipped + [other], tty=False)
        self.assertEqual(sum("is not provided" in line for line in out.splitlines()), 1)
        self.assertIn('backend posix-shm is not provided by this platform (2 of its 2 results SKIP where its '
                      'object is made): A does not support "create backend=posix-shm": err code=unsupported '
                      'native=ENOSYS', out)
        # the summary says it once, not once per SKIP
        self.assertNotIn("  unexpected SKIP:", out)
        self.assertIn("unexpected results: 2", out)

    def test_control_characters_cannot_reach_the_terminal(self):
        hostile = fixtures.make_result("VIS-001", "C5", "file", "FAIL", message="bad \x1b[2J\r\x00 end")
        _, out = run_through([hostile], tty=False)
        self.assertIn("bad \\x1b[2J\\x0d\\x00 end", out)
        self.assertNotIn("\x1b", out)


class TerminalOutputTest(unittest.TestCase):
    def test_progress_line_is_redrawn_in_place(self):
        _, out = run_through(records(), tty=True)
        self.assertIn("[1/3] VIS-001 [posix-shm] PASS", out)
        self.assertIn(terminal.ERASE_LINE, out)
        # a PASS is only on the progress line; what needs a look stays as a line of its own
        permanent = [line.split(terminal.ERASE_LINE)[-1] for line in out.split("\n")]
        self.assertFalse(any(line.startswith("[1/3] \x1b[32mPASS") for line in permanent))
        self.assertTrue(any(line.startswith("[2/3] \x1b[2mXFAIL") for line in permanent))
        self.assertTrue(any(line.startswith("[3/3] \x1b[31mFAIL") for line in permanent))
        # the progress line is gone before the summary starts
        before_summary = out.split("mapconf: 3 results")[0]
        self.assertTrue(before_summary.endswith(terminal.ERASE_LINE))

    def test_summary_is_coloured(self):
        _, out = run_through(records(), tty=True)
        self.assertIn("\x1b[32m1 PASS\x1b[0m, \x1b[31m1 FAIL\x1b[0m, \x1b[2m1 XFAIL\x1b[0m", out)
        self.assertIn("\x1b[1m\x1b[31munexpected results: 1\x1b[0m", out)
        _, clean = run_through(records()[:2], tty=True)
        self.assertIn("\x1b[1m\x1b[32munexpected results: 0\x1b[0m", clean)

    def test_no_color_keeps_the_progress_line_but_drops_colour(self):
        for value in ("1", "yes", "0"):
            with self.subTest(NO_COLOR=value):
                term, out = run_through(records(), tty=True, env={"NO_COLOR": value})
                self.assertTrue(term.interactive)
                self.assertFalse(term.colour)
                self.assertNotIn("\x1b[3", out)
                self.assertIn(terminal.ERASE_LINE, out)
        term, _ = run_through(records(), tty=True, env={"NO_COLOR": ""})
        self.assertTrue(term.colour)

    def test_finish_clears_a_progress_line_left_by_an_interrupted_run(self):
        stream = FakeStream(True)
        term = terminal.Terminal(stream, {})
        term.result(records()[0], 1, 3)
        term.finish()
        self.assertTrue(stream.getvalue().endswith(terminal.ERASE_LINE))
        term.finish()
        self.assertEqual(stream.getvalue().count(terminal.ERASE_LINE), 1)

    def test_quiet_on_a_terminal_still_shows_progress(self):
        _, out = run_through(records(), tty=True, quiet=True)
        self.assertIn("[2/3] VIS-002 [file] XFAIL", out)
        permanent = [line.split(terminal.ERASE_LINE)[-1] for line in out.split("\n")]
        self.assertFalse(any("XFAIL " in line and line.startswith("[2/3]") for line in permanent))


if __name__ == "__main__":
    unittest.main()
