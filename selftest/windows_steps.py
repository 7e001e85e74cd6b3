"""Steps that prove the Windows bundle (./mapconf bundle --platform windows)
under Wine, where it runs entirely as Win32: its executor, its case
programs (the controllers) and its agents.

- windows-bundle: the bundle made, every file of it a PE program, a DLL or
  data; run by hand, as a person with a Windows machine would (its
  mapconf-run.exe from its folder, no arguments, under the wine platform's
  prefix and server), then judged by ./mapconf judge: run_info names the
  Windows version and Wine, and every pair's status is the wine
  platform's (suite-wine).
- wine-bundle-faults-off: ./mapconf run --platform wine-bundle with the
  agent's fault build and no fault on: every pair's status the wine
  platform's, so the run platform is the bundle's path and the fault build
  is inert on it.
- wine-bundle-killed: a --platform wine-bundle run whose runner alone is
  killed with SIGKILL while its executor runs the cases (the executor, its
  cases and Wine's server go on without it): the next run sweeps it, and
  no process of it, Windows or Wine's, and no run directory is left.
- wine-bundle-faults: every Win32 fault of selftest/faults.py through the
  bundle's Win32 controllers, in one bundle (an env request names each
  fault before its cases): each assertion it must break FAILs at its own
  check, as under the native controllers (the win32-fault-* steps).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from runner import bundle, platforms, rundir, spec as specs, toolchain
from runner.platforms.windows import WINE_ID
from runner.run import Job

from . import faults
from .context import Context
from .own_runs import processes_of_run
from .plan import StepFailed
from .suite_steps import check_ktap
from .sweep_steps import sweep_in

# the files of a Windows bundle that are data: everything else must be a PE program or DLL
DATA_FILES = {"jobs", "bundle.json", "spec.toml"}
BUNDLE_BOUND_S = 900
EXECUTOR_WAIT_S = 120     # for the killed run's executor to be running its cases (a Wine start, the build checked)


def not_a_windows_file(path: Path) -> str | None:
    """Why a file of a Windows bundle is not a PE program, a DLL or data; None when it is one."""
    head = path.read_bytes()[:4096]
    if path.name in DATA_FILES:
        return None if b"\x7fELF" not in head and b"\0" not in head else "data that is not text"
    if path.suffix not in (".exe", ".dll"):
        return "neither a program, a DLL nor the bundle's data"
    if head[:2] != b"MZ" or len(head) < 64:
        return "no MZ header"
    pe = int.from_bytes(head[60:64], "little")
    return None if head[pe:pe + 4] == b"PE\0\0" else "no PE header"


def run_by_hand(ctx: Context, directory: Path) -> subprocess.CompletedProcess:
    """DIR\\mapconf-run.exe from DIR, no arguments, under the wine platform's
    prefix and server (started and stopped as a run does)."""
    wine = platforms.make("wine", platforms.Options())
    run_dir = rundir.open_run()
    ctx.own.add_run(run_dir.run_id)
    try:
        wine.start(run_dir)
        argv, env = wine.program(directory / "mapconf-run.exe")
        return subprocess.run(argv, cwd=directory, env=env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=BUNDLE_BOUND_S)
    finally:
        wine.stop()
        run_dir.close()


def as_on_wine(ctx: Context, results: list[dict]) -> list[str]:
    """Each pair whose status differs from the same pair's on the wine platform (suite-wine)."""
    wine = {(r["id"], r["backend"]): r["status"]
            for r in json.loads(ctx.suite_results("wine").read_text())["results"]}
    differ = [f"{r['id']} [{r['backend']}] {r['status']}, wine {wine.get((r['id'], r['backend']), 'no result')}"
              for r in results if wine.get((r["id"], r["backend"])) != r["status"]]
    want = len(ctx.pairs(ctx.platform_backends("wine")))
    if len(results) != want:
        differ.append(f"{len(results)} results of {want}")
    return differ


def bundle_by_hand(ctx: Context) -> None:
    directory = ctx.tmp / "windows-bundle"
    made = ctx.mapconf("bundle", "--platform", "windows", "-o", str(directory), *ctx.filters())
    if made.returncode != 0:
        raise StepFailed(f"./mapconf bundle --platform windows failed (exit {made.returncode}): {made.stderr[-800:]}")
    wrong = [f"{p.relative_to(directory)}: {why}" for p in sorted(directory.rglob("*"))
             if p.is_file() and (why := not_a_windows_file(p))]
    if wrong:
        raise StepFailed(f"the Windows bundle holds files Windows cannot use: {wrong[:10]}")
    ran = run_by_hand(ctx, directory)
    if ran.returncode != 0:
        raise StepFailed(f"mapconf-run.exe exited {ran.returncode}: {ran.stderr[-800:]}")
    out = ctx.tmp / "windows-bundle-judged"
    proc = ctx.mapconf("judge", str(directory), "-q", "-o", str(out))
    if not (out / "results.json").exists():
        raise StepFailed(f"./mapconf judge wrote no results (exit {proc.returncode}): {proc.stderr[-800:]}")
    doc = json.loads((out / "results.json").read_text())
    info = doc["run_info"]
    if proc.returncode != 0 or not info["os"].startswith("Windows ") or not (info["runtime"] or "").startswith("Wine ") \
            or info["platform_id"] != WINE_ID:
        raise StepFailed(f"./mapconf judge: exit {proc.returncode}; run_info names the OS {info['os']!r}, the "
                         f"runtime {info['runtime']!r}, the platform {info['platform_id']!r}:\n{proc.stdout[-2000:]}")
    differ = as_on_wine(ctx, doc["results"])
    if differ:
        raise StepFailed(f"{len(differ)} differences from the wine platform: {differ[:10]}")
    check_ktap(out, doc)


