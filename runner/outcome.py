"""Turn what a case process produced, plus what the spec expects, into a final status.

Only unexpected outcomes fail a run: a known deviation recorded in the spec
table (with its reason) is reported but does not break the build, while a
deviation that goes away (XPASS) does, so the table is kept up to date.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .vocabulary import OBSERVED_STATUSES


@dataclass(frozen=True)
class Outcome:
    status: str  # one of vocabulary.FINAL_STATUSES
    unexpected: bool


def reconcile(observed: str, expected: tuple[str, ...]) -> Outcome:
    """Final status of one case run, given the statuses the spec allows for it."""
    _check_statuses(observed, expected)
    if observed == "PASS":
        if "PASS" in expected:
            return Outcome("PASS", unexpected=False)
        if "FAIL" in expected:
            return Outcome("XPASS", unexpected=True)  # a known failure went away
        return Outcome("PASS", unexpected=True)  # e.g. only SKIP or ERROR was expected
    if observed == "FAIL":
        if "FAIL" in expected:
            return Outcome("XFAIL", unexpected=False)
        return Outcome("FAIL", unexpected=True)
    if observed == "SKIP":
        # A skip carries its own reason and is counted separately, so it never fails a run.
        return Outcome("SKIP", unexpected=False)
    # ERROR and TIMEOUT: acceptable only where the spec expects exactly that.
    return Outcome(observed, unexpected=observed not in expected)


def exit_code(unexpected: Iterable[bool]) -> int:
    """Process exit code for a run, given each result's `unexpected`: 0 if none was, else 1."""
    return 1 if any(unexpected) else 0


def _check_statuses(observed: str, expected: tuple[str, ...]) -> None:
    if observed not in OBSERVED_STATUSES:
        raise ValueError(f"unknown observed status {observed!r}; use one of {', '.join(OBSERVED_STATUSES)}.")
    if isinstance(expected, str):
        # A bare string would be searched character by character; insist on a tuple.
        raise ValueError(f"expected statuses must be a tuple such as ({expected!r},), not the string {expected!r}.")
    if not expected:
        raise ValueError("expected statuses are empty; pass at least one, e.g. ('PASS',).")
    for status in expected:
        if status not in OBSERVED_STATUSES:
            raise ValueError(f"unknown expected status {status!r}; use one of {', '.join(OBSERVED_STATUSES)}.")
