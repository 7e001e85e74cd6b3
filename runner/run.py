"""`mapconf run`: build, run every selected case on a platform, reconcile the
results with the spec table, and write the reports."""

from __future__ import annotations

import fnmatch
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import (execute, filesystems, huge_pages, labels, outcome, results, rundir, runinfo, spec, ssh_target, terminal,
               toolchain, vocabulary)
from .reports import html as report_html, json as report_json, junit as report_junit, ktap as report_ktap, tap as report_tap
from .platforms import Platform

UNIT_SEPARATOR = "\x1f"


class UsageError(Exception):
    """Bad input from the user: one sentence, exit code 2."""


@dataclass
class RunOptions:
    platform: Platform
    spec_path: Path
    filters: list[str]
    jobs: int
    timeout: float
    out: Path
    command: str
    quiet: bool = False
    verbose: bool = False
    expectations: tuple[Path, ...] = ()     # teams' files, each layered over what comes before it
    filesystem: filesystems.Filesystem | None = None     # --filesystem: where file-backed objects live
    trace_dir: Path | None = None           # ./mapconf repro: each case writes its trace there (controller/trace.h)
    target: ssh_target.SshTarget | None = None   # --target: the machine the cases run on, if not this one


@dataclass
class Job:
    index: int
    assertion: spec.Assertion
    backend: str


def select_jobs(the_spec: spec.Spec, filters: list[str], platform: Platform) -> list[Job]:
    """One job per (assertion, backend) the filters select and the platform has."""
    jobs = []
    for assertion in the_spec.assertions:
        if filters and not any(fnmatch.fnmatchcase(assertion.id, f) for f in filters):
            continue
        for backend in assertion.backends:
            if backend in platform.backends:
                jobs.append(Job(len(jobs), assertion, backend))
    if not jobs:
        raise UsageError(f"no assertion in {the_spec.path} matches --filter {' '.join(filters)} "
                         f"on a backend of platform {platform.kind} ({', '.join(platform.backends)}); "
                         "'./mapconf list' shows the IDs and their backends.")
    return jobs


def check_spec_against_binaries(the_spec: spec.Spec, case_dir: Path, repo: Path) -> None:
    """The spec table and the case binaries agree: one case per assertion,
    and every check an expectation names is one its case makes (read from
    the case's source, see runner/labels.py)."""
    binaries = sorted(p.name for p in case_dir.iterdir() if p.is_file() and os.access(p, os.X_OK))
    listings = execute.list_cases(case_dir, binaries)
    sources: dict[str, str] = {}
    case_labels = {}
    for listing in listings:
        if listing.source not in sources:
            sources[listing.source] = _case_source(repo, listing)
        case_labels[listing.case] = labels.case_labels(sources[listing.source], listing.function)
    spec.check_cases(the_spec, listings, case_labels, labels.step_names(repo))


def _case_source(repo: Path, listing: spec.CaseListing) -> str:
    path = repo / listing.source
    try:
        text = path.read_text(errors="replace")
    except OSError as error:
        raise UsageError(f"cannot read {path}, the source of case {listing.case} ({error.strerror}); "
                         f"the runner reads each case's check labels there.") from None
    for line, label in labels.bad_labels(text):
        raise spec.SpecError(listing.source, line, f"check label '{label}' is not lowercase words joined by "
                             f"hyphens; rename it (e.g. 'b-reads-a-write').")
    return text


def agent_env_value(variables: dict[str, str]) -> str:
    """MAPCONF_AGENT_ENV's value: what a controller puts in each agent's environment."""
    return UNIT_SEPARATOR.join(f"{k}={v}" for k, v in variables.items())


def request_timeout(case_timeout: float) -> str:
    """MAPCONF_REQUEST_TIMEOUT's value: a request must fail well before the case
    does, so that the failure names the request."""
    return str(min(10.0, case_timeout / 3))


def case_environment(opts: RunOptions, repo: Path, run_dir: rundir.RunDir) -> dict[str, str]:
    env = dict(os.environ)
    env.update(opts.platform.case_env())
    if opts.target:
        env.update(opts.target.case_env())
    env.update({
        "MAPCONF_RUN_ID": run_dir.run_id,
        "MAPCONF_SCRATCH": str(run_dir.objects),
        "MAPCONF_BEFORE_DIR": str(run_dir.objects),   # where made_before_files are (a sandbox has its own scratch)
        "MAPCONF_HUGE_PAGES_RECORD": str(huge_pages.record_path(run_dir.path)),
        "MAPCONF_AGENT_ARGV": UNIT_SEPARATOR.join(opts.platform.agent_argv(repo)),
        "MAPCONF_AGENT_ENV": agent_env_value(opts.platform.agent_env),
        "MAPCONF_REQUEST_TIMEOUT": request_timeout(opts.timeout),
    })
    if opts.trace_dir is not None:
        env["MAPCONF_TRACE_DIR"] = str(opts.trace_dir)
    return env


