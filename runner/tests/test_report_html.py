"""Tests of index.html, the page of one run (runner/reports/html.py)."""

import os
import re
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from runner import vocabulary
from runner.reports import html as report_html, html_details as report_html_details, page
from runner.tests import htmltree
from runner.tests import fixtures


def render_tree(doc):
    markup = report_html.render(doc)
    return markup, htmltree.parse(markup)


def rows(tree):
    return tree.find_all("tr", data_item=True)


def cell_texts(row):
    return [cell.text() for cell in row.find_all("td")]


class PageStructureTest(unittest.TestCase):
    def test_tags_nest_and_close(self):
        for build in (fixtures.realistic_doc, fixtures.all_expected_doc, fixtures.hostile_doc):
            with self.subTest(build.__name__):
                render_tree(build())   # htmltree.parse raises on a stray or missing end tag

    def test_title_verdict_and_counts(self):
        _, tree = render_tree(fixtures.realistic_doc())
        self.assertEqual(tree.find("title").text(), "mapconf results: native")
        self.assertEqual(tree.find("p", class_="verdict dirty").text(), "5 unexpected results")
        counts = tree.find("table", class_="counts")
        header = [cell.text() for cell in counts.find_all("th")]
        values = [cell.text() for cell in counts.find_all("td")]
        self.assertEqual(dict(zip(header, values)),
                         {"PASS": "5", "FAIL": "1", "XFAIL": "1", "XPASS": "1", "SKIP": "1",
                          "ERROR": "2", "TIMEOUT": "1", "unexpected": "5"})
        _, clean = render_tree(fixtures.all_expected_doc())
        self.assertEqual(clean.find("p", class_="verdict clean").text(), "0 unexpected results")
        zero = clean.find("table", class_="counts").find_all("td")[1]
        self.assertEqual((zero.text(), zero.attrs["class"]), ("0", "status zero"))

    def test_a_missing_backend_is_said_once_above_the_tables(self):
        skipped = [fixtures.make_result(f"VIS-00{n}", "C5", "posix-shm", "SKIP", expected=["PASS"], check="create",
                                        message="A does not support \"create\": err code=unsupported native=ENOSYS")
                   for n in (1, 2)]
        _, tree = render_tree(fixtures.make_doc(skipped + [fixtures.make_result("VIS-001", "C5", "file", "PASS")]))
        said = tree.find_all("p", class_="missing-backend")
        self.assertEqual(len(said), 1)
        self.assertTrue(said[0].text().startswith("backend posix-shm is not provided by this platform (2 of its 2 "))
        self.assertIn("native=ENOSYS", said[0].text())
        _, clean = render_tree(fixtures.realistic_doc())
        self.assertEqual(clean.find_all("p", class_="missing-backend"), [])

    def test_run_info(self):
        _, tree = render_tree(fixtures.realistic_doc())
        info = {pair.find("dt").text(): pair.find("dd").text() for pair in tree.find("dl", class_="run-info").find_all("div")}
        self.assertEqual(info["platform id"], "native")
        self.assertEqual(info["kernel"], "Linux 6.1.0-18-amd64")
        self.assertEqual(info["runtime"], "none")
        self.assertEqual(info["duration"], "12.5 s")
        self.assertEqual(info["command"], "./mapconf run -j 2")

    def test_one_section_per_clause_with_its_statement(self):
        _, tree = render_tree(fixtures.realistic_doc())
        sections = tree.find_all("section", class_="clause")
        self.assertEqual([section.attrs["id"] for section in sections], ["C1", "C2", "C5", "C10", "C11"])
        c5 = sections[2]
        self.assertEqual(c5.find("h2").text(), "C5 Views share pages")
        self.assertEqual(c5.find("p", class_="clause-statement").text(), vocabulary.CLAUSES["C5"].statement)

    def test_one_row_per_assertion_and_one_column_per_backend(self):
        doc = fixtures.realistic_doc()
        _, tree = render_tree(doc)
        self.assertEqual(len(rows(tree)), len({result["id"] for result in doc["results"]}))
        for table in tree.find_all("table", class_="results"):
            self.assertEqual([th.text() for th in table.find("thead").find_all("th")],
                             ["ID", "Statement", "posix-shm", "file"])
        c5_rows = tree.by_id("C5").find_all("tr", data_item=True)
        self.assertEqual([cell_texts(row) for row in c5_rows], [
            ["VIS-001", fixtures.STATEMENTS["VIS-001"], "PASS", "PASS"],
            ["VIS-002", fixtures.STATEMENTS["VIS-002"], "FAIL", "XFAIL"],
        ])
        _, sparse = render_tree(fixtures.all_expected_doc())
        self.assertEqual(cell_texts(rows(sparse)[0])[2:], ["PASS", "\u2013"])

    def test_cells_are_coloured_against_their_expectation(self):
        _, tree = render_tree(fixtures.realistic_doc())
        cells = {cell.find("a").attrs["href"]: cell for cell in tree.find_all("td", data_status=True)}
        expected = {
            "#r-VIS-001-posix-shm": ("status status-PASS expected", "0", "3"),
            "#r-VIS-002-posix-shm": ("status status-FAIL unexpected", "1", "0"),
            "#r-VIS-002-file": ("status status-XFAIL expected", "0", "1"),
            "#r-LIFE-001-file": ("status status-XPASS unexpected", "1", "0"),
            "#r-LIFE-002-posix-shm": ("status status-SKIP expected", "0", "2"),
            "#r-NAME-001-file": ("status status-ERROR expected", "0", "1"),
            "#r-NAME-001-posix-shm": ("status status-TIMEOUT unexpected", "1", "0"),
            "#r-NAME-002-file": ("status status-PASS unexpected", "1", "0"),
        }
        for href, (classes, unexpected, sort) in expected.items():
            cell = cells[href]
            self.assertEqual((cell.attrs["class"], cell.attrs["data-unexpected"], cell.attrs["data-sort"]),
                             (classes, unexpected, sort), href)
        self.assertIn("file names cannot hold '#'", cells["#r-NAME-002-file"].attrs["title"])

    def test_every_cell_links_to_its_details(self):
        doc = fixtures.realistic_doc()
        _, tree = render_tree(doc)
        links = {cell.find("a").attrs["href"][1:] for cell in tree.find_all("td", data_status=True)}
        details = [element.attrs["id"] for element in tree.find_all("details", data_item=True)]
        self.assertEqual(sorted(details), sorted(f"r-{r['id']}-{r['backend']}" for r in doc["results"]))
        self.assertEqual(links, set(details))
        ids = [element.attrs["id"] for element in tree.iter() if "id" in element.attrs]
        self.assertEqual(len(ids), len(set(ids)))


