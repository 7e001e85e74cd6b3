"""Steps that prove the reproducers: every one made builds with its own
build line (warnings as errors), exits 0 where the platform behaves (1
where the spec knows it diverges), and exits 1 at its assertion's own check
under each fault that must break it; a killed one's leftovers are swept by
the next.

Programs are built and run several at a time. A build is kept in the
user's cache (${XDG_CACHE_HOME:-~/.cache}/mapconf/reproducers), named by
what went into it (the compiler, the build line, the file's text), so a
program is built again only when something it contains has changed; what
has not been used for CACHE_DAYS, or is past the CACHE_MOST most recently
used, is removed.
"""

from __future__ import annotations

import concurrent.futures
import getpass
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from runner import cache, platforms, repro, rundir
from runner.platforms import wine as platform_wine

from . import faults
from .context import Context
from .plan import StepFailed

WORKERS = 4          # programs run at once: most of a reproducer's time is waiting for its agents
CACHE_DAYS = 14
CACHE_MOST = 2100      # three selftests' worth
REVISION_LINE = " * Made by ./mapconf repro (mapconf "     # runner/repro.py's program()


def cache_dir() -> Path:
    return cache.cache_dir("reproducers")


_compilers: dict[str, str] = {}


def compiler_identity(compiler: str) -> str:
    if compiler not in _compilers:
        proc = subprocess.run([compiler, "--version"], capture_output=True, text=True)
        _compilers[compiler] = f"{shutil.which(compiler)}\n{proc.stdout}"
    return _compilers[compiler]


def compiled_text(source: Path) -> str:
    """The program's text but for the line that names the revision it was made at:
    a comment, which changes with every commit and not what is built."""
    return "".join(line for line in source.read_text().splitlines(keepends=True)
                   if not line.startswith(REVISION_LINE))


def build_one(out: Path, line: str, flags: str, suffix: str) -> str:
    """One build line (with flags, its output named with suffix) in out, or its
    output taken from the cache; "" when it built, else why not."""
    if suffix:
        line = re.sub(r"-o (\S+?)(\.exe)? ", lambda m: f"-o {m.group(1)}{suffix}{m.group(2) or ''} ", line, 1)
    command = f"{line} -Wall -Wextra -Werror {flags}"
    words = shlex.split(command)
    output = words[words.index("-o") + 1]
    source = next(w for w in words if w.endswith(".c"))
    key = hashlib.sha256("\0".join([compiler_identity(words[0]), command,
                                    compiled_text(out / source)]).encode()).hexdigest()
    cached = cache_dir() / key
    if cached.exists():
        os.utime(cached)
        shutil.copy2(cached, out / output)
        return ""
    proc = subprocess.run(command, shell=True, cwd=out, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        return f"{line}: {proc.stderr[-500:]}"
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f"{key}.{os.getpid()}.partial")
    shutil.copy2(out / output, partial)
    partial.replace(cached)          # whole or not at all, for a selftest beside this one
    return ""


def build_all(out: Path, made: list[repro.Made], flags: str = "", suffix: str = "") -> None:
    """Each program's build line, two at a time, and the test library's once."""
    lines = [m.build[0] for m in made] + ([m.build[1] for m in made if len(m.build) > 1][:1] if not suffix else [])
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        broken = [b for b in pool.map(lambda line: build_one(out, line, flags, suffix), lines) if b]
    if broken:
        raise StepFailed(f"{len(broken)} reproducers do not build: {broken[:2]}")


def prune_cache() -> None:
    """Remove builds no selftest has used for CACHE_DAYS, and beyond CACHE_MOST
    the least recently used (a build is some 200 KiB; one selftest uses about 700)."""
    old = time.time() - CACHE_DAYS * 86400
    entries = []
    for entry in cache_dir().glob("*"):
        try:
            entries.append((entry.stat().st_mtime, entry))
        except OSError:
            continue
    entries.sort(reverse=True)
    for rank, (used, entry) in enumerate(entries):
        if used < old or rank >= CACHE_MOST:
            entry.unlink(missing_ok=True)


def fault_runs(table: dict[str, list[str]], by_pair: dict, skip=()):
    """(fault, reproducer, labels) for each pair each fault must make fail."""
    for fault, entries in table.items():
        if fault in skip:
            continue
        for entry in entries:
            assertion_id, backend, labels = faults.parse(entry)
            for (pid, pbackend), m in by_pair.items():
                if pid == assertion_id and backend in (None, pbackend):
                    yield fault, m, labels


def failed_at_its_check(proc: subprocess.CompletedProcess, labels) -> str:
    """Why a reproducer's run under a fault is not a failure at one of labels ("" when it is)."""
    failed_at = re.search(r"^FAIL ([a-z0-9-]+):", proc.stdout, re.MULTILINE)
    if proc.returncode == 1 and failed_at and failed_at.group(1) in labels:
        return ""
    return f"exit {proc.returncode}, {failed_at.group(0) if failed_at else proc.stdout.splitlines()[-3:]!r}"