def case_run(opts: RunOptions, repo: Path, env: dict[str, str], work: Path, job: Job) -> execute.CaseRun:
    wrap = opts.platform.controller_wrap(repo, work)
    if not wrap and opts.platform.case_host() is None:
        # a case whose parent is the runner dies with it; behind a wrapper its parent is the wrapper
        env = dict(env, MAPCONF_RUNNER_PID=str(os.getpid()))
    return execute.CaseRun(opts.platform.case_dir(repo) / job.assertion.binary, job.assertion.function,
                           job.backend, opts.timeout, env, work, f"case-{job.index}", wrap=wrap,
                           host=opts.target.pool if opts.target else opts.platform.case_host())


def run_conditions(memory_cgroup: bool = True, scratch: Path | None = None) -> frozenset[str]:
    """The conditions of this run that expectations may depend on (`when`),
    read in the run's own mount namespace, where a --filesystem shm-SIZE
    limits /dev/shm and --filesystem NAME is mounted on the scratch directory
    (so: after the mounts, before the cases). memory_cgroup: whether the run
    could make its memory cgroup (runner/memcg.py); scratch: where its file
    objects live."""
    shm = os.statvfs("/dev/shm")
    return conditions_of(os.geteuid(), memory_cgroup, shm.f_bavail * shm.f_frsize,
                         filesystems.filesystem_of(scratch) if scratch else "unknown")


def conditions_of(euid: int, memory_cgroup: bool, shm_free: int, scratch_fs: str = "unknown") -> frozenset[str]:
    """The conditions of a run on a machine with these facts (here, or a
    target's as its case host tells them)."""
    conditions = set()
    if euid != 0:
        conditions.add("unprivileged")
    if not memory_cgroup:
        conditions.add("no-memory-cgroup")
    if shm_free > vocabulary.SHM_ROOM_A_CASE_FILLS:
        conditions.add("shm-unlimited")
    if scratch_fs in vocabulary.IN_MEMORY_FILESYSTEMS:
        conditions.add("files-in-memory")
    return frozenset(conditions)


def target_conditions(facts: dict[str, str]) -> frozenset[str]:
    """conditions_of() from what a case host tells of its target (case_host/case_host.c):
    its `ready` line and its answer to the run's environment."""
    # Windows names no uid: whether its token is elevated (an administrator's) stands for root
    euid = int(facts["euid"]) if "euid" in facts else 0 if facts.get("elevated", "1") == "1" else 1
    return conditions_of(euid, facts.get("memory_cgroup") == "1",
                         int(facts.get("shm_free", "0")), facts.get("scratch_fs", "unknown"))


def execute_jobs(jobs: list[Job], opts: RunOptions, repo: Path, run_dir: rundir.RunDir, report) -> list[dict]:
    records = opts.platform.run_jobs(jobs, opts, repo, run_dir, report)
    if records is not None:
        return records
    env = case_environment(opts, repo, run_dir)
    facts = opts.target.host_facts if opts.target else opts.platform.machine_facts(env)
    conditions = target_conditions(facts) if facts else \
        run_conditions(memory_cgroup=run_dir.memory.path is not None, scratch=run_dir.objects)
    versions = runinfo.versions(opts.platform, opts.target.facts if opts.target else None)
    done: dict[int, dict] = {}
    lock = threading.Lock()

    def one(job: Job) -> None:
        try:
            observed = execute.run_case(case_run(opts, repo, env, run_dir.work_dir(), job), run_dir)
        except Exception as error:   # a broken runner step is that case's ERROR, not the run's end
            observed = execute.Observed("ERROR", f"the runner failed to run the case: {error!r}", 0, "", "", "not run")
        # a case killed before it put the huge page pool back: at once, not at the run's end,
        # so that no case of another run counts the pages it left
        huge_pages.restore(run_dir.path)
        record = results.record(job.assertion, job.backend, opts.platform.id, observed, conditions, versions)
        with lock:
            done[job.index] = record
            report(record, len(done), len(jobs))

    # PR_SET_PDEATHSIG in a case fires when the *thread* that started it ends,
    # so the pool's threads live until every case has finished.
    shared = [j for j in jobs if not j.assertion.exclusive]
    alone = [j for j in jobs if j.assertion.exclusive]
    with ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
        list(pool.map(one, shared))
    with ThreadPoolExecutor(max_workers=1) as pool:
        list(pool.map(one, alone))
    return [done[j.index] for j in jobs]


REPORT_WRITERS = ((report_json, "results.json"), (report_junit, "junit.xml"),
                  (report_tap, "results.tap"), (report_ktap, "results.ktap"), (report_html, "index.html"))


