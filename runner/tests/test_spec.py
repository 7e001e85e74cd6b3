"""Tests for runner.spec: parsing, validation with exact lines, and case cross-checks."""

import os
import tempfile
import textwrap
import unittest

from runner import spec
from runner.spec import CaseListing, SpecError

PATH = "cases/spec.toml"


def text(source: str) -> str:
    """Spec text written indented in a test; line 1 is the first line after the opening quotes."""
    return textwrap.dedent(source)


VALID = text(
    """\
    # mapconf spec table
    [[assertion]]
    id = "VIS-001"
    clause = "C5"
    statement = "A write through one view is read through another view."
    backends = ["posix-shm", "file"]
    case = "visibility:write_in_a_is_read_by_b"
    exclusive = true

      [[assertion.expect]]
      platform = "wine"
      backend = "file"
      status = ["FAIL", "PASS"]
      check = "b-reads-a-write"
      reason = "Wine keeps a private copy of file views."

      [[assertion.expect]]
      platform = "qemu-*"
      status = "TIMEOUT"
      check = "read"
      reason = "Emulated page faults are slow."

      [[assertion.expect]]
      platform = "wine"
      status = ["PASS", "SKIP"]
      reason = "Some Wine builds lack shm_open."

      [[assertion.expect]]
      platform = "freebsd-*"
      status = "PASS"

    [[assertion]]
    id = "SIZE-002"
    clause = "C11"
    statement = "Growing the object is visible to every view."
    backends = ["memfd"]
    case = "size:grow_is_visible"
    """
)


class ValidSpecTest(unittest.TestCase):
    def setUp(self):
        self.spec = spec.parse(VALID, PATH)
        self.visibility = self.spec.by_id("VIS-001")
        self.size = self.spec.by_id("SIZE-002")

    def test_fields(self):
        self.assertEqual(self.spec.path, PATH)
        self.assertEqual([a.id for a in self.spec.assertions], ["VIS-001", "SIZE-002"])
        a = self.visibility
        self.assertEqual(a.clause, "C5")
        self.assertEqual(a.statement, "A write through one view is read through another view.")
        self.assertEqual(a.backends, ("posix-shm", "file"))
        self.assertEqual(a.case, "visibility:write_in_a_is_read_by_b")
        self.assertEqual(a.binary, "visibility")
        self.assertEqual(a.function, "write_in_a_is_read_by_b")
        self.assertTrue(a.exclusive)
        self.assertEqual(a.line, 2)

    def test_expectation_fields_and_lines(self):
        first, second, third, fourth = self.visibility.expectations
        self.assertEqual(first, spec.Expectation("wine", "file", ("FAIL", "PASS"),
                                                 "Wine keeps a private copy of file views.", 10,
                                                 check="b-reads-a-write"))
        self.assertEqual(second, spec.Expectation("qemu-*", None, ("TIMEOUT",), "Emulated page faults are slow.", 17,
                                                  check="read"))
        self.assertEqual(third, spec.Expectation("wine", None, ("PASS", "SKIP"), "Some Wine builds lack shm_open.", 23))
        # A PASS-only expectation needs no reason.
        self.assertEqual(fourth, spec.Expectation("freebsd-*", None, ("PASS",), None, 28))

    def test_defaults(self):
        self.assertFalse(self.size.exclusive)
        self.assertEqual(self.size.expectations, ())
        self.assertEqual(self.size.line, 32)

    def test_no_matching_expectation_means_pass(self):
        self.assertEqual(self.size.expected("linux-x86_64", "memfd"), (("PASS",), None))
        self.assertEqual(self.visibility.expected("linux-x86_64", "file"), (("PASS",), None))

    def test_backend_specific_expectation(self):
        self.assertEqual(self.visibility.expected("wine", "file"),
                         (("FAIL", "PASS"), "Wine keeps a private copy of file views."))

    def test_first_match_wins(self):
        # wine + file matches both the first entry and the third (any backend); the first wins.
        self.assertEqual(self.visibility.expected("wine", "file")[0], ("FAIL", "PASS"))
        # wine + posix-shm skips the file-only first entry and lands on the third.
        self.assertEqual(self.visibility.expected("wine", "posix-shm"),
                         (("PASS", "SKIP"), "Some Wine builds lack shm_open."))

    def test_glob_platform(self):
        self.assertEqual(self.visibility.expected("qemu-arm", "posix-shm"),
                         (("TIMEOUT",), "Emulated page faults are slow."))
        self.assertEqual(self.visibility.expected("qemu", "posix-shm"), (("PASS",), None))

    def test_by_id_missing(self):
        with self.assertRaises(KeyError):
            self.spec.by_id("VIS-999")


