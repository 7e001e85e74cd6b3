"""The report directory is checked before any case runs: a bad --out is
one sentence and exit 2, never a traceback at the end of a run."""

import contextlib
import io
import tempfile
import unittest
from pathlib import Path

from runner import cli
from runner.run import UsageError, prepare_out


class PrepareOut(unittest.TestCase):
    def test_a_new_directory_is_made(self):
        with tempfile.TemporaryDirectory() as top:
            out = Path(top) / "a" / "b"
            prepare_out(out)
            self.assertTrue(out.is_dir())

    def test_a_directory_that_cannot_be_made_is_refused(self):
        with self.assertRaisesRegex(UsageError, "cannot create the report directory /proc/x"):
            prepare_out(Path("/proc/x"))

    def test_a_file_is_refused(self):
        with tempfile.NamedTemporaryFile() as file:
            with self.assertRaisesRegex(UsageError, "is a file, not a directory"):
                prepare_out(Path(file.name))

    def test_a_report_path_that_is_a_directory_is_refused(self):
        with tempfile.TemporaryDirectory() as top:
            (Path(top) / "junit.xml").mkdir()
            with self.assertRaisesRegex(UsageError, "junit.xml is a directory"):
                prepare_out(Path(top))

    def test_a_directory_without_write_access_is_refused(self):
        with self.assertRaisesRegex(UsageError, "cannot write in the report directory /proc"):
            prepare_out(Path("/proc"))

    def test_the_command_exits_2_with_one_sentence(self):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            code = cli.main(["run", "-q", "--out", "/proc/x", "--filter", "VIS-001"])
        self.assertEqual(code, 2)
        self.assertEqual(stderr.getvalue().count("\n"), 1)
        self.assertIn("cannot create the report directory /proc/x", stderr.getvalue())

if __name__ == "__main__":
    unittest.main()
