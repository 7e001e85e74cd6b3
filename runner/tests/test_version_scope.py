"""Tests for runner.version_scope: an expectation whose reason names a
version carries the range that version is held to, or says why it has none."""

import textwrap
import unittest
from pathlib import Path

from runner import spec, version_scope

REPO = Path(__file__).resolve().parents[2]


def problems(expect: str) -> list[str]:
    """The problems of a table with one assertion and the given expectation (its header is line 8)."""
    text = textwrap.dedent("""\
        [[assertion]]
        id = "ADDR-003"
        clause = "C4"
        statement = "A view at an occupied address is refused."
        backends = ["posix-shm"]
        case = "addresses:occupied"

          [[assertion.expect]]
        """) + textwrap.dedent(expect)
    return version_scope.problems(spec.parse(text, "cases/spec.toml"))


class NamedVersions(unittest.TestCase):
    def test_runtime_kernel_and_libc_names(self):
        self.assertEqual(version_scope.named_versions(
            "qemu-arm 7.2 cuts it; gVisor (runsc 20221219, ptrace) too; on Linux 6.18 with glibc 2.36"),
            [("runtime", "qemu-arm 7.2"), ("runtime", "runsc 20221219"), ("kernel", "Linux 6.18"),
             ("libc", "glibc 2.36")])

    def test_numbers_that_are_not_versions(self):
        self.assertEqual(version_scope.named_versions(
            "the agent answers 'ok addr=0x3f690000' for 2097152 bytes at 4 GiB; i386 guests too"), [])


class Problems(unittest.TestCase):
    def test_a_version_without_its_range_is_refused_at_its_line(self):
        found = problems("""\
              platform = "qemu-*"
              status = "FAIL"
              check = "request-refused"
              reason = "qemu-user 7.2 treats MAP_FIXED_NOREPLACE as a hint"
            """)
        self.assertEqual(len(found), 1)
        self.assertIn("cases/spec.toml:8: an expectation of ADDR-003 names qemu-user 7.2", found[0])
        self.assertIn("no 'runtime' range", found[0])

    def test_the_range_of_the_named_kind_satisfies_it(self):
        self.assertEqual(problems("""\
              platform = "qemu-*"
              runtime = "< 8.1"
              status = "FAIL"
              check = "request-refused"
              reason = "qemu-user 7.2 treats MAP_FIXED_NOREPLACE as a hint; fixed in 8.1"
            """), [])

    def test_a_range_of_another_kind_does_not(self):
        found = problems("""\
              platform = "*+tmpfs"
              runtime = ">= 1.0"
              status = "FAIL"
              check = "request-refused"
              reason = "on Linux 6.18 the pages stay dirty"
            """)
        self.assertEqual(len(found), 1)
        self.assertIn("no 'kernel' range", found[0])

    def test_a_reason_that_says_why_there_is_no_range(self):
        self.assertEqual(problems("""\
              platform = "*+tmpfs"
              status = "FAIL"
              check = "request-refused"
              reason = "on Linux 6.18 the pages stay dirty. No version range: tmpfs has no backing store on any kernel"
            """), [])

    def test_the_spec_table_is_scoped(self):
        self.assertEqual(version_scope.problems(spec.load(str(REPO / "cases" / "spec.toml"))), [])


if __name__ == "__main__":
    unittest.main()
