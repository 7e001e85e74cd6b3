"""Views of the spec table for people: coverage per clause and backend,
and the full story of one assertion (`mapconf list --by-clause`, `explain`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .spec import Spec
from .vocabulary import BACKENDS, CLAUSES, title


class UnknownAssertion(Exception):
    pass


@dataclass(frozen=True)
class Coverage:
    """Assertions per clause and backend: the backends some assertion uses,
    then per clause (and for the total) the number of assertions and the
    number per backend."""
    backends: list[str]
    rows: list[tuple[str, int, list[int]]]      # (clause ID, assertions, per backend)
    total: tuple[int, list[int]]


def coverage(the_spec: Spec) -> Coverage:
    backends = [b for b in BACKENDS if any(b in a.backends for a in the_spec.assertions)]

    def counts(assertions):
        return len(assertions), [sum(b in a.backends for a in assertions) for b in backends]

    rows = [(clause, *counts([a for a in the_spec.assertions if a.clause == clause])) for clause in CLAUSES]
    return Coverage(backends, rows, counts(the_spec.assertions))


def coverage_table(the_spec: Spec) -> str:
    """Assertions per clause (rows) and backend (columns), with totals."""
    table = coverage(the_spec)
    header = ["clause", "assertions", *table.backends]
    rows = [[f"{clause} {title(clause)}", str(count), *map(str, per_backend)]
            for clause, count, per_backend in table.rows]
    rows.append(["total", str(table.total[0]), *map(str, table.total[1])])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
             for r in [header, *rows]]
    return "\n".join(lines) + f"\n{sum(table.total[1])} results (assertion x backend) per run"


def _case_source(repo: Path, binary: str, function: str) -> tuple[str, str]:
    """The case's C source file and its function's text, for `explain`."""
    path = repo / "cases" / f"{binary}.c"
    try:
        text = path.read_text()
    except OSError:
        return str(path), ""
    # the function with the comment above it, which holds its statement (runner/case_comments.py)
    match = re.search(rf"^(/\*(?:[^*]|\*(?!/))*\*/\n)?static void {function}\(void\)\n\{{.*?^\}}", text,
                      re.M | re.S)
    return str(path.relative_to(repo)), match.group(0) if match else ""


def explain(the_spec: Spec, assertion_id: str, repo: Path) -> str:
    try:
        a = the_spec.by_id(assertion_id)
    except KeyError:
        raise UnknownAssertion(f"no assertion has ID '{assertion_id}'; './mapconf list' shows them.") from None
    lines = [f"{a.id} ({a.clause} {title(a.clause)})", f"  {a.statement}", "",
             f"backends: {', '.join(a.backends)}" + ("  (runs alone: memory accounting)" if a.exclusive else ""),
             "expectations (first match wins; otherwise PASS):"]
    if not a.expectations:
        lines.append("  every platform and backend: PASS")
    for e in a.expectations:
        where = (f"platform {e.platform or '*'}, backend {e.backend or '*'}" + (f", when {e.when}" if e.when else "")
                 + (f", {e.ranges_text()}" if e.ranges else ""))
        at = (f" at check {e.check}" if e.check else "") + (f' with answer "{e.answer}"' if e.answer else "")
        lines.append(f"  {where}: {' or '.join(e.statuses)}{at}" + (f" because {e.reason}" if e.reason else ""))
    source, body = _case_source(repo, a.binary, a.function)
    lines += ["", f"checked by {a.case} in {source}:", ""]
    lines += [f"  {line}" for line in body.splitlines()] or ["  (source not found)"]
    return "\n".join(lines)
