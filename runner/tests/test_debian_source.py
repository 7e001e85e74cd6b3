"""Debian's source packages: the version fetched is the newest apt offers,
a machine without deb-src lines is told what to do (exit 2), and the build
gets the files it names beside the version it got them from."""

import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from runner import debian_source

SHOWSRC = "Package: cmocka\nVersion: 1.1.5-2.1\n\nPackage: cmocka\nVersion: 1.1.7-1~bpo12+1\n\nPackage: cmocka\nVersion: 1.1.5-2\n"


def apt_says(stdout: str, status: int = 0):
    return mock.patch.object(debian_source, "_run", return_value=subprocess.CompletedProcess([], status, stdout, ""))


class DebianSourceTest(unittest.TestCase):
    def test_the_newest_version_apt_offers_is_fetched(self):
        with apt_says(SHOWSRC):
            self.assertEqual(debian_source.candidate_version("cmocka"), "1.1.7-1~bpo12+1")

    def test_without_deb_src_lines_it_says_what_to_do(self):
        with apt_says("", status=0), self.assertRaisesRegex(debian_source.SourceError, "add a deb-src line"):
            debian_source.candidate_version("cmocka")

    def test_the_build_gets_its_files_and_the_version(self):
        with tempfile.TemporaryDirectory() as scratch:
            tree, dest = Path(scratch) / "cmocka-1.1.5", Path(scratch) / "build"
            (tree / "src").mkdir(parents=True)
            (tree / "src" / "cmocka.c").write_text("int x;\n")
            described = "cmocka 1.1.5-2.1 (cmocka_1.1.5-2.1.dsc sha256 00)"
            with mock.patch.object(debian_source, "unpacked", return_value=(tree, described)):
                debian_source.copy_into("cmocka", dest, ["src/cmocka.c"])
                self.assertEqual((dest / "src" / "cmocka.c").read_text(), "int x;\n")
                self.assertEqual((dest / debian_source.VERSION_FILE).read_text(), described + "\n")
                with self.assertRaisesRegex(debian_source.SourceError, "has no include/cmocka.h"):
                    debian_source.copy_into("cmocka", dest, ["include/cmocka.h"])

    def test_bad_use_exits_2(self):
        with mock.patch("sys.stderr"):
            self.assertEqual(debian_source.main(["cmocka"]), 2)
            with apt_says("", status=100):
                self.assertEqual(debian_source.main(["cmocka", "/nonexistent", "src/cmocka.c"]), 2)


if __name__ == "__main__":
    unittest.main()
