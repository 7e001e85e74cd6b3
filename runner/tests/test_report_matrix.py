"""Tests of `mapconf report`: the matrix of several runs (runner/reports/matrix*.py)."""

import contextlib
import io
import json
import os
import tempfile
import unittest
from pathlib import Path

from runner import cli
from runner.reports import json as report_json, matrix as report_matrix, matrix_html as report_matrix_html
from runner.tests import htmltree
from runner.tests import fixtures


def with_platform(doc, platform_id, start_time=None):
    doc["run_info"]["platform_id"] = platform_id
    if start_time:
        doc["run_info"]["start_time"] = start_time
    return doc


def two_platforms():
    """native: VIS-001 PASS on both backends, VIS-002 FAIL and XFAIL;
    wine: VIS-001 PASS on posix-shm only, VIS-002 the same as native, NAME-001 only here."""
    native = fixtures.make_doc([
        fixtures.make_result("VIS-001", "C5", "posix-shm", "PASS"),
        fixtures.make_result("VIS-001", "C5", "file", "PASS"),
        fixtures.make_result("VIS-002", "C5", "posix-shm", "FAIL", message="B read 0"),
        fixtures.make_result("VIS-002", "C5", "file", "XFAIL", reason="known"),
    ], platform_id="native")
    wine = fixtures.make_doc([
        fixtures.make_result("VIS-001", "C5", "posix-shm", "PASS"),
        fixtures.make_result("VIS-002", "C5", "posix-shm", "FAIL", message="B read 0"),
        fixtures.make_result("VIS-002", "C5", "file", "XFAIL", reason="known"),
        fixtures.make_result("NAME-001", "C4", "posix-shm", "SKIP", reason="no names here"),
    ], platform_id="wine")
    wine["run_info"]["platform"] = "wine"
    return native, wine


def matrix_of(*docs, baselines=()):
    runs = [report_matrix.Run(f"run{index}.json", doc, label)
            for index, (doc, label) in enumerate(zip(docs, report_matrix.column_labels(list(docs))))]
    report_matrix.attach_baselines(runs, [(f"old{index}.json", doc) for index, doc in enumerate(baselines)])
    return report_matrix.build(runs)


def render_tree(matrix):
    return htmltree.parse(report_matrix_html.render(matrix))


class ColumnLabelTest(unittest.TestCase):
    def test_distinct_platform_ids_are_the_labels(self):
        native, wine = two_platforms()
        self.assertEqual(report_matrix.column_labels([native, wine]), ["native", "wine"])

    def test_same_platform_id_gets_the_start_time(self):
        first = with_platform(fixtures.realistic_doc(), "native", "2026-11-20T10:00:00Z")
        second = with_platform(fixtures.realistic_doc(), "native", "2026-11-21T10:00:00Z")
        self.assertEqual(report_matrix.column_labels([first, second]),
                         ["native 2026-11-20T10:00:00Z", "native 2026-11-21T10:00:00Z"])

    def test_same_platform_id_and_time_gets_the_column_number(self):
        docs = [fixtures.realistic_doc(), fixtures.realistic_doc(), fixtures.all_expected_doc()]
        self.assertEqual(report_matrix.column_labels(docs), [
            "native 2026-11-21T21:30:00Z #1", "native 2026-11-21T21:30:00Z #2", "native 2026-11-21T21:30:00Z #3"])


class RulesTest(unittest.TestCase):
    def result(self, status, backend="posix-shm", **extra):
        return fixtures.make_result("VIS-001", "C5", backend, status, **extra)

    def test_differs(self):
        passing = [self.result("PASS"), self.result("PASS", "file")]
        self.assertFalse(report_matrix.differs([passing, passing]))
        self.assertTrue(report_matrix.differs([passing, [self.result("PASS"), self.result("FAIL", "file")]]))
        # the same statuses, on other backends
        swapped = [[self.result("PASS"), self.result("FAIL", "file")], [self.result("FAIL"), self.result("PASS", "file")]]
        self.assertTrue(report_matrix.differs(swapped))
        # no backend in common: the sets of statuses are compared
        self.assertFalse(report_matrix.differs([[self.result("PASS")], [self.result("PASS", "file")]]))
        self.assertTrue(report_matrix.differs([[self.result("PASS")], [self.result("SKIP", "file")]]))
        # a run without the assertion does not count, nor does a lone run
        self.assertFalse(report_matrix.differs([passing, []]))
        self.assertFalse(report_matrix.differs([[self.result("FAIL")]]))

    def test_change_against_a_baseline(self):
        self.assertEqual(report_matrix.change(self.result("PASS"), self.result("FAIL")), "regression")
        self.assertEqual(report_matrix.change(self.result("XFAIL"), self.result("XPASS")), "regression")
        self.assertEqual(report_matrix.change(self.result("FAIL"), self.result("PASS")), "fix")
        self.assertEqual(report_matrix.change(self.result("FAIL"), self.result("XFAIL")), "fix")
        self.assertIsNone(report_matrix.change(self.result("PASS"), self.result("SKIP")))
        self.assertIsNone(report_matrix.change(self.result("FAIL"), self.result("ERROR")))
        self.assertIsNone(report_matrix.change(None, self.result("FAIL")))


