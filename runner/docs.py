"""`mapconf docs`: docs/catalogue.md (what is checked) and docs/findings.md
(where platforms were found to differ), generated from the spec table so
that they cannot drift from it; docs/results.schema.json (results.json's
JSON Schema), generated from runner/results_schema.py for the same reason;
and `--check`, which names the committed files that have drifted.

The text depends on the spec table and the code alone (sorted, no dates), so
generating again from unchanged sources changes nothing.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from pathlib import Path

from . import catalogue, platforms, results_schema
from .spec import Assertion, Expectation, Spec
from .vocabulary import CLAUSES, PLATFORMS, title

CATALOGUE = "docs/catalogue.md"
FINDINGS = "docs/findings.md"
RESULTS_SCHEMA = "docs/results.schema.json"


def generated(the_spec: Spec, source: str) -> dict[str, str]:
    """Each generated file (its path in the repository) and its text; `source`
    is how the header names the spec table, e.g. cases/spec.toml."""
    return {CATALOGUE: catalogue_text(the_spec, source), FINDINGS: findings_text(the_spec, source),
            RESULTS_SCHEMA: results_schema_text()}


def write(repo: Path, the_spec: Spec, source: str) -> list[str]:
    """Write the generated files under `repo`; the paths written."""
    files = generated(the_spec, source)
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return list(files)


def stale(repo: Path, the_spec: Spec, source: str) -> list[str]:
    """The generated files under `repo` that are missing or differ from what
    would be generated now."""
    out_of_date = []
    for name, text in generated(the_spec, source).items():
        try:
            current = (repo / name).read_bytes()
        except FileNotFoundError:
            current = None
        if current != text.encode("utf-8"):
            out_of_date.append(name)
    return out_of_date


# --- docs/catalogue.md -------------------------------------------------------

def catalogue_text(the_spec: Spec, source: str) -> str:
    coverage = catalogue.coverage(the_spec)
    lines = [
        "# Catalogue: what mapconf checks",
        "",
        _generated_from(source),
        "",
        f"{len(the_spec.assertions)} assertions, each checked on each of its backends that the platform has: "
        f"{sum(coverage.total[1])} results (assertion x backend) over all platforms. "
        "`./mapconf explain ID` shows an assertion's expectations and its case's source.",
        "",
        "## Assertions per clause and backend",
        "",
        _row(["Clause", "Assertions", *coverage.backends]),
        _row(["---", *["---:"] * (1 + len(coverage.backends))]),
        *[_row([f"{clause} {as_markdown(title(clause))}", str(count), *map(str, per_backend)])
          for clause, count, per_backend in coverage.rows],
        _row(["Total", str(coverage.total[0]), *map(str, coverage.total[1])]),
    ]
    for clause in CLAUSES.values():
        in_clause = sorted((a for a in the_spec.assertions if a.clause == clause.id), key=lambda a: a.id)
        lines += ["", f"## {clause.id} {as_markdown(clause.title)}", "", as_markdown(clause.statement), ""]
        if not in_clause:
            lines.append("No assertion checks this clause yet.")
            continue
        lines += [_row(["ID", "Statement", "Backends"]), _row(["---"] * 3)]
        lines += [_row([a.id, as_markdown(a.statement), ", ".join(a.backends)]) for a in in_clause]
    return "\n".join(lines) + "\n"


# --- docs/findings.md --------------------------------------------------------

def findings_text(the_spec: Spec, source: str) -> str:
    by_platform: dict[str | None, list[tuple[Assertion, Expectation, list[str]]]] = {}
    for a in the_spec.assertions:
        for e in a.expectations:
            backends = decided_backends(a, e)
            if set(e.statuses) != {"PASS"} and backends:
                by_platform.setdefault(e.platform, []).append((a, e, backends))
    count = sum(len(findings) for findings in by_platform.values())
    lines = [
        "# Findings: where platforms differ",
        "",
        _generated_from(source),
        "",
        "Each finding is an `[[assertion.expect]]` of the spec table: on that platform and those backends "
        "the assertion is expected to come out with that status, at that check (the label of the check, "
        "or the step, it ends at) and with that answer if one is given, for that reason. A run that "
        "matches stays green; a change, a fix or a failure elsewhere included, comes out unexpected.",
        "",
        f"{count} finding{'s' if count != 1 else ''}, by the platform (a pattern of platform ids) "
        "they apply to.",
    ]
    for platform in sorted(by_platform, key=lambda p: (p is not None, p or "")):
        heading = "Every platform" if platform is None else as_markdown(platform)
        lines += ["", f"## {heading}", "",
                  _row(["ID", "Statement", "Backends", "Expected", "Check", "Answer", "Reason"]), _row(["---"] * 7)]
        for a, e, backends in sorted(by_platform[platform], key=lambda finding: finding[0].id):
            expected = " or ".join(e.statuses) + (f" (when {e.when})" if e.when else "") + (
                f" ({as_markdown(e.ranges_text())})" if e.ranges else "")
            lines.append(_row([a.id, as_markdown(a.statement), ", ".join(backends), expected,
                               as_markdown(e.check or ""), as_markdown(e.answer or ""),
                               as_markdown(e.reason or "")]))
    return "\n".join(lines) + "\n"


def decided_backends(a: Assertion, e: Expectation) -> list[str]:
    """The backends on which expectation `e` decides `a`'s status on the
    platforms it names: those it matches, that a platform of those kinds has,
    and that no earlier expectation (the first match wins) takes first."""
    kinds = [kind for kind in PLATFORMS if e.platform is None or fnmatchcase(kind, e.platform)]
    # a platform id no kind matches (a custom platform) may have any of the assertion's backends
    on_platform = {b for kind in kinds for b in platforms.backends_on(kind)} if kinds else set(a.backends)
    earlier = a.expectations[:next(i for i, x in enumerate(a.expectations) if x is e)]
    return [b for b in a.backends
            if e.backend in (None, b) and b in on_platform and not any(_takes_first(x, e, b) for x in earlier)]


def _takes_first(earlier: Expectation, e: Expectation, backend: str) -> bool:
    """True if `earlier` matches wherever `e` does on this backend."""
    if earlier.backend not in (None, backend) or earlier.when not in (None, e.when):
        return False
    if earlier.ranges and earlier.ranges != e.ranges:   # it holds for some versions only
        return False
    return earlier.platform is None or (e.platform is not None and fnmatchcase(e.platform, earlier.platform))


# --- docs/results.schema.json ----------------------------------------------

def results_schema_text() -> str:
    return json.dumps(results_schema.json_schema(), indent=2, ensure_ascii=False) + "\n"


# --- Markdown ----------------------------------------------------------------

_SPECIAL = re.compile(r"([\\`*|<>\[\]])")
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")   # inside a word, _ is literal


def as_markdown(text: str) -> str:
    """Text that Markdown shows as written, on one line (a table cell cannot span lines)."""
    text = _SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _EDGE_UNDERSCORE.sub(r"\\_", text)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _generated_from(source: str) -> str:
    return (f"Generated from `{source}` by `./mapconf docs`: do not edit this file by hand; "
            "change the spec table and run `./mapconf docs` again.")
