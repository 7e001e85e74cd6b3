"""The run directory's sweep: what a run that is gone left behind is ended."""

import os
import subprocess
import tempfile
import unittest
from pathlib import Path

from runner import rundir


class OrphanTest(unittest.TestCase):
    def start(self, run_id: str) -> subprocess.Popen:
        proc = subprocess.Popen(["sleep", "60"], env=dict(os.environ, MAPCONF_RUN_ID=run_id))
        self.addCleanup(lambda: (proc.kill(), proc.wait()))
        return proc

    def test_a_process_of_a_run_without_a_directory_is_killed_and_one_of_a_live_run_is_not(self):
        with tempfile.TemporaryDirectory() as root:
            (Path(root) / "alive1234").mkdir()
            orphan, alive = self.start("gone5678"), self.start("alive1234")
            # only these two: a run of the machine's own may be going on
            killed = rundir.kill_orphans(Path(root), among={orphan.pid, alive.pid})
            self.assertIn(orphan.pid, killed)
            self.assertNotIn(alive.pid, killed)
            self.assertEqual(orphan.wait(timeout=10), -9)
            self.assertIsNone(alive.poll())


if __name__ == "__main__":
    unittest.main()