def run_program(ctx: Context, argv: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    ctx.own.add_reproducer(proc.pid)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def side_by_side(ctx: Context, jobs: list, run_job) -> list[str]:
    """run_job(job) for each job, WORKERS at once, but a job of an assertion
    that runs alone (exclusive) after the others, alone; what went wrong."""
    alone = {a.id for a in ctx.spec.assertions if a.exclusive}
    shared = [j for j in jobs if j[1].id not in alone]
    wrong = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        wrong += [w for w in pool.map(run_job, shared) if w]
    wrong += [w for w in map(run_job, [j for j in jobs if j[1].id in alone]) if w]
    return wrong


class Reproducers:
    """The reproducers of the chosen assertions, made once for both steps (the
    Win32 ones carry the agent's faults, for a fault build)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.out = ctx.tmp / "repro"
        self.made: list[repro.Made] = []
        self.missing: list[str] = []

    def make(self) -> None:
        patterns = self.ctx.patterns or ["*"]
        self.made, self.missing = repro.make(self.ctx.repo, self.ctx.repo / "cases" / "spec.toml", patterns, None,
                                             self.out, with_faults=True)

    def of_kind(self, kind: str) -> list[repro.Made]:
        return [m for m in self.made if repro.kind_of(m.backend) == kind]

    def posix(self) -> None:
        """Every POSIX pair: each program cc builds; run here, it exits 0 (1 where
        the native platform is known to diverge); under each fault that must
        make its assertion FAIL, put in its agents only, it exits 1 at that
        fault's check; and ADDR-003's exits 1 with the fault preloaded into
        the whole program, as a platform team would."""
        ctx, out = self.ctx, self.out
        made = self.of_kind("posix")
        unexplained = [m for m in self.missing if "[win32-" not in m
                       and not m.startswith("SIZE-006 [posix-shm]: the case ended SKIP")]
        wanted = len([p for p in ctx.pairs(repro.reproducible_backends()) if repro.kind_of(p[1]) == "posix"])
        if unexplained or len(made) < wanted - (1 if ctx.chosen("SIZE-006") else 0):
            raise StepFailed(f"{len(made)} reproducers made of {wanted}; not made: {unexplained[:5]}")
        by_pair = {(m.id, m.backend): m for m in made}
        build_all(out, made)

        def run_one(m: repro.Made, env: dict | None = None) -> subprocess.CompletedProcess:
            return run_program(ctx, [str(out / f"{m.id}-{m.backend}")], out, env)

        def plain(job) -> str:
            m = job[1]
            proc = run_one(m)
            want = 0 if m.observed == "PASS" else 1
            return "" if proc.returncode == want else \
                f"{m.path.name} exited {proc.returncode} natively, expected {want}: {proc.stdout[-300:]}"

        wrong = side_by_side(ctx, [(None, m) for m in made], plain)
        if wrong:
            raise StepFailed(f"{len(wrong)} reproducers: {wrong[:3]}")

        def under_fault(job) -> str:
            fault, m, labels = job
            env = ctx.env_with(MAPCONF_AGENT_ENV=f"LD_PRELOAD={ctx.preload}\x1fMAPCONF_FAULT={fault}")
            why = failed_at_its_check(run_one(m, env), labels)
            return f"{m.path.name} under {fault}: {why}" if why else ""

        # a fault that needs a filesystem of its own is covered by the suite's own fault run
        jobs = [(f, m, labels) for f, m, labels in fault_runs(faults.table("posix"), by_pair, skip=faults.RUN_WITH)]
        wrong = side_by_side(ctx, jobs, under_fault)
        if wrong:
            raise StepFailed(f"{len(wrong)} of {len(jobs)} fault runs did not fail at their check: {wrong}")
        if ("REL-003", "posix-shm") in by_pair:
            self.sweeps_what_a_killed_one_left(by_pair[("REL-003", "posix-shm")], run_one)
        if ("ADDR-003", "posix-shm") in by_pair:
            whole = run_one(by_pair[("ADDR-003", "posix-shm")],
                            ctx.env_with(LD_PRELOAD=str(ctx.preload), MAPCONF_FAULT="noreplace-hint"))
            if whole.returncode != 1 or "FAIL request-refused" not in whole.stdout:
                raise StepFailed(f"ADDR-003's reproducer with MAP_FIXED_NOREPLACE made a hint exited "
                                 f"{whole.returncode}: {whole.stdout[-300:]}")
        prune_cache()

    def win32_build(self) -> None:
        """Every Win32 pair made, each program built by mingw, with and without the agent's faults."""
        made = self.of_kind("win32")
        win32_missing = [m for m in self.missing if "[win32-" in m]
        wanted = len([p for p in self.ctx.pairs(repro.reproducible_backends()) if repro.kind_of(p[1]) == "win32"])
        if win32_missing or len(made) < wanted:
            raise StepFailed(f"{len(made)} Win32 reproducers made of {wanted}; not made: {win32_missing[:5]}")
        build_all(self.out, made)
        build_all(self.out, made, "-DMAPCONF_FAULTS", "-faults")

    def win32(self) -> None:
        """Every Win32 program (built by win32_build): under Wine it exits 0 (1
        where Wine is known to diverge), and the fault build exits 1 at its
        check under each Win32 fault that must make its assertion fail; a
        scratch directory an ended one left in %TEMP% is swept."""
        ctx, out = self.ctx, self.out
        made = self.of_kind("win32")
        by_pair = {(m.id, m.backend): m for m in made}
        wine = platforms.make("wine", platforms.Options())
        run_dir = rundir.open_run()
        ctx.own.add_run(run_dir.run_id)
        wrong, jobs = [], []
        try:
            wine.start(run_dir)

            def run_one(exe: Path, fault: str | None = None) -> subprocess.CompletedProcess:
                argv, env = wine.program(exe)
                return run_program(ctx, argv, out, dict(env, **({"MAPCONF_FAULT": fault} if fault else {})))

            # what a Win32 reproducer that has ended left in %TEMP% (a pid no process has), swept by the next
            temp = platform_wine.prefix_path() / "drive_c" / "users" / getpass.getuser() / "Temp"
            left = temp / "mapconf-repro-99996"
            left.mkdir(parents=True, exist_ok=True)
            (left / "file").touch()

            def plain(job) -> str:
                m = job[1]
                proc = run_one(out / f"{m.id}-{m.backend}.exe")
                want = 0 if m.observed == "PASS" else 1
                return "" if proc.returncode == want else \
                    f"{m.path.name} exited {proc.returncode} under Wine, expected {want}: {proc.stdout[-300:]}"

            def under_fault(job) -> str:
                fault, m, labels = job
                why = failed_at_its_check(run_one(out / f"{m.id}-{m.backend}-faults.exe", fault), labels)
                return f"{m.path.name} under {fault}: {why}" if why else ""

            wrong += side_by_side(ctx, [(None, m) for m in made], plain)
            jobs = list(fault_runs(faults.table("win32"), by_pair))
            wrong += side_by_side(ctx, jobs, under_fault)
        finally:
            wine.stop()
            run_dir.close()
        if left.exists():
            wrong.append(f"{left}, left as by a Win32 reproducer that has ended, was not swept by the next")
        if wrong:
            raise StepFailed(f"{len(wrong)} Win32 reproducer runs ({len(jobs)} under faults) went wrong: {wrong}")

    def sweeps_what_a_killed_one_left(self, m: repro.Made, run_one) -> None:
        """A reproducer killed before its cleanup leaves its objects, scratch
        directory and memory cgroup, named with its pid; the next one removes
        them. Made here as a killed one would have left them, with the pid of
        a process that has ended."""
        dead = subprocess.Popen(["true"])
        dead.wait()
        pid = dead.pid
        self.ctx.own.add_reproducer(pid)
        left = [Path(f"/dev/shm/mapconf-repro{pid}-1-abc"), Path(tempfile.gettempdir()) / f"mapconf-repro-{pid}-x"]
        left[0].touch()
        left[1].mkdir()
        (left[1] / "file").touch()
        cgroup = memory_cgroup_dir()
        if cgroup is not None:
            left.append(cgroup / f"mapconf-repro-{pid}")
            left[-1].mkdir()
        proc = run_one(m)
        remaining = [str(p) for p in left if p.exists()]
        if proc.returncode != 0 or remaining:
            raise StepFailed(f"after {m.path.name} (exit {proc.returncode}) a killed reproducer's leftovers "
                             f"remain: {remaining}")


def memory_cgroup_dir() -> Path | None:
    """The memory cgroup a reproducer started from here makes its own in (v1: below
    ours; v2: beside ours), or None when there is no memory controller to find."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return Path("/sys/fs/cgroup/memory" + path)
        if controllers == "" and Path("/sys/fs/cgroup/cgroup.controllers").exists():
            return Path("/sys/fs/cgroup" + path).parent
    return None


def add_steps(plan, ctx: Context) -> None:
    chosen = ctx.pairs(repro.reproducible_backends())
    if not chosen:
        return
    reproducers = Reproducers(ctx)
    # recording runs the Win32 cases under Wine: one Wine run at a time
    plan.add("repro-make", "./mapconf repro makes a reproducer of every chosen pair", reproducers.make, lane="wine")
    if any(repro.kind_of(b) == "posix" for _, b in chosen):
        plan.add("repro-posix", "./mapconf repro: every POSIX reproducer builds, exits 0 here and 1 under its "
                 "assertion's faults", reproducers.posix, after=("repro-make",))
    if any(repro.kind_of(b) == "win32" for _, b in chosen):
        plan.add("repro-win32-build", "./mapconf repro: every Win32 reproducer builds with mingw, with and "
                 "without the agent's faults", reproducers.win32_build, after=("repro-make",))
        plan.add("repro-win32", "./mapconf repro: every Win32 reproducer exits 0 under Wine and 1 under its "
                 "assertion's Win32 faults", reproducers.win32, after=("repro-win32-build",), lane="wine")
