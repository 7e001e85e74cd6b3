"""The page of `mapconf report`: one table, a row per assertion grouped by
clause, a column per run; each cell lists the run's result per backend.

Like index.html it is one self-contained file that is whole without
JavaScript: "unexpected only", "differs across platforms" and "changed
since the baseline" are checkboxes that CSS reacts to, and the inline script
adds the filters by clause, backend, status and text, and sorting.
"""

from __future__ import annotations

from .. import vocabulary
from . import page, page_parts
from .page import text

FIXED_COLUMNS = 2   # ID and statement, before the runs' columns


def render(matrix) -> str:
    """The HTML page for a matrix built by report_matrix.build."""
    runs = matrix.runs
    title = f"mapconf matrix: {len(matrix.rows)} assertions in {len(runs)} run{'s' if len(runs) != 1 else ''}"
    has_baseline = any(run.baseline_path for run in runs)
    body = [
        f"<h1>{text(title)}</h1>",
        _legend(has_baseline),
        page_parts.checkbox("only-unexpected", "unexpected", "unexpected only"),
        page_parts.checkbox("only-differs", "differs", "differs across platforms"),
        page_parts.checkbox("only-changed", "changed", "changed since the baseline") if has_baseline else "",
        page_parts.filter_bar(list(matrix.rows_by_clause), matrix.backends, "assertions"),
        "<main>",
        '<table class="matrix">',
        _header(runs),
        *[_clause_body(clause, rows, runs, matrix.history) for clause, rows in matrix.rows_by_clause.items()],
        "</table>",
        _history(matrix.history),
        "</main>",
    ]
    return page.document(title, body)


def _history(changes) -> str:
    """The results whose status changed over the runs of one platform id, with when."""
    if not changes:
        return ""
    changed = [(key, change) for key, change in changes.items() if change.before]
    if not changed:
        return ('<section class="history"><h2>Over time</h2><p>No result changed status over the runs '
                "of any platform id.</p></section>")
    items = "".join(f"<li>{text(assertion_id)} [{text(backend)}] on {text(platform_id)}: {text(change.text())}</li>"
                    for (platform_id, assertion_id, backend), change in
                    sorted(changed, key=lambda item: (item[0][0], page_parts.id_key(item[0][1]), item[0][2])))
    return (f'<section class="history"><h2>Over time</h2><p>Results whose status changed over the runs of '
            f"one platform id (by start time): what each is now and since when, what it was and until when."
            f"</p><ul>{items}</ul></section>")


def _legend(has_baseline: bool) -> str:
    parts = [
        "Each cell lists a run's result per backend, coloured against what the spec table expects "
        "for that platform: red or orange is unexpected, grey an expected divergence (XFAIL), pale a SKIP.",
        "A row differs across platforms when two runs give a backend they share different statuses, "
        "or when their sets of statuses differ.",
    ]
    if has_baseline:
        parts.append("Against a baseline, a regression is a result that was as expected and is now unexpected, "
                     "a fix the other way round.")
    return f'<p class="legend">{text(" ".join(parts))}</p>'


def _header(runs) -> str:
    cells = ['<th data-key="id">ID</th>', '<th data-key="statement">Statement</th>']
    cells += [_run_header(index, run) for index, run in enumerate(runs, start=1)]
    return f"<thead><tr>{''.join(cells)}</tr></thead>"


def _run_header(index: int, run) -> str:
    info = run.info
    total = len(run.doc["results"])
    lines = [
        f"{info['platform']} on {info['arch']}, {info['libc']}",
        f"{info['os']}, {info['kernel']}",
        f"runtime: {info['runtime'] or 'none'}",
        f"mapconf {info['mapconf_version']} ({info['git_revision'] or 'revision unknown'})",
        info["start_time"],
    ]
    spans = [f'<span class="label">{text(run.label)}</span>']
    spans += [f'<span class="info">{text(line)}</span>' for line in lines]
    spans.append(f'<span class="info pass-total">{info["counts"]["PASS"]}/{total} PASS, '
                 f'{info["unexpected"]} unexpected</span>')
    spans.append(f'<span class="info file">{text(run.path)}</span>')
    if run.baseline_path:
        changes = run.changes()
        spans.append(f'<span class="info baseline">against {text(run.baseline_path)}: '
                     f'{changes["regression"]} regressions, {changes["fix"]} fixes</span>')
    return f'<th class="run" data-key="run-{index}">{"".join(spans)}</th>'


def _clause_body(clause: str, rows, runs, history) -> str:
    heading = (f'<tr class="clause-row"><th colspan="{FIXED_COLUMNS + len(runs)}">'
               f"{text(page_parts.clause_label(clause))}"
               f'<span class="clause-statement">{text(vocabulary.CLAUSES[clause].statement)}</span>'
               "</th></tr>")
    return "\n".join([f'<tbody id="{text(clause)}" data-group>', heading, *[_row(row, runs, history) for row in rows], "</tbody>"])


def _row(row, runs, history) -> str:
    differs = row.differs
    classes = [
        "has-unexpected" if row.any_unexpected else "all-expected",
        "differs" if differs else "same",
        "changed" if row.changed else "unchanged",
    ]
    cells = [f"<td>{text(row.id)}</td>", f'<td class="statement">{text(row.statement)}</td>']
    cells += [_run_cell(cell, run, history) for cell, run in zip(row.cells, runs)]
    return (f'<tr class="{" ".join(classes)}" data-item data-count data-clause="{text(row.clause)}" '
            f'data-differs="{int(differs)}" data-changed="{int(row.changed)}">{"".join(cells)}</tr>')


def _run_cell(results, run, history) -> str:
    if not results:
        return f'<td class="status-none" data-sort="{page_parts.NO_RESULT_SEVERITY}">not run</td>'
    worst = min(page_parts.severity(result) for result in results)
    chips = "".join(_chip(result, run.change(result), history.get((run.info["platform_id"], result["id"],
                                                                       result["backend"])))
                    for result in results)
    return f'<td class="run-cell" data-sort="{worst}"><div class="chips">{chips}</div></td>'


def _chip(result, change: str | None, over_time=None) -> str:
    classes = f"chip {page_parts.status_classes(result)}" + (f" {change}" if change else "")
    title = page_parts.result_title(result)
    if over_time:
        title += f" - over time: {over_time.text()}"
    mark = ""
    if change:
        title += f" - a {change} against the baseline"
        mark = f' <em class="change">{"regressed" if change == "regression" else "fixed"}</em>'
    return (f'<span class="{classes}" {page_parts.result_data(result)} title="{text(title)}">'
            f"{text(result['backend'])} {text(result['status'])}{mark}</span>")
