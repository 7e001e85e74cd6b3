"""The names a case can end with, read from the C source: the labels of its
checks, and the steps the harness names when a step breaks.

Every check in a case has a label, a string literal as its first argument
(controller/checks.h), and so have MC_BROKEN, MC_SKIP and the mc_require_ preconditions. A case's labels are those in
its function and in the static functions of its file that it calls, however
deeply. A step is named by the request's verb (from the agents' verb
tables), by what the controller library was doing (the literal step of its
mc_broken, mc_skip, mc_timed_out and mc_end_unless_answered calls), or by
the runner itself when the case process ends without saying (RUNNER_STEPS).
The spec table's expectations name these (check = "..."), and the runner
refuses a name the case cannot end with.
"""

from __future__ import annotations

import re
from pathlib import Path

# How the runner names an ending that the case process did not record (runner/execute.py).
RUNNER_STEPS = {
    "case-process": "the case process died or exited before it finished",
    "case-timeout": "the whole case took longer than --timeout and was killed",
    "case-host": "the sandbox running the case broke (it stopped answering, or could not start)",
    "no-check": "the case ran to its end without making a check",
}

LABEL = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# What an expectation may name: a label, or a step (verbs are words joined by underscores).
NAME = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
# A raw request a case writes out itself (requests.h): its verb is a step of that case.
_RAW_REQUEST = re.compile(r"\bmc_(?:step|try)\(\s*[a-z_][a-z0-9_]*,\s*\"([a-z_0-9]+)")
_LABELLED_CALL = re.compile(r"\b(?:MC_BROKEN|MC_SKIP|mc_check_[a-z_]+|mc_require_[a-z_]+)\(\s*\"([^\"]*)\"")
_FUNCTION = re.compile(r"^static [^;{]*?\b([a-z_][a-z0-9_]*)\([^;{]*\)\s*\{\s*$", re.MULTILINE)
_CALLED = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(")
_LIBRARY_STEP = re.compile(
    r"\bmc_(?:broken|skip|timed_out|end_unless_answered)\(\s*file,\s*line,\s*\"([a-z0-9-]+)\"")
_VERB = re.compile(r"^\s*\{\s*\"([a-z_0-9]+)\",\s*verb_[a-z_0-9]+\s*\}", re.MULTILINE)


def functions(source: str) -> dict[str, str]:
    """The static functions of a C file in kernel style: name -> body (up to
    the closing brace at the start of a line)."""
    bodies = {}
    for match in _FUNCTION.finditer(source):
        end = source.find("\n}", match.end())
        bodies[match.group(1)] = source[match.end(): end if end >= 0 else len(source)]
    return bodies


def case_labels(source: str, function: str) -> list[str]:
    """The labels of the checks the case function makes, in its own body and
    in the file's static functions it calls, and the verbs of the raw
    requests it writes out (requests.h); in source order, each once."""
    bodies = functions(source)
    seen, labels, todo = set(), [], [function]
    while todo:
        name = todo.pop(0)
        if name in seen or name not in bodies:
            continue
        seen.add(name)
        body = bodies[name]
        labels += [label for label in _LABELLED_CALL.findall(body) + _RAW_REQUEST.findall(body)
                   if label not in labels]
        todo += [called for called in _CALLED.findall(body) if called in bodies]
    return labels


def bad_labels(source: str) -> list[tuple[int, str]]:
    """(line, label) of every label in a case file that is not lowercase
    words joined by hyphens."""
    return [(source.count("\n", 0, match.start()) + 1, match.group(1))
            for match in _LABELLED_CALL.finditer(source) if not LABEL.fullmatch(match.group(1))]


def duplicate_labels(source: str, function: str) -> list[str]:
    """Labels used by more than one check of the case function's own body."""
    body = functions(source).get(function, "")
    found = _LABELLED_CALL.findall(body)
    return sorted({label for label in found if found.count(label) > 1})


def step_names(repo: Path) -> set[str]:
    """Every step a case can end at: the agents' verbs, the controller
    library's named steps and the runner's own."""
    names = set(RUNNER_STEPS)
    for path in sorted(repo.glob("controller/*.c")):
        names.update(_LIBRARY_STEP.findall(path.read_text(errors="replace")))
    for path in sorted(repo.glob("agents/*/verbs_*.c")):
        names.update(_VERB.findall(path.read_text(errors="replace")))
    return names
