"""The run directory's sweep: what a run that is gone left behind is ended."""

import os
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from runner import processes, rundir


class OrphanTest(unittest.TestCase):
    def start(self, run_id: str, tmpdir: Path) -> subprocess.Popen:
        proc = subprocess.Popen(["sleep", "60"], env=dict(os.environ, MAPCONF_RUN_ID=run_id, TMPDIR=str(tmpdir)))
        self.addCleanup(lambda: (proc.kill(), proc.wait()))
        # /proc shows a new process's environment once its exec is done: wait for that, bounded
        marker, deadline = f"MAPCONF_RUN_ID={run_id}".encode(), time.monotonic() + 10
        while marker not in processes.Process(proc.pid).environ() and time.monotonic() < deadline:
            time.sleep(0.01)
        return proc

    def test_a_process_of_a_run_without_a_directory_is_killed_and_one_of_a_live_run_is_not(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / f"mapconf-{os.getuid()}" / "runs"
            (root / "1234abcd").mkdir(parents=True)
            orphan, alive = self.start("5678abcd", Path(tmp)), self.start("1234abcd", Path(tmp))
            # a Wine process of a run has the run's directory as its TMPDIR
            wine_orphan = self.start("9999abcd", root / "9999abcd")
            # only these: a run of the machine's own may be going on
            killed = rundir.kill_orphans(root, among={orphan.pid, alive.pid, wine_orphan.pid})
            self.assertEqual(sorted(killed), sorted([orphan.pid, wine_orphan.pid]))
            self.assertEqual(orphan.wait(timeout=10), -9)
            self.assertIsNone(alive.poll())

    def test_a_reproducers_process_is_no_runs_orphan(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / f"mapconf-{os.getuid()}" / "runs"
            root.mkdir(parents=True)
            agent = self.start("repro4321", Path(tmp))     # a reproducer sweeps what it starts itself
            self.assertEqual(rundir.kill_orphans(root, among={agent.pid}), [])
            self.assertIsNone(agent.poll())

    def test_a_process_of_a_run_under_another_tmpdir_is_not_this_roots_to_judge(self):
        with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as other:
            root = Path(tmp) / f"mapconf-{os.getuid()}" / "runs"
            root.mkdir(parents=True)
            elsewhere = self.start("4321abcd", Path(other))    # its directory is in the other root
            self.assertEqual(rundir.kill_orphans(root, among={elsewhere.pid}), [])
            self.assertIsNone(elsewhere.poll())


if __name__ == "__main__":
    unittest.main()
