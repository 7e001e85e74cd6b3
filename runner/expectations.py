"""`mapconf expectations update`: a team's own expectations file, written or
brought up to date from its runs.

The file has the spec table's form, each [[assertion]] with only its `id`
and [[assertion.expect]] tables, and `run --expectations FILE` puts it
before the spec's own expectations. From each results file:

- every unexpected result that the spec table alone would not take becomes
  an entry that pins what was observed, on that run's platform id and
  backend: its status (PASS for an XPASS, so the spec's expected failure no
  longer applies there), its check, and its message in the reason, with the
  platform's runtime and the run's time;
- an entry of the file that a result of these runs matched, and that
  result was as expected, is kept;
- an entry that results of these runs fall under but did not need (they
  came out as something else, or as the spec expects) is dropped and said;
- an entry no result of these runs falls under is kept as it was.

A file it wrote, and a run of the same platform with it, agree: the run
exits 0; once a behaviour is fixed, that run shows it as XPASS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from . import outcome, results_schema, spec

REASON_LIMIT = 400


class ExpectationsError(Exception):
    """Bad input to `expectations update`: one sentence, exit 2."""


@dataclass
class Entry:
    id: str
    fields: dict          # platform, backend, status, check, answer, when, ranges, reason (as written)
    expectation: spec.Expectation | None = None    # as read from the file, for matching

    def covers(self, platform_id: str, backend: str) -> bool:
        return self.expectation is not None and self.expectation.matches(platform_id, backend)


def update(results_paths: list[str], out: Path, spec_path: Path) -> str:
    """Write out from the runs; the summary to print."""
    the_spec = spec.load(str(spec_path))
    runs = [results_schema.load(path) for path in results_paths]
    entries = _existing(out, the_spec)
    own = str(out.resolve())
    kept, dropped, new = [], [], []
    for entry in entries:
        fallen = [(run, r) for run in runs for r in run["results"]
                  if r["id"] == entry.id and entry.covers(run["run_info"]["platform_id"], r["backend"])]
        if not fallen or any(r.get("expected_by") == own and not r["unexpected"] for _, r in fallen):
            kept.append(entry)
        else:
            dropped.append(entry)
    for run in runs:
        for r in run["results"]:
            if r["unexpected"] and not _as_the_spec_expects(the_spec, run["run_info"]["platform_id"], r):
                new.append(_pin(run["run_info"], r))
    _write(out, kept + new)
    spec.with_expectations(the_spec, out)          # what it wrote reads back as a valid layer
    lines = [f"mapconf: wrote {out}: {len(new)} new, {len(kept)} kept, {len(dropped)} dropped"]
    lines += [f"  new: {e.id} [{e.fields['backend']}] on {e.fields['platform']}: {e.fields['status']}"
              + (f" at {e.fields['check']}" if e.fields.get("check") else "") for e in new]
    lines += [f"  dropped (the runs no longer need it): {e.id} {_where(e)}" for e in dropped]
    return "\n".join(lines)


def _existing(path: Path, the_spec: spec.Spec) -> list[Entry]:
    if not path.exists():
        return []
    layered = spec.with_expectations(the_spec, path.resolve())
    entries = []
    for assertion in layered.assertions:
        for e in assertion.expectations:
            if e.source is None:
                continue
            fields = {"platform": e.platform, "backend": e.backend,
                      "status": e.statuses[0] if len(e.statuses) == 1 else list(e.statuses),
                      "check": e.check, "answer": e.answer, "when": e.when,
                      **{key: str(range_) for key, range_ in e.ranges}, "reason": e.reason}
            entries.append(Entry(assertion.id, fields, e))
    return entries


def _as_the_spec_expects(the_spec: spec.Spec, platform_id: str, result: dict) -> bool:
    """Whether the spec table's own expectations (without any file) would
    have taken this result: then an entry of the file was what made it
    unexpected, and dropping that entry is the whole update."""
    expectation = the_spec.by_id(result["id"]).expectation(platform_id, result["backend"])
    expected = ("PASS",) if expectation is None else expectation.statuses
    differs = outcome.difference(result["observed"], result["check"], result["message"], expectation)
    return not outcome.reconcile(result["observed"], expected, matched=differs is None).unexpected


def _pin(run_info: dict, result: dict) -> Entry:
    """An entry that expects exactly what this unexpected result observed."""
    status = "PASS" if result["status"] == "XPASS" else result["observed"]
    runtime = run_info.get("runtime") or f"{run_info.get('kernel')}, {run_info.get('libc')}"
    reason = (f"seen on {run_info['platform_id']} ({runtime}) in the run of {run_info['start_time']}: "
              f"{result['message'] or status}")
    fields = {"platform": run_info["platform_id"], "backend": result["backend"], "status": status,
              "check": result["check"] if status != "PASS" else None,
              "reason": reason[:REASON_LIMIT]}
    return Entry(result["id"], fields)


def _where(entry: Entry) -> str:
    return f"[{entry.fields.get('backend') or 'every backend'}] on {entry.fields.get('platform') or 'every platform'}"


def _toml_string(text: str) -> str:
    # a JSON string is a TOML basic string, once control characters are escaped as JSON does
    return json.dumps(text, ensure_ascii=False)


def _write(path: Path, entries: list[Entry]) -> None:
    out = ["# mapconf expectations: `./mapconf run --expectations THIS_FILE` puts them before the spec's own.",
           "# Written by `./mapconf expectations update`; edit the reasons freely.", ""]
    for entry in sorted(entries, key=lambda e: e.id):
        out += ["[[assertion]]", f"id = {_toml_string(entry.id)}", "  [[assertion.expect]]"]
        for key, value in entry.fields.items():
            if value is None:
                continue
            if isinstance(value, list):
                out.append(f"  {key} = [{', '.join(_toml_string(v) for v in value)}]")
            else:
                out.append(f"  {key} = {_toml_string(value)}")
        out.append("")
    try:
        path.write_text("\n".join(out), encoding="utf-8")
    except OSError as error:
        raise ExpectationsError(f"cannot write {path} ({error.strerror}); give -o a file you can write.") from None
