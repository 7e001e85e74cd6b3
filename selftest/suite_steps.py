"""Steps that run the catalogue on a platform or filesystem and judge the run:
every result as the spec expects, no SKIP it does not declare, reports
valid; the runner's own behaviours (wrappers, a team's expectations, broken
cases, a missing backend, bad input) on small runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from runner import processes, results_schema, run, vocabulary
from runner.platforms import wine as platform_wine
from runner.platforms.i386 import LOADER as I386_LOADER

from . import faults, ktap_reader
from .context import Context
from .plan import StepFailed

BROKEN_EXPECTED = {
    "BRK-001": "PASS", "BRK-002": "ERROR", "BRK-003": "ERROR", "BRK-004": "TIMEOUT",
    "BRK-005": "ERROR", "BRK-006": "FAIL", "BRK-007": "ERROR", "BRK-008": "TIMEOUT",
    "BRK-009": "ERROR", "BRK-010": "SKIP", "BRK-011": "SKIP", "BRK-012": "SKIP",
}


def suite_as_expected(ctx: Context, name: str, platform: str, *extra: str, env: dict | None = None) -> dict:
    """The chosen assertions on a platform: exit 0, nothing unexpected, a
    result for every (assertion, backend) the platform has, and no SKIP
    the spec does not declare. The results document."""
    proc, doc = ctx.run_suite(name, "--platform", platform, *ctx.filters(), *extra, env=env)
    return as_expected(ctx, proc, doc, platform)


def as_expected(ctx: Context, proc: subprocess.CompletedProcess, doc: dict, platform: str) -> dict:
    """What suite_as_expected requires of a run, however it was started."""
    want = len(ctx.pairs(ctx.platform_backends(platform)))
    if proc.returncode != 0 or doc["run_info"]["unexpected"]:
        raise StepFailed(f"exit {proc.returncode}, unexpected results:\n{proc.stdout[-3000:]}{proc.stderr[-500:]}")
    if len(doc["results"]) != want:
        raise StepFailed(f"expected {want} results on {doc['run_info']['platform_id']}, got {len(doc['results'])}")
    # a SKIP is never a quiet pass: each one must be declared by the spec table for this platform
    undeclared = [f"{r['id']} [{r['backend']}]" for r in doc["results"]
                  if r["status"] == "SKIP" and "SKIP" not in r["expected"]]
    if undeclared:
        raise StepFailed(f"{len(undeclared)} results SKIP where the spec declares no SKIP: {undeclared[:10]}")
    return doc


def full_suite(ctx: Context, *extra: str, platform: str = "native") -> None:
    name = "suite-" + platform + "".join(extra).replace("-", "")
    doc = suite_as_expected(ctx, name, platform, *extra)
    # natively everything runs: what is not PASS or XFAIL is declared only for this run's conditions
    # (without root, the run may have had no memory cgroup: release's ERROR is then declared)
    conditions = run.run_conditions(memory_cgroup=os.geteuid() == 0)

    def declared_for_this_run(r: dict) -> bool:
        expectation = ctx.spec.by_id(r["id"]).expectation(platform, r["backend"], conditions)
        return expectation is not None and expectation.when is not None

    unconditional = [f"{r['id']} [{r['backend']}] {r['status']}" for r in doc["results"]
                     if r["status"] not in ("PASS", "XFAIL") and not declared_for_this_run(r)]
    if platform == "native" and unconditional:
        raise StepFailed(f"native results that are neither PASS nor XFAIL: {unconditional[:10]}")
    runtime = doc["run_info"]["runtime"]
    if platform != "native" and not (runtime and re.search(r"\d", runtime)):
        raise StepFailed(f"run_info does not name {platform}'s runtime and version: {runtime!r}")
    check_reports(ctx.tmp / name, doc)


def valgrind_suite(ctx: Context) -> None:
    """The suite under valgrind, with what it must leave behind: nothing. Its
    agents run with the selftest's TMPDIR, where valgrind's gdbserver would
    make FIFOs that a killed agent leaves."""
    tmp = Path(tempfile.gettempdir())
    before = set(tmp.glob("vgdb-pipe-*"))
    full_suite(ctx, platform="valgrind")
    left = sorted(set(tmp.glob("vgdb-pipe-*")) - before)
    if left:
        raise StepFailed(f"the valgrind run left {len(left)} FIFOs of valgrind's gdbserver in {tmp}: "
                         f"{[p.name for p in left[:3]]}")


def wine_suite(ctx: Context) -> None:
    """The suite on Wine, with what the platform must leave behind: nothing.
    Its server directory lives in the run's TMPDIR, so a new wine-* in the
    selftest's temporary directory would be a file the run left."""
    tmp = Path(tempfile.gettempdir())
    before = set(tmp.glob("wine-*"))
    menus = desktop_entries()
    full_suite(ctx, platform="wine")
    doc = json.loads(ctx.suite_results("wine").read_text())
    runtime = doc["run_info"]["runtime"] or ""
    if not re.fullmatch(r"Wine \d+\.\d+.*", runtime):
        raise StepFailed(f"run_info does not name Wine and its version: {runtime!r}")
    chosen = {b for _, b in ctx.pairs(ctx.platform_backends("wine"))}
    ran = {b: sum(r["backend"] == b and r["status"] != "SKIP" for r in doc["results"]) for b in chosen}
    if not all(ran.values()):
        raise StepFailed(f"a Win32 backend ran nothing: {ran}")
    left = [f"process {pid}" for pid in wine_processes(ctx)]
    left += [str(p) for p in set(tmp.glob("wine-*")) - before]
    left += [str(p) for p in desktop_entries() - menus]
    if left:
        raise StepFailed(f"the wine run left behind: {left[:10]}")


