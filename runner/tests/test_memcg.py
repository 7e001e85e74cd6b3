"""Tests for runner.memcg: where the run's memory cgroup goes (v1 and v2,
from /proc/self/cgroup and mountinfo), why there is none, the case's
MAPCONF_MEMORY, removal and sweeping; and, where this machine lets the
runner make memory cgroups, the real thing."""

import os
import signal
import subprocess
import sys
import tempfile
import unittest
from unittest import mock
from pathlib import Path

from runner import execute, memcg, rundir, run

V1_MOUNTINFO = (
    "30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "33 30 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "40 30 0:36 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
)
V1_CGROUP = "5:cpu,cpuacct:/\n4:memory:/process_api/abc\n0::/\n"


def v2_mountinfo(mountpoint: Path, root: str = "/") -> str:
    escaped = str(mountpoint).replace(" ", "\\040")
    return f"40 30 0:36 {root} {escaped} rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"


class OwnPlaceTest(unittest.TestCase):
    def test_v1_goes_under_the_runners_own_memory_cgroup(self):
        self.assertEqual(memcg.own_place(V1_CGROUP, V1_MOUNTINFO),
                         memcg.Place(1, Path("/sys/fs/cgroup/memory/process_api/abc")))

    def test_v1_memory_sharing_a_hierarchy_with_other_controllers(self):
        mountinfo = "33 30 0:29 / /cg/mem,blk rw - cgroup cgroup rw,blkio,memory\n"
        self.assertEqual(memcg.own_place("3:blkio,memory:/a/b\n", mountinfo),
                         memcg.Place(1, Path("/cg/mem,blk/a/b")))

    def test_v1_mount_of_a_subtree_as_in_a_container(self):
        mountinfo = "33 30 0:29 /docker/c1 /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
        self.assertEqual(memcg.own_place("4:memory:/docker/c1/job\n", mountinfo),
                         memcg.Place(1, Path("/sys/fs/cgroup/memory/job")))

    def test_v1_cgroup_outside_the_mounted_subtree(self):
        mountinfo = "33 30 0:29 /docker/c1 /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
        with self.assertRaisesRegex(memcg.Unavailable, "not below any mount"):
            memcg.own_place("4:memory:/docker/c10\n", mountinfo)

    def test_no_memory_controller_anywhere(self):
        mountinfo = "34 30 0:30 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
        with self.assertRaisesRegex(memcg.Unavailable, "no memory cgroup controller"):
            memcg.own_place("5:cpu:/\n", mountinfo)

    def test_v2_goes_under_the_parent_of_the_runners_cgroup(self):
        with tempfile.TemporaryDirectory(prefix="cg 2") as tmp:
            own = Path(tmp) / "user.slice" / "session.scope"
            own.mkdir(parents=True)
            (own / "cgroup.controllers").write_text("cpu io memory pids\n")
            place = memcg.own_place("0::/user.slice/session.scope\n", v2_mountinfo(Path(tmp)))
            self.assertEqual(place, memcg.Place(2, Path(tmp) / "user.slice"))

    def test_v2_at_the_top_of_the_hierarchy_goes_under_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "cgroup.controllers").write_text("memory\n")
            self.assertEqual(memcg.own_place("0::/\n", v2_mountinfo(Path(tmp))), memcg.Place(2, Path(tmp)))

    def test_v2_without_a_memory_controller(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "job").mkdir()
            (Path(tmp) / "job" / "cgroup.controllers").write_text("cpu pids\n")
            with self.assertRaisesRegex(memcg.Unavailable, "no memory controller"):
                memcg.own_place("0::/job\n", v2_mountinfo(Path(tmp)))


