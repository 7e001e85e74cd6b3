"""Turn what a case process produced, plus what the spec expects, into a final status.

Only unexpected outcomes fail a run: a known deviation recorded in the spec
table (with its reason) is reported but does not break the build, while a
deviation that goes away (XPASS) does, so the table is kept up to date.

An expected failure says how it fails: at which check (or step), and maybe
with which answer. A failure at another check, or with another answer, is
not the known one and is unexpected. A SKIP is expected only where the spec
table declares it: anything else skipped is a platform that lacks what it
claims, or a harness that asked for something no agent knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .vocabulary import OBSERVED_STATUSES


@dataclass(frozen=True)
class Outcome:
    status: str  # one of vocabulary.FINAL_STATUSES
    unexpected: bool


def reconcile(observed: str, expected: tuple[str, ...], matched: bool = True) -> Outcome:
    """Final status of one case run, given the statuses the spec allows for
    it; matched is False when a failure ended at another check, or with
    another answer, than the expectation names (see difference())."""
    _check_statuses(observed, expected)
    if observed == "PASS":
        if "PASS" in expected:
            return Outcome("PASS", unexpected=False)
        if "FAIL" in expected:
            return Outcome("XPASS", unexpected=True)  # a known failure went away
        return Outcome("PASS", unexpected=True)  # e.g. only SKIP or ERROR was expected
    if observed == "FAIL":
        if "FAIL" in expected and matched:
            return Outcome("XFAIL", unexpected=False)
        return Outcome("FAIL", unexpected=True)
    # SKIP, ERROR and TIMEOUT: acceptable only where the spec expects exactly that.
    return Outcome(observed, unexpected=observed not in expected or not matched)


def difference(observed: str, check: str | None, message: str, expectation) -> str | None:
    """What differs between an observed failure and the expectation (a
    spec.Expectation, or None for "PASS") that allows its status: None when
    it is the expected one, else a sentence saying what was expected and what
    came. A status the expectation does not allow is not looked at here."""
    if expectation is None or observed not in expectation.statuses or observed == "PASS":
        return None
    if expectation.check is None:
        return None                       # a SKIP declared without naming its step
    wanted = f"{observed} at check {expectation.check}"
    if expectation.answer is not None:
        wanted += f' with answer "{expectation.answer}"'
    if check != expectation.check:
        return f"expected {wanted}; got {observed} at check {check or '(none)'}: {message}"
    if expectation.answer is not None and expectation.answer not in message:
        return f"expected {wanted}; got another answer at that check: {message}"
    return None


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
