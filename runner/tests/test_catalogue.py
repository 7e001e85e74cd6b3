import textwrap
import unittest
from pathlib import Path

from runner import catalogue, spec

SPEC = textwrap.dedent('''
    [[assertion]]
    id = "VIS-001"
    clause = "C5"
    statement = "A write in A is read by B."
    backends = ["posix-shm", "file"]
    case = "visibility:write_in_a_is_read_by_b"

    [[assertion]]
    id = "REL-003"
    clause = "C8"
    statement = "Memory is freed."
    backends = ["posix-shm"]
    case = "release:memory_released_after_last_unmap"
    exclusive = true
      [[assertion.expect]]
      platform = "gvisor"
      status = "FAIL"
      reason = "no Shmem figure"
''')
REPO = Path(__file__).resolve().parents[2]


class CoverageTable(unittest.TestCase):
    def test_counts_per_clause_and_mechanism(self):
        table = catalogue.coverage_table(spec.parse(SPEC, "t.toml"))
        rows = {line.split()[0]: line.split() for line in table.splitlines()[1:-1]}
        self.assertEqual(rows["C5"][-3:], ["1", "1", "1"])       # assertions, posix-shm, file
        self.assertEqual(rows["C8"][-3:], ["1", "1", "0"])
        self.assertEqual(rows["C1"][-3:], ["0", "0", "0"])
        self.assertEqual(rows["total"][-3:], ["2", "2", "1"])
        self.assertIn("3 results", table)


class Explain(unittest.TestCase):
    def test_shows_statement_expectations_and_case_source(self):
        text = catalogue.explain(spec.parse(SPEC, "t.toml"), "REL-003", REPO)
        self.assertIn("Memory is freed.", text)
        self.assertIn("platform gvisor, mechanism *: FAIL because no Shmem figure", text)
        self.assertIn("runs alone", text)
        self.assertIn("static void memory_released_after_last_unmap(void)", text)

    def test_unknown_id_is_one_sentence(self):
        with self.assertRaises(catalogue.UnknownAssertion) as caught:
            catalogue.explain(spec.parse(SPEC, "t.toml"), "NOPE-001", REPO)
        self.assertIn("'./mapconf list'", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