class BuildTest(unittest.TestCase):
    def test_rows_are_every_assertion_grouped_by_clause(self):
        matrix = matrix_of(*two_platforms())
        self.assertEqual({clause: [row.id for row in rows] for clause, rows in matrix.rows_by_clause.items()},
                         {"C4": ["NAME-001"], "C5": ["VIS-001", "VIS-002"]})
        vis1 = matrix.rows_by_clause["C5"][0]
        self.assertEqual([[result["backend"] for result in cell] for cell in vis1.cells],
                         [["posix-shm", "file"], ["posix-shm"]])
        self.assertFalse(vis1.differs)
        name1 = matrix.rows_by_clause["C4"][0]
        self.assertEqual(name1.cells[0], [])
        self.assertTrue(matrix.rows_by_clause["C5"][1].any_unexpected)

    def test_clauses_in_numeric_order(self):
        matrix = matrix_of(fixtures.realistic_doc())
        self.assertEqual(list(matrix.rows_by_clause), ["C1", "C2", "C5", "C10", "C11"])

    def test_baseline_marks_regressions_and_fixes(self):
        native, wine = two_platforms()
        old_native = fixtures.make_doc([
            fixtures.make_result("VIS-001", "C5", "posix-shm", "PASS"),
            fixtures.make_result("VIS-001", "C5", "file", "FAIL", message="was broken"),
            fixtures.make_result("VIS-002", "C5", "posix-shm", "PASS"),
        ], platform_id="native")
        matrix = matrix_of(native, wine, baselines=[old_native])
        native_run, wine_run = matrix.runs
        self.assertEqual(native_run.changes(), {None: 2, "fix": 1, "regression": 1})
        self.assertIsNone(wine_run.baseline_path)
        self.assertEqual([row.changed for row in matrix.rows], [False, True, True])

    def test_baseline_of_a_platform_not_given_is_refused(self):
        native, wine = two_platforms()
        with self.assertRaises(report_matrix.ReportError) as caught:
            matrix_of(native, baselines=[wine])
        self.assertIn("platform id 'wine'", str(caught.exception))

    def test_two_baselines_for_one_platform_are_refused(self):
        native, _ = two_platforms()
        with self.assertRaises(report_matrix.ReportError) as caught:
            matrix_of(native, baselines=[fixtures.realistic_doc(), fixtures.all_expected_doc()])
        self.assertIn("are both baselines for platform id 'native'", str(caught.exception))


class HistoryTest(unittest.TestCase):
    """Several runs of one platform id are that platform over time."""

    def runs_over_time(self):
        def run(start, revision, status):
            doc = fixtures.make_doc([fixtures.make_result("VIS-001", "C5", "posix-shm", status),
                                     fixtures.make_result("VIS-001", "C5", "file", "PASS")])
            doc["run_info"]["git_revision"] = revision
            return with_platform(doc, "native", start)
        # given out of order: history goes by start time
        return [run("2026-11-03T00:00:00Z", "ccc", "FAIL"), run("2026-11-01T00:00:00Z", "aaa", "PASS"),
                run("2026-11-02T00:00:00Z", "bbb", "FAIL")]

    def test_when_a_result_last_changed(self):
        matrix = matrix_of(*self.runs_over_time())
        change = matrix.history[("native", "VIS-001", "posix-shm")]
        self.assertEqual(change.text(), "FAIL since 2026-11-02T00:00:00Z (bbb); PASS until 2026-11-01T00:00:00Z (aaa)")
        steady = matrix.history[("native", "VIS-001", "file")]
        self.assertEqual(steady.text(), "PASS since 2026-11-01T00:00:00Z (aaa), in every run given")

    def test_a_platform_id_with_one_run_has_no_history(self):
        self.assertEqual(matrix_of(*two_platforms()).history, {})

    def test_the_page_lists_what_changed(self):
        page = report_matrix_html.render(matrix_of(*self.runs_over_time()))
        self.assertIn("Over time", page)
        self.assertIn("VIS-001 [posix-shm] on native: FAIL since 2026-11-02T00:00:00Z (bbb); "
                      "PASS until 2026-11-01T00:00:00Z (aaa)", page)
        self.assertNotIn("VIS-001 [file] on native:", page)


