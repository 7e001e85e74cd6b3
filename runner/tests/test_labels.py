"""Tests for runner.labels: the names a case can end with, read from its source."""

import re
import unittest
from pathlib import Path

from runner import labels

REPO = Path(__file__).resolve().parents[2]

SOURCE = '''
static void check_released(int now)
{
	mc_check_compare("memory-released", mc_number(now), "==", mc_number(0));
}

static uintptr_t filled(void)
{
	if (1)
		MC_BROKEN("figure-shows-the-fill", "no");
	return 0;
}

/* REL-003 */
static void released(void)
{
	filled();
	mc_check_reads("b-reads-a-write", b, vb,
		       "text");
	check_released(1);
}

static void raw(void)
{
	mc_step(a, "no_such_verb");
	mc_check_compare("Bad Label", mc_number(0), "==", mc_number(1));
}
'''


class CaseLabelsTest(unittest.TestCase):
    def test_labels_of_the_case_and_the_static_functions_it_calls(self):
        self.assertEqual(labels.case_labels(SOURCE, "released"),
                         ["b-reads-a-write", "figure-shows-the-fill", "memory-released"])

    def test_raw_request_verbs_are_steps_of_the_case(self):
        self.assertIn("no_such_verb", labels.case_labels(SOURCE, "raw"))

    def test_a_label_that_is_not_hyphenated_words_is_found_with_its_line(self):
        self.assertEqual(labels.bad_labels(SOURCE), [(26, "Bad Label")])

    def test_steps_include_verbs_library_steps_and_the_runners(self):
        steps = labels.step_names(REPO)
        for step in ("create", "map", "become", "memory-figure", "agent-start", "case-process", "no-check"):
            self.assertIn(step, steps)


class EveryCaseTest(unittest.TestCase):
    """Every case of cases/ labels its checks well: valid labels, each once in its case."""

    def test_labels_are_valid_and_unique_within_each_case(self):
        for path in sorted((REPO / "cases").glob("*.c")):
            source = path.read_text()
            with self.subTest(path.name):
                self.assertEqual(labels.bad_labels(source), [])
                for function in re.findall(r'MC_CASE\("[A-Z]+-\d{3}", (\w+)\)', source):
                    self.assertNotEqual(labels.case_labels(source, function), [], function)
                    self.assertEqual(labels.duplicate_labels(source, function), [], function)


if __name__ == "__main__":
    unittest.main()
