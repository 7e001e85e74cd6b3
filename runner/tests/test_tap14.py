"""results.tap as TAP 14: the strict checker (runner/tests/tap14.py) and
what it finds in the streams report_tap writes.

report_tap declares "TAP version 13" so that Debian 12's prove accepts the
stream (test_reports runs prove); the body must be TAP 14 all the same. So
each stream is checked twice: as written (a TAP 14 harness may read a
version 13 line as its own), and with the version line made "TAP version 14",
under the strict rules.
"""

import textwrap
import unittest

from runner.reports import tap as report_tap
from runner.tests import fixtures, tap14


def as_version_14(stream):
    first, rest = stream.split("\n", 1)
    assert first == "TAP version 13", first
    return "TAP version 14\n" + rest


class CheckerTest(unittest.TestCase):
    VALID = textwrap.dedent("""\
        TAP version 14
        1..4
        # a comment
        ok 1 - first
        not ok 2 - second \\# not a directive \\\\ backslash
          ---
          message: "got \\"x\\""
          expected:
            - "PASS"
          reason: ~
          ...
        ok 3 - third # SKIP no second user

        not ok 4 - fourth # todo later
        pragma +strict
        """)

    def test_valid_stream(self):
        points = tap14.check(self.VALID)
        self.assertEqual([(p.ok, p.number, p.directive) for p in points],
                         [(True, 1, None), (False, 2, None), (True, 3, "skip"), (False, 4, "todo")])
        self.assertEqual(points[1].description, "second # not a directive \\ backslash")
        self.assertEqual(points[1].diagnostics, {"message": 'got "x"', "expected": ["PASS"], "reason": None})
        self.assertEqual(points[2].reason, "no second user")
        self.assertEqual([p.fails for p in points], [False, True, False, False])

    def test_plan_at_the_end(self):
        self.assertEqual(len(tap14.check("TAP version 14\nok 1 - a\nok 2 - b\n1..2\n")), 2)

    def test_version_13_only_when_asked(self):
        stream = self.VALID.replace("TAP version 14", "TAP version 13")
        with self.assertRaisesRegex(tap14.TapError, "line 1: expected 'TAP version 14'"):
            tap14.check(stream)
        self.assertEqual(len(tap14.check(stream, accept_version_13=True)), 4)

    def test_refusals(self):
        refused = {
            "1..1\nok 1 - a\n": "line 1: expected",
            "TAP version 14\nok 1 - a\n": "no plan",
            "TAP version 14\n1..1\nok 1 - a\n1..1\n": "line 4: a second plan",
            "TAP version 14\nok 1 - a\n1..2\nok 2 - b\n": "line 4: a test point after a plan",
            "TAP version 14\n1..2\nok 1 - a\n": "the plan says 2 test points, the stream has 1",
            "TAP version 14\n1..2\nok 1 - a\nok 3 - c\n": "line 4: test point 3 where 2 was due",
            "TAP version 14\n1..1\nok - a\n": "without a number",
            "TAP version 14\n1..1\nok 1 a\n": "not set off by ' - '",
            "TAP version 14\n1..1\nok 1 - a # b\n": "a # that starts no TODO or SKIP directive",
            "TAP version 14\n1..1\nok 1 - a#b\n": "an unescaped # inside the description",
            "TAP version 14\n1..1\nok 1 - a \\q\n": "a backslash that escapes neither",
            "TAP version 14\n1..1\nnot ok 1 - a\n  ---\n  message: x\n": "without its closing",
            "TAP version 14\n1..1\nnot ok 1 - a\n  ---\n  message: [x\n  ...\n": "the YAML block at line 4",
            "TAP version 14\n1..1\nnot ok 1 - a\n  ---\n  - x\n  ...\n": "not a mapping",
            "TAP version 14\n1..1\nok 1 - a\n    ok 1 - sub\n": "subtests are not used",
            "TAP version 14\n1..1\nok 1 - a\nrandom words\n": "line 4: not a TAP line",
            "TAP version 14\n1..1\nok 1 - a\r\n": "a control character",
            "TAP version 14\n1..1\nok 1 - a \x1b[31m\n": "a control character",
            "TAP version 14\n1..1\nok 1 - a": "does not end with a line feed",
            "TAP version 14\n1..0\nok 1 - a\n": "outside the plan 1..0",
        }
        for stream, fragment in refused.items():
            with self.subTest(stream=stream):
                with self.assertRaises(tap14.TapError) as caught:
                    tap14.check(stream)
                self.assertIn(fragment, str(caught.exception))


class ResultsTapIsTap14Test(unittest.TestCase):
    DOCS = (fixtures.realistic_doc, fixtures.all_expected_doc, fixtures.hostile_doc)

    def test_every_stream_is_strict_tap14(self):
        for build in self.DOCS + (lambda: fixtures.make_doc([]),):
            doc = build()
            stream = report_tap.render(doc)
            with self.subTest(getattr(build, "__name__", "empty")):
                points = tap14.check(as_version_14(stream))
                self.assertEqual(len(points), len(doc["results"]))
                self.assertEqual(len(tap14.check(stream, accept_version_13=True)), len(doc["results"]))

    def test_a_harness_fails_exactly_the_unexpected_results(self):
        for build in self.DOCS:
            doc = build()
            with self.subTest(build.__name__):
                points = tap14.check(as_version_14(report_tap.render(doc)))
                self.assertEqual([point.fails for point in points], [result["unexpected"] for result in doc["results"]])

    def test_directives_and_descriptions(self):
        doc = fixtures.realistic_doc()
        points = tap14.check(as_version_14(report_tap.render(doc)))
        for point, result in zip(points, doc["results"]):
            with self.subTest(result["id"], backend=result["backend"]):
                self.assertTrue(point.description.startswith(f"{result['id']} [{result['backend']}] {result['statement']}"))
                wanted = {"XFAIL": "todo", "SKIP": "skip"}.get(result["status"])
                if result["status"] == "ERROR" and not result["unexpected"]:
                    wanted = "todo"
                self.assertEqual(point.directive, wanted)
        # the '#' of NAME-002's statement is escaped and comes back as written
        self.assertIn("A name may hold a '#' and still open the same object.", points[10].description)

    def test_diagnostics_are_yaml_with_the_result(self):
        doc = fixtures.hostile_doc()
        points = tap14.check(as_version_14(report_tap.render(doc)))
        failure = points[0].diagnostics
        self.assertEqual(failure["status"], "FAIL")
        self.assertEqual(failure["expected"], ["PASS"])
        self.assertIn(fixtures.HOSTILE_SCRIPT, failure["message"])
        self.assertIn(fixtures.HOSTILE_ENDINGS, failure["message"])
        self.assertIn("\x1b[31m", failure["message"])   # escaped in the stream, whole in the value
        self.assertIn("characters left out; results.json has them all", failure["transcript"])
        self.assertEqual(points[0].description.split(" ", 2)[:2], ["VIS-001", "[posix-shm]"])


if __name__ == "__main__":
    unittest.main()
