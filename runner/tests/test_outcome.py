"""Tests for runner.outcome: every reconcile rule, and the run's exit code."""

import unittest

from runner.outcome import Outcome, difference, exit_code, reconcile
from runner.spec import Expectation
from runner.vocabulary import FINAL_STATUSES, OBSERVED_STATUSES


class ReconcileTest(unittest.TestCase):
    # (observed, expected statuses, final status, unexpected)
    RULES = [
        ("PASS", ("PASS",), "PASS", False),
        ("PASS", ("FAIL", "PASS"), "PASS", False),
        ("PASS", ("FAIL",), "XPASS", True),
        ("PASS", ("FAIL", "TIMEOUT"), "XPASS", True),
        ("PASS", ("SKIP",), "PASS", True),
        ("PASS", ("ERROR",), "PASS", True),
        ("PASS", ("TIMEOUT",), "PASS", True),
        ("FAIL", ("FAIL",), "XFAIL", False),
        ("FAIL", ("PASS", "FAIL"), "XFAIL", False),
        ("FAIL", ("PASS",), "FAIL", True),
        ("FAIL", ("SKIP", "ERROR"), "FAIL", True),
        # a SKIP is expected only where the spec table declares it
        ("SKIP", ("PASS",), "SKIP", True),
        ("SKIP", ("FAIL",), "SKIP", True),
        ("SKIP", ("SKIP",), "SKIP", False),
        ("SKIP", ("PASS", "SKIP"), "SKIP", False),
        ("ERROR", ("PASS",), "ERROR", True),
        ("ERROR", ("FAIL",), "ERROR", True),
        ("ERROR", ("ERROR",), "ERROR", False),
        ("ERROR", ("PASS", "ERROR"), "ERROR", False),
        ("TIMEOUT", ("PASS",), "TIMEOUT", True),
        ("TIMEOUT", ("ERROR",), "TIMEOUT", True),
        ("TIMEOUT", ("TIMEOUT",), "TIMEOUT", False),
        ("TIMEOUT", ("FAIL", "TIMEOUT"), "TIMEOUT", False),
    ]

    def test_rules(self):
        for observed, expected, status, unexpected in self.RULES:
            with self.subTest(observed=observed, expected=expected):
                self.assertEqual(reconcile(observed, expected), Outcome(status, unexpected))

    def test_a_failure_elsewhere_than_expected_is_unexpected(self):
        self.assertEqual(reconcile("FAIL", ("FAIL",), matched=False), Outcome("FAIL", True))
        self.assertEqual(reconcile("ERROR", ("ERROR",), matched=False), Outcome("ERROR", True))
        self.assertEqual(reconcile("TIMEOUT", ("TIMEOUT",), matched=False), Outcome("TIMEOUT", True))
        self.assertEqual(reconcile("SKIP", ("SKIP",), matched=False), Outcome("SKIP", True))
        # a PASS is judged by its status alone
        self.assertEqual(reconcile("PASS", ("FAIL",), matched=False), Outcome("XPASS", True))

    def test_every_final_status_is_listed(self):
        for observed in OBSERVED_STATUSES:
            for expected in OBSERVED_STATUSES:
                self.assertIn(reconcile(observed, (expected,)).status, FINAL_STATUSES)

    def test_unknown_observed_status(self):
        for observed in ("XFAIL", "pass", ""):
            with self.subTest(observed=observed):
                with self.assertRaisesRegex(ValueError, "unknown observed status"):
                    reconcile(observed, ("PASS",))

    def test_unknown_expected_status(self):
        for expected in (("XPASS",), ("PASS", "BROKEN")):
            with self.subTest(expected=expected):
                with self.assertRaisesRegex(ValueError, "unknown expected status"):
                    reconcile("PASS", expected)

    def test_empty_expected(self):
        with self.assertRaisesRegex(ValueError, "expected statuses are empty"):
            reconcile("PASS", ())

    def test_expected_as_bare_string(self):
        with self.assertRaisesRegex(ValueError, "must be a tuple"):
            reconcile("PASS", "PASS")


def expecting(status, check=None, answer=None):
    return Expectation("qemu-aarch64", None, (status,), "r", 1, check=check, answer=answer)


