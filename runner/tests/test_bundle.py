"""A bundle's records: each job's end and files read in order, and a job
whose answer never came (the target stopped, the records were cut) has
none, so the judge makes it an ERROR."""

import unittest

from runner import bundle, platforms, run

US = "\x1f"


def case(exit_code: int, record: bytes) -> bytes:
    files = b"".join(f"file{US}{len(data)}\n".encode() + data for data in (b"out\n", record, b"transcript\n"))
    return f"ended{US}exit={exit_code}{US}ms=12\n".encode() + files


class AnswersTest(unittest.TestCase):
    def test_each_job_gets_its_end_and_files(self):
        stream = b"ready pid=9 euid=0\nok\n" + case(0, b"begin\nend checks=1\n") + case(1, b"begin\n")
        first, second = bundle.read_answers(stream, 2)
        self.assertEqual((first[0].returncode, first[0].duration_ms, first[1]["record"]),
                         (0, 12, b"begin\nend checks=1\n"))
        self.assertEqual(second[0].returncode, 1)

    def test_the_targets_facts_are_its_ready_line_and_its_answers_to_the_setup(self):
        stream = b"ready pid=9 euid=0\nok scratch_fs=tmpfs\nok\n" + case(0, b"begin\n") + b"ok scratch_fs=ext4\n"
        self.assertEqual(bundle.target_facts(stream), {"pid": "9", "euid": "0", "scratch_fs": "tmpfs"})

    def test_records_cut_in_a_case_make_it_broken_and_leave_the_rest_without_answer(self):
        whole = b"ready pid=9\n" + case(0, b"begin\nend checks=1\n") + case(0, b"begin\nend checks=1\n")
        first, second, third = bundle.read_answers(whole[:-20], 3)
        self.assertIsNone(first[0].broken)
        self.assertIn("end in the middle", second[0].broken)
        self.assertIsNone(third)

    def test_an_env_request_between_cases_is_answered_and_skipped(self):
        stream = b"ready pid=9\nok scratch_fs=ntfs\n" + case(1, b"begin\n") + b"ok scratch_fs=ntfs\n" + case(0, b"b\n")
        first, second = bundle.read_answers(stream, 2)
        self.assertEqual((first[0].returncode, second[0].returncode, second[1]["record"]), (1, 0, b"b\n"))


class WindowsRecordsTest(unittest.TestCase):
    def test_a_windows_bundle_run_under_wine_carries_wines_platform_id(self):
        facts = {"os": "Windows 10.0.19045", "kernel": "Windows NT 10.0.19045", "wine": "8.0"}
        windows = platforms.make("windows")
        self.assertEqual(windows.bundle_ran_on(facts, "windows"), "wine-bundle")
        self.assertEqual((windows.runtime(), windows.version()), ("Wine 8.0", (8, 0)))
        self.assertEqual(windows.bundle_ran_on(facts, "my-wine"), "my-wine")     # an id of one's own is kept

    def test_on_windows_itself_no_runtime_and_its_own_id(self):
        windows = platforms.make("windows")
        self.assertEqual(windows.bundle_ran_on({"os": "Windows 10.0.20348"}, "windows"), "windows")
        self.assertIsNone(windows.runtime())

    def test_a_windows_build_is_in_no_linux_kernel_range(self):
        facts = {"kernel": "Windows NT 6.1.7601", "libc": "msvcrt", "wine": "8.0"}
        windows = platforms.make("windows")
        windows.bundle_ran_on(facts, "windows")     # as the judge does first
        versions = bundle.judged_versions(windows, facts)
        self.assertEqual((versions["kernel"], versions["libc"], versions["runtime"]), (None, None, (8, 0)))
        linux = bundle.judged_versions(platforms.make("native"), {"kernel": "6.1.0-57-amd64"})
        self.assertEqual(linux["kernel"][:2], (6, 1))

    def test_an_unelevated_windows_run_is_unprivileged(self):
        self.assertIn("unprivileged", run.target_conditions({"elevated": "0", "memory_cgroup": "0"}))
        self.assertNotIn("unprivileged", run.target_conditions({"elevated": "1", "memory_cgroup": "0"}))


if __name__ == "__main__":
    unittest.main()
