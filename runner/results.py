"""Turning observed case results into the results document (results.json)."""

from __future__ import annotations

from collections import Counter

from . import outcome
from .execute import Observed
from .results_schema import SCHEMA_VERSION
from .spec import Assertion
from .vocabulary import FINAL_STATUSES


def record(assertion: Assertion, backend: str, platform_id: str, observed: Observed,
           conditions: frozenset[str] = frozenset(), versions: dict | None = None) -> dict:
    """versions: the run's versions (runinfo.versions()) that expectations'
    ranges are held to; None holds none to them."""
    expectation = assertion.expectation(platform_id, backend, conditions, versions)
    expected, reason = (("PASS",), None) if expectation is None else (expectation.statuses, expectation.reason)
    differs = outcome.difference(observed.status, observed.check, observed.message, expectation)
    final = outcome.reconcile(observed.status, expected, matched=differs is None)
    if observed.status == "SKIP" and reason is None:
        reason = observed.message
    message = differs or observed.message
    passed_over = assertion.passed_over(platform_id, backend, conditions, versions) if versions else None
    if final.unexpected and passed_over:
        # a known divergence of another release: say so, or the result reads as new
        message = f"{message} ({passed_over})" if message else passed_over
    return {
        "id": assertion.id,
        "clause": assertion.clause,
        "statement": assertion.statement,
        "backend": backend,
        "case": assertion.case,
        "status": final.status,
        "observed": observed.status,
        "expected": list(expected),
        "reason": reason,
        "expected_by": expectation.source if expectation else None,
        "unexpected": final.unexpected,
        "check": observed.check,
        "message": message,
        "duration_ms": observed.duration_ms,
        "evidence": {
            "transcript": observed.transcript,
            "output": observed.output,
            "process": observed.process,
        },
    }


def document(run_info: dict, results: list[dict], duration_s: float) -> dict:
    counts = Counter(r["status"] for r in results)
    info = dict(run_info)
    info["duration_s"] = round(duration_s, 3)
    info["counts"] = {status: counts.get(status, 0) for status in FINAL_STATUSES}
    info["unexpected"] = sum(1 for r in results if r["unexpected"])
    return {"schema": SCHEMA_VERSION, "run_info": info, "results": results}


def labelled_message(result: dict) -> str:
    """The result's message with the check (or step) it ended at in front,
    as the terminal, JUnit and TAP show it: "at long-name-refused: ..."."""
    if result.get("check") and result["message"]:
        return f"at {result['check']}: {result['message']}"
    return result["message"]


def missing_backend_line(missing: dict) -> str:
    """One sentence for a backend the platform cannot provide (see missing_backends)."""
    declared = ", as the spec table declares" if missing["declared"] else ""
    return (f"backend {missing['backend']} is not provided by this platform ({missing['skipped']} of its "
            f"{missing['results']} results SKIP where its object is made{declared}): {missing['reason']}")


# The steps at which a backend's object is made: a SKIP there is the backend itself missing.
MAKING_STEPS = ("create", "open")


def missing_backends(results: list[dict]) -> list[dict]:
    """The backends this platform claims but cannot provide: at least half of
    a backend's results SKIP at the step that makes its object. Each as
    {"backend", "reason" (the first such SKIP's message), "skipped" (how many
    SKIP there), "results" (of how many), "declared" (every one of those SKIPs
    is expected by the spec table)}."""
    missing = []
    for backend in dict.fromkeys(r["backend"] for r in results):
        rows = [r for r in results if r["backend"] == backend]
        skipped = [r for r in rows if r["observed"] == "SKIP" and r.get("check") in MAKING_STEPS]
        if skipped and 2 * len(skipped) >= len(rows):
            missing.append({"backend": backend, "reason": skipped[0]["message"], "skipped": len(skipped),
                            "results": len(rows), "declared": not any(r["unexpected"] for r in skipped)})
    return missing