def filesystem_suite(ctx: Context, fs: str) -> None:
    """The catalogue with its file objects on a filesystem made for the run:
    every result as the spec expects for native+fs, run_info naming it,
    and no mount or loop device of the run left on the host."""
    name = f"suite-fs-{fs}"
    tmpdir = ctx.own.new_tmpdir()     # its mounts are named by it, apart from the other runs' beside it
    doc = suite_as_expected(ctx, name, "native", "--filesystem", fs, env=ctx.env_with(TMPDIR=str(tmpdir)))
    info = doc["run_info"]
    if info["platform_id"] != f"native+{fs}" or (info.get("filesystem") or {}).get("name") != fs:
        raise StepFailed(f"run_info does not name the filesystem: {info['platform_id']}, {info.get('filesystem')}")
    left = [line for line in ctx.own.mounts_and_loop_devices() if str(tmpdir) in line]
    if left:
        raise StepFailed(f"left on the host: {left}")
    check_reports(ctx.tmp / name, doc)


def check_reports(out: Path, doc: dict) -> None:
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
    check_ktap(out, doc)
    html = (out / "index.html").read_text()
    missing = [r["id"] for r in doc["results"] if r["id"] not in html]
    if missing:
        raise StepFailed(f"index.html does not show {missing[:5]}")


def check_ktap(out: Path, doc: dict) -> None:
    """results.ktap through the kernel's own KTAP parser (selftest/ktap_reader.py)."""
    try:
        ktap_reader.check(out / "results.ktap", doc)
    except ktap_reader.KtapRefused as error:
        raise StepFailed(str(error)) from None


