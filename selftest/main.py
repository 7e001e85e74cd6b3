"""`mapconf selftest`: mapconf tests itself, end to end.

Each step is a named check that either passes or fails with a reason; the
last line is "N passed, N failed". The steps: the harness's cmocka unit
tests (plain and sanitizer builds, and the Win32 agent's under Wine), the runner's Python unit tests, the
generated docs against the spec table, the GitHub workflow through a real
workflow validator, the catalogue on every platform and filesystem with
valid reports, those reports (and a matrix of several runs) as headless
Chromium shows them, the deliberately broken cases, every assertion failing
at its own check under the faults that break it, the reproducers, bad
input, runs killed with SIGKILL and swept by the next, every results.json
and junit.xml as their strictest readers take them, and after all of it, no
object, file, run directory or process of its runs left behind.

Steps that do not depend on each other run side by side (selftest/plan.py).
`./mapconf selftest ID...` proves what the full selftest proves about those
assertions: their runs on every platform and filesystem, their faults, their
fault coverage and their reproducers; `--step GLOB` runs chosen steps
(`--list` names them).
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
import unittest
import os
from pathlib import Path

from runner import platforms, toolchain
from runner.run import UsageError

from . import (fault_steps, kernel_steps, plan as plans, repro_steps, report_steps, suite_steps, sweep_steps, target_steps,
               trust_steps, user_steps, win32_units, windows_steps)
from .context import Context
from .plan import StepFailed

SELFTEST_TOOLS = platforms.BUILD_TOOLS + [platforms.Tool("prove", "perl")]
WORKERS = 3      # steps at once: most are runs of two cases at a time, and many wait on their agents


def build(ctx: Context) -> None:
    toolchain.ensure_tools(SELFTEST_TOOLS)
    toolchain.build(ctx.repo, ["all"])


def cmocka_units(ctx: Context, variant: str) -> None:
    for test in ("test_protocol", "test_agent_client"):
        binary = ctx.repo / "build" / variant / "tests" / test
        proc = subprocess.run([str(binary)], capture_output=True, text=True, timeout=120)
        # cmocka prints its summary on stderr; a binary that ran no test must not pass
        if proc.returncode != 0 or not re.search(r"PASSED\s*\]\s*[1-9]", proc.stdout + proc.stderr):
            raise StepFailed(f"{binary} exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def python_units(ctx: Context) -> None:
    suite = unittest.defaultTestLoader.discover(str(ctx.repo / "runner" / "tests"), top_level_dir=str(ctx.repo))
    result = unittest.TextTestRunner(stream=open(os.devnull, "w"), verbosity=0).run(suite)
    if not result.wasSuccessful() or result.testsRun == 0:
        problems = [f"{test}: {text.strip().splitlines()[-1]}" for test, text in result.failures + result.errors]
        raise StepFailed(f"{len(problems)} of {result.testsRun} failed: " + "; ".join(problems[:5]))


def docs_are_current(ctx: Context) -> None:
    proc = ctx.mapconf("docs", "--check")
    if proc.returncode != 0:
        raise StepFailed(f"exit {proc.returncode}: {proc.stderr.strip()}")


def make_plan(ctx: Context, everything: bool) -> plans.Plan:
    """Every step, the longest first within what may start at once: the
    Win32 lane and the reproducers take longest, and the suites' results
    are read by the page checks."""
    plan = plans.Plan()
    repro_steps.add_steps(plan, ctx)
    suite_steps.add_steps(plan, ctx)
    kernel_steps.add_steps(plan, ctx, everything)      # a guest under TCG: among the longest
    user_steps.add_steps(plan, ctx)
    fault_steps.add_steps(plan, ctx)
    windows_steps.add_steps(plan, ctx)
    if everything:
        plan.add("cmocka", "protocol and controller unit tests (cmocka)", lambda: cmocka_units(ctx, "native"))
        plan.add("cmocka-asan", "protocol and controller unit tests under ASan+UBSan",
                 lambda: cmocka_units(ctx, "asan"))
        plan.add("win32-units", "the Win32 agent's, controller's and bundle case host's unit tests (cmocka from "
                 "Debian's source, built with mingw-w64) "
                 "pass under Wine", lambda: win32_units.run(ctx), lane="wine")
        plan.add("python-units", "runner unit tests (unittest)", lambda: python_units(ctx))
        plan.add("docs", "generated docs match the spec table, the results schema matches the code",
                 lambda: docs_are_current(ctx))
        plan.add("workflow", "the GitHub workflow passes action-validator (the public workflow schema)",
                 lambda: report_steps.workflow_is_valid(ctx))
        plan.add("wrapped", "--platform custom: --wrap reaches every agent, --wrap-controller every case",
                 lambda: suite_steps.wrapped(ctx))
        plan.add("bench", "bench/speed and bench/profile print their tables", lambda: suite_steps.benchmarks_run(ctx),
                 after=("suite-native",))
        plan.add("team-expectations", "a team's own expectations: a broken platform pinned by 'expectations update', "
                 "then green with --expectations, then XPASS once healthy", lambda: suite_steps.team_expectations(ctx))
        plan.add("broken-cases", "broken cases come out as ERROR, TIMEOUT, FAIL, SKIP, each at its check, and the "
                 "run goes on", lambda: suite_steps.broken_cases(ctx))
        plan.add("missing-backend", "a platform without shm_open: exit 1, the missing backend named once",
                 lambda: suite_steps.missing_backend(ctx))
        plan.add("bad-input", "bad input: one sentence and exit 2", lambda: suite_steps.bad_input(ctx))
    report_steps.add_steps(plan, ctx, everything)
    target_steps.add_steps(plan, ctx, everything)
    trust_steps.add_steps(plan, ctx, everything)
    sweep_steps.add_steps(plan, ctx, everything)
    return plan


def selftest(repo: Path, patterns: list[str] | None = None, steps: list[str] | None = None,
             list_only: bool = False, workers: int = WORKERS) -> int:
    patterns, steps = patterns or [], steps or []
    ctx = Context(repo, patterns)
    try:
        unknown = [p for p in patterns if not any(fnmatch.fnmatchcase(a.id, p) for a in ctx.spec.assertions)]
        if unknown:
            raise UsageError(f"no assertion matches '{unknown[0]}'; './mapconf list' shows them.")
        plan = make_plan(ctx, everything=not patterns)
        unknown = [p for p in steps if not any(fnmatch.fnmatchcase(s.key, p) for s in plan.steps)]
        if unknown:
            raise UsageError(f"no selftest step matches '{unknown[0]}'; './mapconf selftest --list' names them.")
        chosen = plan.chosen(steps)
        if list_only:
            for step in chosen:
                print(f"{step.key:34} {step.title}")
            return 0
        return run_steps(ctx, chosen, workers)
    finally:
        shutil.rmtree(ctx.tmp, ignore_errors=True)


def run_steps(ctx: Context, chosen: list[plans.Step], workers: int) -> int:
    counts = {"passed": 0, "failed": 0}
    # the real standard output: a step that records cases in this process (repro) hides
    # the recording's own summary by redirecting sys.stdout, for every thread, meanwhile
    out = sys.stdout

    def report(outcome: plans.Outcome) -> None:
        if outcome.error is None:
            counts["passed"] += 1
            # one step at a time, the processor time is the step's own: what it costs a busy machine
            cpu = f", {outcome.cpu_seconds:.1f} s of processor time" if workers == 1 else ""
            note = f": {outcome.note}" if outcome.note else ""
            print(f"ok - {outcome.step.title} ({outcome.seconds:.1f} s{cpu}){note}", file=out, flush=True)
        else:
            counts["failed"] += 1
            print(f"not ok - {outcome.step.title}: {outcome.error}", file=out, flush=True)

    first = plans.Step("build", "tools and build (native and sanitizer variants)", lambda: build(ctx))
    plans.execute([first], 1, report)
    if not counts["failed"]:
        plans.execute(chosen, workers, report)
    print(f"selftest: {counts['passed']} passed, {counts['failed']} failed", file=out, flush=True)
    return 0 if counts["failed"] == 0 else 1
