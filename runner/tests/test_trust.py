"""What a run trusts: its run root only when no other user can have made or
changed it, and a dead run's records only as far as they name what a run
makes. Planted paths are made as another user (nobody), so these tests
need root; CI runs them as root."""

import json
import os
import stat
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from runner import filesystems, huge_pages, rundir, trust

NOBODY = 65534


def as_nobody(path: Path) -> Path:
    os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
    return path


@unittest.skipUnless(os.geteuid() == 0, "planting a path as another user takes root")
class RunRootTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(lambda: os.system(f"rm -rf '{self.tmp}'"))
        self.sticky = self.tmp / "sticky"          # as /tmp is: anyone may write, sticky
        self.sticky.mkdir()
        self.sticky.chmod(0o1777)
        self.victim = self.tmp / "victim"          # a directory of root's that a planted link aims at
        self.victim.mkdir()
        self.victim.chmod(0o755)

    def root_in(self, tmpdir: Path) -> Path:
        with mock.patch.dict(os.environ, TMPDIR=str(tmpdir)):
            return rundir.runs_root()

    def refused(self, tmpdir: Path, says: str) -> None:
        with self.assertRaises(trust.Untrusted) as refusal:
            self.root_in(tmpdir)
        self.assertIn(says, str(refusal.exception))
        self.assertIn("set TMPDIR", str(refusal.exception))
        self.assertEqual(stat.S_IMODE(self.victim.stat().st_mode), 0o755)
        self.assertEqual(list(self.victim.iterdir()), [])

    def test_a_root_made_here_is_this_users_and_private(self):
        root = self.root_in(self.sticky)
        self.assertEqual(root, self.sticky / "mapconf-0" / "runs")
        for made in (root, root.parent):
            self.assertEqual(made.stat().st_uid, 0)
            self.assertEqual(stat.S_IMODE(made.stat().st_mode), rundir.TRAVERSE_ONLY)
        self.assertEqual(self.root_in(self.sticky), root)     # and used again

    def test_a_runs_link_in_a_directory_another_user_made_is_refused(self):
        mine = self.sticky / "mapconf-0"
        mine.mkdir()
        as_nobody(mine)
        (mine / "runs").symlink_to(self.victim)
        self.refused(self.sticky, "belongs to uid 65534")

    def test_a_planted_link_for_the_users_directory_is_refused(self):
        link = self.sticky / "mapconf-0"
        link.symlink_to(self.victim)
        as_nobody(link)
        self.refused(self.sticky, "is a symbolic link")

    def test_a_killed_run_planted_in_a_directory_another_user_made_is_never_swept(self):
        fake = self.sticky / "mapconf-0" / "runs" / "1234abcd"
        fake.mkdir(parents=True)
        (fake / huge_pages.RECORD).write_text("7\n")
        for path in (fake / huge_pages.RECORD, fake, fake.parent, fake.parent.parent):
            as_nobody(path)
        with mock.patch.object(huge_pages, "POOL") as pool:
            self.refused(self.sticky, "belongs to uid 65534")
            pool.write_text.assert_not_called()

    def test_a_tmpdir_another_user_owns_is_refused(self):
        theirs = self.tmp / "theirs"
        theirs.mkdir(mode=0o755)
        as_nobody(theirs)
        self.refused(theirs, "belongs to uid 65534")

    def test_a_tmpdir_others_may_write_that_is_not_sticky_is_refused(self):
        open_dir = self.tmp / "open"
        open_dir.mkdir()
        open_dir.chmod(0o777)
        self.refused(open_dir, "is not sticky")

    def test_a_link_another_user_made_on_the_way_to_tmpdir_is_refused(self):
        link = self.sticky / "tmp"
        link.symlink_to(self.victim)
        as_nobody(link)
        self.refused(link, "is a symbolic link of uid 65534")

    def test_a_link_of_roots_on_the_way_is_followed(self):
        link = self.tmp / "tmp-link"
        link.symlink_to(self.sticky)
        self.assertEqual(self.root_in(link), self.sticky / "mapconf-0" / "runs")

    def test_a_root_others_may_write_is_refused(self):
        (self.sticky / "mapconf-0").mkdir()
        (self.sticky / "mapconf-0").chmod(0o777)
        self.refused(self.sticky, "may be written by others")