class PageTest(unittest.TestCase):
    def test_one_row_per_assertion_and_one_column_per_run(self):
        matrix = matrix_of(*two_platforms())
        tree = render_tree(matrix)
        rows = tree.find_all("tr", data_item=True)
        self.assertEqual([row.find("td").text() for row in rows], ["NAME-001", "VIS-001", "VIS-002"])
        headers = tree.find_all("th", class_="run")
        self.assertEqual([header.find("span", class_="label").text() for header in headers], ["native", "wine"])
        for row in rows:
            self.assertEqual(len(row.find_all("td")), 2 + 2)
        self.assertEqual([header.find("span", class_="pass-total").text() for header in headers],
                         ["2/4 PASS, 1 unexpected", "1/4 PASS, 1 unexpected"])

    def test_cells_list_each_backend(self):
        tree = render_tree(matrix_of(*two_platforms()))
        vis2 = tree.find_all("tr", data_item=True)[2]
        chips = [[(chip.attrs["data-backend"], chip.attrs["data-status"], chip.attrs["data-unexpected"], chip.text())
                  for chip in cell.find_all(data_status=True)] for cell in vis2.find_all("td")[2:]]
        expected = [("posix-shm", "FAIL", "1", "posix-shm FAIL"), ("file", "XFAIL", "0", "file XFAIL")]
        self.assertEqual(chips, [expected, expected])
        name1 = tree.find_all("tr", data_item=True)[0]
        self.assertEqual(name1.find_all("td")[2].text(), "not run")

    def test_rows_carry_what_the_filters_need(self):
        tree = render_tree(matrix_of(*two_platforms()))
        rows = {row.find("td").text(): row for row in tree.find_all("tr", data_item=True)}
        self.assertEqual(rows["VIS-002"].attrs["class"], "has-unexpected same unchanged")
        self.assertEqual(rows["VIS-001"].attrs["class"], "all-expected same unchanged")
        self.assertEqual(rows["VIS-001"].attrs["data-differs"], "0")
        self.assertEqual(rows["VIS-002"].attrs["data-clause"], "C5")
        different = fixtures.make_doc([fixtures.make_result("VIS-001", "C5", "posix-shm", "SKIP")], "other")
        tree = render_tree(matrix_of(two_platforms()[0], different))
        vis1 = tree.find_all("tr", data_item=True)[0]
        self.assertEqual((vis1.attrs["class"], vis1.attrs["data-differs"]), ("all-expected differs unchanged", "1"))

    def test_css_only_checkboxes_precede_main(self):
        tree = render_tree(matrix_of(*two_platforms()))
        body = [child for child in tree.find("body").children if not isinstance(child, str)]
        ids = [child.attrs.get("id") for child in body]
        main = [child.tag for child in body].index("main")
        self.assertLess(ids.index("only-unexpected"), main)
        self.assertLess(ids.index("only-differs"), main)
        self.assertNotIn("only-changed", ids)   # no baseline, no such filter

    def test_baseline_marks_chips(self):
        native, wine = two_platforms()
        old = fixtures.make_doc([fixtures.make_result("VIS-002", "C5", "posix-shm", "PASS")], platform_id="native")
        tree = render_tree(matrix_of(native, wine, baselines=[old]))
        self.assertIsNotNone(tree.by_id("only-changed"))
        regressed = tree.find_all("span", class_="regression")
        self.assertEqual([chip.text() for chip in regressed], ["posix-shm FAIL regressed"])
        self.assertIn("a regression against the baseline", regressed[0].attrs["title"])
        baseline = tree.find("th", class_="run").find("span", class_="baseline").text()
        self.assertEqual(baseline, "against old0.json: 1 regressions, 0 fixes")

    def test_hostile_strings_are_text(self):
        hostile = fixtures.hostile_doc()
        markup = report_matrix_html.render(matrix_of(hostile, fixtures.realistic_doc()))
        tree = htmltree.parse(markup)
        self.assertEqual(len(tree.find_all("script")), 1)
        self.assertEqual(tree.find_all("img"), [])
        self.assertEqual([name for element in tree.iter() for name in element.attrs if name.startswith("on")], [])
        self.assertEqual(tree.find("th", class_="run").find("span", class_="label").text(), fixtures.HOSTILE_SCRIPT)
        vis1 = next(row for row in tree.find_all("tr", data_item=True) if row.find("td").text() == "VIS-001")
        self.assertIn(fixtures.HOSTILE_ENDINGS, vis1.find("td", class_="statement").text())
        self.assertNotIn(fixtures.HOSTILE_SCRIPT, markup)