class DetailsTest(unittest.TestCase):
    def facts(self, tree, anchor):
        details = tree.by_id(anchor)
        dl = details.find("dl")
        return dict(zip([dt.text() for dt in dl.find_all("dt")], [dd.text() for dd in dl.find_all("dd")]))

    def test_expected_observed_and_native_values(self):
        _, tree = render_tree(fixtures.realistic_doc())
        facts = self.facts(tree, "r-VIS-002-file")
        self.assertEqual(facts["expected"], "FAIL")
        self.assertEqual(facts["observed"], "FAIL, reported as XFAIL (expected)")
        self.assertEqual(facts["reason"], "file mappings are not coherent with later views on this platform")
        self.assertEqual(facts["duration"], "12 ms")
        self.assertEqual(facts["clause"], "C5 Views share pages")
        self.assertEqual(self.facts(tree, "r-NAME-002-file")["observed"], "PASS, reported as PASS (unexpected)")
        self.assertEqual(facts["native errors"], "none")

    def test_native_values_come_from_message_and_evidence(self):
        result = fixtures.make_result(
            "NAME-001", "C4", "posix-shm", "FAIL",
            message='expected err code=name_too_long, got "err code=invalid_argument native=EINVAL errno=22"',
            transcript="+0.000 A -> err code=invalid_argument native=EINVAL\n+0.001 B -> ok result=segv native=SIGSEGV\n")
        self.assertEqual(report_html_details.native_values(result), ["EINVAL", "SIGSEGV"])
        _, tree = render_tree(fixtures.make_doc([result]))
        self.assertEqual(self.facts(tree, "r-NAME-001-posix-shm")["native errors"], "EINVAL, SIGSEGV")

    def test_short_transcript_is_shown_whole(self):
        _, tree = render_tree(fixtures.realistic_doc())
        details = tree.by_id("r-VIS-001-posix-shm")
        transcript = details.find("pre")
        self.assertIn("+0.001 A -> ok handle=3", transcript.text())
        self.assertIsNone(details.find("details"))   # no case output: nothing folded either

    def test_long_transcript_shows_its_ends_and_folds_the_middle(self):
        transcript = "".join(f"+0.{line:03d} A -> ok line={line}\n" for line in range(40))
        doc = fixtures.make_doc([fixtures.make_result("VIS-001", "C5", "file", "PASS", transcript=transcript,
                                                      output="case output\n")])
        _, tree = render_tree(doc)
        details = tree.by_id("r-VIS-001-file")
        shown = [child for child in details.children if not isinstance(child, str) and child.tag == "pre"]
        self.assertEqual(len(shown), 2)
        self.assertTrue(shown[0].text().startswith("+0.000 A -> ok line=0\n"))
        self.assertIn("line=9\n", shown[0].text())
        self.assertNotIn("line=10\n", shown[0].text())
        self.assertTrue(shown[1].text().startswith("+0.030 A -> ok line=30"))
        folded = details.find_all("details", class_="folded")
        self.assertEqual(folded[0].find("summary").text(), "20 more lines")
        self.assertIn("line=10\n", folded[0].find("pre").text())
        self.assertIn("line=29\n", folded[0].find("pre").text())
        self.assertEqual(folded[1].find("summary").text(), "case output")
        # Collapsed by default: no details block is rendered open.
        self.assertFalse(any("open" in element.attrs for element in tree.iter("details")))