class RunCgroupTest(unittest.TestCase):
    def test_no_cgroup_tells_the_case_why(self):
        run = memcg.RunCgroup(None, "this machine mounts no memory cgroup controller")
        self.assertEqual(run.for_case("case-3"), (None, "none:this machine mounts no memory cgroup controller"))
        self.assertEqual(run.close(), [])

    def test_a_case_cgroup_is_named_to_the_case_and_removed(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = memcg.RunCgroup(Path(tmp) / "mapconf-123abcd")
            run.path.mkdir()
            case, figure = run.for_case("case-7")
            self.assertEqual((case, figure), (run.path / "case-7", f"cgroup:{run.path / 'case-7'}"))
            self.assertTrue(case.is_dir())
            self.assertEqual(memcg.remove(case), [])
            self.assertFalse(case.exists())
            self.assertEqual(run.close(), [])
            self.assertFalse(run.path.exists())

    def test_a_case_cgroup_that_cannot_be_made_is_said(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = memcg.RunCgroup(Path(tmp) / "gone")
            case, figure = run.for_case("case-1")
            self.assertIsNone(case)
            self.assertRegex(figure, r"^none:the case's memory cgroup .*case-1 could not be made")


class SweepTest(unittest.TestCase):
    """A dead run's record is untrusted: the sweep removes a cgroup only where a run puts its own."""

    def sweep(self, tmp: str, names: str, run_id: str = "42ab") -> tuple[list[str], list[str]]:
        record = Path(tmp) / "memcg"
        record.write_text(f"{names}\n")
        mountinfo = Path(tmp) / "mountinfo"
        mountinfo.write_text(v2_mountinfo(Path(tmp) / "cg"))
        ignored: list[str] = []
        with mock.patch.object(memcg, "MOUNTINFO", mountinfo):
            return memcg.sweep(record, run_id, ignored), ignored

    def test_sweeps_the_cgroup_its_dead_run_wrote_down(self):
        with tempfile.TemporaryDirectory() as tmp:
            cgroup = Path(tmp) / "cg" / "mapconf-42ab"
            (cgroup / "case-1").mkdir(parents=True)
            self.assertEqual(self.sweep(tmp, str(cgroup)), ([f"memory cgroup {cgroup}"], []))
            self.assertFalse(cgroup.exists())

    def test_leaves_alone_what_the_run_did_not_make(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "cg").mkdir()
            other = Path(tmp) / "cg" / "system.slice"
            outside = Path(tmp) / "mapconf-42ab"              # named for the run, but in no cgroup filesystem
            through = Path(tmp) / "cg" / "x" / ".." / "mapconf-42ab"
            link = Path(tmp) / "cg" / "mapconf-42ab"
            for made in (other, outside):
                made.mkdir()
            link.symlink_to(other)
            for named in (other, outside, through, link):
                removed, ignored = self.sweep(tmp, str(named))
                self.assertEqual(removed, [], named)
                self.assertEqual(len(ignored), 1, named)
                self.assertIn("it is left alone", ignored[0])
            self.assertTrue(other.exists() and outside.exists())
            self.assertEqual(memcg.sweep(Path(tmp) / "no-record", "42ab"), [])

    def test_a_record_through_a_link_is_not_read(self):
        with tempfile.TemporaryDirectory() as tmp:
            cgroup = Path(tmp) / "cg" / "mapconf-42ab"
            cgroup.mkdir(parents=True)
            (Path(tmp) / "elsewhere").write_text(f"{cgroup}\n")
            (Path(tmp) / "memcg").symlink_to(Path(tmp) / "elsewhere")
            self.assertEqual(memcg.sweep(Path(tmp) / "memcg", "42ab"), [])
            self.assertTrue(cgroup.exists())


class CaseEnvironmentTest(unittest.TestCase):
    """What run_case tells a case about its memory figure."""

    def figure_seen(self, run_cgroup: memcg.RunCgroup, env: dict[str, str]) -> str:
        with tempfile.TemporaryDirectory() as tmp:
            case = Path(tmp) / "case"
            case.write_text('#!/bin/sh\nprintf %s "$MAPCONF_MEMORY"\n')
            case.chmod(0o755)
            work = Path(tmp) / "cases" / "worker-1"
            work.mkdir(parents=True)
            (Path(tmp) / "objects").mkdir()
            run_dir = rundir.RunDir("unittest", Path(tmp), -1, memory=run_cgroup)
            run = execute.CaseRun(case, "f", "posix-shm", 10, env, work, "case-4")
            return execute.run_case(run, run_dir).output

    def test_no_cgroup_the_case_is_told_why(self):
        self.assertEqual(self.figure_seen(memcg.RunCgroup(None, "no memory controller"), {}),
                         "none:no memory controller")

    def test_each_case_has_a_cgroup_of_its_own_removed_after_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            run_cgroup = memcg.RunCgroup(Path(tmp))
            self.assertEqual(self.figure_seen(run_cgroup, {}), f"cgroup:{Path(tmp) / 'case-4'}")
            self.assertFalse((Path(tmp) / "case-4").exists())

    def test_a_figure_the_platform_names_is_kept(self):
        with tempfile.TemporaryDirectory() as tmp:
            run_cgroup = memcg.RunCgroup(Path(tmp))
            self.assertEqual(self.figure_seen(run_cgroup, {memcg.ENV: "meminfo"}), "meminfo")
            self.assertEqual(list(Path(tmp).iterdir()), [])


def real_run_cgroup(test: unittest.TestCase, tmp: str) -> memcg.RunCgroup:
    run = memcg.open_run(f"unittest{os.getpid()}", Path(tmp) / memcg.RECORD)
    if run.path is None:
        test.skipTest(f"no memory cgroup here: {run.why}")
    return run


class RealCgroupTest(unittest.TestCase):
    """Against this machine's cgroups (skipped where none can be made)."""

    def test_a_process_left_in_a_case_cgroup_is_ended_and_the_cgroup_removed(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = real_run_cgroup(self, tmp)
            try:
                self.assertEqual(Path(tmp, memcg.RECORD).read_text().strip(), str(run.path))
                case, figure = run.for_case("case-1")
                self.assertEqual(figure, f"cgroup:{case}")
                self.assertIn("shmem", (case / "memory.stat").read_text().split())
                joined = f"open('{case}/cgroup.procs', 'w').write(str(__import__('os').getpid()))"
                child = subprocess.Popen([sys.executable, "-c", f"{joined}; print(1, flush=True); "
                                          "__import__('time').sleep(600)"],
                                         stdout=subprocess.PIPE, start_new_session=True)
                self.addCleanup(lambda: child.poll() is None and os.killpg(child.pid, signal.SIGKILL))
                with child.stdout:
                    child.stdout.readline()        # it has joined
                left = memcg.remove(case)
                self.assertEqual(left, [f"process {child.pid} (in memory cgroup case-1)"])
                # ended, and reaped by remove (the runner adopts what its cases leave)
                with self.assertRaises(ProcessLookupError):
                    os.kill(child.pid, 0)
                self.assertFalse(case.exists())
            finally:
                run.close()
            self.assertFalse(run.path.exists())
            self.assertNotIn(str(run.path), memcg.leftovers())


class ConditionTest(unittest.TestCase):
    """A run without a memory cgroup of its own, root or not, expects release's ERROR; one with it, not."""

    def test_no_memory_cgroup_is_a_condition_of_the_run(self):
        self.assertIn("no-memory-cgroup", run.run_conditions(memory_cgroup=False))
        self.assertNotIn("no-memory-cgroup", run.run_conditions(memory_cgroup=True))

    def test_it_is_not_the_user(self):
        # a user with a delegated cgroup measures release: being unprivileged chooses nothing here
        unprivileged = run.run_conditions(memory_cgroup=True)
        self.assertEqual("unprivileged" in unprivileged, os.geteuid() != 0)
        self.assertNotIn("no-memory-cgroup", unprivileged)


if __name__ == "__main__":
    unittest.main()
