"""Write the results of one run as one self-contained HTML page (index.html).

The page makes no requests and is whole without JavaScript: every row is in
the markup, each result's details is a <details> block, and the "unexpected
only" checkbox works through CSS. The inline script (runner/reports/assets/
filters.js) only adds filters by clause, backend, status and text, reads
and writes them in the URL fragment, and sorts tables by a column.
"""

from __future__ import annotations

from .. import results_schema
from ..results import labelled_message, missing_backend_line, missing_backends
from . import page, page_parts
from .page import text
from .html_details import anchor, result_details

BACKEND_COLUMN = '<col class="backend">'

RUN_INFO_FIELDS = (
    ("platform", "platform"), ("platform id", "platform_id"), ("OS", "os"), ("kernel", "kernel"),
    ("architecture", "arch"), ("libc", "libc"), ("runtime", "runtime"),
    ("mapconf version", "mapconf_version"), ("git revision", "git_revision"),
    ("start time", "start_time"), ("duration", "duration_s"), ("command", "command"),
)


def render(doc) -> str:
    """The HTML page for a valid results document."""
    results_schema.require_valid(doc)
    run_info, results = doc["run_info"], doc["results"]
    backends = page_parts.backends_present(results)
    by_clause = _results_by_clause(results)
    body = [
        f"<h1>mapconf results: {text(run_info['platform_id'])}</h1>",
        _run_info_list(run_info),
        '<div class="summary">',
        _verdict(run_info["unexpected"]),
        page_parts.counts_table(run_info["counts"], run_info["unexpected"]),
        "</div>",
        _missing_backends(results),
        _unexpected_list(results),
        page_parts.checkbox("only-unexpected", "unexpected", "unexpected only"),
        page_parts.filter_bar(list(by_clause), backends, "assertions"),
        "<main>",
        *[_clause_section(clause, clause_results, backends) for clause, clause_results in by_clause.items()],
        _details_section(results),
        "</main>",
    ]
    return page.document(f"mapconf results: {run_info['platform_id']}", body)


def write(doc, path) -> None:
    """Render `doc` and write it to `path` as UTF-8."""
    page.write(render(doc), path)


def _results_by_clause(results) -> dict[str, list]:
    by_clause = {clause: [] for clause in page_parts.clauses_present(results)}
    for result in results:
        by_clause[result["clause"]].append(result)
    return by_clause


def _verdict(unexpected: int) -> str:
    if unexpected == 0:
        return '<p class="verdict clean">0 unexpected results</p>'
    noun = "result" if unexpected == 1 else "results"
    return f'<p class="verdict dirty">{unexpected} unexpected {noun}</p>'


def _unexpected_list(results) -> str:
    unexpected = [result for result in results if result["unexpected"]]
    if not unexpected:
        return ""
    items = [
        f'<li><a href="#{text(anchor(result))}">{text(result["id"])} [{text(result["backend"])}]</a> '
        f'<span class="{page_parts.status_classes(result)}">{text(result["status"])}</span> '
        f'{text(labelled_message(result))}</li>'
        for result in unexpected
    ]
    return "\n".join(['<ul class="unexpected-list">', *items, "</ul>"])


def _missing_backends(results) -> str:
    """A backend the platform claims but cannot provide, said once above the tables."""
    items = [f'<p class="verdict {"clean" if missing["declared"] else "dirty"} missing-backend">'
             f'{text(missing_backend_line(missing))}</p>' for missing in missing_backends(results)]
    return "\n".join(items)


def _run_info_value(run_info, key) -> str:
    value = run_info[key]
    if key == "duration_s":
        return f"{value:.1f} s"
    if value is None:
        return "none" if key == "runtime" else "unknown"
    return value


def _run_info_list(run_info) -> str:
    pairs = [f"<div><dt>{text(label)}</dt><dd>{text(_run_info_value(run_info, key))}</dd></div>"
             for label, key in RUN_INFO_FIELDS]
    return "\n".join(['<dl class="run-info">', *pairs, "</dl>"])


def _clause_section(clause: str, results, backends) -> str:
    by_id = {}
    for result in results:
        by_id.setdefault(result["id"], {})[result["backend"]] = result
    header = "".join([
        '<th data-key="id">ID</th><th data-key="statement">Statement</th>',
        *[f'<th data-key="{text(backend)}">{text(backend)}</th>' for backend in backends],
    ])
    rows = [_clause_row(row, backends) for _, row in sorted(by_id.items(), key=lambda item: page_parts.id_key(item[0]))]
    return "\n".join([
        f'<section id="{text(clause)}" class="clause" data-group>',
        f"<h2>{text(page_parts.clause_label(clause))}</h2>",
        page_parts.clause_statement(clause),
        '<table class="results">',
        f'<colgroup><col class="id"><col>{BACKEND_COLUMN * len(backends)}</colgroup>',
        f"<thead><tr>{header}</tr></thead>",
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        "</section>",
    ])


def _clause_row(results_by_backend, backends) -> str:
    first = next(iter(results_by_backend.values()))
    any_unexpected = any(result["unexpected"] for result in results_by_backend.values())
    row_class = "has-unexpected" if any_unexpected else "all-expected"
    cells = [
        f"<td>{text(first['id'])}</td>",
        f'<td class="statement">{text(first["statement"])}</td>',
        *[_status_cell(results_by_backend.get(backend)) for backend in backends],
    ]
    return (f'<tr class="{row_class}" data-item data-count data-clause="{text(first["clause"])}">'
            f'{"".join(cells)}</tr>')


def _status_cell(result) -> str:
    if result is None:
        return f'<td class="status-none" data-sort="{page_parts.NO_RESULT_SEVERITY}">&ndash;</td>'
    return (f'<td class="{page_parts.status_classes(result)}" {page_parts.result_data(result)} '
            f'data-sort="{page_parts.severity(result)}" title="{text(page_parts.result_title(result))}">'
            f'<a href="#{text(anchor(result))}">{text(result["status"])}</a></td>')


def _details_section(results) -> str:
    return "\n".join(['<section id="details" data-group>', "<h2>Details</h2>",
                      *[result_details(result) for result in results], "</section>"])
