import unittest
from pathlib import Path

from runner import catalogue, spec

REPO = Path(__file__).resolve().parents[2]
SPEC = spec.load(Path(__file__).with_name("small_spec.toml"))


class CoverageTable(unittest.TestCase):
    def test_counts_per_clause_and_backend(self):
        table = catalogue.coverage_table(SPEC)
        rows = {line.split()[0]: line.split() for line in table.splitlines()[:-1]}
        self.assertEqual(rows["clause"][-5:], ["assertions", "posix-shm", "file", "sysv", "win32-section"])
        self.assertEqual(rows["C5"][-5:], ["2", "2", "1", "1", "1"])
        self.assertEqual(rows["C8"][-5:], ["1", "1", "0", "1", "0"])
        self.assertEqual(rows["C1"][-5:], ["0", "0", "0", "0", "0"])
        self.assertEqual(rows["total"][-5:], ["3", "3", "1", "2", "1"])
        self.assertIn("7 results", table)


class Explain(unittest.TestCase):
    def test_shows_statement_expectations_and_case_source(self):
        text = catalogue.explain(SPEC, "REL-003", REPO)
        self.assertIn("Memory is freed.", text)
        self.assertIn("platform gvisor, backend *: FAIL at check memory-released because no Shmem figure", text)
        self.assertIn("runs alone", text)
        self.assertIn("static void memory_released_after_last_unmap(void)", text)

    def test_unknown_id_is_one_sentence(self):
        with self.assertRaises(catalogue.UnknownAssertion) as caught:
            catalogue.explain(SPEC, "NOPE-001", REPO)
        self.assertIn("'./mapconf list'", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
