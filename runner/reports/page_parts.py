"""Pieces of markup shared by the page of one run (index.html) and the
matrix of several runs (`mapconf report`): how a result is coloured, sorted
and described to the filters, the filter controls and the clause headings.
"""

from __future__ import annotations

from .. import vocabulary
from .page import text

# Sorting a column puts what needs attention first: unexpected results,
# then expected divergences, then skips, then passes, then nothing.
EXPECTED_SEVERITY = {"XFAIL": 1, "ERROR": 1, "TIMEOUT": 1, "SKIP": 2, "PASS": 3}
NO_RESULT_SEVERITY = 9


def severity(result) -> int:
    """How much a result needs attention, 0 the most; None is no result."""
    if result is None:
        return NO_RESULT_SEVERITY
    if result["unexpected"]:
        return 0
    return EXPECTED_SEVERITY[result["status"]]


def status_classes(result) -> str:
    """CSS classes colouring a result against its expectation."""
    expectation = "unexpected" if result["unexpected"] else "expected"
    return f"status status-{result['status']} {expectation}"


def result_data(result) -> str:
    """The attributes by which the page's filters know one result."""
    return (f'data-backend="{text(result["backend"])}" data-status="{text(result["status"])}" '
            f'data-unexpected="{int(result["unexpected"])}"')


def result_title(result) -> str:
    """A one-line description of a result, for a tooltip."""
    parts = [f"{result['backend']}: {result['status']}"]
    if result["status"] != "PASS" or result["unexpected"]:
        parts.append(f"(expected {' or '.join(result['expected'])})")
    if result["reason"]:
        parts.append(f"- {result['reason']}")
    if result["message"]:
        parts.append(f"- {result['message']}")
    return " ".join(parts)


def id_key(result_id: str) -> tuple[str, int]:
    """VIS-002 sorts before VIS-010."""
    area, number = result_id.split("-", 1)
    return (area, int(number))


def backends_present(results) -> list[str]:
    """The backends of `results`, in the vocabulary's order."""
    present = {result["backend"] for result in results}
    return [backend for backend in vocabulary.BACKENDS if backend in present]


def clauses_present(results) -> list[str]:
    """The clauses of `results`, C1 to C11."""
    return sorted({result["clause"] for result in results}, key=vocabulary.clause_number)


def clause_label(clause_id: str) -> str:
    return f"{clause_id} {vocabulary.title(clause_id)}"


def clause_statement(clause_id: str) -> str:
    return f'<p class="clause-statement">{text(vocabulary.CLAUSES[clause_id].statement)}</p>'


def checkbox(element_id: str, key: str, label: str) -> str:
    """A checkbox that works without JavaScript (the page's CSS hides rows
    when it is checked) and that the script reads as the filter `key`.
    It must stay a sibling before <main> for the CSS to reach the rows."""
    return (f'<input type="checkbox" id="{element_id}" data-filter="{key}">'
            f'<label for="{element_id}">{text(label)}</label>')


def _select(key: str, label: str, options: list[tuple[str, str]]) -> str:
    choices = "".join(f'<option value="{text(value)}">{text(shown)}</option>' for value, shown in options)
    return f'<label>{text(label)} <select data-filter="{key}"><option value="">all</option>{choices}</select></label>'


def filter_bar(clause_ids: list[str], backends: list[str], noun: str) -> str:
    """The controls only the script can apply; hidden until it runs."""
    return "\n".join([
        '<div class="filters" hidden data-needs-script>',
        _select("clause", "clause", [(clause_id, clause_label(clause_id)) for clause_id in clause_ids]),
        _select("backend", "backend", [(backend, backend) for backend in backends]),
        _select("status", "status", [(status, status) for status in vocabulary.FINAL_STATUSES]),
        '<label>search <input type="search" data-filter="q" placeholder="ID, text, native=EINVAL"></label>',
        "</div>",
        f'<p id="shown" data-noun="{text(noun)}" hidden data-needs-script></p>',
    ])


def counts_table(counts: dict, unexpected: int) -> str:
    """One run's number of results per final status, and how many were unexpected."""
    header = "".join(f"<th>{text(status)}</th>" for status in vocabulary.FINAL_STATUSES)
    # Only a status that occurred is coloured, so a zero never looks like an alarm.
    cells = "".join(
        f'<td class="status status-{text(status)}">{counts[status]}</td>' if counts[status]
        else '<td class="status zero">0</td>'
        for status in vocabulary.FINAL_STATUSES
    )
    loudness = "status-FAIL unexpected" if unexpected else "status-PASS expected"
    return (f'<table class="counts">\n<tr>{header}<th>unexpected</th></tr>\n'
            f'<tr>{cells}<td class="status {loudness}">{unexpected}</td></tr>\n</table>')
