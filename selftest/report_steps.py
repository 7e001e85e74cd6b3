"""Steps that read what runs wrote as their readers do: the pages in headless
Chromium, every results.json and junit.xml through their strictest readers,
and `mapconf report` refusing files that are not results."""

from __future__ import annotations

import json
from pathlib import Path

from runner import toolchain
from runner.reports import html as report_html, json as report_json, junit as report_junit
from runner.tests import fixtures

from . import headless, page_checks, strict_readers
from .context import Context
from .plan import StepFailed


def fixture_file(ctx: Context, name: str, doc: dict) -> Path:
    path = ctx.tmp / "fixtures" / name
    path.parent.mkdir(exist_ok=True)
    report_json.write(doc, path)
    return path


def browser_check(check, *args) -> None:
    toolchain.ensure_tools(headless.TOOLS)
    try:
        check(*args)
    except page_checks.CheckFailed as error:
        raise StepFailed(str(error)) from None


def index_in_browser(ctx: Context) -> None:
    results = ctx.suite_results("native")
    doc = json.loads(results.read_text())
    browser_check(page_checks.check_index, results.parent / "index.html", doc)
    realistic = fixtures.realistic_doc()
    page = ctx.tmp / "fixtures" / "realistic-index.html"
    fixture_file(ctx, "realistic-index.json", realistic)
    report_html.write(realistic, page)
    browser_check(page_checks.check_unexpected_filter, page, realistic)


def matrix_in_browser(ctx: Context) -> None:
    files = [ctx.suite_results("native"), ctx.suite_results("native-asan"),
             ctx.suite_results("qemu-aarch64"), ctx.suite_results("gvisor"), ctx.suite_results("wine"),
             fixture_file(ctx, "realistic-matrix.json", fixtures.realistic_doc()),
             fixture_file(ctx, "all-expected.json", fixtures.all_expected_doc())]
    page = ctx.tmp / "matrix.html"
    proc = ctx.mapconf("report", *map(str, files), "-o", str(page))
    if proc.returncode != 0:
        raise StepFailed(f"mapconf report exited {proc.returncode}: {proc.stderr.strip()}")
    docs = [json.loads(path.read_text()) for path in files]
    browser_check(page_checks.check_matrix, page, docs)


def hostile_in_browser(ctx: Context) -> None:
    hostile = fixtures.hostile_doc()
    index = ctx.tmp / "fixtures" / "hostile.html"
    fixture_file(ctx, "hostile.json", hostile)
    report_html.write(hostile, index)
    matrix = ctx.tmp / "fixtures" / "hostile-matrix.html"
    proc = ctx.mapconf("report", str(ctx.tmp / "fixtures" / "hostile.json"),
                       str(fixture_file(ctx, "realistic-hostile.json", fixtures.realistic_doc())), "-o", str(matrix))
    if proc.returncode != 0:
        raise StepFailed(f"mapconf report exited {proc.returncode}: {proc.stderr.strip()}")
    literal = [fixtures.HOSTILE_SCRIPT, fixtures.HOSTILE_ATTRIBUTE, fixtures.HOSTILE_ENDINGS, "\u241b[31m"]
    browser_check(page_checks.check_hostile, index, literal + [fixtures.LONG_LINE], fixtures.HOSTILE_SCRIPT)
    browser_check(page_checks.check_hostile, matrix, literal, fixtures.HOSTILE_SCRIPT)


def report_refuses_bad_files(ctx: Context) -> None:
    good = fixture_file(ctx, "realistic-good.json", fixtures.realistic_doc())
    schema_1 = fixtures.realistic_doc()
    schema_1["schema"] = 1
    bad = {
        "is not valid JSON": "not json\n",
        "is not a mapconf results file": json.dumps({"name": "left-pad", "version": "1.3.0"}),
        "has schema version 1": json.dumps(schema_1),
    }
    for needle, content in bad.items():
        path = ctx.tmp / "fixtures" / "bad.json"
        path.write_text(content)
        proc = ctx.mapconf("report", str(good), str(path), "-o", str(ctx.tmp / "bad.html"))
        lines = proc.stderr.strip().splitlines()
        if proc.returncode != 2 or len(lines) != 1 or needle not in proc.stderr or str(path) not in proc.stderr:
            raise StepFailed(f"mapconf report of a file that {needle}: exit {proc.returncode}, stderr {proc.stderr!r}")


def outputs_pass_strict_readers(ctx: Context) -> None:
    """Every results.json the steps wrote (and the fixtures), against the
    committed JSON Schema; every junit.xml (and the fixtures'), against
    the strict JUnit rules."""
    results = sorted(ctx.tmp.rglob("results.json"))
    junits = sorted(ctx.tmp.rglob("junit.xml"))
    if not results or not junits:
        raise StepFailed(f"no run left its outputs in {ctx.tmp} to check (did every run step fail?)")
    for name, build in (("realistic", fixtures.realistic_doc), ("all-expected", fixtures.all_expected_doc),
                        ("hostile", fixtures.hostile_doc)):
        results.append(fixture_file(ctx, f"strict-{name}.json", build()))
        junits.append(ctx.tmp / "fixtures" / f"strict-{name}-junit.xml")
        report_junit.write(build(), junits[-1])
    try:
        strict_readers.check_results_files(ctx.repo, results)
        strict_readers.check_junit_files(junits, ctx.tmp / "junit-suites")
    except strict_readers.ReaderRefused as error:
        raise StepFailed(str(error)) from None


def workflow_is_valid(ctx: Context) -> None:
    try:
        strict_readers.check_workflow(ctx.repo)
    except strict_readers.ReaderRefused as error:
        raise StepFailed(str(error)) from None


def add_steps(plan, ctx: Context, everything: bool) -> None:
    """The page checks read the full suites' results: they run with the whole selftest."""
    if everything:
        plan.add("browser-index", "index.html in headless Chromium: a row per assertion, the counts, each filter",
                 lambda: index_in_browser(ctx), after=("suite-native",))
        matrix_from = ("suite-native", "suite-asan", "suite-qemu-aarch64", "suite-gvisor", "suite-wine")
        plan.add("browser-matrix", "matrix of seven results files (five platforms) in headless Chromium: rows, "
                 "columns, filters", lambda: matrix_in_browser(ctx), after=matrix_from)
        plan.add("browser-hostile", "hostile strings in headless Chromium: shown as text, nothing injected",
                 lambda: hostile_in_browser(ctx))
        plan.add("report-bad-files", "report refuses a bad results file: one sentence and exit 2",
                 lambda: report_refuses_bad_files(ctx))
    plan.add("strict-readers", "every results.json matches docs/results.schema.json, every junit.xml the strict "
             "JUnit rules", lambda: outputs_pass_strict_readers(ctx), last=True)
