"""Tests for runner.outcome: every reconcile rule, and the run's exit code."""

import unittest

from runner.outcome import Outcome, exit_code, reconcile
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
        ("SKIP", ("PASS",), "SKIP", False),
        ("SKIP", ("FAIL",), "SKIP", False),
        ("SKIP", ("SKIP",), "SKIP", False),
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
