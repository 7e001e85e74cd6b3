"""--filesystem: which names are taken, where it is refused, how expectations
match a run's PLATFORM+FILESYSTEM id, run_info.filesystem in the schema, and
the sweep's view of a dead run. The mounts themselves need root and a
private namespace; the runs in docs/using.md (Filesystems) exercise them."""

import json
import os
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from runner import filesystems, results_schema
from runner.spec import Expectation
from runner.tests.fixtures import make_doc, make_result


def expectation(platform):
    return Expectation(platform, None, ("FAIL",), "why", None, "a-check")


class MakeTests(unittest.TestCase):
    def make(self, name, kind="native"):
        with mock.patch("os.geteuid", return_value=0):
            return filesystems.make(name, kind)

    def test_each_name_makes_its_kind(self):
        self.assertIsInstance(self.make("tmpfs"), filesystems.Tmpfs)
        self.assertIsInstance(self.make("ext4"), filesystems.Ext4)
        self.assertIsInstance(self.make("overlayfs"), filesystems.Overlay)
        self.assertFalse(self.make("fuse").direct_io)
        self.assertTrue(self.make("fuse-direct-io").direct_io)

    def test_shm_size_is_read_from_the_name(self):
        self.assertEqual(self.make("shm-64m").size_limit(), 64 << 20)
        self.assertEqual(self.make("shm-512k").size_limit(), 512 << 10)
        self.assertIn("64 MiB", self.make("shm-64m").notice())
        self.assertEqual(self.make("shm-64m").backends, ("posix-shm",))

    def test_unknown_names_are_refused_in_one_sentence(self):
        for name in ("btrfs", "shm-", "shm-0m", "shm-64g", "TMPFS"):
            with self.assertRaisesRegex(filesystems.FilesystemError, "^unknown filesystem .*choose one of"):
                self.make(name)

    def test_gvisor_is_refused(self):
        with self.assertRaisesRegex(filesystems.FilesystemError, "does not apply to --platform gvisor"):
            self.make("tmpfs", "gvisor")

    def test_without_root_it_is_refused_before_any_work(self):
        with mock.patch("os.geteuid", return_value=1000):
            with self.assertRaisesRegex(filesystems.FilesystemError, "needs root"):
                filesystems.make("tmpfs", "native")

    def test_the_tools_name_their_packages(self):
        packages = {tool.package for tool in self.make("fuse").tools + self.make("ext4").tools}
        self.assertLessEqual({"bindfs", "e2fsprogs", "mount"}, packages)


class PlatformIdMatchingTests(unittest.TestCase):
    def test_a_platform_expectation_holds_on_any_filesystem(self):
        self.assertTrue(expectation("qemu-aarch64").matches("qemu-aarch64+ext4", "file"))
        self.assertTrue(expectation("wine*").matches("wine+tmpfs", "win32-file"))

    def test_a_filesystem_expectation_holds_on_that_filesystem_only(self):
        self.assertTrue(expectation("*+fuse-direct-io").matches("native+fuse-direct-io", "file"))
        self.assertFalse(expectation("*+fuse-direct-io").matches("native+fuse", "file"))
        self.assertFalse(expectation("*+tmpfs").matches("native", "file"))

    def test_ids_without_a_filesystem_match_as_before(self):
        self.assertFalse(expectation("native").matches("native-asan", "file"))
        self.assertTrue(expectation("native").matches("native", "file"))


FILESYSTEM_INFO = {
    "name": "shm-64m", "holds": "/dev/shm: the objects of the posix-shm backend", "mount_point": "/dev/shm",
    "fstype": "tmpfs", "source": "shm", "mount_options": "rw,nosuid,nodev,noexec,relatime,size=65536k",
    "size_limit_bytes": 64 << 20, "tool": None,
}


class SchemaTests(unittest.TestCase):
    def doc(self, **filesystem):
        doc = make_doc([make_result("VIS-001", "C5", "posix-shm", "PASS")], platform_id="native+shm-64m")
        if filesystem:
            doc["run_info"]["filesystem"] = dict(FILESYSTEM_INFO, **filesystem)
        return doc

    def test_run_info_may_name_its_filesystem_or_not(self):
        self.assertEqual(results_schema.validate(self.doc()), [])
        self.assertEqual(results_schema.validate(self.doc(name="shm-64m")), [])
        self.assertEqual(results_schema.validate(self.doc(size_limit_bytes=None)), [])

    def test_a_bad_filesystem_record_is_refused(self):
        self.assertTrue(results_schema.validate(self.doc(size_limit_bytes=-1)))
        self.assertTrue(results_schema.validate(self.doc(fstype="")))
        doc = self.doc(name="tmpfs")
        del doc["run_info"]["filesystem"]["mount_options"]
        self.assertTrue(results_schema.validate(doc))

    def test_the_json_schema_requires_every_filesystem_key(self):
        run_info = results_schema.json_schema()["properties"]["run_info"]
        self.assertNotIn("filesystem", run_info["required"])
        self.assertEqual(run_info["properties"]["filesystem"]["required"], list(FILESYSTEM_INFO))


class SweepTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.run_path = Path(self.tmp.name) / "12345abcd"
        self.run_path.mkdir()

    def tearDown(self):
        self.tmp.cleanup()

    def test_a_run_without_a_filesystem_has_nothing_to_sweep(self):
        self.assertIsNone(filesystems.dead_scratch(self.run_path, "12345abcd"))
        self.assertEqual(filesystems.sweep(self.run_path), [])

    def test_a_holder_that_is_not_the_runs_is_not_trusted(self):
        # this test process has no MAPCONF_RUN_ID of that run: a reused pid must not be read through
        (self.run_path / filesystems.RECORD).write_text(json.dumps({"name": "tmpfs", "holder": os.getpid(),
                                                                    "image": None}))
        self.assertIsNone(filesystems.dead_scratch(self.run_path, "12345abcd"))

    def test_a_holder_of_the_run_shows_its_scratch_directory(self):
        (self.run_path / filesystems.RECORD).write_text(json.dumps({"name": "tmpfs", "holder": os.getpid(),
                                                                    "image": None}))
        with mock.patch.object(Path, "read_bytes", return_value=b"A=1\0MAPCONF_RUN_ID=12345abcd\0"):
            scratch = filesystems.dead_scratch(self.run_path, "12345abcd")
        self.assertEqual(scratch, Path(f"/proc/{os.getpid()}/root") / str(self.run_path / "objects").lstrip("/"))


class MountEntryTests(unittest.TestCase):
    def test_the_root_mount_is_found_with_its_options(self):
        fstype, _source, options = filesystems.mount_entry(Path("/"))
        self.assertTrue(fstype)
        self.assertTrue(options.startswith(("rw", "ro")))

    def test_escaped_paths_are_read_back(self):
        self.assertEqual(filesystems._unescape(r"/tmp/a\040b"), "/tmp/a b")


if __name__ == "__main__":
    unittest.main()