class FiltersTest(unittest.TestCase):
    def test_css_only_unexpected_checkbox(self):
        markup, tree = render_tree(fixtures.realistic_doc())
        box = tree.by_id("only-unexpected")
        self.assertEqual((box.tag, box.attrs["type"], box.attrs["data-filter"]), ("input", "checkbox", "unexpected"))
        body = tree.find("body")
        siblings = [child.tag for child in body.children if not isinstance(child, str)]
        self.assertLess(siblings.index("input"), siblings.index("main"), "the checkbox must precede <main>")
        self.assertIn("#only-unexpected:checked ~ main tr.all-expected", page.asset("report.css"))
        self.assertIn("#only-unexpected:checked ~ main details.result-details.expected", page.asset("report.css"))
        classes = [row.attrs["class"] for row in rows(tree)]
        self.assertEqual(classes.count("has-unexpected"), 5)
        self.assertEqual(classes.count("all-expected"), 1)

    def test_without_script_everything_is_shown(self):
        _, tree = render_tree(fixtures.realistic_doc())
        self.assertFalse(any(element.hidden for element in tree.find_all(data_item=True)))
        # what only the script can work is hidden until it runs
        for element in tree.find_all(data_needs_script=True):
            self.assertIn("hidden", element.attrs)
        self.assertEqual(len(tree.find_all(data_needs_script=True)), 2)

    def test_filter_controls_list_what_the_run_has(self):
        _, tree = render_tree(fixtures.realistic_doc())
        options = {select.attrs["data-filter"]: [option.attrs["value"] for option in select.find_all("option")]
                   for select in tree.find_all("select")}
        self.assertEqual(options["clause"], ["", "C1", "C2", "C5", "C10", "C11"])
        self.assertEqual(options["backend"], ["", "posix-shm", "file"])
        self.assertEqual(options["status"], ["", "PASS", "FAIL", "XFAIL", "XPASS", "SKIP", "ERROR", "TIMEOUT"])
        self.assertEqual(tree.find("input", type="search").attrs["data-filter"], "q")
        self.assertEqual([row.attrs["data-clause"] for row in rows(tree)], ["C1", "C2", "C5", "C5", "C10", "C11"])

    def test_script_never_writes_markup(self):
        script = page.asset("filters.js")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
            self.assertNotIn(sink, script)


