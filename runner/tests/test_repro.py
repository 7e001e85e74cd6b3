"""The trace of a case becomes a reproducer's script: what changes between
runs is written as a reference to the answer it came from."""

import unittest
from unittest import mock

from runner import platforms, repro, run, spec, vocabulary
from runner.reports import html_details, page_parts

TRACE = """scratch /tmp/mapconf-0/runs/abc/objects
start A
answer A #1 ready pid=100 arch=x86_64 ptr=8 page=4096 shmlba=4096
send A findfree length=65536
answer A #2 ok addr=0x7f0000000000
require #2
send A isfree addr=0x7f0000000000 length=65536
answer A #3 ok free=1
require #3
send A create backend=file name=/tmp/mapconf-0/runs/abc/objects/mapconf-abc-99-1-deadbeef size=65536 excl=1
answer A #4 ok handle=h1
require #4
send A map handle=h1 length=65536 at=0x7f0000000000
answer A #5 ok addr=0x7f0000000000
require #5
send A write addr=0x7f0000000040 data=6869
answer A #6 ok
check a-view-exactly-there compare #5.addr+0 == @0x7f0000000000
chain read_through_raw A raw=3 length=2
send A adopt raw=3
answer A #7 err code=bad_handle native=EBADF
chain-end #7
check closed answer #7 !ok data=6869
send A open backend=file name=/TMP/MAPCONF-0/RUNS/ABC/MAPCONF-ABC-99-1-DEADBEEF access=rw
answer A #8 err code=not_found native=ENOENT
check upper-case-not-found answer #8 err code=not_found
"""


class ScriptTest(unittest.TestCase):
    def setUp(self):
        self.lines = repro._Script(TRACE.splitlines(), None).build()

    def test_addresses_refer_to_the_answer_they_came_from(self):
        self.assertIn("call A #5 map handle=h1 length=65536 at={#2.addr}", self.lines)
        self.assertIn("call A #6 write addr={#2.addr+64} data=6869", self.lines)

    def test_a_check_compares_with_the_first_answer_not_itself(self):
        self.assertIn("check a-view-exactly-there compare #5.addr+0 == #2.addr", self.lines)

    def test_names_get_the_reproducers_directory_and_prefix(self):
        self.assertIn("call A #4 create backend=file name={dir}/{prefix}1-deadbeef size=65536 excl=1", self.lines)

    def test_a_name_in_capitals_in_the_directory_above(self):
        self.assertIn("call A #8 open backend=file name={OTHERDIR}/{PREFIX}1-DEADBEEF access=rw", self.lines)

    def test_a_free_address_is_required_free(self):
        self.assertIn("require free-address answer #3 ok free=1", self.lines)

    def test_a_chain_is_one_step_with_its_last_answer(self):
        self.assertIn("read_through_raw A #7 raw=3 length=2", self.lines)
        self.assertFalse(any(line.startswith("call A #7 adopt") for line in self.lines))

    def test_an_address_no_answer_gave_cannot_be_written(self):
        trace = TRACE.replace("send A write addr=0x7f0000000040", "send A write addr=0x1000")
        with self.assertRaises(repro.ReproError):
            repro._Script(trace.splitlines(), None).build()


NEW_BACKEND_SPEC = """
[[assertion]]
id = "VIS-001"
clause = "C5"
statement = "A write in A is read by B."
backends = ["posix-shm", "hugetlbfs"]
case = "visibility:write_in_a_is_read_by_b"
"""


class ANewBackend(unittest.TestCase):
    """A backend added as docs/extending.md says, by its row in the vocabulary,
    reaches the runs, the reports and the reproducers with nothing else to list."""

    def setUp(self):
        patch = mock.patch.dict(vocabulary.BACKENDS, {"hugetlbfs": vocabulary.Backend("hugetlbfs", "posix")})
        patch.start()
        self.addCleanup(patch.stop)
        self.spec = spec.parse(NEW_BACKEND_SPEC, "t.toml")

    def test_the_runs_have_it_on_every_platform_of_its_agent(self):
        native = platforms.make("native")
        self.assertIn("hugetlbfs", native.backends)
        self.assertNotIn("hugetlbfs", platforms.backends_on("wine"))
        self.assertEqual([job.backend for job in run.select_jobs(self.spec, [], native)], ["posix-shm", "hugetlbfs"])

    def test_a_reproducer_is_made_for_it_natively(self):
        self.assertIn("hugetlbfs", repro.reproducible_backends())
        self.assertEqual(repro.select(self.spec, ["VIS-001"], "hugetlbfs"), [(self.spec.assertions[0], "hugetlbfs")])
        self.assertEqual((repro.kind_of("hugetlbfs"), repro.RECORDED_ON["posix"]), ("posix", "native"))

    def test_the_reports_show_its_column_and_name_its_reproducer(self):
        result = {"id": "VIS-001", "backend": "hugetlbfs", "observed": "FAIL"}
        self.assertEqual(page_parts.backends_present([result]), ["hugetlbfs"])
        self.assertEqual(html_details._reproducer(result),
                         [("reproducer", "./mapconf repro VIS-001 --backend hugetlbfs -o repro/VIS-001-hugetlbfs")])

    def test_an_unknown_backend_is_still_refused(self):
        with self.assertRaisesRegex(run.UsageError, "no reproducer is made for backend 'nope'; these are: posix-shm"):
            repro.make(repro.Path("."), repro.Path("cases/spec.toml"), ["VIS-001"], "nope", repro.Path("/nonexistent"))


if __name__ == "__main__":
    unittest.main()

