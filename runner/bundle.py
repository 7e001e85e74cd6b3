"""A bundle: what a target needs to run the cases with nothing installed,
carried by hand (./mapconf bundle), and its records judged later
(./mapconf judge) into the reports a run would have written.

DIR/                 for Linux (--platform native)
  mapconf-run        the case host, linked statically (case_host/case_host.c): run from DIR with no
                     arguments, it takes the requests in jobs and writes records/answers
  jobs               the requests: the run's environment, the files it makes before it begins, and
                     one case a line, every path relative to DIR
  build/             the platform's build: case binaries, agent, test library
  lib/               the dynamic loader and the shared libraries they need, which every program of
                     build/ is started through (the target's own C library is never used)
  bundle.json        what the judge needs: the jobs' assertions and backends, the run's id and time bound
  spec.toml          the spec table the jobs came from, judged against as it was
  records/           written on the target: answers (each case's end, record, transcript and output
                     as the case host sends them) and machine (its kernel, architecture, OS, C library)

DIR\                 for Windows (--platform windows): every file a PE program, a DLL or data
  mapconf-run.exe    the executor (case_host/win32/), the case host's requests and answers in Win32
  jobs, bundle.json, spec.toml, records\   as for Linux, with Windows' paths
  build\cases\        the case programs (ninja/win32_controller.ninja)
  build\agent\        the Win32 agent (its fault build, for a run that names a fault)
  build\lib\          the test DLL

The judge reads records/answers as the runner reads a remote case host's
answers (runner/case_host.py) and judges each case as a run does
(execute.observe): one verdict whatever carried the case. A case with no
answer (the target stopped, the records were cut) is an ERROR, never a pass.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Callable

from . import case_host, execute, filesystems, initramfs, platforms, results, run, runinfo, spec as specs
from .run import Job, UsageError

FORMAT = 1
RECORD_FILES = ("output", "record", "transcript")
US = case_host.UNIT_SEPARATOR


class BundleError(UsageError):
    """A bundle or its records that cannot be judged: one sentence, exit code 2."""


def write(the_spec_path: Path, jobs: list[Job], platform, repo: Path, out: Path, timeout: float,
          command: str, run_id: str | None = None,
          agent_env_of: Callable[[Job], dict[str, str]] | None = None) -> Path:
    """Write the bundle for these jobs into out (which must not exist yet): for
    Linux (platform native) or for Windows (platform windows, whose layout is
    in the module's head). agent_env_of: each job's agents' environment, where
    it is not the platform's for all (the selftest's faults, one a group of
    jobs): an env request before each job whose agents' differs from the one before."""
    if out.exists():
        raise BundleError(f"{out} exists; name a directory that does not, so nothing of yours is overwritten.")
    run_id = run_id or f"bundle{os.getpid()}"
    out.mkdir(parents=True, mode=0o711)
    out.chmod(0o711)       # the cases let another user try its rights below (ISO-*): it must pass through
    windows = platform.agent_family == "win32"
    start, env, sep = (_windows_programs if windows else _linux_programs)(platform, repo, out, run_id, timeout)
    lines = ["env" + "".join(f"{US}{name}={value.encode().hex()}" for name, value in env.items())]
    objects = env["MAPCONF_SCRATCH"]
    made_before = [f"mapconf-{run_id}-before-{j.assertion.id}-{j.backend}" for j in jobs if j.assertion.file_made_before]
    if made_before:
        lines.append(US.join(["make", str(filesystems.MADE_BEFORE_BYTES), *(f"{objects}{sep}{n}" for n in made_before)]))
    exe = ".exe" if windows else ""
    agents = env["MAPCONF_AGENT_ENV"]
    for job in jobs:
        wanted = run.agent_env_value(agent_env_of(job)) if agent_env_of else agents
        if wanted != agents:
            agents = wanted
            lines.append(f"env{US}MAPCONF_AGENT_ENV={agents.encode().hex()}")
        work = f"work{sep}{job.index}"
        lines.append(US.join([
            "case", str(int(timeout * 1000)), case_host.RECORD_SEPARATOR.join(f"{work}{sep}{n}" for n in RECORD_FILES),
            *start, f"build{sep}{platform.options.cases}{sep}{job.assertion.binary}{exe}", "--case",
            job.assertion.function, "--backend", job.backend, "--result", f"{work}{sep}record",
            "--transcript", f"{work}{sep}transcript"]))
    (out / "jobs").write_text("\n".join(lines) + "\n", newline="")
    shutil.copy2(the_spec_path, out / "spec.toml")
    (out / "bundle.json").write_text(json.dumps({
        "format": FORMAT, "platform": platform.kind, "platform_id": platform.id, "run_id": run_id,
        "timeout_s": timeout, "command": command, "git_revision": runinfo.git_revision(repo),
        "jobs": [[job.assertion.id, job.backend] for job in jobs]}, indent=1) + "\n")
    return out