@unittest.skipUnless(os.geteuid() == 0, "planting a path as another user takes root")
class SweepTest(unittest.TestCase):
    """In a trusted root, the sweep acts on this user's run directories only,
    and follows a dead run's records only where they name what a run makes."""

    def setUp(self):
        self.root = Path(tempfile.mkdtemp())
        self.addCleanup(lambda: os.system(f"rm -rf '{self.root}'"))

    def dead_run(self, name: str = "1234abcd") -> Path:
        path = self.root / name
        path.mkdir(mode=0o711)
        (path / rundir.LOCK).write_text("")
        return path

    def sweep(self) -> tuple[list[str], list[str]]:
        ignored: list[str] = []
        with mock.patch.object(rundir, "kill_orphans", return_value=[]):
            return rundir.sweep_dead_runs(self.root, ignored), ignored

    def test_a_directory_of_another_user_is_left_alone_and_said(self):
        theirs = as_nobody(self.dead_run())
        removed, ignored = self.sweep()
        self.assertTrue(theirs.exists())
        self.assertEqual(removed, [])
        self.assertIn("not a run directory of this user's", ignored[0])

    def test_a_lock_that_is_a_link_or_anothers_is_no_dead_run(self):
        linked = self.root / "1234abcd"
        linked.mkdir(mode=0o711)
        (linked / rundir.LOCK).symlink_to("/dev/null")
        theirs = self.dead_run("5678abcd")
        as_nobody(theirs / rundir.LOCK)
        self.sweep()
        self.assertTrue(linked.exists() and theirs.exists())

    def test_a_run_killed_before_its_lock_is_removed_when_empty(self):
        (self.root / "1234abcd").mkdir(mode=0o711)
        removed, ignored = self.sweep()
        self.assertEqual(removed, [str(self.root / "1234abcd")])
        self.assertEqual(ignored, [])

    def test_a_huge_page_record_is_followed_only_as_far_as_a_case_could_have_found_it(self):
        elsewhere = Path(tempfile.mkdtemp())
        self.addCleanup(lambda: os.system(f"rm -rf '{elsewhere}'"))
        pool = elsewhere / "nr_hugepages"
        for now, record, put_back in ((3, "2\n", "2\n"), (3, "7\n", None), (40, "2\n", None), (3, "x\n", None)):
            pool.write_text(f"{now}\n")
            run = self.dead_run()
            (run / huge_pages.RECORD).write_text(record)
            with mock.patch.object(huge_pages, "POOL", pool), \
                    mock.patch.object(huge_pages, "LOCK", elsewhere / "pool.lock"):
                removed, ignored = self.sweep()
            self.assertEqual(pool.read_text(), put_back or f"{now}\n", (now, record))
            self.assertEqual(bool(ignored), put_back is None, (now, record, ignored))
            self.assertFalse(run.exists())

    def test_a_filesystem_record_naming_an_image_elsewhere_is_left_alone(self):
        run = self.dead_run()
        (run / filesystems.RECORD).write_text(json.dumps({"name": "ext4", "holder": 1, "image": "/dev/sda"}))
        with mock.patch.object(filesystems, "loops_of") as loops:
            removed, ignored = self.sweep()
            loops.assert_not_called()
        self.assertTrue(any("its loop devices are left alone" in item for item in ignored), ignored)
        self.assertIsNone(filesystems.dead_scratch(run, "1234abcd"))    # pid 1 is no holder of the run

    def test_an_object_of_another_user_with_the_runs_name_is_left_alone(self):
        run = self.dead_run()
        planted = rundir.SHM_DIR / f"mapconf-{run.name}-planted"
        planted.write_text("")
        self.addCleanup(lambda: planted.unlink(missing_ok=True))
        as_nobody(planted)
        self.sweep()
        self.assertTrue(planted.exists())


class RecordTest(unittest.TestCase):
    def test_a_record_is_read_from_a_regular_file_of_this_users_only(self):
        with tempfile.TemporaryDirectory() as tmp:
            record = Path(tmp) / "record"
            record.write_text("5\n")
            self.assertEqual(trust.read_record(record), "5\n")
            link = Path(tmp) / "link"
            link.symlink_to(record)
            self.assertIsNone(trust.read_record(link))
            os.mkfifo(Path(tmp) / "fifo")
            self.assertIsNone(trust.read_record(Path(tmp) / "fifo"))      # and no wait on it
            self.assertIsNone(trust.read_record(Path(tmp) / "none"))

    def test_the_most_a_case_adds_is_the_controllers(self):
        source = (Path(__file__).resolve().parents[2] / "controller" / "huge_pages.c").read_text()
        self.assertIn(f"#define MOST_A_CASE_ADDS {huge_pages.MOST_A_CASE_ADDS}\n", source)


if __name__ == "__main__":
    unittest.main()
