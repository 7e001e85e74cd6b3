"""Turning observed case results into the results document (results.json)."""

from __future__ import annotations

from collections import Counter

from . import outcome
from .execute import Observed
from .results_schema import SCHEMA_VERSION
from .spec import Assertion
from .vocabulary import FINAL_STATUSES


def record(assertion: Assertion, backend: str, platform_id: str, observed: Observed) -> dict:
    expected, reason = assertion.expected(platform_id, backend)
    final = outcome.reconcile(observed.status, expected)
    if observed.status == "SKIP" and reason is None:
        reason = observed.message
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
        "unexpected": final.unexpected,
        "message": observed.message,
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
