import re
import unittest
from pathlib import Path

from runner import vocabulary

REPO = Path(__file__).resolve().parents[2]


class Clauses(unittest.TestCase):
    def test_every_clause_has_a_title_and_a_statement(self):
        self.assertEqual(tuple(vocabulary.CLAUSES), tuple(f"C{number}" for number in range(1, 12)))
        for clause in vocabulary.CLAUSES.values():
            with self.subTest(clause.id):
                self.assertTrue(clause.title and clause.statement.endswith("."))

    def test_title(self):
        self.assertEqual(vocabulary.title("C5"), "Views share pages")

    def test_clause_number_sorts_c10_after_c9(self):
        self.assertEqual(sorted(["C10", "C9", "C1"], key=vocabulary.clause_number), ["C1", "C9", "C10"])


class Backends(unittest.TestCase):
    def test_each_agent_family_has_its_backends(self):
        self.assertEqual(vocabulary.backends_of("posix"), ("posix-shm", "file", "memfd", "sysv", "anon-fork"))
        self.assertEqual(vocabulary.backends_of("win32"), ("win32-section", "win32-file"))
        every = vocabulary.backends_of("posix") + vocabulary.backends_of("win32")
        self.assertEqual(sorted(every), sorted(vocabulary.BACKENDS))

    def test_every_backend_has_a_reproducer_recorded_on_a_platform(self):
        self.assertEqual(set(vocabulary.RECORDED_ON), set(vocabulary.AGENT_FAMILIES))
        self.assertLessEqual(set(vocabulary.RECORDED_ON.values()), set(vocabulary.PLATFORMS))
        self.assertTrue(all(vocabulary.has_reproducer(b) for b in vocabulary.BACKENDS))
        self.assertFalse(vocabulary.has_reproducer("nope"))

    def test_the_controller_has_a_row_for_each_backend_and_no_other(self):
        # controller/backends.c says how the controller names and removes each backend's objects
        table = (REPO / "controller" / "backends.c").read_text()
        rows = re.findall(r'^\s*\{\s*"([a-z0-9-]+)",\s*MC_NAMING_', table, re.M)
        self.assertEqual(rows, list(vocabulary.BACKENDS))

    def test_unknown_agent_family(self):
        with self.assertRaisesRegex(ValueError, "unknown agent family 'macos'"):
            vocabulary.backends_of("macos")


class Statuses(unittest.TestCase):
    def test_every_observed_status_is_a_final_one(self):
        self.assertLessEqual(set(vocabulary.OBSERVED_STATUSES), set(vocabulary.FINAL_STATUSES))


class Ids(unittest.TestCase):
    def test_the_pattern_is_area_dash_three_digits(self):
        for good in ("VIS-001", "A-999"):
            self.assertTrue(vocabulary.ID_PATTERN.fullmatch(good), good)
        for bad in ("vis-001", "VIS-01", "VIS-0001", "V1S-001", "VIS001", "-001"):
            self.assertFalse(vocabulary.ID_PATTERN.fullmatch(bad), bad)

    def test_every_id_of_the_spec_tables_has_the_form(self):
        for table in ("cases/spec.toml", "selftest/broken_cases/broken.toml"):
            ids = re.findall(r'^id = "([^"]*)"', (REPO / table).read_text(), re.M)
            self.assertTrue(ids, table)
            for assertion_id in ids:
                with self.subTest(table=table, id=assertion_id):
                    self.assertTrue(vocabulary.ID_PATTERN.fullmatch(assertion_id))

    def test_area(self):
        self.assertEqual(vocabulary.area_of("VIS-001"), "VIS")


if __name__ == "__main__":
    unittest.main()
