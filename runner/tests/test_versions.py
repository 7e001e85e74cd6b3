"""Expectations by version: reading versions and ranges (runner.versions),
the `runtime`, `kernel` and `libc` keys of the spec table (runner.spec), and
how a range decides a result (runner.results)."""

import textwrap
import unittest
from pathlib import Path

from runner import catalogue, docs, results, spec
from runner.execute import Observed
from runner.platforms import Options, Platform
from runner.spec import SpecError
from runner.versions import RangeError, parse_range, version_of

PATH = "cases/spec.toml"


def table(expect: str) -> str:
    """One assertion with the given [[assertion.expect]] lines (the expect header is line 8)."""
    return textwrap.dedent("""\
        [[assertion]]
        id = "SYNC-002"
        clause = "C8"
        statement = "A killed owner's robust mutex reports EOWNERDEAD."
        backends = ["posix-shm", "file"]
        case = "sync:robust_mutex"

          [[assertion.expect]]
        """) + textwrap.dedent(expect)


SEVERAL = table("""\
    platform = "qemu-*"
    runtime = ">= 7.2, < 8.1"
    status = "FAIL"
    check = "c-locks-mutex"
    answer = "err code=busy"
    reason = "qemu-user 7.2 answers set_robust_list with ENOSYS."

      [[assertion.expect]]
    platform = "native"
    kernel = "< 5.0"
    libc = "== 2.36"
    status = "FAIL"
    check = "c-locks-mutex"
    reason = "old kernels."
    """)


def versions(runtime=None, kernel=(6, 1), libc=(2, 36)):
    return {"runtime": runtime, "kernel": kernel, "libc": libc}


class VersionOfTest(unittest.TestCase):
    def test_the_first_dotted_number_that_is_no_part_of_a_name(self):
        self.assertEqual(version_of("Wine 8.0 (Debian 8.0~repack-4)"), (8, 0))
        self.assertEqual(version_of("qemu-i386 version 7.2.22 (Debian 1:7.2+dfsg-7)"), (7, 2, 22))
        self.assertEqual(version_of("x86_64 build 1.2"), (1, 2))
        self.assertEqual(version_of("valgrind-3.19.0 memcheck"), (3, 19, 0))
        self.assertEqual(version_of("Linux 6.1.0-18-amd64"), (6, 1, 0))
        self.assertEqual(version_of("glibc 2.36"), (2, 36))

    def test_a_debian_snapshot_is_its_number(self):
        self.assertEqual(version_of("gVisor runsc version 0.0~20221219.0 (ptrace platform)"), (20221219, 0))

    def test_no_version(self):
        self.assertIsNone(version_of(None))
        self.assertIsNone(version_of(""))
        self.assertIsNone(version_of("agents wrapped by: valgrind -q"))

    def test_platform_version_defaults_to_its_runtime(self):
        class Emulator(Platform):
            def runtime(self):
                return "emu-arm64 version 9.1.3"
        self.assertEqual(Emulator(Options()).version(), (9, 1, 3))
        self.assertIsNone(Platform(Options()).version())


class RangeTest(unittest.TestCase):
    def test_bounds(self):
        r = parse_range(">= 7.2, < 8.1")
        self.assertIn((7, 2), r)
        self.assertIn((7, 2, 22), r)      # 7.2.22 is above 7.2
        self.assertIn((8, 0, 9), r)
        self.assertNotIn((8, 1), r)
        self.assertNotIn((8, 1, 0), r)    # a missing number counts as 0
        self.assertNotIn((7, 1, 99), r)
        self.assertNotIn(None, r)         # an unknown version is in no range

    def test_equal_means_the_release_and_its_patch_levels(self):
        r = parse_range("== 7.2")
        self.assertIn((7, 2), r)
        self.assertIn((7, 2, 22), r)
        self.assertNotIn((7, 3), r)
        self.assertNotIn((7, 20), r)

    def test_strict_and_open_bounds(self):
        self.assertNotIn((8,), parse_range("> 8"))
        self.assertIn((8, 0, 1), parse_range("> 8"))
        self.assertIn((8,), parse_range("<= 8.0"))
        self.assertIn((1,), parse_range("<= 8.0"))

    def test_text_is_kept_as_written(self):
        self.assertEqual(str(parse_range(">=7.2,<8.1")), ">=7.2,<8.1")
        self.assertEqual(str(parse_range(" >= 7.2 ,  < 8.1 ")), ">= 7.2 , < 8.1")

    def test_refused(self):
        for bad, fragment in [("7.2", "'7.2' is not a comparison"), (">= x", "'>= x' is not"),
                              ("=> 7", "'=> 7' is not"), (">= 7.", "'>= 7.' is not"),
                              (">= 7,", "a comma too many"), (">= 8, < 7", "admits no version"),
                              ("> 7, <= 7", "admits no version"), ("== 7.2, >= 7.3", "admits no version")]:
            with self.subTest(bad=bad), self.assertRaises(RangeError) as caught:
                parse_range(bad)
            self.assertIn(fragment, str(caught.exception))


