"""`mapconf report`: several results files merged into one matrix of
assertions (rows, grouped by clause) by runs (columns), optionally compared
with earlier runs (baselines) to show regressions and fixes. Where several
runs share a platform id, they are that platform over time: for each
result the history says since which run it has been what it is now, and
until which run it was something else (by start time, then revision).

This module reads the files and works out what the matrix says; the page
itself is drawn by report_matrix_html.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .. import results_schema, vocabulary
from . import matrix_html as report_matrix_html, page, page_parts


class ReportError(Exception):
    """Bad input to `mapconf report` that is not a bad results file: one sentence."""


@dataclass
class Run:
    """One column: a results file, and the baseline it is compared with, if any."""
    path: str
    doc: dict
    label: str = ""
    baseline_path: str | None = None
    baseline: dict = field(default_factory=dict)   # the baseline's results by (id, backend)

    def __post_init__(self):
        self.by_pair = {(result["id"], result["backend"]): result for result in self.doc["results"]}

    @property
    def info(self) -> dict:
        return self.doc["run_info"]

    def results_of(self, assertion_id: str, backends: list[str]) -> list[dict]:
        return [self.by_pair[(assertion_id, backend)] for backend in backends
                if (assertion_id, backend) in self.by_pair]

    def change(self, result: dict) -> str | None:
        """"regression", "fix" or None for a result of this run against its baseline."""
        return change(self.baseline.get((result["id"], result["backend"])), result)

    def changes(self) -> Counter:
        return Counter(self.change(result) for result in self.doc["results"])


@dataclass
class Row:
    """One assertion: its results in each run (one list per column)."""
    id: str
    clause: str
    statement: str
    cells: list[list[dict]] = field(default_factory=list)
    changed: bool = False

    @property
    def any_unexpected(self) -> bool:
        return any(result["unexpected"] for cell in self.cells for result in cell)

    @property
    def differs(self) -> bool:
        return differs(self.cells)


@dataclass
class Change:
    """One result over the runs of one platform id: what it is in the latest
    run, since which run; and what it was before, until which run (None:
    the same in every run given)."""
    status: str
    since: dict                      # the run_info of the first run of the latest streak
    before: str | None = None
    until: dict | None = None

    def text(self) -> str:
        now = f"{self.status} since {when(self.since)}"
        return f"{now}; {self.before} until {when(self.until)}" if self.before else f"{now}, in every run given"


def when(info: dict) -> str:
    return f"{info['start_time']} ({info['git_revision'] or 'revision unknown'})"


def history(runs: list[Run]) -> dict[tuple[str, str, str], Change]:
    """(platform id, assertion id, backend) -> its Change, for platform ids with more than one run."""
    by_platform: dict[str, list[Run]] = {}
    for run in runs:
        by_platform.setdefault(run.info["platform_id"], []).append(run)
    changes = {}
    for platform_id, platform_runs in by_platform.items():
        if len(platform_runs) < 2:
            continue
        ordered = sorted(platform_runs, key=lambda run: (run.info["start_time"], run.info["git_revision"] or ""))
        for pair in sorted({pair for run in ordered for pair in run.by_pair}):
            seen = [(run.info, run.by_pair[pair]["status"]) for run in ordered if pair in run.by_pair]
            if len(seen) < 2:
                continue
            start = len(seen) - 1
            while start > 0 and seen[start - 1][1] == seen[-1][1]:
                start -= 1
            before = seen[start - 1] if start > 0 else (None, None)
            changes[(platform_id, *pair)] = Change(seen[-1][1], seen[start][0], before[1], before[0])
    return changes


@dataclass
class Matrix:
    runs: list[Run]
    rows_by_clause: dict[str, list[Row]]
    backends: list[str]
    history: dict[tuple[str, str, str], Change] = field(default_factory=dict)

    @property
    def rows(self) -> list[Row]:
        return [row for rows in self.rows_by_clause.values() for row in rows]


def change(old: dict | None, new: dict) -> str | None:
    """A regression is a result that was as expected (PASS, or an expected
    divergence) and is now unexpected; a fix is the other way round. A result
    the baseline does not have is neither."""
    if old is None or old["unexpected"] == new["unexpected"]:
        return None
    return "regression" if new["unexpected"] else "fix"


def differs(cells: list[list[dict]]) -> bool:
    """Whether the runs that checked an assertion disagree about it: on a
    backend two runs share, the statuses differ; or the runs' sets of
    statuses differ (this compares runs with no backend in common, such as
    a POSIX platform and a Win32 one). A run without the assertion does not
    count."""
    checked = [cell for cell in cells if cell]
    if len(checked) < 2:
        return False
    by_backend: dict[str, set] = {}
    for cell in checked:
        for result in cell:
            by_backend.setdefault(result["backend"], set()).add(result["status"])
    if any(len(statuses) > 1 for statuses in by_backend.values()):
        return True
    return len({frozenset(result["status"] for result in cell) for cell in checked}) > 1


def column_labels(docs: list[dict]) -> list[str]:
    """A distinct column title per run: the platform id, with the start time
    where two runs share a platform id, and the column number where that
    is not enough either."""
    ids = Counter(doc["run_info"]["platform_id"] for doc in docs)
    labels = []
    for doc in docs:
        info = doc["run_info"]
        labels.append(info["platform_id"] if ids[info["platform_id"]] == 1
                      else f"{info['platform_id']} {info['start_time']}")
    repeated = Counter(labels)
    return [f"{label} #{index}" if repeated[label] > 1 else label
            for index, label in enumerate(labels, start=1)]


def attach_baselines(runs: list[Run], baselines: list[tuple[str, dict]]) -> None:
    """Give each run the baseline with its platform id."""
    for path, doc in baselines:
        platform_id = doc["run_info"]["platform_id"]
        targets = [run for run in runs if run.info["platform_id"] == platform_id]
        if not targets:
            raise ReportError(f"The baseline {path} is a run with platform id {platform_id!r}, but no results "
                              "file given has that platform id, and a baseline is only compared with runs of "
                              "its own platform id.")
        for run in targets:
            if run.baseline_path is not None:
                raise ReportError(f"{run.baseline_path} and {path} are both baselines for platform id "
                                  f"{platform_id!r}; give one baseline per platform id.")
            run.baseline_path = path
            run.baseline = {(result["id"], result["backend"]): result for result in doc["results"]}


def build(runs: list[Run]) -> Matrix:
    """The rows of the matrix: every assertion of any run, grouped by clause.
    An assertion's clause and statement are those of the first run that has it."""
    all_results = [result for run in runs for result in run.doc["results"]]
    backends = page_parts.backends_present(all_results)
    firsts: dict[str, dict] = {}
    for result in all_results:
        firsts.setdefault(result["id"], result)
    rows_by_clause: dict[str, list[Row]] = {}
    for assertion_id in sorted(firsts, key=page_parts.id_key):
        first = firsts[assertion_id]
        row = Row(assertion_id, first["clause"], first["statement"],
                  [run.results_of(assertion_id, backends) for run in runs])
        row.changed = any(run.change(result) for run, cell in zip(runs, row.cells) for result in cell)
        rows_by_clause.setdefault(first["clause"], []).append(row)
    ordered = dict(sorted(rows_by_clause.items(), key=lambda item: vocabulary.clause_number(item[0])))
    return Matrix(runs, ordered, backends, history(runs))