def _run_env(run_id: str, timeout: float, objects: str, agent_argv: list[str], platform) -> dict[str, str]:
    """What every case of a bundle is told, whichever system it runs on."""
    return {
        "MAPCONF_RUN_ID": run_id, "MAPCONF_SCRATCH": objects, "MAPCONF_BEFORE_DIR": objects,
        "MAPCONF_AGENT_ARGV": US.join(agent_argv),
        "MAPCONF_AGENT_ENV": run.agent_env_value(platform.agent_env),
        "MAPCONF_REQUEST_TIMEOUT": run.request_timeout(timeout),
    }


def _linux_programs(platform, repo: Path, out: Path, run_id: str, timeout: float):
    """The Linux build, the case host as mapconf-run, and the shared libraries
    every program is started with: (the command's start, the environment, the
    path separator)."""
    build = platform.build_dir(repo)
    runner = build.parent / "native" / "bundle" / "mapconf-run"
    # the build, but the objects, and the programs of other targets (a bundle's case host, a guest's init)
    shutil.copytree(build, out / "build", ignore=shutil.ignore_patterns("obj", "bundle", "init", "*.d", "*.stamp"))
    shutil.copy2(runner, out / "mapconf-run")
    programs = sorted(p for p in (out / "build").rglob("*") if p.is_file() and os.access(p, os.X_OK)
                      and not p.name.endswith(".so")) + sorted((out / "build" / "lib").glob("*.so"))
    (out / "lib").mkdir()
    try:
        needed = {library for program in programs for library in initramfs.libraries(program)}
    except initramfs.InitramfsError as error:
        raise BundleError(str(error)) from None
    for library in sorted(needed):
        shutil.copy2(library, out / "lib" / library.name)
    ld = initramfs.interpreter(out / "build" / "agent" / "mapconf-agent")
    start = [f"lib/{Path(ld).name}", "--library-path", "lib"] if ld else []     # a static build starts by itself
    env = {
        **_run_env(run_id, timeout, "run/objects", [*start, "build/agent/mapconf-agent"], platform),
        "MAPCONF_HUGE_PAGES_RECORD": "run/huge-pages-before", "TMPDIR": "run",
        "MAPCONF_TESTLIB": "build/lib/libmapconf-testlib.so", "MAPCONF_MEMORY": "host-cgroup",
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        **platform.case_env(),
    }
    return start, env, "/"


def _windows_programs(platform, repo: Path, out: Path, run_id: str, timeout: float):
    """The Windows build: the executor as mapconf-run.exe, the case programs,
    the agent (its fault build instead, for a run that names a fault) and the
    test DLL, nothing else; Windows' own PATH and libraries are kept."""
    build = platform.build_dir(repo)
    agent = "mapconf-agent-faults.exe" if platform.fault_build() else "mapconf-agent.exe"
    for directory in ("cases", "agent", "lib"):
        (out / "build" / directory).mkdir(parents=True)
    for case in sorted((build / "cases").glob("*.exe")):
        shutil.copy2(case, out / "build" / "cases" / case.name)
    shutil.copy2(build / "agent" / agent, out / "build" / "agent" / agent)
    shutil.copy2(build / "lib" / "mapconf-testlib.dll", out / "build" / "lib" / "mapconf-testlib.dll")
    shutil.copy2(build / "bundle" / "mapconf-run.exe", out / "mapconf-run.exe")
    return [], _run_env(run_id, timeout, "run\\objects", [f"build\\agent\\{agent}"], platform), "\\"


def _before_the_cases(line: str) -> bool:
    """A line the case host writes before its first case: its `ready`, an `ok` to a setup request."""
    return line.startswith("ready") or line.split(" ", 1)[0] == "ok"


