"""Case hosts: the answers of case_host.c, the pool that replaces a host
that breaks or cannot clean up, and the real host in a namespace of its own."""

import os
import subprocess
import sys
import tempfile
import unittest
from unittest import mock
from pathlib import Path

from runner import case_host, filesystems
from runner.case_host import Ended, HostSpec, Pool, parse_answer

REPO = Path(__file__).resolve().parents[2]
HOST = REPO / "build" / "native" / "case-host" / "mapconf-case-host"
US = "\x1f"


class AnswerTests(unittest.TestCase):
    def test_an_exit_with_what_was_removed(self):
        ended = parse_answer(f"ended{US}exit=3{US}removed=process 7 (mapconf-agent){US}removed=/dev/shm/x")
        self.assertEqual(ended, Ended(3, False, ["process 7 (mapconf-agent)", "/dev/shm/x"]))

    def test_a_signal_is_a_negative_status(self):
        self.assertEqual(parse_answer(f"ended{US}signal=9").returncode, -9)

    def test_a_timeout(self):
        self.assertTrue(parse_answer(f"ended{US}timeout=5000").timed_out)

    def test_what_remains_makes_the_host_unclean_and_is_in_the_evidence(self):
        ended = parse_answer(f"ended{US}exit=0{US}remains=process 4 (sleep)")
        self.assertTrue(ended.unclean)
        self.assertIsNone(ended.broken)
        self.assertIn("process 4 (sleep)", ended.notes[0])
        self.assertIn("the next case gets a new target", ended.notes[0])

    def test_an_answer_without_an_ending_is_a_broken_host(self):
        self.assertIn("says nothing of how the case ended", parse_answer("ended").broken)
        self.assertIn("answered 'hello'", parse_answer("hello").broken)


def fake_host(script: str, log: Path) -> HostSpec:
    """A host that speaks the protocol as the script says (Python)."""
    return HostSpec([sys.executable, "-c", script], dict(os.environ), log, lambda: [])


READY_THEN_EXIT_0 = ("import sys\nprint('ready pid=1', flush=True)\n"
                     "for line in sys.stdin: print('ended\\x1fexit=0', flush=True)\n")
READY_THEN_SILENT = "import sys\nprint('ready pid=1', flush=True)\nsys.stdin.read()\n"
READY_THEN_UNCLEAN = ("import sys\nprint('ready pid=1', flush=True)\n"
                      "for line in sys.stdin: print('ended\\x1fexit=0\\x1fremains=process 9 (x)', flush=True)\n")
NEVER_READY = "import sys\nsys.stderr.write('cannot create sandbox\\n')\n"


class PoolTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.log = Path(self.dir.name) / "log"
        self.out = Path(self.dir.name) / "out"

    def tearDown(self):
        self.dir.cleanup()

    def pool(self, *scripts):
        self.made = []

        def make(number, env):
            self.made.append(number)
            return fake_host(scripts[min(len(self.made), len(scripts)) - 1], self.log)
        return Pool(make)

    def test_a_host_is_reused_case_after_case(self):
        pool = self.pool(READY_THEN_EXIT_0)
        for _ in range(3):
            self.assertEqual(pool.run(["x"], {}, [self.out], 5).returncode, 0)
        self.assertEqual(self.made, [1])
        pool.close()

    def test_an_unclean_host_is_replaced_and_the_case_keeps_its_result(self):
        pool = self.pool(READY_THEN_UNCLEAN, READY_THEN_EXIT_0)
        first = pool.run(["x"], {}, [self.out], 5)
        self.assertEqual((first.returncode, first.broken), (0, None))
        self.assertEqual(pool.run(["x"], {}, [self.out], 5).returncode, 0)
        self.assertEqual(self.made, [1, 2])
        pool.close()

    def test_a_silent_host_breaks_its_case_which_is_not_run_again(self):
        pool = self.pool(READY_THEN_SILENT, READY_THEN_EXIT_0)
        with mock.patch.object(case_host, "ANSWER_MARGIN_S", 0.2):
            ended = pool.run(["x"], {}, [self.out], 0.1)
        self.assertIsNone(ended.returncode)
        self.assertIn("did not answer within", ended.broken)
        self.assertEqual(pool.run(["x"], {}, [self.out], 5).returncode, 0)
        self.assertEqual(self.made, [1, 2])
        pool.close()

    def test_a_host_that_fails_to_start_is_started_again_a_bounded_number_of_times(self):
        pool = self.pool(NEVER_READY, READY_THEN_EXIT_0)
        ended = pool.run(["x"], {}, [self.out], 5)
        self.assertEqual(ended.returncode, 0)
        self.assertIn("start 1 of target 1 failed: the target did not start: cannot create sandbox", ended.notes[0])
        pool.close()
        pool = self.pool(NEVER_READY)
        ended = pool.run(["x"], {}, [self.out], 5)
        self.assertIn(f"start {case_host.STARTS_MAX} of target", ended.broken)
        pool.close()

    def test_a_target_that_cannot_be_started_is_not_started_again_and_the_rest_are_reported(self):
        pool = self.pool(NEVER_READY)
        pool.run(["x"], {}, [self.out], 5)
        ended = pool.run(["x"], {}, [self.out], 5)
        self.assertTrue(ended.broken.startswith("not run: the target could not be started"), ended.broken)
        self.assertEqual(len(self.made), case_host.STARTS_MAX)     # the first case's starts, and no more
        pool.close()

    def test_a_target_lost_in_cases_in_a_row_is_given_up_and_the_rest_are_reported(self):
        ends_at_once = "import sys\nprint('ready pid=1', flush=True)\nsys.stdin.readline()\n"
        pool = self.pool(ends_at_once)
        for _ in range(case_host.LOSSES_MAX):
            self.assertIn("the target ended while the case ran", pool.run(["x"], {}, [self.out], 5).broken)
        ended = pool.run(["x"], {}, [self.out], 5)
        self.assertIn(f"not run: the target was lost in {case_host.LOSSES_MAX} cases in a row", ended.broken)
        self.assertEqual(len(self.made), case_host.LOSSES_MAX)
        pool.close()

    def test_a_case_that_passes_between_losses_starts_the_count_again(self):
        pool = self.pool(READY_THEN_SILENT, READY_THEN_EXIT_0)
        with mock.patch.object(case_host, "ANSWER_MARGIN_S", 0.2):
            pool.run(["x"], {}, [self.out], 0.1)
        self.assertEqual(pool.run(["x"], {}, [self.out], 5).returncode, 0)
        self.assertEqual(pool.losses, 0)
        pool.close()