WITH_CHECKS = text(
    """\
    [[assertion]]
    id = "ISO-005"
    clause = "C7"
    statement = "s"
    backends = ["posix-shm", "sysv"]
    case = "isolation:private_mode_keeps_other_users_out"
      [[assertion.expect]]
      when = "unprivileged"
      status = "SKIP"
      check = "become"
      reason = "needs root"
      [[assertion.expect]]
      backend = "sysv"
      status = "FAIL"
      check = "other-user-write-open-refused"
      answer = "got \\"ok handle="
      reason = "r"
    """
)


class ChecksAndConditionsTest(unittest.TestCase):
    def setUp(self):
        self.assertion = spec.parse(WITH_CHECKS, PATH).by_id("ISO-005")

    def test_check_and_answer_are_read(self):
        unprivileged, sysv = self.assertion.expectations
        self.assertEqual((unprivileged.when, unprivileged.check, unprivileged.answer), ("unprivileged", "become", None))
        self.assertEqual((sysv.check, sysv.answer), ("other-user-write-open-refused", 'got "ok handle='))

    def test_when_holds_only_under_its_condition(self):
        self.assertEqual(self.assertion.expected("native", "posix-shm"), (("PASS",), None))
        self.assertEqual(self.assertion.expected("native", "posix-shm", frozenset({"unprivileged"})),
                         (("SKIP",), "needs root"))
        # the condition comes first, so an unprivileged run skips on sysv too
        self.assertEqual(self.assertion.expected("native", "sysv", frozenset({"unprivileged"}))[0], ("SKIP",))
        self.assertEqual(self.assertion.expectation("native", "sysv").check, "other-user-write-open-refused")


class LoadTest(unittest.TestCase):
    def test_load_file(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "spec.toml")
            with open(path, "w", encoding="utf-8") as file:
                file.write(VALID)
            loaded = spec.load(path)
        self.assertEqual(loaded.path, path)
        self.assertEqual(loaded, spec.parse(VALID, path))

    def test_missing_file(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "absent.toml")
            with self.assertRaises(SpecError) as caught:
                spec.load(path)
        self.assertIsNone(caught.exception.line)
        self.assertTrue(str(caught.exception).startswith(f"{path}: cannot read the spec table"))

    def test_not_utf8(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "spec.toml")
            with open(path, "wb") as file:
                file.write(b'[[assertion]]\nid = "VIS-001"\nstatement = "caf\xe9"\n')
            with self.assertRaises(SpecError) as caught:
                spec.load(path)
        self.assertEqual(caught.exception.line, 3)
        self.assertIn("not valid UTF-8", str(caught.exception))


class SpecErrorTest(unittest.TestCase):
    def test_str_with_and_without_line(self):
        self.assertEqual(str(SpecError("a.toml", 3, "bad thing; fix it.")), "a.toml:3: bad thing; fix it.")
        self.assertEqual(str(SpecError("a.toml", None, "bad thing; fix it.")), "a.toml: bad thing; fix it.")


