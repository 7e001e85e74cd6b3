"""`mapconf selftest`: mapconf tests itself, end to end.

Each step is a named check that either passes or fails with a reason; the
last line is "N passed, N failed". The steps: the harness's cmocka unit
tests (plain and sanitizer builds), the runner's Python unit tests, the
generated docs against the spec table, the GitHub workflow through a real
workflow validator, the full suite on this machine (plain and sanitizer
builds) with valid reports, those reports (and a matrix of several runs) as
headless Chromium shows them, the deliberately broken cases, the suite under
every injected fault, bad input, a run killed with SIGKILL and swept by the
next, every results.json and junit.xml written as their strictest readers
take them, and after all of it, no object, file, run directory or process
left behind.
"""

from __future__ import annotations

import concurrent.futures
import getpass
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

from runner import execute, huge_pages, labels, memcg, platforms, repro, results_schema, run, rundir, spec, toolchain
from runner.platforms import wine as platform_wine
from runner.reports import html as report_html, json as report_json, junit as report_junit
from runner.tests import fixtures

from . import faults, faults_win32, headless, page_checks, strict_readers

SELFTEST_TOOLS = platforms.BUILD_TOOLS + [platforms.Tool("prove", "perl")]

BROKEN_EXPECTED = {
    "BRK-001": "PASS", "BRK-002": "ERROR", "BRK-003": "ERROR", "BRK-004": "TIMEOUT",
    "BRK-005": "ERROR", "BRK-006": "FAIL", "BRK-007": "ERROR", "BRK-008": "TIMEOUT",
    "BRK-009": "ERROR", "BRK-010": "SKIP",
}