@unittest.skipUnless(os.geteuid() == 0 and HOST.exists(), "needs root (namespaces) and the native build")
class RealHostTests(unittest.TestCase):
    """case_host.c as the first process of new pid, IPC and mount namespaces
    (with a /dev/shm of their own): what the sandbox gives it."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.scratch = Path(self.dir.name)
        self.out = self.scratch / "out"
        self.env = dict(os.environ, MAPCONF_RUN_ID="t1", MAPCONF_SCRATCH=str(self.scratch))
        argv = ["unshare", "--pid", "--fork", "--mount-proc", "--ipc", "--mount", "sh", "-c",
                f"mount -t tmpfs -o size=1m tmpfs /dev/shm && exec {HOST}"]
        self.pool = Pool(lambda number, env: HostSpec(argv, env, self.scratch / "log", lambda: []))

    def tearDown(self):
        self.pool.close()
        self.dir.cleanup()

    def run_case(self, script, timeout=10.0):
        return self.pool.run([sys.executable, "-c", script], self.env, [self.out, self.scratch / "emptied"], timeout)

    def test_what_a_case_leaves_is_removed_and_named_and_the_next_case_starts_clean(self):
        leaky = ("import subprocess; subprocess.Popen(['sleep', '60'], start_new_session=True); "
                 "open('/dev/shm/mapconf-t1-5-1-x', 'w').close(); open('/dev/shm/other-run', 'w').close()")
        ended = self.run_case(leaky)
        self.assertEqual(ended.returncode, 0)
        self.assertIn("/dev/shm/mapconf-t1-5-1-x", ended.leftovers)
        self.assertTrue(any(item.endswith("(sleep)") for item in ended.leftovers), ended.leftovers)
        # a name not of this run is not the host's to remove: it remains, and the host is replaced
        self.assertTrue(ended.unclean)
        self.assertIn("/dev/shm/other-run", ended.notes[0])
        clean = self.run_case("import os; print(sorted(os.listdir('/dev/shm')))")
        self.assertEqual((clean.returncode, clean.leftovers, clean.unclean), (0, [], False))
        self.assertIn("[]", self.out.read_text())

    def test_the_files_are_emptied_before_the_case_appends_to_them(self):
        (self.scratch / "emptied").write_text("the previous case's record\n")
        ended = self.run_case(f"open('{self.scratch / 'emptied'}', 'a').write('begin')")
        self.assertEqual(ended.returncode, 0)
        self.assertEqual((self.scratch / "emptied").read_text(), "begin")

    def test_a_sysv_segment_left_behind_is_seen(self):
        ended = self.run_case("import ctypes; ctypes.CDLL(None).shmget(0x4d41, 4096, 0o1600)")
        self.assertTrue(ended.unclean)
        self.assertIn("SysV segment key 0x00004d41", ended.notes[0])

    def test_a_case_past_its_timeout_is_killed_with_what_it_started(self):
        ended = self.run_case("import subprocess; subprocess.Popen(['sleep', '60']).wait()", timeout=0.5)
        self.assertTrue(ended.timed_out)
        self.assertFalse(ended.unclean)

    def test_a_request_cannot_carry_a_newline(self):
        ended = self.run_case("import os\nprint(1)")
        self.assertIn("holds a newline", ended.broken)



@unittest.skipUnless(HOST.exists(), "needs the native build")
class SharedMachineHostTests(unittest.TestCase):
    """case_host.c as an ordinary process on a machine it shares (an ssh
    target, a bundle), reached as a target that does not see the runner's
    files: it owns its descendants and what is named for the case, takes
    its environment and the run's files as requests, and sends each case's
    files back."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.local = Path(self.dir.name) / "runner"
        self.remote = Path(self.dir.name) / "target"
        self.local.mkdir()
        self.run_id = f"t{os.getpid()}"
        env = {"MAPCONF_RUN_ID": self.run_id, "MAPCONF_SCRATCH": str(self.local / "objects")}
        setup = [["env", *(f"{k}={v}" for k, v in env.items())], ["make", "3", str(self.local / "objects" / "before")]]
        self.pool = Pool(lambda number, env: HostSpec([str(HOST), "--send-files"], {"PATH": os.environ["PATH"]},
                                                      self.local / "log", lambda: [], send_files=True,
                                                      translate={str(self.local): str(self.remote)}, setup=setup))
        self.addCleanup(self.dir.cleanup)
        self.addCleanup(self.pool.close)

    def run_case(self, script: str, timeout: float = 10.0):
        """The script, given the runner's paths of the record and of the file made before (as a case
        is given its record's: a whole argument, translated)."""
        files = [self.local / "work" / "output", self.local / "work" / "record"]
        files[0].parent.mkdir(exist_ok=True)
        return self.pool.run([sys.executable, "-c", script, str(files[1]), str(self.local / "objects" / "before")],
                             {}, files, timeout)

    def test_a_case_runs_with_the_targets_paths_and_its_files_come_back(self):
        ended = self.run_case("import os, sys; print(os.environ['MAPCONF_SCRATCH'], sys.argv[1]); "
                              "open(sys.argv[1], 'a').write('the record'); "
                              "print(os.path.getsize(sys.argv[2]))")
        self.assertEqual((ended.returncode, ended.broken), (0, None))
        self.assertEqual((self.local / "work" / "output").read_text().split(),
                         [str(self.remote / "objects"), str(self.remote / "work" / "record"), "3"])
        self.assertEqual((self.local / "work" / "record").read_text(), "the record")
        self.assertTrue((self.remote / "work" / "record").exists())     # written there, on the target

    def test_what_a_case_leaves_is_removed_and_what_is_not_its_own_stays(self):
        leaky = ("import os, subprocess; subprocess.Popen(['sleep', '60'], start_new_session=True); "
                 "open(f'/dev/shm/mapconf-RUN-{os.getpid()}-1-x', 'w').close(); "
                 "open('/dev/shm/mapconf-RUN-1-1-other-case', 'w').close()").replace("RUN", self.run_id)
        other = Path(f"/dev/shm/mapconf-{self.run_id}-1-1-other-case")
        self.addCleanup(lambda: other.unlink(missing_ok=True))
        ended = self.run_case(leaky)
        self.assertEqual(ended.returncode, 0)
        self.assertTrue(any(item.endswith("(sleep)") for item in ended.leftovers), ended.leftovers)
        self.assertTrue(any(item.endswith("-1-x") for item in ended.leftovers), ended.leftovers)
        self.assertFalse(ended.unclean)
        self.assertTrue(other.exists())         # another case's, on a machine the host shares

    def test_a_case_past_its_timeout_is_killed_and_its_files_still_come_back(self):
        files = [self.local / "work" / "output"]
        files[0].parent.mkdir(exist_ok=True)
        ended = self.pool.run(["/bin/sh", "-c", "echo begun; sleep 60"], {}, files, 2.0)
        self.assertTrue(ended.timed_out)
        self.assertEqual((self.local / "work" / "output").read_text(), "begun\n")

    def test_the_host_tells_the_filesystem_of_the_scratch_directory_its_environment_names(self):
        in_memory = Pool(lambda number, env: HostSpec([str(HOST), "--send-files"], {}, self.local / "log3",
                                                      lambda: [], send_files=True,
                                                      setup=[["env", "MAPCONF_SCRATCH=/dev/shm"]]))
        self.addCleanup(in_memory.close)
        self.assertEqual(in_memory.start_one()["scratch_fs"], "tmpfs")
        (self.remote / "objects").mkdir(parents=True)
        here = filesystems.filesystem_of(self.remote / "objects")
        told = self.pool.start_one()["scratch_fs"]
        self.assertEqual(told == "tmpfs", here == "tmpfs", (told, here))
        self.assertNotEqual(told, "unknown")

    def test_a_bad_setup_is_a_start_that_failed(self):
        pool = Pool(lambda number, env: HostSpec([str(HOST), "--send-files"], {}, self.local / "log2",
                                                 lambda: [], send_files=True, setup=[["env", "no-equals"]]))
        ended = pool.run(["x"], {}, [self.local / "o"], 5)
        self.assertIn("refused its setup (env)", ended.broken)
        pool.close()


if __name__ == "__main__":
    unittest.main()