def prepare_out(out: Path) -> None:
    """Make the report directory and make sure every report can be written
    there, before any case runs: a run must not end in a traceback."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(f"--out {out} is a file, not a directory: give a directory for the reports.") from None
    except OSError as error:
        raise UsageError(f"cannot create the report directory {out} ({error.strerror}): "
                         f"give --out a directory you can write.") from None
    for _, name in REPORT_WRITERS:
        if (out / name).is_dir():
            raise UsageError(f"{out / name} is a directory, where the report {name} would go: "
                             f"remove it or give --out another directory.")
    try:
        tempfile.TemporaryFile(dir=out).close()
    except OSError as error:
        raise UsageError(f"cannot write in the report directory {out} ({error.strerror}): "
                         f"give --out a directory you can write.") from None


def write_reports(doc: dict, out: Path) -> list[Path]:
    written = []
    for writer, name in REPORT_WRITERS:
        writer.write(doc, out / name)
        written.append(out / name)
    return written


def made_before_files(jobs: list[Job], run_id: str) -> list[str]:
    """The files the run makes before it begins, in its scratch directory:
    one for each job of an assertion that says file_made_before, named as
    the controller looks for it (controller/objects.c, mc_object_made_before)."""
    return [f"mapconf-{run_id}-before-{job.assertion.id}-{job.backend}" for job in jobs
            if job.assertion.file_made_before]


def run(opts: RunOptions, repo: Path) -> int:
    the_spec = spec.load(str(opts.spec_path))
    for path in opts.expectations:
        the_spec = spec.with_expectations(the_spec, path.resolve())
    jobs = select_jobs(the_spec, opts.filters, opts.platform)
    root = rundir.runs_root()        # refused before any work when it cannot be trusted
    prepare_out(opts.out)
    toolchain.ensure_tools(opts.platform.tools + (ssh_target.TOOLS if opts.target else []))
    toolchain.build(repo, opts.platform.build_targets())
    check_spec_against_binaries(the_spec, opts.platform.case_dir(repo), repo)

    start_time = runinfo.now_iso()
    started = time.monotonic()
    execute.become_subreaper()
    run_dir = rundir.open_run(root)
    for item in run_dir.swept:
        print(f"mapconf: removed what an earlier, killed run left: {item}", file=sys.stderr)
    for item in run_dir.ignored:
        print(f"mapconf: left alone what no run of this user made: {item}", file=sys.stderr)
    term = terminal.Terminal(quiet=opts.quiet, verbose=opts.verbose)
    fs, fs_info = opts.filesystem, None
    made_before = made_before_files(jobs, run_dir.run_id)
    try:
        if fs:   # while the runner is single-threaded: it enters a mount namespace of its own
            fs.mount(run_dir, made_before)
            fs_info = fs.info()
            if fs.notice():
                print(f"mapconf: {fs.notice()}", file=sys.stderr, flush=True)
        elif not opts.target:
            filesystems.make_files(run_dir.objects, made_before)
        opts.platform.start(run_dir)
        try:
            if opts.target:      # the files made before the run begins are made there
                opts.target.start(run_dir, opts.platform.build_dir(repo), case_environment(opts, repo, run_dir),
                                  made_before)
                for item in opts.target.swept:
                    print(f"mapconf: removed what an earlier, killed run left on the target: {item}",
                          file=sys.stderr)
                for item in opts.target.ignored:
                    print(f"mapconf: left alone on the target: {item}", file=sys.stderr)
            records = execute_jobs(jobs, opts, repo, run_dir, term.result)
        finally:
            for item in opts.target.stop() if opts.target else ():
                print(f"mapconf: left on the target: {item}", file=sys.stderr)
            opts.platform.stop()
    finally:
        term.finish()
        run_dir.close()
    for record in records if fs else ():
        fs.annotate(record)
    info = runinfo.collect(opts.platform, repo, opts.command, start_time, run_dir.run_id, fs_info, opts.target)
    doc = results.document(info, records, time.monotonic() - started)
    written = write_reports(doc, opts.out)
    term.summary(doc, written)
    if fs and fs.notice():
        print(f"mapconf: {fs.notice()}")
    return outcome.exit_code(record["unexpected"] for record in records)


def report_results(info: dict, records: list[dict], out: Path, quiet: bool = False) -> int:
    """The reports of results judged elsewhere than in a run (./mapconf judge), as a run writes them."""
    prepare_out(out)
    term = terminal.Terminal(quiet=quiet, verbose=False)
    for number, record in enumerate(records, 1):
        term.result(record, number, len(records))
    term.finish()
    doc = results.document(info, records, sum(r["duration_ms"] for r in records) / 1000)
    term.summary(doc, write_reports(doc, out))
    return outcome.exit_code(record["unexpected"] for record in records)