def target_facts(stream: bytes) -> dict[str, str]:
    """What the case host told of its machine before the first case: its `ready`
    line and its `ok` to the setup requests."""
    facts: dict[str, str] = {}
    for text in stream.decode(errors="replace").split("\n"):
        if not _before_the_cases(text):
            break
        facts.update(case_host.ready_facts(text))
    return facts


def read_answers(stream: bytes, count: int) -> list[tuple[case_host.Ended, dict[str, bytes]] | None]:
    """Each job's end and files, in order, from records/answers; None for a job with no answer."""
    pos, found = 0, []

    def line() -> str | None:
        nonlocal pos
        end = stream.find(b"\n", pos)
        if end < 0:
            return None
        text, pos = stream[pos:end].decode(errors="replace"), end + 1
        return text

    while True:
        text = line()
        if text is None or not _before_the_cases(text):
            break
    while text is not None and len(found) < count:
        if text.split(" ", 1)[0] == "ok":      # an env request between cases
            text = line()
            continue
        if not text.startswith("ended"):
            break
        ended, files = case_host.parse_answer(text), {}
        for name in RECORD_FILES:
            head = line()
            kind, _, length = (head or "").partition(US)
            if kind != "file" or not length.isdigit() or pos + int(length) > len(stream):
                ended.broken = ended.broken or "the records end in the middle of this case's files"
                break
            files[name], pos = stream[pos:pos + int(length)], pos + int(length)
        found.append((ended, files))
        text = line()
    return found + [None] * (count - len(found))


def machine(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def judged_versions(platform, facts: dict[str, str]) -> dict:
    """The versions the spec's ranges are held to, from the records' facts. The
    kernel ranges are Linux's: a Windows build ("Windows NT 6.1.7601") is in none."""
    versions = runinfo.versions(platform, facts)
    if platform.agent_family == "win32":
        versions["kernel"] = None
    return versions


def judge(directory: Path, assertions: dict[str, specs.Assertion] | None = None) -> tuple[dict, list[dict]]:
    """(run_info, result records) of a bundle's records, as a run makes them,
    against the spec table the bundle carries (or a run's own assertions, by
    id, with its expectation files)."""
    try:
        meta = json.loads((directory / "bundle.json").read_text())
        answers = (directory / "records" / "answers").read_bytes()
    except FileNotFoundError as missing:
        raise BundleError(f"{missing.filename} is missing: judge a bundle's directory after "
                          "./mapconf-run has run in it (it writes records/).") from None
    if meta.get("format") != FORMAT:
        raise BundleError(f"{directory} is a bundle of format {meta.get('format')}, not {FORMAT}: "
                          "make it again with this mapconf.")
    by_id = assertions.__getitem__ if assertions else specs.load(str(directory / "spec.toml")).by_id
    facts = machine((directory / "records" / "machine").read_text()) if (directory / "records" / "machine").exists() else {}
    timeout = float(meta["timeout_s"])
    conditions = run.target_conditions(target_facts(answers))
    platform = platforms.make(meta["platform"])
    platform_id = platform.bundle_ran_on(facts, meta["platform_id"])
    versions = judged_versions(platform, facts)
    records = []
    ends = read_answers(answers, len(meta["jobs"]))
    for (assertion_id, backend), end in zip(meta["jobs"], ends):
        assertion = by_id(assertion_id)
        if end is None:
            observed = execute.Observed("ERROR", "the bundle's records hold no answer for this case: the run on "
                                        "the target stopped before it, or the records were cut", 0, "", "",
                                        "not known: no record of it came back", "case-host")
        else:
            ended, files = end
            observed = execute.observe(ended, files.get("record", b"").decode(errors="replace"),
                                       files.get("transcript", b"").decode(errors="replace"),
                                       execute.shortened(files.get("output", b"")), ended.duration_ms or 0, timeout)
        records.append(results.record(assertion, backend, platform_id, observed, conditions, versions))
    started = int(facts.get("started", "0"))
    info = {
        "platform": meta["platform"], "platform_id": platform_id,
        "os": facts.get("os", "unknown"), "kernel": facts.get("kernel", "unknown"),
        "arch": facts.get("arch", "unknown"), "libc": facts.get("libc", "unknown"),
        "runtime": platform.runtime(), "mapconf_version": runinfo.VERSION, "git_revision": meta.get("git_revision"),
        "start_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "command": meta["command"], "run_id": meta["run_id"], "target": f"bundle:{directory.name}",
    }
    return info, records