class SpecKeysTest(unittest.TestCase):
    def test_parsed(self):
        first, second = spec.parse(SEVERAL, PATH).assertions[0].expectations
        self.assertEqual(first.ranges_text(), "runtime >= 7.2, < 8.1")
        self.assertEqual(second.ranges_text(), "kernel < 5.0; libc == 2.36")

    def assertSpecError(self, expect: str, line: int, *fragments: str) -> None:
        with self.assertRaises(SpecError) as caught:
            spec.parse(table(expect), PATH)
        message = str(caught.exception)
        self.assertTrue(message.startswith(f"{PATH}:{line}: "), message)
        self.assertEqual(message.count(". "), 0, message)     # one sentence
        for fragment in fragments:
            self.assertIn(fragment, message)

    def test_a_bad_range_names_its_line(self):
        self.assertSpecError('status = "PASS"\nkernel = "6.1"\n', 10,
                             "'kernel' in an expectation of assertion 'SYNC-002' is not a version range",
                             "'6.1' is not a comparison", 'like kernel = ">= 7.2, < 8.1"')

    def test_an_empty_range_is_refused(self):
        self.assertSpecError('status = "PASS"\nruntime = ">= 9, < 8"\n', 10, "admits no version")

    def test_a_range_must_be_a_string(self):
        self.assertSpecError('status = "PASS"\nlibc = 2.36\n', 10, "'libc'", "must be a string")

    def test_an_unknown_key_lists_the_version_keys(self):
        self.assertSpecError('status = "PASS"\nversion = ">= 1"\n', 10,
                             "unknown key 'version'", "runtime, kernel, libc")


class MatchingTest(unittest.TestCase):
    def setUp(self):
        self.assertion = spec.parse(SEVERAL, PATH).assertions[0]

    def test_inside_the_range_the_expectation_applies(self):
        found = self.assertion.expectation("qemu-aarch64", "file", frozenset(), versions(runtime=(7, 2, 22)))
        self.assertEqual(found.statuses, ("FAIL",))

    def test_outside_the_range_it_does_not(self):
        self.assertIsNone(self.assertion.expectation("qemu-aarch64", "file", frozenset(), versions(runtime=(8, 1))))
        self.assertIsNone(self.assertion.expectation("qemu-aarch64", "file", frozenset(), versions(runtime=None)))

    def test_every_range_must_hold(self):
        self.assertIsNotNone(self.assertion.expectation("native", "file", frozenset(), versions(kernel=(4, 19))))
        self.assertIsNone(self.assertion.expectation("native", "file", frozenset(),
                                                     versions(kernel=(4, 19), libc=(2, 37))))

    def test_a_reader_of_the_table_sees_every_range_hold(self):
        self.assertIsNotNone(self.assertion.expectation("qemu-aarch64", "file"))


def observed(status, check=None, message=""):
    return Observed(status, message, 5, "", "", "exit 0", check=check)


class RecordTest(unittest.TestCase):
    def setUp(self):
        self.assertion = spec.parse(SEVERAL, PATH).assertions[0]

    def record(self, obs, runtime):
        return results.record(self.assertion, "file", "qemu-aarch64", obs, frozenset(), versions(runtime=runtime))

    def test_the_known_failure_on_its_release(self):
        r = self.record(observed("FAIL", "c-locks-mutex", "got err code=busy native=EBUSY"), (7, 2, 22))
        self.assertEqual((r["status"], r["unexpected"]), ("XFAIL", False))

    def test_a_fixed_release_passes_without_xpass(self):
        r = self.record(observed("PASS"), (8, 1))
        self.assertEqual((r["status"], r["unexpected"], r["expected"]), ("PASS", False, ["PASS"]))

    def test_a_fix_on_the_release_it_was_seen_on_is_news(self):
        r = self.record(observed("PASS"), (7, 2))
        self.assertEqual((r["status"], r["unexpected"]), ("XPASS", True))

    def test_the_failure_on_a_later_release_is_unexpected_and_says_why(self):
        r = self.record(observed("FAIL", "c-locks-mutex", "got err code=busy"), (9, 0))
        self.assertEqual((r["status"], r["unexpected"]), ("FAIL", True))
        self.assertIn("got err code=busy (the expectation at line 8 of the spec table (FAIL for runtime "
                      ">= 7.2, < 8.1) is for other versions: this run has runtime 9.0)", r["message"])


class ReadersTest(unittest.TestCase):
    """What the generated findings and `explain` show of a range."""

    def test_findings_show_the_range_and_a_ranged_expectation_takes_nothing_first(self):
        later = SEVERAL + textwrap.dedent("""\
              [[assertion.expect]]
            platform = "qemu-aarch64"
            status = "FAIL"
            check = "c-locks-mutex"
            reason = "every other release."
            """)
        the_spec = spec.parse(later, PATH)
        text = docs.findings_text(the_spec, PATH)
        self.assertIn("| FAIL (runtime \\>= 7.2, \\< 8.1) | c-locks-mutex |", text)
        assertion = the_spec.assertions[0]
        # the qemu-* range holds for some releases only, so on the others the last one decides
        self.assertEqual(docs.decided_backends(assertion, assertion.expectations[2]), ["posix-shm", "file"])

    def test_explain_shows_the_range(self):
        text = catalogue.explain(spec.parse(SEVERAL, PATH), "SYNC-002", Path("."))
        self.assertIn("platform qemu-*, backend *, runtime >= 7.2, < 8.1: FAIL at check c-locks-mutex", text)
        self.assertIn("platform native, backend *, kernel < 5.0; libc == 2.36: FAIL", text)


if __name__ == "__main__":
    unittest.main()