class CommandTest(unittest.TestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.directory = directory.name

    def write(self, name, content):
        path = os.path.join(self.directory, name)
        if isinstance(content, dict):
            report_json.write(content, path)
        else:
            with open(path, "w") as stream:
                stream.write(content)
        return path

    def mapconf(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(list(argv))
        return code, out.getvalue(), err.getvalue()

    def assert_refused(self, argv, *fragments):
        code, _, err = self.mapconf(*argv)
        self.assertEqual(code, 2, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        for fragment in fragments:
            self.assertIn(fragment, err)

    def test_writes_the_matrix(self):
        native, wine = two_platforms()
        out = os.path.join(self.directory, "matrix.html")
        code, printed, err = self.mapconf("report", self.write("a.json", native), self.write("b.json", wine), "-o", out)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(printed.strip(), f"mapconf: wrote {out}: 3 assertions in 2 runs (native, wine)")
        self.assertEqual(len(htmltree.parse(Path(out).read_text(encoding="utf-8")).find_all("th", class_="run")), 2)

    def test_baseline_summary(self):
        native, _ = two_platforms()
        old = fixtures.make_doc([fixtures.make_result("VIS-002", "C5", "posix-shm", "PASS")], platform_id="native")
        out = os.path.join(self.directory, "matrix.html")
        code, printed, _ = self.mapconf("report", self.write("a.json", native), "-o", out,
                                        "--baseline", self.write("old.json", old))
        self.assertEqual(code, 0)
        self.assertTrue(printed.strip().endswith("against the baseline: 1 regressions, 0 fixes"), printed)

    def test_bad_files_are_refused_in_one_sentence(self):
        good = self.write("good.json", fixtures.realistic_doc())
        out = os.path.join(self.directory, "matrix.html")
        schema_2 = fixtures.realistic_doc()
        schema_2["schema"] = 1
        cases = [
            (self.write("notes.txt", "not json at all\n"), "is not valid JSON"),
            (self.write("package.json", json.dumps({"name": "left-pad"})), "is not a mapconf results file"),
            (self.write("old.json", json.dumps(schema_2)), "has schema version 1"),
            (os.path.join(self.directory, "absent.json"), "Cannot read results file"),
        ]
        for path, fragment in cases:
            with self.subTest(fragment):
                self.assert_refused(["report", good, path, "-o", out], path, fragment)
                self.assert_refused(["report", good, "-o", out, "--baseline", path], path, fragment)
        self.assertFalse(os.path.exists(out))

    def test_unwritable_output_and_foreign_baseline_are_refused(self):
        good = self.write("good.json", fixtures.realistic_doc())
        missing_dir = os.path.join(self.directory, "no", "such", "dir", "m.html")
        self.assert_refused(["report", good, "-o", missing_dir], f"Cannot write {missing_dir}")
        other = self.write("other.json", with_platform(fixtures.realistic_doc(), "wine"))
        self.assert_refused(["report", good, "-o", os.path.join(self.directory, "m.html"), "--baseline", other],
                            other, "platform id 'wine'")

    def test_output_is_required(self):
        self.assert_refused(["report", self.write("good.json", fixtures.realistic_doc())], "-o/--output")


if __name__ == "__main__":
    unittest.main()
