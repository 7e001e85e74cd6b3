"""The comment above each case function: its assertions' statements, written
from the spec table by `./mapconf docs` and held to it by `--check`, so that
a reader of cases/<area>.c sees the statement the case checks, never a copy
of it made by hand that has drifted.

A case function serves the assertions its file's case table names
(`MC_CASE("ID", function)`). The block directly above it is one paragraph
per assertion, `ID: statement`, wrapped; a paragraph after them, which says
why the case is made as it is, stays as written. A comment elsewhere in a
case file that starts with an assertion's ID is a statement copied by hand:
--check names it.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from .spec import Spec

WIDTH = 80
CASE_FILES = "cases/*.c"
_CASE = re.compile(r'\bMC_CASE\(\s*"([^"]+)",\s*([A-Za-z_]\w*)\s*\)')
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_STARTS_WITH_ID = re.compile(r"^[A-Z]+-[0-9]{3}(?:\.\.[0-9]{3})?:")


class CaseCommentError(Exception):
    """A case file the generator cannot write the statements into; the message says where."""


@dataclass(frozen=True)
class Block:
    start: int          # offset of the block's first character, or of the definition if there is none
    end: int            # offset just after the block's last line (the definition starts there)
    text: str           # the block as it is, "" if there is none


def _definition(source: str, function: str, name: str = "") -> re.Match:
    match = re.search(rf"^(?:static )?void {function}\(void\)\n\{{", source, re.MULTILINE)
    if match is None:
        raise CaseCommentError(f"{name}: the case table names {function}, which the file does not define "
                               f"as `static void {function}(void)`")
    return match


def block_above(source: str, at: int) -> Block:
    """The comment block that ends on the line just above offset `at` (a line start)."""
    before = source[:at]
    if not before.endswith("*/\n"):
        return Block(at, at, "")
    start = before.rfind("/*")
    line_start = before.rfind("\n", 0, start) + 1
    if before[line_start:start].strip():       # a comment at the end of a line of code
        return Block(at, at, "")
    return Block(line_start, at, before[line_start:])


def _paragraphs(block: str) -> list[list[str]]:
    """The paragraphs of a comment block, each as its lines without the leading " * "."""
    body = block.strip()
    body = body[2:-2] if body.startswith("/*") and body.endswith("*/") else body
    paragraphs, current = [], []
    for line in [re.sub(r"^\s*\* ?", "", line).rstrip() for line in body.splitlines()] + [""]:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    return paragraphs


def _starts_with_id(paragraph: list[str]) -> bool:
    return _STARTS_WITH_ID.match(paragraph[0].strip()) is not None


def _notes(block: str) -> list[list[str]]:
    """The block's paragraphs that are not statements (`ID: ...`), kept as written."""
    return [p for p in _paragraphs(block) if not _starts_with_id(p)]


def comment(statements: list[tuple[str, str]], notes: list[list[str]]) -> str:
    """The block: `/* ID: statement */` on one line when that fits and there is
    nothing else to say, otherwise one wrapped paragraph per assertion, then the notes."""
    for assertion_id, statement in statements:
        if "*/" in statement:
            raise CaseCommentError(f"{assertion_id}'s statement has '*/', which would end its comment")
    if len(statements) == 1 and not notes:
        one = f"/* {statements[0][0]}: {statements[0][1]} */"
        if len(one) <= WIDTH:
            return one + "\n"
    paragraphs = [textwrap.wrap(f"{i}: {s}", WIDTH - 3, break_on_hyphens=False) for i, s in statements] + notes
    lines = ["/*"]
    for n, paragraph in enumerate(paragraphs):
        if n:
            lines.append(" *")
        lines += [f" * {line}".rstrip() for line in paragraph]
    return "\n".join(lines + [" */"]) + "\n"


def case_table(source: str) -> dict[str, list[str]]:
    """function -> the IDs it serves, in the order of the file's case table."""
    served: dict[str, list[str]] = {}
    for assertion_id, function in _CASE.findall(source):
        served.setdefault(function, []).append(assertion_id)
    return served


@dataclass(frozen=True)
class Edit:
    function: str
    ids: tuple[str, ...]
    block: Block
    text: str           # the block as the spec table has it

    @property
    def stale(self) -> bool:
        return self.block.text != self.text


def edits(source: str, the_spec: Spec, name: str = "") -> list[Edit]:
    """The block above each case function, as it is and as the spec table has it."""
    statements = {a.id: a.statement for a in the_spec.assertions}
    found = []
    for function, ids in case_table(source).items():
        unknown = [i for i in ids if i not in statements]
        if unknown:
            raise CaseCommentError(f"{name}: the case table names {', '.join(unknown)}, which the spec table has not")
        block = block_above(source, _definition(source, function, name).start())
        found.append(Edit(function, tuple(ids), block,
                          comment([(i, statements[i]) for i in ids], _notes(block.text))))
    return found


def regenerate(source: str, the_spec: Spec, name: str = "") -> str:
    """The case file with the statements' block above each case function."""
    for edit in sorted(edits(source, the_spec, name), key=lambda e: e.block.start, reverse=True):
        source = source[:edit.block.start] + edit.text + source[edit.block.end:]
    return source


def copies(source: str) -> list[tuple[int, str]]:
    """(line, ID) of each comment that starts with an assertion's ID but is not
    the block above a case function: a statement copied by hand."""
    generated = set()
    for function in case_table(source):
        block = block_above(source, _definition(source, function).start())
        if block.text:
            generated.add(block.start)
    found = []
    for match in _COMMENT.finditer(source):
        line_start = source.rfind("\n", 0, match.start()) + 1
        paragraphs = _paragraphs(match.group(0))
        if line_start not in generated and paragraphs and _starts_with_id(paragraphs[0]):
            found.append((source.count("\n", 0, match.start()) + 1, paragraphs[0][0].strip().split(":", 1)[0]))
    return found


def case_files(repo: Path) -> list[Path]:
    return sorted(repo.glob(CASE_FILES))


def write(repo: Path, the_spec: Spec) -> list[str]:
    """Write the statements into every case file; the files that changed."""
    changed = []
    for path in case_files(repo):
        name = path.relative_to(repo).as_posix()
        source = path.read_text()
        new = regenerate(source, the_spec, name)
        if new != source:
            path.write_text(new)
            changed.append(name)
    return changed


def problems(repo: Path, the_spec: Spec) -> list[str]:
    """One sentence for each case file whose statements are not as the spec table
    says, and for each statement copied by hand elsewhere in one."""
    found = []
    for path in case_files(repo):
        name = path.relative_to(repo).as_posix()
        source = path.read_text()
        for edit in edits(source, the_spec, name):
            if edit.stale:
                line = source.count("\n", 0, edit.block.start) + 1
                found.append(f"{name}:{line}: the comment above {edit.function} is not "
                             f"{' and '.join(edit.ids)}'s statement in the spec table: run ./mapconf docs")
        for line, assertion_id in copies(source):
            found.append(f"{name}:{line}: a comment restates {assertion_id}'s statement by hand; the block above its "
                         "case function has it, and a note on why may follow it there")
    return found
