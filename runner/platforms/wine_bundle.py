"""wine-bundle: the Windows bundle (./mapconf bundle --platform windows, and
runner/platforms/windows.py) run under Wine on this machine, entirely as
Win32: the executor, the case programs and the agents are the bundle's own
Windows programs; nothing of the run's Linux controllers takes part.

The run writes the bundle into its run directory, runs its mapconf-run.exe
there as a person would on Windows (from the bundle's folder, with no
arguments), and judges its records as ./mapconf judge does, against the
run's own spec table and expectation files. Wine is the wine platform's:
its prefix, its one persistent server for the run, every process carrying
the run's id so that a killed run is swept. Its results carry the platform
id wine-bundle, which the spec table's `wine*` expectations hold, so that a
pair's status here is the wine platform's for the same Wine.

The executor bounds each case itself (the bundle's time bound); the runner
bounds the whole bundle by the sum of them and a margin, and a case the
records hold no answer for is an ERROR.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from . import Options, Tool, which
from .wine import LOADER64, Wine
from .windows import Windows

# what the runner allows the executor beyond the cases' own bounds: its start, Wine's, the records
MARGIN_S = 60
CASE_MARGIN_S = 5


class WineBundle(Wine):
    kind = "wine-bundle"

    def __init__(self, options):
        super().__init__(options)
        self.tools += [Tool("dpkg-source", "dpkg-dev")]     # cmocka for Windows, from Debian's source

    def build_targets(self) -> list[str]:
        # the native build too: the spec table is checked against the case binaries' listings
        return [self.variant, "win32", "win32-cases"]

    def run_jobs(self, jobs, opts, repo: Path, run_dir, report) -> list[dict]:
        from .. import bundle      # here, not above: runner.bundle imports this package (runner.platforms)

        windows = Windows(Options(agent_env=self.agent_env, platform_id=self.id))   # its results carry this id
        out = run_dir.path / "bundle"
        bundle.write(opts.spec_path, jobs, windows, repo, out, opts.timeout, opts.command, run_id=run_dir.run_id)
        argv = [which("setarch"), "--addr-no-randomize", LOADER64, str(out / "mapconf-run.exe")]
        bound = len(jobs) * (opts.timeout + CASE_MARGIN_S) + MARGIN_S
        with open(run_dir.path / "bundle-run.log", "wb") as log:
            try:
                subprocess.run(argv, cwd=out, env=self._env(), stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT, timeout=bound)
            except subprocess.TimeoutExpired:
                pass     # the records hold what it answered; stop() ends what is left of it
        _, records = bundle.judge(out, {job.assertion.id: job.assertion for job in jobs})
        for number, record in enumerate(records, 1):
            report(record, number, len(records))
        return records


PLATFORM = WineBundle
