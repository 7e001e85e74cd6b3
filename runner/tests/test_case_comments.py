"""The comment above each case function is its statement from the spec table."""

import shutil
import tempfile
import unittest
from pathlib import Path

from runner import case_comments, spec

REPO = Path(__file__).resolve().parents[2]

SPEC = spec.parse('''
[[assertion]]
id = "REL-001"
clause = "C8"
statement = "The object outlives its creator while another agent has a view, and can still be opened by name."
backends = ["posix-shm"]
case = "release:object_outlives_its_creator"

[[assertion]]
id = "REL-002"
clause = "C8"
statement = "Unlink removes the name."
backends = ["posix-shm"]
case = "release:unlink_removes_name"
''', "t.toml")

SOURCE = """\
#include "mapconf.h"

/* A helper: not a case. */
static void end_agent(void)
{
}

/* REL-001: the object outlives its creator's exit while another agent has a view. */
static void object_outlives_its_creator(void)
{
\tend_agent();
}

/*
 * REL-002: unlink removes the name at once.
 *
 * B opens after A unlinked, so that the name is gone
 * before anyone could hold it open.
 */
static void unlink_removes_name(void)
{
}

static const struct mc_case cases[] = {
\tMC_CASE("REL-001", object_outlives_its_creator),
\tMC_CASE("REL-002", unlink_removes_name),
};
"""

EXPECTED = """\
#include "mapconf.h"

/* A helper: not a case. */
static void end_agent(void)
{
}

/*
 * REL-001: The object outlives its creator while another agent has a view, and
 * can still be opened by name.
 */
static void object_outlives_its_creator(void)
{
\tend_agent();
}

/*
 * REL-002: Unlink removes the name.
 *
 * B opens after A unlinked, so that the name is gone
 * before anyone could hold it open.
 */
static void unlink_removes_name(void)
{
}

static const struct mc_case cases[] = {
\tMC_CASE("REL-001", object_outlives_its_creator),
\tMC_CASE("REL-002", unlink_removes_name),
};
"""


class Regenerate(unittest.TestCase):
    def test_the_statement_replaces_the_copy_and_a_note_on_why_stays(self):
        self.assertEqual(case_comments.regenerate(SOURCE, SPEC), EXPECTED)

    def test_generating_again_changes_nothing(self):
        self.assertEqual(case_comments.regenerate(EXPECTED, SPEC), EXPECTED)

    def test_a_function_without_a_comment_gets_one(self):
        source = SOURCE.replace("/* REL-001: the object outlives its creator's exit while another agent has a view. */\n",
                                "")
        self.assertEqual(case_comments.regenerate(source, SPEC), EXPECTED)

    def test_a_short_statement_alone_is_one_line(self):
        self.assertEqual(case_comments.comment([("REL-002", "Unlink removes the name.")], []),
                         "/* REL-002: Unlink removes the name. */\n")

    def test_a_function_that_serves_two_assertions_has_both(self):
        source = EXPECTED.replace('MC_CASE("REL-002", unlink_removes_name)', 'MC_CASE("REL-002", object_outlives_its_creator)')
        block = case_comments.regenerate(source, SPEC).split("static void object_outlives_its_creator")[0]
        self.assertTrue(block.endswith(" * can still be opened by name.\n *\n * REL-002: Unlink removes the name.\n */\n"),
                        block)

    def test_an_id_the_spec_table_has_not_is_refused(self):
        with self.assertRaisesRegex(case_comments.CaseCommentError, "names REL-009, which the spec table has not"):
            case_comments.regenerate(SOURCE.replace('"REL-002"', '"REL-009"'), SPEC, "cases/release.c")


class Copies(unittest.TestCase):
    def test_a_statement_restated_elsewhere_is_found(self):
        source = EXPECTED.replace("/* A helper: not a case. */", "/* REL-001: what the helper does. */")
        self.assertEqual(case_comments.copies(source), [(3, "REL-001")])

    def test_the_generated_blocks_are_no_copies(self):
        self.assertEqual(case_comments.copies(EXPECTED), [])


class Problems(unittest.TestCase):
    def setUp(self):
        self.repo = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.repo, ignore_errors=True)
        (self.repo / "cases").mkdir()

    def test_the_case_files_of_the_tree_hold_their_statements(self):
        self.assertEqual(case_comments.problems(REPO, spec.load(str(REPO / "cases" / "spec.toml"))), [])

    def test_a_drifted_comment_and_a_copy_are_named_and_write_mends_the_first(self):
        (self.repo / "cases" / "release.c").write_text(
            SOURCE.replace("/* A helper: not a case. */", "/* REL-002: the helper's own copy. */"))
        self.assertEqual(case_comments.problems(self.repo, SPEC), [
            "cases/release.c:8: the comment above object_outlives_its_creator is not REL-001's statement in the "
            "spec table: run ./mapconf docs",
            "cases/release.c:14: the comment above unlink_removes_name is not REL-002's statement in the "
            "spec table: run ./mapconf docs",
            "cases/release.c:3: a comment restates REL-002's statement by hand; the block above its case function "
            "has it, and a note on why may follow it there"])
        self.assertEqual(case_comments.write(self.repo, SPEC), ["cases/release.c"])
        self.assertEqual(len(case_comments.problems(self.repo, SPEC)), 1)     # the copy is the writer's to mend


if __name__ == "__main__":
    unittest.main()