class DifferenceTest(unittest.TestCase):
    MESSAGE = 'cases/names.c:94: expected err code=name_too_long, got "err code=invalid_argument native=EINVAL"'

    def test_the_expected_check_and_answer_match(self):
        expectation = expecting("FAIL", "long-name-refused", "err code=invalid_argument")
        self.assertIsNone(difference("FAIL", "long-name-refused", self.MESSAGE, expectation))

    def test_another_check_differs_and_says_what_came(self):
        expectation = expecting("FAIL", "request-refused", "ok addr=")
        self.assertEqual(difference("FAIL", "old-data-stays", "cases/addresses.c:71: A read \"x\"", expectation),
                         'expected FAIL at check request-refused with answer "ok addr="; '
                         'got FAIL at check old-data-stays: cases/addresses.c:71: A read "x"')

    def test_another_answer_differs(self):
        expectation = expecting("FAIL", "long-name-refused", "err code=invalid_argument")
        message = 'cases/names.c:94: expected err code=name_too_long, got "ok handle=h1"'
        self.assertEqual(difference("FAIL", "long-name-refused", message, expectation),
                         'expected FAIL at check long-name-refused with answer "err code=invalid_argument"; '
                         f"got another answer at that check: {message}")

    def test_an_error_at_another_step_differs(self):
        expectation = expecting("ERROR", "figure-shows-the-fill")
        self.assertIn("got ERROR at check case-process:",
                      difference("ERROR", "case-process", "killed by SIGSEGV", expectation))

    def test_a_status_the_expectation_does_not_allow_is_left_to_reconcile(self):
        self.assertIsNone(difference("FAIL", "x", "m", expecting("ERROR", "y")))
        self.assertIsNone(difference("FAIL", "x", "m", None))

    def test_a_skip_declared_without_a_step_matches_any_step(self):
        self.assertIsNone(difference("SKIP", "become", "m", expecting("SKIP")))
        self.assertIsNotNone(difference("SKIP", "create", "m", expecting("SKIP", "become")))


class ExitCodeTest(unittest.TestCase):
    def test_nothing_unexpected(self):
        self.assertEqual(exit_code([False, False, False]), 0)

    def test_no_outcomes(self):
        self.assertEqual(exit_code([]), 0)

    def test_one_unexpected(self):
        self.assertEqual(exit_code([False, True]), 1)

    def test_accepts_any_iterable(self):
        self.assertEqual(exit_code(outcome.unexpected for outcome in [Outcome("TIMEOUT", True)]), 1)


if __name__ == "__main__":
    unittest.main()


class RecordTest(unittest.TestCase):
    """results.record: the expectation's check, answer and condition decide the final status."""

    SPEC = '''
[[assertion]]
id = "NAME-007"
clause = "C4"
statement = "s"
backends = ["posix-shm", "file"]
case = "names:too_long_name_is_refused"
  [[assertion.expect]]
  when = "unprivileged"
  backend = "file"
  status = "SKIP"
  reason = "needs root"
  [[assertion.expect]]
  backend = "posix-shm"
  status = "FAIL"
  check = "long-name-refused"
  answer = "err code=invalid_argument"
  reason = "glibc"
'''

    def record(self, backend, status, check, message, conditions=frozenset()):
        from runner import results, spec
        from runner.execute import Observed
        assertion = spec.parse(self.SPEC, "t.toml").by_id("NAME-007")
        return results.record(assertion, backend, "native", Observed(status, message, 1, "", "", "exit 1", check),
                              conditions)

    def test_the_expected_failure_is_xfail(self):
        r = self.record("posix-shm", "FAIL", "long-name-refused", 'got "err code=invalid_argument native=EINVAL"')
        self.assertEqual((r["status"], r["unexpected"], r["check"]), ("XFAIL", False, "long-name-refused"))

    def test_another_check_or_answer_is_an_unexpected_fail_saying_what_differed(self):
        r = self.record("posix-shm", "FAIL", "other-check", "cases/names.c:1: x")
        self.assertEqual((r["status"], r["unexpected"]), ("FAIL", True))
        self.assertTrue(r["message"].startswith('expected FAIL at check long-name-refused with answer '
                                                '"err code=invalid_argument"; got FAIL at check other-check: '))
        r = self.record("posix-shm", "FAIL", "long-name-refused", 'got "ok handle=h1"')
        self.assertEqual((r["status"], r["unexpected"]), ("FAIL", True))

    def test_an_undeclared_skip_is_unexpected_and_a_declared_one_is_not(self):
        self.assertTrue(self.record("file", "SKIP", "become", "needs_root")["unexpected"])
        self.assertFalse(self.record("file", "SKIP", "become", "needs_root", frozenset({"unprivileged"}))["unexpected"])
