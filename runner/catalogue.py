"""Views of the spec table for people: coverage per clause and mechanism,
and the full story of one assertion (`mapconf list --by-clause`, `explain`)."""

from __future__ import annotations

import re
from pathlib import Path

from . import clauses
from .spec import KNOWN_BACKENDS, CLAUSES, Spec


class UnknownAssertion(Exception):
    pass


def coverage_table(the_spec: Spec) -> str:
    """Assertions per clause (rows) and mechanism (columns), with totals."""
    backends = [b for b in KNOWN_BACKENDS if any(b in a.backends for a in the_spec.assertions)]
    header = ["clause", "assertions", *backends]
    rows = []
    for clause in CLAUSES:
        in_clause = [a for a in the_spec.assertions if a.clause == clause]
        rows.append([f"{clause} {clauses.title(clause)}", str(len(in_clause)),
                     *(str(sum(b in a.backends for a in in_clause)) for b in backends)])
    rows.append(["total", str(len(the_spec.assertions)),
                 *(str(sum(b in a.backends for a in the_spec.assertions)) for b in backends)])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
             for r in [header, *rows]]
    results = sum(len(a.backends) for a in the_spec.assertions)
    return "\n".join(lines) + f"\n{results} results (assertion x mechanism) per run"


def _case_source(repo: Path, binary: str, function: str) -> tuple[str, str]:
    """The case's C source file and its function's text, for `explain`."""
    path = repo / "cases" / f"{binary}.c"
    try:
        text = path.read_text()
    except OSError:
        return str(path), ""
    match = re.search(rf"^(/\*[^\n]*\*/\n)?static void {function}\(void\)\n\{{.*?^\}}", text, re.M | re.S)
    return str(path.relative_to(repo)), match.group(0) if match else ""


def explain(the_spec: Spec, assertion_id: str, repo: Path) -> str:
    try:
        a = the_spec.by_id(assertion_id)
    except KeyError:
        raise UnknownAssertion(f"no assertion has ID '{assertion_id}'; './mapconf list' shows them.") from None
    lines = [f"{a.id} ({a.clause} {clauses.title(a.clause)})", f"  {a.statement}", "",
             f"mechanisms: {', '.join(a.backends)}" + ("  (runs alone: memory accounting)" if a.exclusive else ""),
             "expectations (first match wins; otherwise PASS):"]
    if not a.expectations:
        lines.append("  every platform and mechanism: PASS")
    for e in a.expectations:
        where = f"platform {e.platform or '*'}, mechanism {e.backend or '*'}"
        lines.append(f"  {where}: {' or '.join(e.statuses)}" + (f" because {e.reason}" if e.reason else ""))
    source, body = _case_source(repo, a.binary, a.function)
    lines += ["", f"checked by {a.case} in {source}:", ""]
    lines += [f"  {line}" for line in body.splitlines()] or ["  (source not found)"]
    return "\n".join(lines)
