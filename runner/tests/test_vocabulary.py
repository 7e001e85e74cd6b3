import unittest

from runner import clauses, results_schema, spec


class ClauseTable(unittest.TestCase):
    def test_every_clause_has_a_title_and_a_statement(self):
        self.assertEqual(tuple(clauses.CLAUSES), spec.CLAUSES)
        self.assertEqual(tuple(clauses.CLAUSES), results_schema.CLAUSES)
        for clause in clauses.CLAUSES.values():
            with self.subTest(clause.id):
                self.assertTrue(clause.title and clause.statement.endswith("."))

    def test_title(self):
        self.assertEqual(clauses.title("C5"), "Views share pages")


if __name__ == "__main__":
    unittest.main()