def wrapped(ctx: Context) -> None:
    """--wrap reaches every agent (an exec'd one too) and --wrap-controller every
    case process: each wrapper notes its start in a log, then runs the command."""
    log = ctx.tmp / "wrapped.log"
    wrapper = f"sh -c 'echo \"$0\" >> {log}; exec \"$@\"'"
    proc, doc = ctx.run_suite("wrapped", "--platform", "custom", "--platform-id", "wrapped-munmap-noop",
                              "--filter", "VIS-001", "--filter", "INH-003", "--filter", "ISO-002",
                              "--wrap", f"{wrapper} agent env LD_PRELOAD={ctx.preload} MAPCONF_FAULT=munmap-noop",
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


def team_expectations(ctx: Context) -> None:
    """A platform team's workflow: a platform broken on purpose (MAP_FIXED_NOREPLACE
    taken as a hint) fails; `expectations update` pins it; the same run with the
    file passes; the healthy platform with the file shows the fixes as XPASS."""
    team = ctx.tmp / "team-expectations.toml"
    broken = ("--platform", "custom", "--platform-id", "my-shim", "--filter", "ADDR-*",
              "--env", f"LD_PRELOAD={ctx.preload}", "--env", "MAPCONF_FAULT=noreplace-hint")
    proc, doc = ctx.run_suite("team-broken", *broken)
    if proc.returncode != 1:
        raise StepFailed(f"the broken platform's run exited {proc.returncode}, expected 1")
    update = ctx.mapconf("expectations", "update", str(ctx.tmp / "team-broken" / "results.json"), "-o", str(team))
    if update.returncode != 0 or not team.exists():
        raise StepFailed(f"expectations update exited {update.returncode}: {update.stderr[-500:]}")
    proc, doc = ctx.run_suite("team-pinned", *broken, "--expectations", str(team))
    by_file = [r for r in doc["results"] if r.get("expected_by") == str(team.resolve())]
    if proc.returncode != 0 or not by_file:
        raise StepFailed(f"with the file the broken platform's run exited {proc.returncode} "
                         f"({len(by_file)} results expected by it), expected 0")
    proc, doc = ctx.run_suite("team-healthy", "--platform", "custom", "--platform-id", "my-shim",
                              "--filter", "ADDR-*", "--env", "MAPCONF_NOTHING=1", "--expectations", str(team))
    if proc.returncode != 1 or not any(r["status"] == "XPASS" for r in doc["results"]):
        raise StepFailed(f"the healthy platform with the file exited {proc.returncode}, expected 1 with XPASS")
    bad = ctx.tmp / "bad-expectations.toml"
    bad.write_text('[[assertion]]\nid = "NOPE-001"\n')
    proc = ctx.mapconf("run", "--expectations", str(bad))
    if proc.returncode != 2 or f"{bad}:2:" not in proc.stderr:
        raise StepFailed(f"a bad expectations file: exit {proc.returncode}, {proc.stderr[-300:]!r}")


def broken_cases(ctx: Context) -> None:
    proc, doc = ctx.run_suite("broken", "--spec", str(ctx.repo / "selftest/broken_cases/broken.toml"),
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


def missing_backend(ctx: Context) -> None:
    """A platform that claims posix-shm but has no shm_open (it answers
    ENOSYS): the run fails, and says once which backend is missing."""
    proc, doc = ctx.run_suite("fault-no-shm-open", "--platform", "custom", "--env", f"LD_PRELOAD={ctx.preload}",
                              "--env", "MAPCONF_FAULT=no-shm-open")
    said = [line for line in proc.stdout.splitlines() if "is not provided by this platform" in line]
    if proc.returncode != 1 or len(said) != 1 or "backend posix-shm " not in said[0] or "ENOSYS" not in said[0]:
        raise StepFailed(f"exit {proc.returncode} (expected 1), the missing backend said as {said}")
    # a SKIP the spec declares for this run (SIZE-006 where /dev/shm has room) ends before shm_open
    quiet = [f"{r['id']} [{r['backend']}]" for r in doc["results"] if r["status"] == "SKIP"
             and (r["backend"] != "posix-shm" or not (r["unexpected"] or "SKIP" in r["expected"]))]
    if quiet:
        raise StepFailed(f"SKIPs that are not posix-shm's, or neither unexpected nor declared: {quiet[:10]}")


def bad_input(ctx: Context) -> None:
    bad_spec = ctx.tmp / "bad.toml"
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
        (("run", "--kernel", "/nonexistent/vmlinuz"), "no such file"),
        (("run", "--kernel", "debian:bash"), "not a Debian kernel package name"),
        (("run", "--platform", "kernel"), "add --kernel IMAGE"),
        (("run", "--platform", "wine", "--kernel", "debian:6.1"), "not wine"),
        (("run", "--platform", "windows"), "runs from a bundle carried to its machine"),
        (("selftest", "NOPE-*"), "no assertion"),
        (("selftest", "--step", "nope"), "no selftest step"),
        (("frobnicate",), "invalid choice"),
    ]
    for args, needle in checks:
        proc = ctx.mapconf(*args)
        lines = proc.stderr.strip().splitlines()
        if proc.returncode != 2 or needle not in proc.stderr or len(lines) != 1:
            raise StepFailed(f"mapconf {' '.join(args)}: exit {proc.returncode}, stderr {proc.stderr!r}")


def benchmarks_run(ctx: Context) -> None:
    """The benchmark scripts work (their figures are not judged here:
    timing belongs in the README, not in a test on a busy machine)."""
    proc = subprocess.run([str(ctx.repo / "bench" / "speed"), "--repeat", "1"], capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)
    native = [line.split() for line in proc.stdout.splitlines() if line.startswith("native ")]
    if proc.returncode != 0 or not native or len(native[0]) != 6 or "process-start floor:" not in proc.stdout:
        raise StepFailed(f"bench/speed (exit {proc.returncode}) printed no native row:\n"
                         f"{proc.stdout[-1500:]}{proc.stderr[-1500:]}")
    results, starts = int(native[0][1]), int(native[0][2])
    if starts <= results:
        raise StepFailed(f"bench/speed counted {starts} starts for {results} results: agents are missing")
    proc = subprocess.run([str(ctx.repo / "bench" / "profile"), str(ctx.suite_results("native"))],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not re.search(r"^all +\d+ ", proc.stdout, re.M):
        raise StepFailed(f"bench/profile (exit {proc.returncode}): {proc.stdout[-800:]}{proc.stderr[-800:]}")


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


def wine_processes(ctx: Context) -> list[int]:
    """Live processes (a wineserver, Windows services) of mapconf's Wine prefix that the selftest's runs started."""
    marker = f"WINEPREFIX={platform_wine.prefix_path()}".encode()
    return [p.pid for p in processes.others()
            if marker in p.environ() and p.state != "Z" and ctx.own.owns_process(p)]


def kernel_runs_i386() -> bool:
    """Whether this kernel runs 32-bit x86 programs (IA32 emulation)."""
    try:
        return subprocess.run([str(I386_LOADER), "--version"], capture_output=True, timeout=30).returncode == 0
    except OSError:
        return False


def i386_in_a_guest(ctx: Context) -> None:
    doc = suite_as_expected(ctx, "suite-i386-guest", "i386", "--kernel", "debian:6.1")
    not_32_bit = [f"{r['id']} [{r['backend']}]" for r in doc["results"]
                  if r["status"] == "PASS" and " arch=i386 " not in r["evidence"]["transcript"]]
    if not_32_bit:
        raise StepFailed(f"results whose agents did not say arch=i386: {not_32_bit[:5]}")


def add_steps(plan, ctx: Context) -> None:
    """The platform and filesystem runs, and the runs that check the runner's own behaviours."""
    def has(platform: str) -> bool:
        return bool(ctx.pairs(ctx.platform_backends(platform)))

    qemu = [kind for kind in vocabulary.PLATFORMS if kind.startswith("qemu-")]
    # valgrind's run is the longest by far (each agent starts under memcheck): it goes first
    platforms = [("valgrind", " (memcheck, the first error ends the agent)")] + [(kind, "") for kind in qemu] + [
        ("gvisor", ""), ("i386", " (the 32-bit agent on the x86-64 kernel)"), ("musl", "")]
    if has("valgrind"):
        plan.add("suite-valgrind", f"full suite on valgrind{platforms[0][1]}: as the spec expects, no SKIP it does "
                 "not declare, no file left", lambda: valgrind_suite(ctx))
    # a proof of Win32 assertions alone has nothing to run natively, nor on the native filesystems
    if has("native"):
        plan.add("suite-native", "full suite on native: every result PASS, reports valid", lambda: full_suite(ctx))
        plan.add("suite-asan", "full suite under ASan+UBSan", lambda: full_suite(ctx, "--sanitize"))
    for platform, title in platforms[1:]:
        if not has(platform):
            continue
        if platform == "i386" and not kernel_runs_i386():
            # this kernel has no IA32 emulation: the 32-bit agent runs on the compat system calls of
            # Debian's kernel in a guest instead, so the i386 layer is still what is proved
            plan.add("suite-i386", "full suite on i386, the 32-bit agent on Debian 6.1's compat system calls in a "
                     "guest (this kernel has no IA32 emulation): as the spec expects, the agent is 32-bit",
                     lambda: i386_in_a_guest(ctx))
            continue
        plan.add(f"suite-{platform}", f"full suite on {platform}{title}: as the spec expects, "
                 "no SKIP it does not declare", lambda platform=platform: full_suite(ctx, platform=platform))
    for fs in ("tmpfs", "ext4", "overlayfs", "fuse", "fuse-direct-io", "shm-64m"):
        if has("native"):
            plan.add(f"suite-fs-{fs}", f"full suite with --filesystem {fs}: as the spec expects, run_info names "
                     "it, nothing mounted after", lambda fs=fs: filesystem_suite(ctx, fs))
    if has("wine"):
        plan.add("suite-wine", "full suite on wine: as the spec expects, no SKIP it does not declare, "
                 "Wine named in run_info, no wineserver or file left", lambda: wine_suite(ctx), lane="wine")
