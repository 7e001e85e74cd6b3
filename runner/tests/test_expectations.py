"""A team's own expectations: the file layered over the spec table, and
`expectations update` writing it from runs."""

import json
import tempfile
import unittest
from pathlib import Path

from runner import expectations, spec
from runner.tests.fixtures import make_doc, make_result

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "cases" / "spec.toml"


def addr_001(status, expected_by=None, check="default"):
    result = make_result("ADDR-001", "C4", "posix-shm", status, check=check,
                         message="cases/addresses.c:21: A asked for 0x1000 and got \"ok addr=0x2000\"")
    result["case"] = "addresses:view_at_free_address_is_exactly_there"
    result["expected_by"] = expected_by
    if status == "FAIL":
        result["check"] = "a-view-exactly-there"
    return result


class LayerTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.spec = spec.load(str(SPEC))

    def write(self, name, text):
        path = Path(self.dir.name) / name
        path.write_text(text)
        return path

    def test_the_file_comes_before_the_spec_and_says_where_it_is_from(self):
        path = self.write("team.toml", '[[assertion]]\nid = "NAME-007"\n  [[assertion.expect]]\n'
                                       '  platform = "native"\n  backend = "posix-shm"\n  status = "PASS"\n')
        layered = spec.with_expectations(self.spec, path)
        first = layered.by_id("NAME-007").expectation("native", "posix-shm")
        self.assertEqual((first.statuses, first.source), (("PASS",), str(path)))
        # the spec's own still apply where the file says nothing
        self.assertEqual(layered.by_id("NAME-007").expectation("gvisor", "posix-shm").source, None)

    def test_an_assertion_the_spec_does_not_have_is_refused_at_its_line(self):
        path = self.write("team.toml", '\n[[assertion]]\nid = "NOPE-001"\n')
        with self.assertRaisesRegex(spec.SpecError, "is not in the spec table"):
            spec.with_expectations(self.spec, path)
        try:
            spec.with_expectations(self.spec, path)
        except spec.SpecError as error:
            self.assertEqual((error.path, error.line), (str(path), 3))

    def test_only_id_and_expect_may_be_given(self):
        path = self.write("team.toml", '[[assertion]]\nid = "VIS-001"\nclause = "C5"\n')
        with self.assertRaisesRegex(spec.SpecError, "unknown key 'clause'"):
            spec.with_expectations(self.spec, path)

    def test_an_empty_file_expects_nothing(self):
        path = self.write("team.toml", "# nothing yet\n")
        self.assertEqual(spec.with_expectations(self.spec, path).assertions, self.spec.assertions)


class UpdateTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.out = Path(self.dir.name) / "team.toml"

    def results(self, *results, platform_id="my-shim"):
        path = Path(self.dir.name) / f"results-{len(list(Path(self.dir.name).iterdir()))}.json"
        path.write_text(json.dumps(make_doc(list(results), platform_id=platform_id)))
        return str(path)

    def update(self, *paths):
        return expectations.update(list(paths), self.out, SPEC)

    def test_an_unexpected_failure_is_pinned_and_then_expected(self):
        said = self.update(self.results(addr_001("FAIL")))
        self.assertIn("1 new, 0 kept, 0 dropped", said)
        layered = spec.with_expectations(spec.load(str(SPEC)), self.out.resolve())
        pinned = layered.by_id("ADDR-001").expectation("my-shim", "posix-shm")
        self.assertEqual((pinned.statuses, pinned.check), (("FAIL",), "a-view-exactly-there"))
        self.assertIn('got "ok addr=0x2000"', pinned.reason)
        self.assertIsNone(layered.by_id("ADDR-001").expectation("native", "posix-shm"))

    def test_an_entry_a_run_needed_is_kept_and_one_it_no_longer_needs_is_dropped(self):
        self.update(self.results(addr_001("FAIL")))
        own = str(self.out.resolve())
        self.assertIn("0 new, 1 kept, 0 dropped", self.update(self.results(addr_001("XFAIL", own))))
        # fixed: the file's entry made it XPASS; the spec alone expects PASS, so nothing new is pinned
        said = self.update(self.results(addr_001("XPASS", own)))
        self.assertIn("0 new, 0 kept, 1 dropped", said)
        self.assertNotIn("[[assertion]]", self.out.read_text())

    def test_entries_no_run_falls_under_are_kept(self):
        self.update(self.results(addr_001("FAIL")))
        self.assertIn("0 new, 1 kept, 0 dropped", self.update(self.results(addr_001("PASS"), platform_id="other")))


if __name__ == "__main__":
    unittest.main()
