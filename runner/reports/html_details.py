"""The detail view of one result in index.html: what the assertion states,
what was expected and observed, the native error values the agents
reported, and the evidence, with long transcripts folded."""

from __future__ import annotations

import re

from ..vocabulary import has_reproducer
from . import page_parts
from .page import text

# An agent's error answer carries the platform's own value, e.g.
# "err code=invalid_argument native=EINVAL"; a fault, "native=SIGSEGV".
NATIVE_VALUE = re.compile(r"\bnative=([A-Za-z0-9_]+)")

# A transcript longer than this shows its first and last lines, with the
# rest behind a <details>: the start says what was set up, the end what broke.
FOLD_HEAD_LINES = 10
FOLD_TAIL_LINES = 10
FOLD_MIN_HIDDEN = 5


def anchor(result) -> str:
    """The id of a result's details block, e.g. r-VIS-001-posix-shm."""
    return f"r-{result['id']}-{result['backend']}"


def native_values(result) -> list[str]:
    """The distinct native error values in a result's message and evidence, in order of appearance."""
    sources = [result["message"], result["evidence"]["transcript"], result["evidence"]["output"]]
    found = []
    for source in sources:
        for value in NATIVE_VALUE.findall(source):
            if value not in found:
                found.append(value)
    return found


def result_details(result) -> str:
    expectation = "unexpected" if result["unexpected"] else "expected"
    summary = (f"{text(result['id'])} [{text(result['backend'])}] "
               f'<span class="{page_parts.status_classes(result)}">{text(result["status"])}</span> '
               f"{text(result['statement'])}")
    return "\n".join([
        f'<details class="result-details {expectation}" id="{text(anchor(result))}" data-item '
        f'data-clause="{text(result["clause"])}" {page_parts.result_data(result)}>',
        f"<summary>{summary}</summary>",
        _facts(result),
        _evidence_block("transcript", result["evidence"]["transcript"], folded=False),
        _evidence_block("case output", result["evidence"]["output"], folded=True),
        "</details>",
    ])


def _facts(result) -> str:
    evidence = result["evidence"]
    outcome = f"{result['observed']}, reported as {result['status']} ({'un' if result['unexpected'] else ''}expected)"
    fields = [
        ("statement", result["statement"]),
        ("clause", page_parts.clause_label(result["clause"])),
        ("case", result["case"]),
        ("expected", " or ".join(result["expected"])),
        ("observed", outcome),
        ("reason", result["reason"] or "none"),
        ("expected by", result.get("expected_by") or "the spec table"),
        ("check", result["check"] or "none"),
        *_reproducer(result),
        ("message", result["message"] or "none"),
        ("native errors", ", ".join(native_values(result)) or "none"),
        ("duration", f"{result['duration_ms']} ms"),
        ("process", evidence["process"]),
    ]
    definitions = "".join(f"<dt>{text(label)}</dt><dd>{text(value)}</dd>" for label, value in fields)
    return f"<dl>{definitions}</dl>"


def _reproducer(result) -> list[tuple[str, str]]:
    """Beside a result that diverges (FAIL, ERROR, TIMEOUT; expected or not): the
    command that writes a standalone program doing what its case does."""
    if result["observed"] in ("PASS", "SKIP") or not has_reproducer(result["backend"]):
        return []
    name = f"{result['id']}-{result['backend']}"
    return [("reproducer", f"./mapconf repro {result['id']} --backend {result['backend']} -o repro/{name}")]


def _evidence_block(label: str, content: str, folded: bool) -> str:
    if not content:
        return f"<p>No {text(label)}.</p>"
    if folded:
        return f'<details class="folded"><summary>{text(label)}</summary><pre>{text(content)}</pre></details>'
    return f"<p><strong>{text(label)}</strong></p>\n{fold_lines(content)}"


def fold_lines(content: str) -> str:
    """`content` in <pre>, its middle lines behind a <details> when it is long."""
    lines = content.splitlines(keepends=True)
    if len(lines) < FOLD_HEAD_LINES + FOLD_TAIL_LINES + FOLD_MIN_HIDDEN:
        return f"<pre>{text(content)}</pre>"
    head = "".join(lines[:FOLD_HEAD_LINES])
    middle = "".join(lines[FOLD_HEAD_LINES:-FOLD_TAIL_LINES])
    tail = "".join(lines[-FOLD_TAIL_LINES:])
    hidden = len(lines) - FOLD_HEAD_LINES - FOLD_TAIL_LINES
    return "\n".join([
        f"<pre>{text(head)}</pre>",
        f'<details class="folded"><summary>{hidden} more lines</summary><pre>{text(middle)}</pre></details>',
        f"<pre>{text(tail)}</pre>",
    ])
