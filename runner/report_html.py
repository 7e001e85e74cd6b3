"""Write the results as one self-contained HTML page (index.html).

The page makes no requests and needs no JavaScript: the CSS is inline, the
result details are <details> blocks, and the "unexpected only" filter is a
checkbox that CSS reacts to.
"""

import html
import re

from runner import results_schema

# Control characters are drawn as their Unicode "control pictures" (ESC as
# U+241B) so that a transcript shows them instead of hiding them.
C0_CONTROLS = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")
# Not renderable or not encodable in UTF-8 (lone surrogates).
UNRENDERABLE = re.compile("[\u0080-\u009f\ud800-\udfff\ufffe\uffff]")

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.statement { max-width: 50em; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f7f7f7; padding: 0.5em; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; }
dd { margin: 0; overflow-wrap: anywhere; }
.verdict { font-size: 1.4em; font-weight: bold; padding: 0.4em 0.8em; display: inline-block; }
.verdict.clean { background: #dff5df; color: #145214; }
.verdict.dirty { background: #c62828; color: #fff; }
.status { font-weight: bold; text-align: center; }
.status a { color: inherit; }
.status-PASS { background: #dff5df; color: #145214; }
.status-PASS.unexpected { background: #ef6c00; color: #fff; }
.status-FAIL, .status-ERROR.unexpected, .status-TIMEOUT.unexpected { background: #c62828; color: #fff; }
.status-XPASS { background: #ef6c00; color: #fff; }
.status-XFAIL, .status-ERROR.expected, .status-TIMEOUT.expected { background: #e4e4e4; color: #666; font-weight: normal; }
.status-SKIP { background: #eef1f6; color: #555; font-weight: normal; }
.status-none { color: #aaa; text-align: center; }
details.result { margin: 0.3em 0; border: 1px solid #ddd; padding: 0.3em 0.6em; }
details.result:target { outline: 3px solid #1565c0; }
#only-unexpected:checked ~ main tr.all-expected { display: none; }
""".strip()


def render(doc):
    """The HTML page for a valid results document."""
    results_schema.require_valid(doc)
    run_info, results = doc["run_info"], doc["results"]
    backends = _backends_present(results)
    body = [
        f"<h1>mapconf results: {text(run_info['platform_id'])}</h1>",
        _verdict(run_info["unexpected"]),
        _unexpected_list(results),
        "<h2>Run</h2>",
        _run_info_table(run_info),
        "<h2>Counts</h2>",
        _counts_table(run_info["counts"]),
        '<input type="checkbox" id="only-unexpected">',
        '<label for="only-unexpected">unexpected only</label>',
        "<main>",
        *[_clause_section(clause, clause_results, backends)
          for clause, clause_results in _results_by_clause(results).items()],
        _details_section(results),
        "</main>",
    ]
    return _page(f"mapconf results: {run_info['platform_id']}", body)


def write(doc, path):
    """Render `doc` and write it to `path` as UTF-8."""
    page = render(doc)
    with open(path, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(page)


def text(value):
    """Any value from the document, safe as HTML text or a quoted attribute."""
    shown = "" if value is None else str(value)
    shown = C0_CONTROLS.sub(_control_picture, shown)
    shown = UNRENDERABLE.sub("\ufffd", shown)
    return html.escape(shown, quote=True)


def _control_picture(match):
    code = ord(match.group())
    return "\u2421" if code == 0x7F else chr(0x2400 + code)


def anchor(result):
    """The id of a result's details block, e.g. r-VIS-001-posix-shm."""
    return f"r-{result['id']}-{result['backend']}"


def _page(title, body):
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{text(title)}</title>",
        f"<style>\n{STYLE}\n</style>",
        "</head>",
        "<body>",
        *[part for part in body if part],
        "</body>",
        "</html>",
        "",
    ])


def _backends_present(results):
    present = {result["backend"] for result in results}
    return [backend for backend in results_schema.BACKENDS if backend in present]


def _results_by_clause(results):
    by_clause = {}
    for result in results:
        by_clause.setdefault(result["clause"], []).append(result)
    return dict(sorted(by_clause.items(), key=lambda item: results_schema.clause_number(item[0])))


def _verdict(unexpected):
    if unexpected == 0:
        return '<p class="verdict clean">0 unexpected results</p>'
    noun = "result" if unexpected == 1 else "results"
    return f'<p class="verdict dirty">{unexpected} unexpected {noun}</p>'


def _unexpected_list(results):
    unexpected = [result for result in results if result["unexpected"]]
    if not unexpected:
        return ""
    items = [
        f'<li><a href="#{text(anchor(result))}">{text(result["id"])} [{text(result["backend"])}]</a> '
        f'{_status_label(result)} {text(result["message"])}</li>'
        for result in unexpected
    ]
    return "\n".join(["<ul>", *items, "</ul>"])


def _status_classes(result):
    expectation = "unexpected" if result["unexpected"] else "expected"
    return f"status status-{result['status']} {expectation}"


def _status_label(result):
    return f'<span class="{_status_classes(result)}">{text(result["status"])}</span>'


def _row(label, value):
    return f"<tr><th>{text(label)}</th><td>{text(value)}</td></tr>"


def _run_info_table(run_info):
    fields = [
        ("platform", run_info["platform"]),
        ("platform id", run_info["platform_id"]),
        ("OS", run_info["os"]),
        ("kernel", run_info["kernel"]),
        ("architecture", run_info["arch"]),
        ("libc", run_info["libc"]),
        ("runtime", run_info["runtime"] or "none"),
        ("mapconf version", run_info["mapconf_version"]),
        ("git revision", run_info["git_revision"] or "unknown"),
        ("start time", run_info["start_time"]),
        ("duration", f"{run_info['duration_s']:.1f} s"),
        ("command", run_info["command"]),
    ]
    return "\n".join(["<table>", *[_row(label, value) for label, value in fields], "</table>"])


def _counts_table(counts):
    header = "".join(f"<th>{text(status)}</th>" for status in results_schema.FINAL_STATUSES)
    cells = "".join(
        f'<td class="status status-{text(status)}">{counts[status]}</td>'
        for status in results_schema.FINAL_STATUSES
    )
    return f"<table>\n<tr>{header}</tr>\n<tr>{cells}</tr>\n</table>"


def _clause_section(clause, results, backends):
    by_id = {}
    for result in results:
        by_id.setdefault(result["id"], {})[result["backend"]] = result
    header = "".join(["<th>ID</th><th>Statement</th>", *[f"<th>{text(backend)}</th>" for backend in backends]])
    rows = [_clause_row(row, backends) for _, row in sorted(by_id.items(), key=lambda item: _id_key(item[0]))]
    return "\n".join([
        f'<section id="{text(clause)}">',
        f"<h2>Clause {text(clause)}</h2>",
        "<table>",
        f"<thead><tr>{header}</tr></thead>",
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        "</section>",
    ])


def _id_key(result_id):
    area, number = result_id.split("-", 1)
    return (area, int(number))


def _clause_row(results_by_backend, backends):
    first = next(iter(results_by_backend.values()))
    any_unexpected = any(result["unexpected"] for result in results_by_backend.values())
    row_class = "has-unexpected" if any_unexpected else "all-expected"
    cells = [
        f"<td>{text(first['id'])}</td>",
        f'<td class="statement">{text(first["statement"])}</td>',
        *[_status_cell(results_by_backend.get(backend)) for backend in backends],
    ]
    return f'<tr class="{row_class}">{"".join(cells)}</tr>'


def _status_cell(result):
    if result is None:
        return '<td class="status-none">&ndash;</td>'
    return (f'<td class="{_status_classes(result)}">'
            f'<a href="#{text(anchor(result))}">{text(result["status"])}</a></td>')


def _details_section(results):
    return "\n".join(['<section id="details">', "<h2>Details</h2>",
                      *[_result_details(result) for result in results], "</section>"])


def _result_details(result):
    evidence = result["evidence"]
    fields = [
        ("statement", result["statement"]),
        ("case", result["case"]),
        ("expected", " or ".join(result["expected"])),
        ("observed", result["observed"]),
        ("final status", result["status"]),
        ("reason", result["reason"] or "none"),
        ("message", result["message"] or "none"),
        ("duration", f"{result['duration_ms']} ms"),
        ("process", evidence["process"]),
    ]
    definitions = "".join(f"<dt>{text(label)}</dt><dd>{text(value)}</dd>" for label, value in fields)
    return "\n".join([
        f'<details class="result" id="{text(anchor(result))}">',
        f"<summary>{text(result['id'])} [{text(result['backend'])}] {_status_label(result)}</summary>",
        f"<dl>{definitions}</dl>",
        _evidence_block("transcript", evidence["transcript"]),
        _evidence_block("case output", evidence["output"]),
        "</details>",
    ])


def _evidence_block(label, content):
    if not content:
        return f"<p>No {text(label)}.</p>"
    return f"<details><summary>{text(label)}</summary><pre>{text(content)}</pre></details>"