def _memory_cgroup_dir() -> Path | None:
    """The memory cgroup a reproducer started from here makes its own in (v1: below
    ours; v2: beside ours), or None when there is no memory controller to find."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return Path("/sys/fs/cgroup/memory" + path)
        if controllers == "" and Path("/sys/fs/cgroup/cgroup.controllers").exists():
            return Path("/sys/fs/cgroup" + path).parent
    return None


class StepFailed(Exception):
    pass


def huge_pool_size() -> str:
    try:
        return huge_pages.POOL.read_text().strip()
    except OSError:
        return "none"


class Selftest:
    def __init__(self, repo: Path):
        self.repo = repo
        self.tmp = Path(tempfile.mkdtemp(prefix="mapconf-selftest-"))
        self.huge_pool = huge_pool_size()   # HUGE-002 raises the machine's pool and must put it back
        self.passed = 0
        self.failed = 0

    # ---- helpers -------------------------------------------------------

    def mapconf(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.repo / "mapconf"), *args], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def run_suite(self, name: str, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
        out = self.tmp / name
        proc = self.mapconf("run", "-q", "--out", str(out), *args)
        path = out / "results.json"
        if not path.exists():
            raise StepFailed(f"no results.json (exit {proc.returncode}): {proc.stderr[-1500:]}")
        return proc, json.loads(path.read_text())

    def step(self, name: str, fn) -> None:
        started = time.monotonic()
        try:
            fn()
        except StepFailed as error:
            self.failed += 1
            print(f"not ok - {name}: {error}", flush=True)
            return
        except Exception as error:   # a crash of a step is that step's failure
            self.failed += 1
            print(f"not ok - {name}: {error!r}", flush=True)
            return
        self.passed += 1
        print(f"ok - {name} ({time.monotonic() - started:.1f} s)", flush=True)

    # ---- steps ---------------------------------------------------------

    def build(self) -> None:
        toolchain.ensure_tools(SELFTEST_TOOLS)
        toolchain.build(self.repo, ["all"])

    def cmocka_units(self, variant: str) -> None:
        for test in ("test_protocol", "test_agent_client"):
            binary = self.repo / "build" / variant / "tests" / test
            proc = subprocess.run([str(binary)], capture_output=True, text=True, timeout=120)
            # cmocka prints its summary on stderr; a binary that ran no test must not pass
            if proc.returncode != 0 or not re.search(r"PASSED\s*\]\s*[1-9]", proc.stdout + proc.stderr):
                raise StepFailed(f"{binary} exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")

    def python_units(self) -> None:
        suite = unittest.defaultTestLoader.discover(str(self.repo / "runner" / "tests"),
                                                    top_level_dir=str(self.repo))
        result = unittest.TextTestRunner(stream=open(os.devnull, "w"), verbosity=0).run(suite)
        if not result.wasSuccessful() or result.testsRun == 0:
            problems = [f"{test}: {text.strip().splitlines()[-1]}" for test, text in result.failures + result.errors]
            raise StepFailed(f"{len(problems)} of {result.testsRun} failed: " + "; ".join(problems[:5]))

    def suite_as_expected(self, name: str, platform: str, *extra: str) -> tuple[dict, spec.Spec]:
        """The whole catalogue on a platform: exit 0, nothing unexpected, a
        result for every (assertion, backend) the platform has, and no SKIP
        the spec does not declare. The results document and the spec."""
        proc, doc = self.run_suite(name, "--platform", platform, *extra)
        the_spec = spec.load(str(self.repo / "cases" / "spec.toml"))
        backends = platforms.make(platform).backends
        want = sum(b in backends for a in the_spec.assertions for b in a.backends)
        if proc.returncode != 0 or doc["run_info"]["unexpected"]:
            raise StepFailed(f"exit {proc.returncode}, unexpected results:\n{proc.stdout[-3000:]}")
        if len(doc["results"]) != want:
            raise StepFailed(f"expected {want} results on {doc['run_info']['platform_id']}, got {len(doc['results'])}")
        # a SKIP is never a quiet pass: each one must be declared by the spec table for this platform
        undeclared = [f"{r['id']} [{r['backend']}]" for r in doc["results"]
                      if r["status"] == "SKIP" and "SKIP" not in r["expected"]]
        if undeclared:
            raise StepFailed(f"{len(undeclared)} results SKIP where the spec declares no SKIP: {undeclared[:10]}")
        return doc, the_spec

    def full_suite(self, *extra: str, platform: str = "native") -> None:
        name = "suite-" + platform + "".join(extra).replace("-", "")
        doc, the_spec = self.suite_as_expected(name, platform, *extra)
        # natively everything runs: what is not PASS or XFAIL is declared only for this run's conditions
        conditions = run.run_conditions()

        def declared_for_this_run(r: dict) -> bool:
            expectation = the_spec.by_id(r["id"]).expectation(platform, r["backend"], conditions)
            return expectation is not None and expectation.when is not None

        unconditional = [f"{r['id']} [{r['backend']}] {r['status']}" for r in doc["results"]
                         if r["status"] not in ("PASS", "XFAIL") and not declared_for_this_run(r)]
        if platform == "native" and unconditional:
            raise StepFailed(f"native results that are neither PASS nor XFAIL: {unconditional[:10]}")
        runtime = doc["run_info"]["runtime"]
        if platform != "native" and not (runtime and re.search(r"\d", runtime)):
            raise StepFailed(f"run_info does not name {platform}'s runtime and version: {runtime!r}")
        self.check_reports(self.tmp / name, doc)

    def wine_suite(self) -> None:
        """The suite on Wine, with what the platform must leave behind: nothing.
        Its server directory lives in the run's TMPDIR, so a new wine-* in the
        system's temporary directory would be a file the run left."""
        tmp = Path(tempfile.gettempdir())
        before = set(tmp.glob("wine-*"))
        menus = desktop_entries()
        self.full_suite(platform="wine")
        doc = json.loads(self.suite_results("wine").read_text())
        runtime = doc["run_info"]["runtime"] or ""
        if not re.fullmatch(r"Wine \d+\.\d+.*", runtime):
            raise StepFailed(f"run_info does not name Wine and its version: {runtime!r}")
        ran = {b: sum(r["backend"] == b and r["status"] != "SKIP" for r in doc["results"])
               for b in platforms.make("wine").backends}
        if not all(ran.values()):
            raise StepFailed(f"a Win32 backend ran nothing: {ran}")
        left = [f"process {pid}" for pid in wine_processes()]
        left += [str(p) for p in set(tmp.glob("wine-*")) - before]
        left += [str(p) for p in desktop_entries() - menus]
        if left:
            raise StepFailed(f"the wine run left behind: {left[:10]}")

    def check_reports(self, out: Path, doc: dict) -> None:
        problems = results_schema.validate(doc)
        if problems:
            raise StepFailed("results.json does not match its schema: " + "; ".join(problems[:3]))
        root = ET.parse(out / "junit.xml").getroot()
        cases = root.findall("./testsuite/testcase")
        if root.tag != "testsuites" or int(root.get("tests")) != len(cases) != len(doc["results"]):
            raise StepFailed("junit.xml's counters do not match its test cases")
        if sum(int(s.get("tests")) for s in root.findall("testsuite")) != len(doc["results"]):
            raise StepFailed("junit.xml's suites do not add up to the results")
        prove = subprocess.run(["prove", "-e", "cat", str(out / "results.tap")], capture_output=True, text=True)
        if prove.returncode != 0:
            raise StepFailed(f"prove refuses results.tap: {prove.stdout[-1000:]}")
        html = (out / "index.html").read_text()
        missing = [r["id"] for r in doc["results"] if r["id"] not in html]
        if missing:
            raise StepFailed(f"index.html does not show {missing[:5]}")

    def browser_check(self, check, *args) -> None:
        toolchain.ensure_tools(headless.TOOLS)
        try:
            check(*args)
        except page_checks.CheckFailed as error:
            raise StepFailed(str(error)) from None

    def fixture_file(self, name: str, doc: dict) -> Path:
        path = self.tmp / "fixtures" / name
        path.parent.mkdir(exist_ok=True)
        report_json.write(doc, path)
        return path

    def suite_results(self, platform_id: str) -> Path:
        """The results.json a full-suite step wrote for `platform_id`, found
        by what it says rather than by the step's directory name."""
        for path in sorted(self.tmp.glob("suite*/results.json")):
            if json.loads(path.read_text())["run_info"]["platform_id"] == platform_id:
                return path
        raise StepFailed(f"no full-suite run on {platform_id} to look at (did its step fail?)")

    def index_in_browser(self) -> None:
        results = self.suite_results("native")
        doc = json.loads(results.read_text())
        self.browser_check(page_checks.check_index, results.parent / "index.html", doc)
        realistic = fixtures.realistic_doc()
        page = self.tmp / "fixtures" / "realistic.html"
        self.fixture_file("realistic.json", realistic)
        report_html.write(realistic, page)
        self.browser_check(page_checks.check_unexpected_filter, page, realistic)

    def matrix_in_browser(self) -> None:
        files = [self.suite_results("native"), self.suite_results("native-asan"),
                 self.suite_results("qemu-aarch64"), self.suite_results("gvisor"), self.suite_results("wine"),
                 self.fixture_file("realistic.json", fixtures.realistic_doc()),
                 self.fixture_file("all-expected.json", fixtures.all_expected_doc())]
        page = self.tmp / "matrix.html"
        proc = self.mapconf("report", *map(str, files), "-o", str(page))
        if proc.returncode != 0:
            raise StepFailed(f"mapconf report exited {proc.returncode}: {proc.stderr.strip()}")
        docs = [json.loads(path.read_text()) for path in files]
        self.browser_check(page_checks.check_matrix, page, docs)

    def hostile_in_browser(self) -> None:
        hostile = fixtures.hostile_doc()
        index = self.tmp / "fixtures" / "hostile.html"
        self.fixture_file("hostile.json", hostile)
        report_html.write(hostile, index)
        matrix = self.tmp / "fixtures" / "hostile-matrix.html"
        proc = self.mapconf("report", str(self.tmp / "fixtures" / "hostile.json"),
                            str(self.fixture_file("realistic.json", fixtures.realistic_doc())), "-o", str(matrix))
        if proc.returncode != 0:
            raise StepFailed(f"mapconf report exited {proc.returncode}: {proc.stderr.strip()}")
        literal = [fixtures.HOSTILE_SCRIPT, fixtures.HOSTILE_ATTRIBUTE, fixtures.HOSTILE_ENDINGS, "\u241b[31m"]
        self.browser_check(page_checks.check_hostile, index, literal + [fixtures.LONG_LINE], fixtures.HOSTILE_SCRIPT)
        self.browser_check(page_checks.check_hostile, matrix, literal, fixtures.HOSTILE_SCRIPT)

    def report_refuses_bad_files(self) -> None:
        good = self.fixture_file("realistic.json", fixtures.realistic_doc())
        schema_1 = fixtures.realistic_doc()
        schema_1["schema"] = 1
        bad = {
            "is not valid JSON": "not json\n",
            "is not a mapconf results file": json.dumps({"name": "left-pad", "version": "1.3.0"}),
            "has schema version 1": json.dumps(schema_1),
        }
        for needle, content in bad.items():
            path = self.tmp / "fixtures" / "bad.json"
            path.write_text(content)
            proc = self.mapconf("report", str(good), str(path), "-o", str(self.tmp / "bad.html"))
            lines = proc.stderr.strip().splitlines()
            if proc.returncode != 2 or len(lines) != 1 or needle not in proc.stderr or str(path) not in proc.stderr:
                raise StepFailed(f"mapconf report of a file that {needle}: exit {proc.returncode}, stderr {proc.stderr!r}")

    def broken_cases(self) -> None:
        proc, doc = self.run_suite("broken", "--spec", str(self.repo / "selftest/broken_cases/broken.toml"),
                                   "--cases", "selftest-cases", "--timeout", "3")
        observed = {r["id"]: r["observed"] for r in doc["results"]}
        if observed != BROKEN_EXPECTED:
            wrong = {k: observed.get(k) for k in BROKEN_EXPECTED if observed.get(k) != BROKEN_EXPECTED[k]}
            raise StepFailed(f"wrong outcomes (expected {BROKEN_EXPECTED}): {wrong}")
        if proc.returncode != 0:
            raise StepFailed(f"exit {proc.returncode} although every outcome was expected")
        for r in doc["results"]:
            if r["observed"] != "PASS" and not (r["message"] and r["check"]):
                raise StepFailed(f"{r['id']} came out {r['observed']} without a message or the check it ended at")
        killed = next(r for r in doc["results"] if r["id"] == "BRK-002")
        if "killed by signal KILL" not in killed["evidence"]["transcript"]:
            raise StepFailed("the killed agent's signal is not in BRK-002's transcript")

    def missing_backend(self) -> None:
        """A platform that claims posix-shm but has no shm_open (it answers
        ENOSYS): the run fails, and says once which backend is missing."""
        preload = self.repo / "build" / "native" / "lib" / "libmapconf-faults.so"
        proc, doc = self.run_suite("fault-no-shm-open", "--platform", "custom", "--env", f"LD_PRELOAD={preload}",
                                   "--env", "MAPCONF_FAULT=no-shm-open")
        said = [line for line in proc.stdout.splitlines() if "is not provided by this platform" in line]
        if proc.returncode != 1 or len(said) != 1 or "backend posix-shm " not in said[0] or "ENOSYS" not in said[0]:
            raise StepFailed(f"exit {proc.returncode} (expected 1), the missing backend said as {said}")
        # a SKIP the spec declares for this run (SIZE-006 where /dev/shm has room) ends before shm_open
        quiet = [f"{r['id']} [{r['backend']}]" for r in doc["results"] if r["status"] == "SKIP"
                 and (r["backend"] != "posix-shm" or not (r["unexpected"] or "SKIP" in r["expected"]))]
        if quiet:
            raise StepFailed(f"SKIPs that are not posix-shm's, or neither unexpected nor declared: {quiet[:10]}")

    def team_expectations(self) -> None:
        """A platform team's workflow: a platform broken on purpose (MAP_FIXED_NOREPLACE
        taken as a hint) fails; `expectations update` pins it; the same run with the
        file passes; the healthy platform with the file shows the fixes as XPASS."""
        preload = self.repo / "build" / "native" / "lib" / "libmapconf-faults.so"
        team = self.tmp / "team-expectations.toml"
        broken = ("--platform", "custom", "--platform-id", "my-shim", "--filter", "ADDR-*",
                  "--env", f"LD_PRELOAD={preload}", "--env", "MAPCONF_FAULT=noreplace-hint")
        proc, doc = self.run_suite("team-broken", *broken)
        if proc.returncode != 1:
            raise StepFailed(f"the broken platform's run exited {proc.returncode}, expected 1")
        update = self.mapconf("expectations", "update", str(self.tmp / "team-broken" / "results.json"), "-o", str(team))
        if update.returncode != 0 or not team.exists():
            raise StepFailed(f"expectations update exited {update.returncode}: {update.stderr[-500:]}")
        proc, doc = self.run_suite("team-pinned", *broken, "--expectations", str(team))
        by_file = [r for r in doc["results"] if r.get("expected_by") == str(team.resolve())]
        if proc.returncode != 0 or not by_file:
            raise StepFailed(f"with the file the broken platform's run exited {proc.returncode} "
                             f"({len(by_file)} results expected by it), expected 0")
        proc, doc = self.run_suite("team-healthy", "--platform", "custom", "--platform-id", "my-shim",
                                   "--filter", "ADDR-*", "--env", "MAPCONF_NOTHING=1", "--expectations", str(team))
        if proc.returncode != 1 or not any(r["status"] == "XPASS" for r in doc["results"]):
            raise StepFailed(f"the healthy platform with the file exited {proc.returncode}, expected 1 with XPASS")
        bad = self.tmp / "bad-expectations.toml"
        bad.write_text('[[assertion]]\nid = "NOPE-001"\n')
        proc = self.mapconf("run", "--expectations", str(bad))
        if proc.returncode != 2 or f"{bad}:2:" not in proc.stderr:
            raise StepFailed(f"a bad expectations file: exit {proc.returncode}, {proc.stderr[-300:]!r}")

    def made_reproducers(self) -> tuple[Path, list[repro.Made], list[str]]:
        """./mapconf repro for every assertion on every backend, made once for both
        reproducer steps (the Win32 ones carry the agent's faults, for a fault build)."""
        if not hasattr(self, "_reproducers"):
            out = self.tmp / "repro"
            made, missing = repro.make(self.repo, self.repo / "cases" / "spec.toml", ["*"], None, out,
                                       with_faults=True)
            self._reproducers = (out, made, missing)
        return self._reproducers

    @staticmethod
    def build_reproducers(out: Path, made: list[repro.Made], flags: str = "", suffix: str = "") -> None:
        """Each program's build line (with flags, its output named with suffix), two at a
        time, and the test library's once; warnings are errors, as for mapconf's own code."""
        def build(line: str) -> str:
            if suffix:
                line = re.sub(r"-o (\S+?)(\.exe)? ", lambda m: f"-o {m.group(1)}{suffix}{m.group(2) or ''} ", line, 1)
            proc = subprocess.run(f"{line} -Wall -Wextra -Werror {flags}", shell=True, cwd=out, capture_output=True,
                                  text=True, timeout=300)
            return "" if proc.returncode == 0 else f"{line}: {proc.stderr[-500:]}"

        lines = [m.build[0] for m in made] + ([m.build[1] for m in made if len(m.build) > 1][:1] if not suffix else [])
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            broken = [b for b in pool.map(build, lines) if b]
        if broken:
            raise StepFailed(f"{len(broken)} reproducers do not build: {broken[:2]}")

    @staticmethod
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

    @staticmethod
    def failed_at_its_check(proc: subprocess.CompletedProcess, labels) -> str:
        """Why a reproducer's run under a fault is not a failure at one of labels ("" when it is)."""
        failed_at = re.search(r"^FAIL ([a-z0-9-]+):", proc.stdout, re.MULTILINE)
        if proc.returncode == 1 and failed_at and failed_at.group(1) in labels:
            return ""
        return f"exit {proc.returncode}, {failed_at.group(0) if failed_at else proc.stdout.splitlines()[-3:]!r}"

    def reproducers(self) -> None:
        """./mapconf repro for every POSIX pair: each program cc builds; run here,
        it exits 0 (1 where the native platform is known to diverge); under
        each fault that must make its assertion FAIL, put in its agents only,
        it exits 1 at that fault's check; and ADDR-003's exits 1 with the
        fault preloaded into the whole program, as a platform team would."""
        out, made, missing = self.made_reproducers()
        made = [m for m in made if repro.kind_of(m.backend) == "posix"]
        unexplained = [m for m in missing if not m.startswith("SIZE-006 [posix-shm]: the case ended SKIP")]
        if unexplained or len(made) < 200:
            raise StepFailed(f"{len(made)} reproducers made; not made: {unexplained[:5]}")
        by_pair = {(m.id, m.backend): m for m in made}
        self.build_reproducers(out, made)

        def run_one(m: repro.Made, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
            return subprocess.run([str(out / f"{m.id}-{m.backend}")], cwd=out, capture_output=True, text=True,
                                  timeout=120, env=env, stdin=subprocess.DEVNULL)

        wrong = []
        for m in made:
            proc = run_one(m)
            want = 0 if m.observed == "PASS" else 1
            if proc.returncode != want:
                wrong.append(f"{m.path.name} exited {proc.returncode} natively, expected {want}: "
                             f"{proc.stdout[-300:]}")
        if wrong:
            raise StepFailed(f"{len(wrong)} reproducers: {wrong[:3]}")
        preload = self.repo / "build" / "native" / "lib" / "libmapconf-faults.so"
        runs = 0
        # a fault that needs a filesystem of its own is covered by the suite's own fault run
        for fault, m, labels in self.fault_runs(faults.MUST_FAIL, by_pair, skip=faults.RUN_WITH):
            env = dict(os.environ, MAPCONF_AGENT_ENV=f"LD_PRELOAD={preload}\x1fMAPCONF_FAULT={fault}")
            runs += 1
            why = self.failed_at_its_check(run_one(m, env), labels)
            if why:
                wrong.append(f"{m.path.name} under {fault}: {why}")
        if wrong:
            raise StepFailed(f"{len(wrong)} of {runs} fault runs did not fail at their check: {wrong}")
        self.reproducer_sweeps_what_a_killed_one_left(by_pair[("REL-003", "posix-shm")], run_one)
        whole = run_one(by_pair[("ADDR-003", "posix-shm")],
                        dict(os.environ, LD_PRELOAD=str(preload), MAPCONF_FAULT="noreplace-hint"))
        if whole.returncode != 1 or "FAIL request-refused" not in whole.stdout:
            raise StepFailed(f"ADDR-003's reproducer with MAP_FIXED_NOREPLACE made a hint exited "
                             f"{whole.returncode}: {whole.stdout[-300:]}")

    def win32_reproducers(self) -> None:
        """./mapconf repro for every Win32 pair: each program mingw builds, with and
        without the agent's faults; under Wine it exits 0 (1 where Wine is known to
        diverge), and the fault build exits 1 at its check under each Win32 fault
        that must make its assertion fail; a scratch directory an ended one left
        in %TEMP% is swept."""
        out, made, missing = self.made_reproducers()
        made = [m for m in made if repro.kind_of(m.backend) == "win32"]
        win32_missing = [m for m in missing if "[win32-" in m]
        if win32_missing or len(made) < 100:
            raise StepFailed(f"{len(made)} Win32 reproducers made; not made: {win32_missing[:5]}")
        by_pair = {(m.id, m.backend): m for m in made}
        self.build_reproducers(out, made)
        self.build_reproducers(out, made, "-DMAPCONF_FAULTS", "-faults")
        wine = platforms.make("wine", platforms.Options())
        run_dir = rundir.open_run()
        wrong, runs = [], 0
        try:
            wine.start(run_dir)

            def run_one(exe: Path, fault: str | None = None) -> subprocess.CompletedProcess:
                argv, env = wine.program(exe)
                env = dict(env, **({"MAPCONF_FAULT": fault} if fault else {}))
                return subprocess.run(argv, cwd=out, env=env, capture_output=True, text=True, timeout=120,
                                      stdin=subprocess.DEVNULL)

            # what a Win32 reproducer that has ended left in %TEMP% (a pid no process has), swept by the next
            temp = platform_wine.prefix_path() / "drive_c" / "users" / getpass.getuser() / "Temp"
            left = temp / "mapconf-repro-99996"
            left.mkdir(parents=True, exist_ok=True)
            (left / "file").touch()
            for m in made:
                proc = run_one(out / f"{m.id}-{m.backend}.exe")
                want = 0 if m.observed == "PASS" else 1
                if proc.returncode != want:
                    wrong.append(f"{m.path.name} exited {proc.returncode} under Wine, expected {want}: "
                                 f"{proc.stdout[-300:]}")
            for fault, m, labels in self.fault_runs(faults_win32.MUST_FAIL, by_pair):
                runs += 1
                why = self.failed_at_its_check(run_one(out / f"{m.id}-{m.backend}-faults.exe", fault), labels)
                if why:
                    wrong.append(f"{m.path.name} under {fault}: {why}")
        finally:
            wine.stop()
            run_dir.close()
        if left.exists():
            wrong.append(f"{left}, left as by a Win32 reproducer that has ended, was not swept by the next")
        if wrong:
            raise StepFailed(f"{len(wrong)} Win32 reproducer runs ({runs} under faults) went wrong: {wrong}")

    def reproducer_sweeps_what_a_killed_one_left(self, m, run_one) -> None:
        """A reproducer killed before its cleanup leaves its objects, scratch
        directory and memory cgroup, named with its pid; the next one removes
        them. Made here as a killed one would have left them, with the pid of
        a process that has ended."""
        dead = subprocess.Popen(["true"])
        dead.wait()
        pid = dead.pid
        left = [Path(f"/dev/shm/mapconf-repro{pid}-1-abc"), Path(tempfile.gettempdir()) / f"mapconf-repro-{pid}-x"]
        left[0].touch()
        left[1].mkdir()
        (left[1] / "file").touch()
        cgroup = _memory_cgroup_dir()
        if cgroup is not None:
            left.append(cgroup / f"mapconf-repro-{pid}")
            left[-1].mkdir()
        proc = run_one(m)
        remaining = [str(p) for p in left if p.exists()]
        if proc.returncode != 0 or remaining:
            raise StepFailed(f"after {m.path.name} (exit {proc.returncode}) a killed reproducer's leftovers "
                             f"remain: {remaining}")

    def fault(self, name: str, must_fail: list[str]) -> None:
        preload = self.repo / "build" / "native" / "lib" / "libmapconf-faults.so"
        proc, doc = self.run_suite(f"fault-{name}", "--platform", "custom", "--env", f"LD_PRELOAD={preload}",
                                   "--env", f"MAPCONF_FAULT={name}", *faults.RUN_WITH.get(name, ()))
        missing = faults.missing_failures(doc, must_fail)
        if proc.returncode != 1 or missing:
            raise StepFailed(f"exit {proc.returncode} (expected 1); should have failed: {missing}")

    def benchmarks_run(self) -> None:
        """The benchmark scripts work (their figures are not judged here:
        timing belongs in the README, not in a test on a busy machine)."""
        proc = subprocess.run([str(self.repo / "bench" / "speed"), "--repeat", "1"], capture_output=True,
                              text=True, timeout=600, stdin=subprocess.DEVNULL)
        native = [line.split() for line in proc.stdout.splitlines() if line.startswith("native ")]
        if proc.returncode != 0 or not native or len(native[0]) != 6 or "process-start floor:" not in proc.stdout:
            raise StepFailed(f"bench/speed (exit {proc.returncode}) printed no native row:\n"
                             f"{proc.stdout[-1500:]}{proc.stderr[-1500:]}")
        results, starts = int(native[0][1]), int(native[0][2])
        if starts <= results:
            raise StepFailed(f"bench/speed counted {starts} starts for {results} results: agents are missing")
        proc = subprocess.run([str(self.repo / "bench" / "profile"), str(self.suite_results("native"))],
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        if proc.returncode != 0 or not re.search(r"^all +\d+ ", proc.stdout, re.M):
            raise StepFailed(f"bench/profile (exit {proc.returncode}): {proc.stdout[-800:]}{proc.stderr[-800:]}")

    def wrapped(self) -> None:
        """--wrap reaches every agent (an exec'd one too) and --wrap-controller every
        case process: each wrapper notes its start in a log, then runs the command."""
        log = self.tmp / "wrapped.log"
        wrapper = f"sh -c 'echo \"$0\" >> {log}; exec \"$@\"'"
        preload = self.repo / "build" / "native" / "lib" / "libmapconf-faults.so"
        proc, doc = self.run_suite("wrapped", "--platform", "custom", "--platform-id", "wrapped-munmap-noop",
                                   "--filter", "VIS-001", "--filter", "INH-003", "--filter", "ISO-002",
                                   "--wrap", f"{wrapper} agent env LD_PRELOAD={preload} MAPCONF_FAULT=munmap-noop",
                                   "--wrap-controller", f"{wrapper} controller")
        starts = log.read_text().split() if log.exists() else []
        cases = len(doc["results"])
        agents = sum(r["evidence"]["transcript"].count(" -> ready ") for r in doc["results"])
        if doc["run_info"]["platform_id"] != "wrapped-munmap-noop":
            raise StepFailed(f"--platform-id was not used: {doc['run_info']['platform_id']}")
        if starts.count("controller") != cases or starts.count("agent") != agents or agents <= cases:
            raise StepFailed(f"{cases} cases and {agents} agent starts (ready lines), but the wrappers "
                             f"logged {starts.count('controller')} and {starts.count('agent')}")
        missing = faults.missing_failures(doc, ["ISO-002:read-faults-after-unmap"])
        if proc.returncode != 1 or missing:
            raise StepFailed(f"the fault in the agent wrapper did not make ISO-002 fail (exit {proc.returncode}): {missing}")

    def fault_coverage(self) -> None:
        the_spec = spec.load(str(self.repo / "cases" / "spec.toml"))
        # a pair the spec expects to fail here is already seen failing, on the real platform;
        # the faults break what the native agent calls, so they cover the native backends
        # (the Win32 ones have their own table: win32_fault_coverage)
        native = platforms.make("native").backends
        pairs = [(a.id, b) for a in the_spec.assertions for b in a.backends
                 if b in native and "PASS" in a.expected("native", b)[0]]
        unlabelled = faults.unlabelled()
        if unlabelled:
            raise StepFailed(f"entries of selftest/faults.py that name no check to fail at: {unlabelled}")
        wrong = faults.unknown_labels(self.case_labels(the_spec))
        if wrong:
            raise StepFailed(f"entries of selftest/faults.py whose checks their cases do not make: {wrong}")
        left = faults.uncovered(pairs)
        if left:
            raise StepFailed(f"no fault in selftest/faults.py makes these fail at their own check: {left}")

    def case_labels(self, the_spec: spec.Spec) -> dict[str, list[str]]:
        """Each assertion's case's check labels, read from the source its binary names."""
        case_dir = platforms.make("native").case_dir(self.repo)
        listings = execute.list_cases(case_dir, sorted({a.binary for a in the_spec.assertions}))
        by_case = {listing.case: listing for listing in listings}
        found = {}
        for assertion in the_spec.assertions:
            listing = by_case.get(assertion.case)
            if listing:
                source = (self.repo / listing.source).read_text(errors="replace")
                found[assertion.id] = labels.case_labels(source, listing.function)
        return found

    def win32_fault(self, name: str, must_fail: list[str]) -> None:
        """The Win32 agent's fault build under Wine, on the assertions the fault must fail."""
        filters = [arg for i in faults_win32.assertion_ids(must_fail) for arg in ("--filter", i)]
        proc, doc = self.run_suite(f"win32-fault-{name}", "--platform", "wine",
                                   "--env", f"MAPCONF_FAULT={name}", *filters)
        if f"fault build ({name})" not in (doc["run_info"]["runtime"] or ""):
            raise StepFailed(f"run_info does not name the agent's fault build: {doc['run_info']['runtime']!r}")
        missing = faults.missing_failures(doc, must_fail)
        if proc.returncode != 1 or missing:
            raise StepFailed(f"exit {proc.returncode} (expected 1); should have failed: {missing}")

    def win32_fault_coverage(self) -> None:
        the_spec = spec.load(str(self.repo / "cases" / "spec.toml"))
        # every pair, those Wine is expected to fail too: a fault makes them fail at another check
        win32 = platforms.make("wine").backends
        pairs = [(a.id, b) for a in the_spec.assertions for b in a.backends if b in win32]
        table = faults_win32.MUST_FAIL
        wrong = faults.unlabelled(table) + faults.unknown_labels(self.case_labels(the_spec), table)
        if wrong:
            raise StepFailed(f"entries of selftest/faults_win32.py with no check, or one their case does not make: {wrong}")
        left = faults.uncovered(pairs, table)
        if left:
            raise StepFailed(f"no fault in selftest/faults_win32.py makes these fail: {left}")

    def outputs_pass_strict_readers(self) -> None:
        """Every results.json the steps wrote (and the fixtures), against the
        committed JSON Schema; every junit.xml (and the fixtures'), against
        the strict JUnit rules."""
        results = sorted(self.tmp.rglob("results.json"))
        junits = sorted(self.tmp.rglob("junit.xml"))
        if not results or not junits:
            raise StepFailed(f"no run left its outputs in {self.tmp} to check (did every run step fail?)")
        for name, build in (("realistic", fixtures.realistic_doc), ("all-expected", fixtures.all_expected_doc),
                            ("hostile", fixtures.hostile_doc)):
            results.append(self.fixture_file(f"{name}.json", build()))
            junits.append(self.tmp / "fixtures" / f"{name}-junit.xml")
            report_junit.write(build(), junits[-1])
        try:
            strict_readers.check_results_files(self.repo, results)
            strict_readers.check_junit_files(junits, self.tmp / "junit-suites")
        except strict_readers.ReaderRefused as error:
            raise StepFailed(str(error)) from None

    def workflow_is_valid(self) -> None:
        try:
            strict_readers.check_workflow(self.repo)
        except strict_readers.ReaderRefused as error:
            raise StepFailed(str(error)) from None

    def docs_are_current(self) -> None:
        proc = self.mapconf("docs", "--check")
        if proc.returncode != 0:
            raise StepFailed(f"exit {proc.returncode}: {proc.stderr.strip()}")

    def bad_input(self) -> None:
        bad_spec = self.tmp / "bad.toml"
        bad_spec.write_text('[[assertion]]\nid = "VIS-001"\nclause = "C99"\nstatement = "x"\n'
                            'backends = ["file"]\ncase = "visibility:write_in_a_is_read_by_b"\n')
        checks = [
            (("run", "--platform", "amiga"), "unknown platform 'amiga'"),
            (("run", "--platform", "custom"), "needs at least one of --wrap"),
            (("run", "--wrap", "strace"), "belong to --platform custom"),
            (("run", "--platform", "custom", "--wrap", "'unclosed"), "cannot split"),
            (("run", "--spec", str(bad_spec)), f"{bad_spec}:3:"),
            (("run", "--filter", "NOPE-*"), "no assertion"),
            (("run", "--jobs", "0"), "greater than 0"),
            (("run", "--platform", "gvisor", "--filesystem", "tmpfs"), "gVisor"),
            (("run", "--filesystem", "btrfs"), "btrfs"),
            (("frobnicate",), "invalid choice"),
        ]
        for args, needle in checks:
            proc = self.mapconf(*args)
            lines = proc.stderr.strip().splitlines()
            if proc.returncode != 2 or needle not in proc.stderr or len(lines) != 1:
                raise StepFailed(f"mapconf {' '.join(args)}: exit {proc.returncode}, stderr {proc.stderr!r}")

    def killed_run_is_swept(self) -> None:
        out = self.tmp / "killed"
        victim = subprocess.Popen([str(self.repo / "mapconf"), "run", "-q", "--out", str(out),
                                   "--spec", str(self.repo / "selftest/broken_cases/broken.toml"),
                                   "--cases", "selftest-cases", "--filter", "BRK-008", "--timeout", "60"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # wait (bounded) until the hanging case holds its object, then kill the runner
        deadline = time.monotonic() + 30
        while not list(rundir.SHM_DIR.glob("mapconf-*")):
            if time.monotonic() > deadline or victim.poll() is not None:
                victim.kill()
                raise StepFailed("the run to be killed never created its object")
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        if not list(rundir.SHM_DIR.glob("mapconf-*")):
            raise StepFailed("the killed run left nothing, so sweeping cannot be tested")
        proc = self.mapconf("run", "--filter", "NAME-003", "--out", str(self.tmp / "sweeper"))
        if proc.returncode != 0 or "removed what an earlier, killed run left" not in proc.stderr:
            raise StepFailed(f"the next run did not sweep (exit {proc.returncode}): {proc.stderr[-1000:]}")
        if memcg.leftovers():
            raise StepFailed(f"the killed run's memory cgroups were not swept: {memcg.leftovers()}")

    def filesystem_suite(self, fs: str) -> None:
        """The catalogue with its file objects on a filesystem made for the run:
        every result as the spec expects for native+fs, run_info naming it,
        and no mount or loop device of the run left on the host."""
        name = f"suite-fs-{fs}"
        doc, _ = self.suite_as_expected(name, "native", "--filesystem", fs)
        info = doc["run_info"]
        if info["platform_id"] != f"native+{fs}" or (info.get("filesystem") or {}).get("name") != fs:
            raise StepFailed(f"run_info does not name the filesystem: {info['platform_id']}, {info.get('filesystem')}")
        left = filesystem_leftovers()
        if left:
            raise StepFailed(f"left on the host: {left}")
        self.check_reports(self.tmp / name, doc)

    def killed_filesystem_run_is_swept(self) -> None:
        """A run killed while its filesystem is mounted leaves its loop
        device, its holder and its FUSE daemon to the next run's sweep."""
        for fs in ("ext4", "fuse"):
            victim = subprocess.Popen([str(self.repo / "mapconf"), "run", "-q", "--out", str(self.tmp / f"killed-{fs}"),
                                       "--filesystem", fs, "--spec", str(self.repo / "selftest/broken_cases/broken.toml"),
                                       "--cases", "selftest-cases", "--filter", "BRK-008", "--timeout", "60"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 30
            while not list(rundir.SHM_DIR.glob("mapconf-*")):   # the hanging case holds its object: mounted by now
                if time.monotonic() > deadline or victim.poll() is not None:
                    victim.kill()
                    raise StepFailed(f"the --filesystem {fs} run to be killed never started its case")
                time.sleep(0.05)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            if not filesystem_processes():
                raise StepFailed(f"the killed --filesystem {fs} run left no holder, so sweeping cannot be tested")
            proc = self.mapconf("run", "--filter", "NAME-003", "--out", str(self.tmp / f"sweeper-{fs}"))
            if proc.returncode != 0 or "removed what an earlier, killed run left" not in proc.stderr:
                raise StepFailed(f"the next run did not sweep (exit {proc.returncode}): {proc.stderr[-1000:]}")
            left = filesystem_leftovers() + [f"process {pid}" for pid in filesystem_processes()]
            if left:
                raise StepFailed(f"after the sweep of a killed --filesystem {fs} run: {left}")

    def nothing_left(self) -> None:
        left = [str(p) for p in rundir.SHM_DIR.glob("mapconf-*")]
        left += [str(p) for p in rundir.runs_root().iterdir()]
        # the suite's SysV keys all have 0x4d ('M') as their top byte (mc_sysv_key)
        for line in Path("/proc/sysvipc/shm").read_text().splitlines()[1:]:
            key = int(line.split()[0]) & 0xFFFFFFFF
            if key >> 24 == 0x4D:
                left.append(f"SysV segment key 0x{key:08x}")
        # a sandbox process has an environment of its own, but its command line names the run's directory
        runs = str(rundir.runs_root()).encode()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    environ = (entry / "environ").read_bytes()
                    cmdline = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if b"MAPCONF_RUN_ID=" in environ or runs in cmdline:
                    left.append(f"process {entry.name}")
        left += [f"Wine process {pid} of mapconf's prefix" for pid in wine_processes()]
        left += [f"memory cgroup {path}" for path in memcg.leftovers()]
        if huge_pool_size() != self.huge_pool:
            left.append(f"a huge page pool of {huge_pool_size()} pages ({huge_pages.POOL}), not the {self.huge_pool} "
                        "the selftest found")
        if left:
            raise StepFailed(f"left behind: {left[:10]}")

    # ---- all of it -----------------------------------------------------

    def run(self) -> int:
        self.step("tools and build (native and sanitizer variants)", self.build)
        if self.failed:
            shutil.rmtree(self.tmp, ignore_errors=True)
            print(f"selftest: {self.passed} passed, {self.failed} failed")
            return 1
        self.step("protocol and controller unit tests (cmocka)", lambda: self.cmocka_units("native"))
        self.step("protocol and controller unit tests under ASan+UBSan", lambda: self.cmocka_units("asan"))
        self.step("runner unit tests (unittest)", self.python_units)
        self.step("generated docs match the spec table, the results schema matches the code", self.docs_are_current)
        self.step("the GitHub workflow passes action-validator (the public workflow schema)", self.workflow_is_valid)
        self.step("full suite on native: every result PASS, reports valid", self.full_suite)
        self.step("full suite under ASan+UBSan", lambda: self.full_suite("--sanitize"))
        self.step("full suite on qemu-aarch64: as the spec expects, no SKIP it does not declare",
                  lambda: self.full_suite(platform="qemu-aarch64"))
        for arch in ("arm", "i386", "riscv64", "s390x", "ppc64el", "mips64el"):
            self.step(f"full suite on qemu-{arch}: as the spec expects, no SKIP it does not declare",
                      lambda arch=arch: self.full_suite(platform=f"qemu-{arch}"))
        self.step("full suite on gvisor: as the spec expects, no SKIP it does not declare",
                  lambda: self.full_suite(platform="gvisor"))
        self.step("full suite on i386 (the 32-bit agent on the x86-64 kernel): as the spec expects",
                  lambda: self.full_suite(platform="i386"))
        self.step("full suite on musl: as the spec expects, no SKIP it does not declare",
                  lambda: self.full_suite(platform="musl"))
        self.step("full suite on valgrind (memcheck, the first error ends the agent): as the spec expects",
                  lambda: self.full_suite(platform="valgrind"))
        for fs in ("tmpfs", "ext4", "overlayfs", "fuse", "fuse-direct-io", "shm-64m"):
            self.step(f"full suite with --filesystem {fs}: as the spec expects, run_info names it, nothing mounted after",
                      lambda fs=fs: self.filesystem_suite(fs))
        self.step("full suite on wine: as the spec expects, no SKIP it does not declare, "
                  "Wine named in run_info, no wineserver or file left", self.wine_suite)
        self.step("--platform custom: --wrap reaches every agent, --wrap-controller every case", self.wrapped)
        self.step("bench/speed and bench/profile print their tables", self.benchmarks_run)
        self.step("a team's own expectations: a broken platform pinned by 'expectations update', "
                  "then green with --expectations, then XPASS once healthy", self.team_expectations)
        self.step("index.html in headless Chromium: a row per assertion, the counts, each filter", self.index_in_browser)
        self.step("matrix of seven results files (five platforms) in headless Chromium: rows, columns, filters", self.matrix_in_browser)
        self.step("hostile strings in headless Chromium: shown as text, nothing injected", self.hostile_in_browser)
        self.step("report refuses a bad results file: one sentence and exit 2", self.report_refuses_bad_files)
        self.step("broken cases come out as ERROR, TIMEOUT, FAIL, SKIP, each at its check, and the run goes on",
                  self.broken_cases)
        self.step("every assertion is made to fail at its own check by some fault", self.fault_coverage)
        self.step("a platform without shm_open: exit 1, the missing backend named once", self.missing_backend)
        for name, must_fail in faults.MUST_FAIL.items():
            self.step(f"fault {name} fails {', '.join(must_fail)}",
                      lambda name=name, must_fail=must_fail: self.fault(name, must_fail))
        self.step("every (assertion, Win32 backend) pair is made to fail by some Win32 fault",
                  self.win32_fault_coverage)
        for name, must_fail in faults_win32.MUST_FAIL.items():
            self.step(f"Win32 fault {name} fails {', '.join(must_fail)}",
                      lambda name=name, must_fail=must_fail: self.win32_fault(name, must_fail))
        self.step("./mapconf repro: every POSIX reproducer builds, exits 0 here and 1 under its assertion's faults",
                  self.reproducers)
        self.step("./mapconf repro: every Win32 reproducer builds with mingw, exits 0 under Wine and 1 under "
                  "its assertion's Win32 faults", self.win32_reproducers)
        self.step("bad input: one sentence and exit 2", self.bad_input)
        self.step("a run killed with SIGKILL is swept by the next run", self.killed_run_is_swept)
        self.step("a --filesystem ext4 or fuse run killed with SIGKILL: its loop device, holder and FUSE daemon "
                  "are swept by the next run", self.killed_filesystem_run_is_swept)
        self.step("every results.json matches docs/results.schema.json, every junit.xml the strict JUnit rules",
                  self.outputs_pass_strict_readers)
        self.step("nothing left behind: objects, SysV segments, run directories, processes", self.nothing_left)
        shutil.rmtree(self.tmp, ignore_errors=True)
        print(f"selftest: {self.passed} passed, {self.failed} failed")
        return 0 if self.failed == 0 else 1


def filesystem_leftovers() -> list[str]:
    """Loop devices on a run's image, and mounts of a run's directory, that the host sees."""
    runs = str(rundir.runs_root())
    proc = subprocess.run(["losetup", "-a"], capture_output=True, text=True)
    left = [line for line in proc.stdout.splitlines() if runs in line]
    left += [line for line in Path("/proc/self/mountinfo").read_text().splitlines() if runs in line]
    return left


def filesystem_processes() -> list[int]:
    """Holders and FUSE daemons of mapconf runs (they carry MAPCONF_RUN_ID)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            name = (entry / "comm").read_text().strip()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"MAPCONF_RUN_ID=" in environ and name in ("sleep", "bindfs") and state != "Z":
            found.append(int(entry.name))
    return found


def desktop_entries() -> set[Path]:
    """What Wine's menu builder writes into the user's home (the wine
    platform disables it): menu entries, MIME types, menu directories."""
    home = Path.home()
    places = [home / ".local/share/applications", home / ".local/share/mime",
              home / ".local/share/desktop-directories", home / ".config/menus"]
    found = {p for p in places if p.exists()}
    for place in places:
        found |= set(place.rglob("*")) if place.is_dir() else set()
    return found


def wine_processes() -> list[int]:
    """Live processes (a wineserver, Windows services) of mapconf's Wine prefix."""
    marker = f"WINEPREFIX={platform_wine.prefix_path()}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def selftest(repo: Path) -> int:
    return Selftest(repo).run()