def load(paths: list[str], baseline_paths: list[str]) -> Matrix:
    """Read and check every file (ResultsFileError names the first bad one),
    then build the matrix."""
    docs = [results_schema.load(path) for path in paths]
    runs = [Run(path, doc, label) for path, doc, label in zip(paths, docs, column_labels(docs))]
    attach_baselines(runs, [(path, results_schema.load(path)) for path in baseline_paths])
    return build(runs)


def report(paths: list[str], out: str, baseline_paths: list[str]) -> str:
    """`mapconf report`: write the matrix page to `out`; returns the line to print."""
    matrix = load(paths, baseline_paths)
    try:
        page.write(report_matrix_html.render(matrix), out)
    except OSError as error:
        raise ReportError(f"Cannot write {out}: {error.strerror or error}.") from None
    line = (f"mapconf: wrote {out}: {len(matrix.rows)} assertions in {len(matrix.runs)} "
            f"run{'s' if len(matrix.runs) != 1 else ''} ({', '.join(run.label for run in matrix.runs)})")
    if baseline_paths:
        changes = sum((run.changes() for run in matrix.runs), Counter())
        line += f"; against the baseline: {changes['regression']} regressions, {changes['fix']} fixes"
    if matrix.history:
        changed = sum(1 for change in matrix.history.values() if change.before)
        line += f"; over time: {changed} results changed status"
    return line
