"""The Win32 unit tests (agents/win32/tests/, controller/tests/ and
case_host/win32/tests/, ninja/win32_tests.ninja and ninja/win32_case_host.ninja):
cmocka for Windows, built with mingw-w64 from Debian's source package, and the
tests linked with it, run under Wine as the wine platform runs its agents
(its prefix, its server, ended afterwards with everything it started).

The step passes when every test program exits 0 and cmocka says that all
the tests it ran passed, more than none; its report line gives the counts,
cmocka's Debian version and Wine's.
"""

from __future__ import annotations

import re
import subprocess

from runner import debian_source, platforms, rundir, toolchain
from runner.debian_source import VERSION_FILE
from runner.platforms import Tool

from .context import Context
from .plan import StepFailed

PROGRAMS = ("test_answers", "test_agent_client_win32", "test_command_line", "test_executor")
RUN_S = 120


def run(ctx: Context) -> str:
    wine = platforms.make("wine", platforms.Options())
    toolchain.ensure_tools(wine.tools + [Tool("dpkg-source", "dpkg-dev")])
    version_file = ctx.repo / "build" / "win32" / "cmocka" / "source" / VERSION_FILE
    try:
        if not version_file.exists():     # the build will fetch it: a machine that cannot is told why, here
            debian_source.candidate_version("cmocka")
        toolchain.build(ctx.repo, ["win32", "win32-tests"])
    except (debian_source.SourceError, toolchain.ToolError) as error:
        raise StepFailed(str(error)) from None
    cmocka = version_file.read_text().split(" (")[0]
    run_dir = rundir.open_run()
    ctx.own.add_run(run_dir.run_id)
    passed = 0
    try:
        wine.start(run_dir)
        for name in PROGRAMS:
            passed += run_one(wine, ctx.repo / "build" / "win32" / "tests" / f"{name}.exe")
        runtime = wine.runtime()
    finally:
        wine.stop()
        run_dir.close()
    return f"{passed} tests passed in {len(PROGRAMS)} program(s), {cmocka} (Debian's source), {runtime}"


def run_one(wine, exe) -> int:
    """How many tests the program ran, all passed; else the step fails with its output."""
    argv, env = wine.program(exe)
    try:
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              timeout=RUN_S)
    except subprocess.TimeoutExpired:
        raise StepFailed(f"{exe.name} did not end under Wine within {RUN_S} s") from None
    said = proc.stdout + proc.stderr
    ran = re.search(r"^\[=+\] (\d+) test\(s\) run\.", said, re.MULTILINE)
    passed = re.search(r"^\[  PASSED  \] (\d+) test\(s\)\.", said, re.MULTILINE)
    # cmocka's exit status is the number of tests that failed; a program that ran none must not pass either
    if proc.returncode != 0 or not ran or not passed or int(passed.group(1)) != int(ran.group(1)) \
            or int(ran.group(1)) == 0:
        raise StepFailed(f"{exe.name} exited {proc.returncode} under Wine:\n{said[-2000:]}")
    return int(passed.group(1))