class HostileStringsTest(unittest.TestCase):
    def test_no_markup_is_injected(self):
        markup, tree = render_tree(fixtures.hostile_doc())
        scripts = tree.find_all("script")
        self.assertEqual(len(scripts), 1)
        self.assertEqual(scripts[0].attrs, {})
        self.assertEqual(scripts[0].text().strip(), page.asset("filters.js").strip())
        self.assertEqual(tree.find_all("img"), [])
        self.assertEqual(tree.find_all("b"), [])
        handlers = [name for element in tree.iter() for name in element.attrs if name.startswith("on")]
        self.assertEqual(handlers, [])
        self.assertNotIn(fixtures.HOSTILE_SCRIPT, markup)
        self.assertNotIn("<img", markup)

    def test_hostile_text_shows_literally(self):
        markup, tree = render_tree(fixtures.hostile_doc())
        self.assertEqual(tree.find("h1").text(), f"mapconf results: {fixtures.HOSTILE_SCRIPT}")
        statement = tree.find("td", class_="statement").text()
        self.assertIn(fixtures.HOSTILE_ATTRIBUTE, statement)
        self.assertIn(fixtures.HOSTILE_ENDINGS, statement)
        self.assertIn("\u241b[31m", statement)   # ESC drawn as a control picture
        self.assertTrue(markup.count(fixtures.LONG_LINE) >= 1)
        self.assertNotRegex(markup, "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\uffff]")
        facts = tree.by_id("r-VIS-001-posix-shm").find("dl").text()
        self.assertIn("native errorsEINVAL", facts)   # the value only, not the markup after it

    def test_no_external_requests(self):
        for build in (fixtures.realistic_doc, fixtures.hostile_doc):
            markup, tree = render_tree(build())
            for element in tree.iter():
                for name in ("src", "href", "action", "data", "srcset", "poster"):
                    value = element.attrs.get(name) or ""
                    self.assertFalse(re.match(r"^\s*([a-z]+:|//)", value, re.IGNORECASE), value)
            self.assertEqual(tree.find_all("link"), [])
            self.assertNotIn("@import", markup)
            self.assertNotRegex(markup, r"url\(")

    def test_write_is_utf8(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "index.html")
            report_html.write(fixtures.hostile_doc(), path)
            with open(path, "rb") as stream:
                self.assertTrue(stream.read().decode("utf-8").startswith("<!DOCTYPE html>"))

    def test_an_asset_that_could_end_its_element_is_refused(self):
        with tempfile.TemporaryDirectory() as directory:
            Path(directory, "report.css").write_text("p { color: red; } </style><script>alert(1)</script>")
            page.asset.cache_clear()
            self.addCleanup(page.asset.cache_clear)
            with mock.patch.object(page, "ASSETS", Path(directory)):
                with self.assertRaises(ValueError):
                    page.asset("report.css")

    def test_invalid_doc_is_refused(self):
        doc = fixtures.realistic_doc()
        doc["run_info"]["unexpected"] = 0
        with self.assertRaises(ValueError):
            report_html.render(doc)


if __name__ == "__main__":
    unittest.main()