def run_platform_without_fault(ctx: Context) -> None:
    proc, doc = ctx.run_suite("wine-bundle-faults-off", "--platform", "wine-bundle", "--env", "MAPCONF_FAULT=",
                              *ctx.filters())
    differ = as_on_wine(ctx, doc["results"])
    if proc.returncode != 0 or doc["run_info"]["platform_id"] != WINE_ID or differ:
        raise StepFailed(f"exit {proc.returncode}, platform {doc['run_info']['platform_id']!r}; "
                         f"{len(differ)} differences from the wine platform: {differ[:10]}")


def faults_through_the_bundle(ctx: Context) -> None:
    the_spec = specs.load(str(ctx.repo / "cases" / "spec.toml"))
    backends = ctx.platform_backends("wine")
    chosen = {name: [e for e in entries if ctx.chosen(faults.parse(e)[0])]
              for name, entries in faults.table("win32").items()}
    chosen = {name: entries for name, entries in chosen.items() if entries}
    jobs: list[Job] = []
    fault_of: dict[int, str] = {}
    for name, entries in chosen.items():
        for assertion_id in faults.assertion_ids(entries):
            for backend in the_spec.by_id(assertion_id).backends:
                if backend in backends:
                    fault_of[len(jobs)] = name
                    jobs.append(Job(len(jobs), the_spec.by_id(assertion_id), backend))
    if not jobs:
        return
    directory = ctx.tmp / "wine-bundle-faults"
    # the fault build, told each group's fault by an env request before its cases
    windows = platforms.make("windows", platforms.Options(agent_env={"MAPCONF_FAULT": ""}))
    toolchain.build(ctx.repo, windows.build_targets())
    bundle.write(ctx.repo / "cases" / "spec.toml", jobs, windows, ctx.repo, directory, 60.0,
                 "selftest: the Win32 faults", agent_env_of=lambda job: {"MAPCONF_FAULT": fault_of[job.index]})
    ran = run_by_hand(ctx, directory)
    if ran.returncode != 0:
        raise StepFailed(f"mapconf-run.exe exited {ran.returncode}: {ran.stderr[-800:]}")
    _, records = bundle.judge(directory)
    wrong = []
    for name, entries in chosen.items():
        mine = [r for job, r in zip(jobs, records) if fault_of[job.index] == name]
        missing = faults.missing_failures({"results": mine}, entries)
        if missing:
            wrong.append(f"{name}: {missing[:3]}")
    if wrong:
        raise StepFailed(f"{len(wrong)} of {len(chosen)} Win32 faults did not fail their checks through the "
                         f"bundle: {wrong[:5]}")


def killed_bundle_run(ctx: Context) -> None:
    tmpdir = ctx.own.new_tmpdir()
    runner = subprocess.Popen([str(ctx.repo / "mapconf"), "run", "-q", "--platform", "wine-bundle",
                               "--out", str(ctx.tmp / "wine-bundle-killed"), *ctx.filters()],
                              env=ctx.env_with(TMPDIR=str(tmpdir)), stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    runs = tmpdir / f"mapconf-{os.getuid()}" / "runs"
    deadline, run_id = time.monotonic() + EXECUTOR_WAIT_S, None
    try:
        while True:     # a bounded wait for a condition: the run's executor is running its cases
            ids = [p.name for p in runs.glob(f"{runner.pid}*")] if runs.is_dir() else []
            if ids:
                run_id = ids[0]
                ctx.own.add_run(run_id)
                if any("mapconf-run.exe" in p for p in processes_of_run(run_id)):
                    break
            if time.monotonic() > deadline or runner.poll() is not None:
                raise StepFailed(f"the run to be killed never ran its bundle (exit {runner.poll()})")
            time.sleep(0.05)
    finally:
        runner.kill()       # the runner alone: what it started goes on, for the next run to sweep
        runner.wait()
    sweep_in(ctx, tmpdir, "wine-bundle-sweeper")
    left = [f"process {p}" for p in processes_of_run(run_id)]
    left += [str(p) for p in runs.glob(f"{run_id}*")]
    if left:
        raise StepFailed(f"after the sweep of a killed wine-bundle run: {left[:10]}")


def add_steps(plan, ctx: Context) -> None:
    if not ctx.pairs(ctx.platform_backends("wine")):
        return
    plan.add("windows-bundle", "the Windows bundle: only PE programs, DLLs and data; run by hand under Wine "
             "(mapconf-run.exe from its folder) and judged: Windows and Wine named, every pair as on wine",
             lambda: bundle_by_hand(ctx), lane="wine", after=("suite-wine",))
    plan.add("wine-bundle-faults-off", "--platform wine-bundle (the bundle run under Wine) with the agent's fault "
             "build and no fault on: every pair as on wine", lambda: run_platform_without_fault(ctx), lane="wine",
             after=("suite-wine",))
    plan.add("wine-bundle-killed", "a --platform wine-bundle run killed with SIGKILL while its executor runs: "
             "the next run sweeps it, nothing of it left", lambda: killed_bundle_run(ctx), lane="wine")
    plan.add("wine-bundle-faults", "every Win32 fault through the bundle's Win32 controllers fails its assertions "
             "at their own checks", lambda: faults_through_the_bundle(ctx), lane="wine")