class ValidationErrorTest(unittest.TestCase):
    """One test per kind of problem: the message and the exact line it is reported at."""

    def assertSpecError(self, source: str, line, *fragments: str) -> SpecError:
        with self.assertRaises(SpecError) as caught:
            spec.parse(text(source), PATH)
        error = caught.exception
        self.assertEqual(error.line, line, str(error))
        prefix = f"{PATH}:{line}: " if line is not None else f"{PATH}: "
        self.assertTrue(str(error).startswith(prefix), str(error))
        for fragment in fragments:
            self.assertIn(fragment, str(error))
        return error

    def test_toml_syntax_error(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause "C5"
            """,
            3, "invalid TOML at column", "correct the syntax",
        )

    def test_toml_error_at_end_of_document(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            backends = ["file",
            """,
            3, "invalid TOML at the end of the file",
        )

    def test_unknown_top_level_key(self):
        self.assertSpecError(
            """\
            version = 2

            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"
            """,
            1, "unknown top-level key 'version'",
        )

    def test_assertion_not_an_array_of_tables(self):
        self.assertSpecError(
            """\
            # comment
            [assertion]
            id = "VIS-001"
            """,
            2, "'assertion' must be an array of tables, not a table",
        )

    def test_empty_spec(self):
        self.assertSpecError("# nothing yet\n", None, "defines no assertions")

    def test_unknown_assertion_key(self):
        # The misspelt key is reported rather than the 'backends' it leaves missing.
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backend = ["file"]
            case = "visibility:a"
            """,
            5, "assertion 'VIS-001' has unknown key 'backend'; allowed keys are id, clause,",
        )

    def test_missing_required_key(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            case = "visibility:a"

            [[assertion]]
            id = "VIS-002"
            clause = "C5"
            statement = "s"
            case = "visibility:b"
            """,
            1, "assertion 'VIS-001' is missing the required key 'backends'; add a line like backends = [",
        )

    def test_missing_id_uses_position_label(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"

            [[assertion]]
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:b"
            """,
            8, "assertion #2 is missing the required key 'id'",
        )

    def test_wrong_type_string(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = 5
            statement = "s"
            backends = ["file"]
            case = "visibility:a"
            """,
            3, "'clause' in assertion 'VIS-001' must be a string, not an integer",
        )

    def test_wrong_type_list(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = "file"
            case = "visibility:a"
            """,
            5, "'backends' in assertion 'VIS-001' must be a list of strings, not a string",
        )

    def test_wrong_type_bool(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"
            exclusive = "yes"
            """,
            7, "'exclusive' in assertion 'VIS-001' must be true or false, not a string",
        )

    def test_empty_statement(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "  "
            backends = ["file"]
            case = "visibility:a"
            """,
            4, "'statement' in assertion 'VIS-001' is empty",
        )

    def test_bad_id_pattern(self):
        for bad_id in ("vis-001", "VIS-01", "VIS-0001", "VIS001", "VIS-00a"):
            with self.subTest(bad_id=bad_id):
                self.assertSpecError(
                    f"""\
                    [[assertion]]
                    clause = "C5"
                    id = "{bad_id}"
                    statement = "s"
                    backends = ["file"]
                    case = "visibility:a"
                    """,
                    3, f"id '{bad_id}' does not have the form AREA-NNN",
                )

    def test_duplicate_id(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"

            [[assertion]]
            clause = "C5"
            id = "VIS-001"
            statement = "s"
            backends = ["file"]
            case = "visibility:b"
            """,
            10, "id 'VIS-001' is already used by the assertion at line 1; give this assertion a new id",
        )

    def test_unknown_clause(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C12"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"
            """,
            3, "assertion 'VIS-001' names unknown clause 'C12'; use one of C1 to C11.",
        )

    def test_unknown_backend(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file", "shm"]
            case = "visibility:a"
            """,
            5, "assertion 'VIS-001' names unknown backend 'shm'; use one of posix-shm, file, memfd,",
        )

    def test_duplicate_backend(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file", "memfd", "file"]
            case = "visibility:a"
            """,
            5, "assertion 'VIS-001' lists backend 'file' twice; remove the duplicate.",
        )

    def test_empty_backends(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = []
            case = "visibility:a"
            """,
            5, "assertion 'VIS-001' lists no backends",
        )

    def test_bad_case_format(self):
        for bad_case in ("visibility", "Visibility:a", "visibility:a-b", "vis:1a", "a:b:c", "visibility:"):
            with self.subTest(bad_case=bad_case):
                self.assertSpecError(
                    f"""\
                    [[assertion]]
                    id = "VIS-001"
                    clause = "C5"
                    statement = "s"
                    backends = ["file"]
                    case = "{bad_case}"
                    """,
                    6, f"assertion 'VIS-001' has case '{bad_case}', which is not '<binary>:<function>'",
                )

    def test_two_assertions_name_the_same_case(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"

            [[assertion]]
            id = "VIS-002"
            clause = "C5"
            case = "visibility:a"
            statement = "s"
            backends = ["file"]
            """,
            11, "assertion 'VIS-002' names case 'visibility:a', which assertion 'VIS-001' at line 1 already names",
        )

    def test_unknown_expect_key(self):
        # The misspelt 'reson' is reported rather than the reason it leaves missing.
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"

              [[assertion.expect]]
              status = "FAIL"
              check = "c"
              reason = "r"

              [[assertion.expect]]
              status = "FAIL"
              check = "c"
              reson = "r"
            """,
            16, "an expectation of assertion 'VIS-001' has unknown key 'reson'; allowed keys are platform, backend,",
        )

    def test_expect_missing_status(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"

              [[assertion.expect]]
              platform = "wine"
            """,
            8, "an expectation of assertion 'VIS-001' is missing the required key 'status'",
        )

    def test_expect_wrong_type(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"

              [[assertion.expect]]
              platform = ["wine"]
              status = "PASS"
            """,
            9, "'platform' in an expectation of assertion 'VIS-001' must be a string, not an array",
        )

    def test_expect_backend_not_in_assertion_backends(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file", "memfd"]
            case = "visibility:a"

              [[assertion.expect]]
              status = "FAIL"
              backend = "posix-shm"
              reason = "r"
            """,
            10, "names backend 'posix-shm', which the assertion does not list in 'backends'; use one of file, memfd",
        )

    def test_unknown_status(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"

              [[assertion.expect]]
              reason = "r"
              status = ["FAIL", "XFAIL"]
            """,
            10, "an expectation of assertion 'VIS-001' has unknown status 'XFAIL'; use one of PASS, FAIL,",
        )

    def test_empty_status_list(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"

              [[assertion.expect]]
              status = []
            """,
            9, "has an empty status list",
        )

    def test_non_pass_status_without_reason(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"

              [[assertion.expect]]
              platform = "wine"
              status = "PASS"

              [[assertion.expect]]
              platform = "macos-*"
              status = ["PASS", "SKIP"]
            """,
            12, "an expectation of assertion 'VIS-001' allows SKIP without a reason; add reason = ",
        )

    def test_failure_without_check_is_refused(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"
              [[assertion.expect]]
              status = "ERROR"
              reason = "r"
            """,
            7, "allows ERROR without naming where; add a line like check = ",
        )

    def test_check_that_is_not_a_label_is_refused(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"
              [[assertion.expect]]
              status = "FAIL"
              check = "B Reads"
              reason = "r"
            """,
            9, "check 'B Reads' in an expectation of assertion 'VIS-001' is not a label",
        )

    def test_unknown_condition_is_refused(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"
              [[assertion.expect]]
              when = "tuesday"
              status = "SKIP"
              reason = "r"
            """,
            8, "unknown condition when = 'tuesday'; use one of unprivileged",
        )

    def test_answer_without_check_is_refused(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"
              [[assertion.expect]]
              status = "SKIP"
              answer = "ENOSYS"
              reason = "r"
            """,
            9, "pins an answer without a check",
        )

    def test_empty_reason_counts_as_missing(self):
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            backends = ["file"]
            case = "visibility:a"

              [[assertion.expect]]
              status = "FAIL"
              check = "c"
              reason = ""
            """,
            11, "'reason' in an expectation of assertion 'VIS-001' is empty",
        )

    def test_first_problem_in_file_order_is_reported(self):
        # The first assertion's only problem sits on line 6, before the second assertion's
        # problems, so it is the one reported even though backends are checked late.
        self.assertSpecError(
            """\
            [[assertion]]
            id = "VIS-001"
            clause = "C5"
            statement = "s"
            case = "visibility:a"
            backends = ["nope"]

            [[assertion]]
            id = "bad"
            clause = "C99"
            """,
            6, "unknown backend 'nope'",
        )

    def test_problems_within_one_assertion_follow_line_order(self):
        self.assertSpecError(
            """\
            [[assertion]]
            case = "bad case"
            id = "VIS-001"
            clause = "C0"
            statement = "s"
            backends = ["file"]
            """,
            2, "has case 'bad case'",
        )

    def test_inline_tables_fall_back_to_no_line(self):
        # Inline-table assertions are not scanned for lines; errors still come out, without a line.
        self.assertSpecError(
            """\
            assertion = [
              { id = "VIS-001", clause = "C0", statement = "s", backends = ["file"], case = "visibility:a" },
            ]
            """,
            None, "names unknown clause 'C0'",
        )


def listing(binary, function, id, line=10):
    return CaseListing(binary=binary, function=function, id=id, source=f"cases/{binary}.c", line=line)


class CheckCasesTest(unittest.TestCase):
    def setUp(self):
        self.spec = spec.parse(VALID, PATH)
        self.listings = [
            listing("visibility", "write_in_a_is_read_by_b", "VIS-001"),
            listing("size", "grow_is_visible", "SIZE-002"),
        ]

    def test_matching_listings_pass(self):
        self.assertIsNone(spec.check_cases(self.spec, self.listings))

    def test_assertion_whose_case_is_missing(self):
        with self.assertRaises(SpecError) as caught:
            spec.check_cases(self.spec, self.listings[:1])
        self.assertEqual(
            str(caught.exception),
            f"{PATH}:32: assertion 'SIZE-002' names case 'size:grow_is_visible', which no case binary contains; "
            "add function 'grow_is_visible' to binary 'size' or correct the case name.",
        )

    def test_orphan_case_reported_at_its_source_line(self):
        orphan = listing("visibility", "foo", "VIS-009", line=40)
        with self.assertRaises(SpecError) as caught:
            spec.check_cases(self.spec, self.listings + [orphan])
        self.assertEqual(
            str(caught.exception),
            "cases/visibility.c:40: case 'visibility:foo' checks no assertion in cases/spec.toml; "
            'add an [[assertion]] with case = "visibility:foo" or remove it.',
        )

    def test_expected_check_must_be_one_the_case_makes(self):
        labels = {"visibility:write_in_a_is_read_by_b": ["b-reads-a-write"], "size:grow_is_visible": []}
        self.assertIsNone(spec.check_cases(self.spec, self.listings, labels, {"read"}))
        with self.assertRaises(SpecError) as caught:
            spec.check_cases(self.spec, self.listings, dict(labels, **{"visibility:write_in_a_is_read_by_b": ["x"]}),
                             {"read"})
        self.assertEqual(
            str(caught.exception),
            f"{PATH}:10: assertion 'VIS-001' expects check 'b-reads-a-write', which case "
            "'visibility:write_in_a_is_read_by_b' (cases/visibility.c) does not make; name one of its labels: x.",
        )

    def test_a_step_is_named_only_by_an_error_timeout_or_skip(self):
        labels = {"visibility:write_in_a_is_read_by_b": ["b-reads-a-write"], "size:grow_is_visible": []}
        # the TIMEOUT expectation names the step "read": refused when no such step is known
        with self.assertRaises(SpecError) as caught:
            spec.check_cases(self.spec, self.listings, labels, set())
        self.assertIn(f"{PATH}:17: assertion 'VIS-001' expects check 'read'", str(caught.exception))
        self.assertIn("(or, for an ERROR, TIMEOUT or SKIP, a step: a verb like 'create')", str(caught.exception))

    def test_id_mismatch(self):
        wrong = [listing("visibility", "write_in_a_is_read_by_b", "VIS-002", line=12), self.listings[1]]
        with self.assertRaises(SpecError) as caught:
            spec.check_cases(self.spec, wrong)
        self.assertEqual(
            str(caught.exception),
            "cases/visibility.c:12: case 'visibility:write_in_a_is_read_by_b' declares id 'VIS-002', "
            "but cases/spec.toml:2 gives that case to assertion 'VIS-001'; make the two ids agree.",
        )


if __name__ == "__main__":
    unittest.main()
