"""What every selftest step works with: the repository, the selftest's own
directory and runs, the spec table, the assertions chosen, and the verbs a
step uses to run mapconf and read what a run wrote."""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import tempfile
from pathlib import Path

from runner import huge_pages, platforms, spec

from .own_runs import OwnRuns, huge_pool_size
from .plan import StepFailed


SUITE_BOUND_S = 1500


class Context:
    def __init__(self, repo: Path, patterns: list[str]):
        self.repo = repo
        self.tmp = Path(tempfile.mkdtemp(prefix="mapconf-selftest-"))
        self.own = OwnRuns(self.tmp)
        self.huge_pool = huge_pool_size()   # HUGE-002 raises the machine's pool and must put it back
        self.spec = spec.load(str(repo / "cases" / "spec.toml"))
        self.patterns = patterns            # the assertions chosen (every one with none)
        self.preload = repo / "build" / "native" / "lib" / "libmapconf-faults.so"

    # ---- the assertions chosen ----------------------------------------

    def chosen(self, assertion_id: str) -> bool:
        return not self.patterns or any(fnmatch.fnmatchcase(assertion_id, p) for p in self.patterns)

    def chosen_ids(self, backends=None) -> list[str]:
        """The chosen assertions that run on at least one of these backends (any, with None)."""
        return [a.id for a in self.spec.assertions if self.chosen(a.id)
                and (backends is None or any(b in backends for b in a.backends))]

    def filters(self) -> list[str]:
        """The --filter arguments that limit a run to the chosen assertions (none: all of them)."""
        return [arg for p in self.patterns for arg in ("--filter", p)]

    def pairs(self, backends) -> list[tuple[str, str]]:
        return [(a.id, b) for a in self.spec.assertions if self.chosen(a.id) for b in a.backends if b in backends]

    # ---- running mapconf ----------------------------------------------

    def mapconf(self, *args: str, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
        """./mapconf with these arguments, its output captured, bounded in time."""
        proc = subprocess.Popen([str(self.repo / "mapconf"), *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL, env=env)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise StepFailed(f"mapconf {' '.join(args[:6])} ran past {timeout:.0f} s") from None
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def run_suite(self, name: str, *args: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, dict]:
        out = self.tmp / name
        # a whole catalogue under valgrind takes minutes of processor time, and shares two cores
        proc = self.mapconf("run", "-q", "--out", str(out), *args, env=env, timeout=SUITE_BOUND_S)
        path = out / "results.json"
        if not path.exists():
            raise StepFailed(f"no results.json (exit {proc.returncode}): {proc.stderr[-1500:]}")
        doc = json.loads(path.read_text())
        self.own.add_run(doc["run_info"]["run_id"])
        return proc, doc

    def suite_results(self, platform_id: str) -> Path:
        """The results.json a full-suite step wrote for `platform_id`, found
        by what it says rather than by the step's directory name."""
        for path in sorted(self.tmp.glob("suite*/results.json")):
            if json.loads(path.read_text())["run_info"]["platform_id"] == platform_id:
                return path
        raise StepFailed(f"no full-suite run on {platform_id} to look at (did its step fail?)")

    def platform_backends(self, platform: str) -> tuple[str, ...]:
        return platforms.backends_on(platform)      # without making one (a kernel target needs its image)

    def env_with(self, **extra: str) -> dict[str, str]:
        return dict(os.environ, **extra)

    def pool_as_found(self) -> str | None:
        now = huge_pool_size()
        if now == self.huge_pool:
            return None
        return f"a huge page pool of {now} pages ({huge_pages.POOL}), not the {self.huge_pool} the selftest found"
