"""Tests of the results schema and the JSON, JUnit and TAP writers."""

import json
import os
import re
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

from runner import results_schema, vocabulary
from runner.reports import json as report_json, junit as report_junit, tap as report_tap
from runner.tests import fixtures

PROVE = "/usr/bin/prove"


class TemporaryDirectoryTest(unittest.TestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.directory = directory.name

    def path(self, name):
        return os.path.join(self.directory, name)

    def write_file(self, name, content):
        path = self.path(name)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(path, mode) as stream:
            stream.write(content)
        return path


def value_paths(value, prefix=()):
    """Key paths to every value in a JSON document, containers included."""
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from value_paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from value_paths(item, prefix + (index,))


class ValidateTest(unittest.TestCase):
    def assert_problem(self, doc, fragment):
        problems = results_schema.validate(doc)
        self.assertTrue(any(fragment in problem for problem in problems),
                        f"no problem mentions {fragment!r}: {problems}")

    def test_fixtures_are_valid(self):
        for build in (fixtures.realistic_doc, fixtures.all_expected_doc, fixtures.hostile_doc):
            with self.subTest(build.__name__):
                self.assertEqual(results_schema.validate(build()), [])

    def test_realistic_fixture_covers_every_final_status(self):
        doc = fixtures.realistic_doc()
        self.assertEqual({result["status"] for result in doc["results"]}, set(vocabulary.FINAL_STATUSES))
        self.assertEqual(len({result["backend"] for result in doc["results"]}), 2)
        self.assertEqual(len({vocabulary.area_of(result["id"]) for result in doc["results"]}), 3)

    def test_missing_key(self):
        doc = fixtures.realistic_doc()
        del doc["results"][2]["message"]
        self.assert_problem(doc, "results[2] lacks the key 'message'")

    def test_missing_run_info_key(self):
        doc = fixtures.realistic_doc()
        del doc["run_info"]["kernel"]
        self.assert_problem(doc, "run_info lacks the key 'kernel'")

    def test_unknown_key(self):
        doc = fixtures.realistic_doc()
        doc["results"][0]["evidence"]["stdout"] = ""
        self.assert_problem(doc, "results[0].evidence has an unknown key 'stdout'")

    def test_bad_status(self):
        doc = fixtures.realistic_doc()
        doc["results"][0]["status"] = "MAYBE"
        self.assert_problem(doc, 'results[0].status is "MAYBE"')

    def test_bad_backend_clause_and_id(self):
        doc = fixtures.realistic_doc()
        doc["results"][0].update(backend="tmpfs", clause="C12", id="vis-1")
        for key in ("backend", "clause", "id"):
            self.assert_problem(doc, f"results[0].{key} is")

    def test_counts_inconsistent(self):
        doc = fixtures.realistic_doc()
        doc["run_info"]["counts"]["PASS"] += 1
        self.assert_problem(doc, "run_info.counts.PASS is 6, but 5 results have status PASS")

    def test_unexpected_total_inconsistent(self):
        doc = fixtures.realistic_doc()
        doc["run_info"]["unexpected"] = 0
        self.assert_problem(doc, "run_info.unexpected is 0, but 5 results are unexpected")

    def test_unexpected_flag_must_follow_status(self):
        doc = fixtures.realistic_doc()
        doc["results"][3]["unexpected"] = True
        self.assert_problem(doc, "results[3].unexpected is true")

    def test_status_must_agree_with_observed_and_expected(self):
        doc = fixtures.realistic_doc()
        doc["results"][0]["observed"] = "FAIL"
        self.assert_problem(doc, 'results[0].status is PASS, but observed FAIL with expected ["PASS"] makes it FAIL')
        doc = fixtures.realistic_doc()
        doc["results"][3]["expected"] = ["PASS"]
        self.assert_problem(doc, 'results[3].status is XFAIL, but observed FAIL with expected ["PASS"] makes it FAIL')

    def test_schema_1(self):
        doc = fixtures.realistic_doc()
        doc["schema"] = 1
        self.assert_problem(doc, "schema is 1, expected 2")

    def test_booleans_and_negatives_are_not_counts(self):
        doc = fixtures.realistic_doc()
        doc["results"][0]["duration_ms"] = True
        doc["results"][1]["duration_ms"] = -1
        self.assert_problem(doc, "results[0].duration_ms is true")
        self.assert_problem(doc, "results[1].duration_ms is -1")

    def test_duplicate_result(self):
        doc = fixtures.realistic_doc()
        doc["results"].append(dict(doc["results"][0]))
        doc["run_info"]["counts"]["PASS"] += 1
        self.assert_problem(doc, "repeats VIS-001 on backend \"posix-shm\"")

    def test_start_time_format(self):
        doc = fixtures.realistic_doc()
        doc["run_info"]["start_time"] = "2026-13-40T25:00:00Z"
        self.assert_problem(doc, "run_info.start_time")

    def test_every_wrong_type_is_reported_without_crashing(self):
        nullable = {"runtime", "git_revision", "reason", "check"}
        base = fixtures.realistic_doc()
        for path in value_paths(base):
            for wrong in (None, True, [], {}, [1]):
                doc = fixtures.realistic_doc()
                parent = doc
                for key in path[:-1]:
                    parent = parent[key]
                if type(parent[path[-1]]) is type(wrong) or (wrong is None and path[-1] in nullable):
                    continue
                parent[path[-1]] = wrong
                with self.subTest(path=path, wrong=wrong):
                    self.assertNotEqual(results_schema.validate(doc), [])

    def test_not_an_object(self):
        self.assertEqual(results_schema.validate([]), ["the document is an array, expected an object"])


class LoadTest(TemporaryDirectoryTest):
    def assert_one_sentence(self, path, fragment):
        with self.assertRaises(results_schema.ResultsFileError) as caught:
            results_schema.load(path)
        message = str(caught.exception)
        self.assertIn(fragment, message)
        self.assertIn(path, message)
        self.assertTrue(message.endswith("."), message)
        self.assertNotIn("\n", message)
        return message

    def test_valid_file_loads(self):
        doc = fixtures.realistic_doc()
        path = self.path("results.json")
        report_json.write(doc, path)
        self.assertEqual(results_schema.load(path), doc)

    def test_missing_file(self):
        self.assert_one_sentence(self.path("absent.json"), "Cannot read results file")

    def test_not_json(self):
        path = self.write_file("results.json", "schema: 1\n")
        self.assert_one_sentence(path, "is not valid JSON (line 1 column 1")

    def test_nan_is_not_json(self):
        path = self.write_file("results.json", '{"schema": 1, "results": [NaN]}')
        self.assert_one_sentence(path, "is not valid JSON")

    def test_not_utf8(self):
        path = self.write_file("results.json", b"\xff\xfe{}")
        self.assert_one_sentence(path, "is not UTF-8 text")

    def test_json_list(self):
        path = self.write_file("results.json", "[1, 2]")
        self.assert_one_sentence(path, "is not a mapconf results file")

    def test_foreign_object(self):
        path = self.write_file("package.json", json.dumps({"name": "left-pad", "version": "1.3.0"}))
        self.assert_one_sentence(path, "is not a mapconf results file")

    def test_wrong_schema_version(self):
        doc = fixtures.realistic_doc()
        doc["schema"] = 1
        path = self.write_file("results.json", json.dumps(doc))
        self.assert_one_sentence(path, "has schema version 1, but this mapconf reads schema version 2")

    def test_schema_problems_are_listed_but_few(self):
        doc = fixtures.realistic_doc()
        for result in doc["results"]:
            del result["case"]
        path = self.write_file("results.json", json.dumps(doc))
        message = self.assert_one_sentence(path, "is not a valid mapconf results file: results[0] lacks the key 'case'")
        self.assertIn("(and 7 more)", message)


class JsonReportTest(TemporaryDirectoryTest):
    def test_round_trip_keeps_order_and_format(self):
        doc = fixtures.realistic_doc()
        path = self.path("results.json")
        report_json.write(doc, path)
        with open(path, encoding="utf-8") as stream:
            content = stream.read()
        self.assertTrue(content.endswith("}\n"))
        self.assertTrue(content.startswith('{\n "schema": 2,\n "run_info": {\n  "platform": "native",'))
        self.assertEqual(list(json.loads(content)["results"][0]), list(doc["results"][0]))
        self.assertEqual(json.loads(content), doc)

    def test_invalid_doc_is_refused_and_nothing_written(self):
        doc = fixtures.realistic_doc()
        doc["run_info"]["counts"]["FAIL"] = 7
        path = self.path("results.json")
        with self.assertRaises(ValueError):
            report_json.write(doc, path)
        self.assertFalse(os.path.exists(path))

    def test_hostile_strings_survive_as_utf8(self):
        doc = fixtures.hostile_doc()
        path = self.path("results.json")
        report_json.write(doc, path)
        with open(path, "rb") as stream:
            content = stream.read().decode("utf-8")
        self.assertEqual(json.loads(content), doc)


def parse_junit(doc):
    return ET.fromstring(report_junit.render(doc).encode("utf-8"))


class JUnitReportTest(TemporaryDirectoryTest):
    COUNTERS = ("tests", "failures", "errors", "skipped")

    @staticmethod
    def count_cases(element):
        cases = element.iter("testcase")
        kinds = [[child.tag for child in case if child.tag in ("failure", "error", "skipped")] for case in cases]
        return {
            "tests": len(kinds),
            "failures": sum(kind == ["failure"] for kind in kinds),
            "errors": sum(kind == ["error"] for kind in kinds),
            "skipped": sum(kind == ["skipped"] for kind in kinds),
        }

    def counters(self, element):
        return {name: int(element.get(name)) for name in self.COUNTERS}

    def test_counters_add_up(self):
        root = parse_junit(fixtures.realistic_doc())
        self.assertEqual(root.tag, "testsuites")
        self.assertEqual(root.get("name"), "mapconf")
        suites = root.findall("testsuite")
        for suite in suites:
            self.assertEqual(self.counters(suite), self.count_cases(suite), suite.get("name"))
        summed = {name: sum(self.counters(suite)[name] for suite in suites) for name in self.COUNTERS}
        self.assertEqual(summed, self.count_cases(root))
        self.assertEqual(summed, {"tests": 12, "failures": 3, "errors": 2, "skipped": 3})
        # the root has every counter but skipped, which xUnit's JUnit schema does not allow there
        self.assertIsNone(root.get("skipped"))
        self.assertEqual({name: int(root.get(name)) for name in self.COUNTERS if name != "skipped"},
                         {name: summed[name] for name in self.COUNTERS if name != "skipped"})

    def test_one_suite_per_area(self):
        root = parse_junit(fixtures.realistic_doc())
        self.assertEqual([suite.get("name") for suite in root], ["mapconf.LIFE", "mapconf.NAME", "mapconf.VIS"])
        for suite in root:
            classnames = {case.get("classname") for case in suite.iter("testcase")}
            self.assertEqual(classnames, {suite.get("name")})

    def test_testcase_names_are_unique(self):
        root = parse_junit(fixtures.realistic_doc())
        pairs = [(case.get("classname"), case.get("name")) for case in root.iter("testcase")]
        self.assertEqual(len(pairs), len(set(pairs)))
        self.assertIn(("mapconf.VIS", "VIS-001 [posix-shm]"), pairs)

    def outcome(self, root, name):
        case = next(case for case in root.iter("testcase") if case.get("name") == name)
        children = [child for child in case if child.tag != "system-out"]
        return children[0] if children else None

    def test_each_status_maps_to_its_element(self):
        root = parse_junit(fixtures.realistic_doc())
        self.assertIsNone(self.outcome(root, "VIS-001 [posix-shm]"))
        fail = self.outcome(root, "VIS-002 [posix-shm]")
        self.assertEqual((fail.tag, fail.get("type")), ("failure", "FAIL"))
        self.assertEqual(fail.get("message"), "at b-reads-a-write: cases/visibility.c:42: B read 00000000, expected deadbeef")
        self.assertIn("process: exit 1", fail.text)
        xpass = self.outcome(root, "LIFE-001 [file]")
        self.assertEqual((xpass.tag, xpass.get("type")), ("failure", "XPASS"))
        error = self.outcome(root, "LIFE-002 [file]")
        self.assertEqual((error.tag, error.get("type")), ("error", "ERROR"))
        timeout = self.outcome(root, "NAME-001 [posix-shm]")
        self.assertEqual((timeout.tag, timeout.get("type")), ("error", "TIMEOUT"))
        xfail = self.outcome(root, "VIS-002 [file]")
        self.assertEqual(xfail.tag, "skipped")
        self.assertEqual(xfail.get("message"),
                         "expected failure: file mappings are not coherent with later views on this platform")
        skip = self.outcome(root, "LIFE-002 [posix-shm]")
        self.assertEqual((skip.tag, skip.get("message")), ("skipped", "needs a second user account"))
        unexpected_pass = self.outcome(root, "NAME-002 [file]")
        self.assertEqual((unexpected_pass.tag, unexpected_pass.get("type")), ("failure", "PASS"))
        self.assertEqual(unexpected_pass.get("message"), "passed, but the spec expects SKIP")
        predicted_error = self.outcome(root, "NAME-001 [file]")
        self.assertEqual(predicted_error.tag, "skipped")
        self.assertTrue(predicted_error.get("message").startswith("expected ERROR: "))

    def test_transcript_and_properties(self):
        doc = fixtures.realistic_doc()
        root = parse_junit(doc)
        case = next(case for case in root.iter("testcase") if case.get("name") == "VIS-002 [posix-shm]")
        system_out = case.find("system-out").text
        self.assertIn(doc["results"][2]["evidence"]["transcript"], system_out)
        self.assertIn("visibility.c:42: assertion failed", system_out)
        for suite in root:
            properties = {prop.get("name"): prop.get("value") for prop in suite.find("properties")}
            self.assertEqual(properties["platform_id"], "native")
            self.assertEqual(properties["kernel"], "Linux 6.1.0-18-amd64")
            self.assertEqual(properties["runtime"], "")
            self.assertEqual(properties["git_revision"], "3f2a9c1")

    def test_forbidden_characters_are_stripped(self):
        doc = fixtures.realistic_doc()
        doc["results"][2]["message"] = "bad \x01byte\x1b[0m and \ufffe"
        text = report_junit.render(doc)
        root = ET.fromstring(text.encode("utf-8"))
        for forbidden in ("\x01", "\x1b", "\ufffe"):
            self.assertNotIn(forbidden, text)
        self.assertEqual(self.outcome(root, "VIS-002 [posix-shm]").get("message"), "at b-reads-a-write: bad byte[0m and ")

    def test_hostile_document_parses(self):
        doc = fixtures.hostile_doc()
        path = self.path("junit.xml")
        report_junit.write(doc, path)
        root = ET.parse(path).getroot()
        failure = root.find("testsuite/testcase/failure")
        self.assertIn(fixtures.HOSTILE_SCRIPT, failure.get("message"))
        self.assertIn(fixtures.LONG_LINE, root.find("testsuite/testcase/system-out").text)

    def test_invalid_doc_is_refused(self):
        doc = fixtures.realistic_doc()
        doc["run_info"]["unexpected"] = 1
        with self.assertRaises(ValueError):
            report_junit.render(doc)


    def test_times_add_up_at_every_level(self):
        def milliseconds(element):
            return round(float(element.get("time")) * 1000)

        doc = fixtures.realistic_doc()
        root = parse_junit(doc)
        for suite in root.findall("testsuite"):
            self.assertEqual(milliseconds(suite), sum(milliseconds(case) for case in suite.iter("testcase")))
        self.assertEqual(milliseconds(root), sum(milliseconds(suite) for suite in root.findall("testsuite")))
        self.assertEqual(milliseconds(root), sum(result["duration_ms"] for result in doc["results"]))
        properties = {prop.get("name"): prop.get("value") for prop in root.find("testsuite/properties")}
        self.assertEqual(properties["duration_s"], "12.5")

    def test_attributes_readers_require(self):
        root = parse_junit(fixtures.realistic_doc())
        self.assertEqual(root.tag, "testsuites")
        for suite in root:
            self.assertEqual(suite.tag, "testsuite")
            for name in ("name", "tests", "failures", "errors", "skipped", "time"):
                self.assertIsNotNone(suite.get(name), name)
            # released Surefire report schemas allow no timestamp; the start is the property start_time
            self.assertIsNone(suite.get("timestamp"))
            self.assertEqual(suite.find("properties/property[@name='start_time']").get("value"),
                             "2026-11-21T21:30:00Z")
            self.assertEqual(suite.findall("testsuite"), [], "suites are flat")
            for case in suite.iter("testcase"):
                for name in ("classname", "name", "time"):
                    self.assertIsNotNone(case.get(name), name)
                outcomes = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
                self.assertLessEqual(len(outcomes), 1)

    def test_hostile_text_survives_without_forbidden_characters(self):
        text = report_junit.render(fixtures.hostile_doc())
        self.assertIsNone(report_junit.XML_FORBIDDEN.search(text))
        self.assertNotRegex(text, "[\ud800-\udfff\ufffe\uffff]")
        root = ET.fromstring(text.encode("utf-8"))
        failure = root.find("testsuite/testcase/failure")
        self.assertIn(fixtures.HOSTILE_ENDINGS, failure.get("message"))
        self.assertNotIn("\x1b", failure.get("message"))   # the ESC goes, the rest of the sequence stays
        self.assertIn("[31m", failure.get("message"))
        self.assertEqual(root.find("testsuite/properties/property[@name='platform_id']").get("value"),
                         fixtures.HOSTILE_SCRIPT)
        # markup in the text stays text: no element came from a string
        tags = {element.tag for element in root.iter()}
        self.assertEqual(tags, {"testsuites", "testsuite", "properties", "property", "testcase",
                                "failure", "skipped", "system-out"})


class TapReportTest(TemporaryDirectoryTest):
    def lines(self, doc):
        return report_tap.render(doc).splitlines()

    def test_version_and_plan(self):
        doc = fixtures.realistic_doc()
        lines = self.lines(doc)
        self.assertEqual(lines[0], f"TAP version {report_tap.TAP_VERSION}")
        self.assertEqual(lines[1], f"1..{len(doc['results'])}")
        test_points = [line for line in lines if re.match(r"^(not )?ok \d+ - ", line)]
        self.assertEqual(len(test_points), len(doc["results"]))
        numbers = [int(re.match(r"^(?:not )?ok (\d+)", line).group(1)) for line in test_points]
        self.assertEqual(numbers, list(range(1, len(doc["results"]) + 1)))

    def test_empty_run_has_a_skip_plan(self):
        lines = self.lines(fixtures.make_doc([]))
        self.assertEqual(lines[1:], ["1..0 # SKIP this run has no results"])

    def test_line_per_status(self):
        lines = self.lines(fixtures.realistic_doc())
        test_point = {int(re.match(r"^(?:not )?ok (\d+)", line).group(1)): line
                      for line in lines if re.match(r"^(not )?ok \d+", line)}
        self.assertEqual(test_point[1], "ok 1 - VIS-001 [posix-shm] "
                                        "A write through one agent's view is read through another agent's view.")
        self.assertRegex(test_point[3], r"^not ok 3 - VIS-002 \[posix-shm\] [^#]*$")
        self.assertRegex(test_point[4], r"^not ok 4 - .* # TODO expected failure: file mappings are not coherent")
        self.assertRegex(test_point[6], r"^not ok 6 - .* \(XPASS: expected failure did not happen\)$")
        self.assertRegex(test_point[7], r"^ok 7 - .* # SKIP needs a second user account$")
        self.assertRegex(test_point[9], r"^not ok 9 - NAME-001 \[posix-shm\] [^#]*$")
        self.assertRegex(test_point[10], r"^not ok 10 - .* # TODO expected ERROR: exclusive create")
        self.assertRegex(test_point[12], r"^not ok 12 - .* \(PASS, but the spec expects SKIP\)$")

    def test_yaml_block_follows_failures(self):
        lines = self.lines(fixtures.realistic_doc())
        start = lines.index("not ok 8 - LIFE-002 [file] Closing the last handle and view destroys the object.")
        block = lines[start + 1:lines.index("  ...", start) + 1]
        self.assertEqual(block[0], "  ---")
        self.assertIn('  message: "at create: agent B lost its connection"', block)
        self.assertIn('  check: "create"', block)
        self.assertIn('  status: "ERROR"', block)
        self.assertIn('  process: "signal SIGSEGV"', block)
        self.assertIn('    - "PASS"', block)
        self.assertTrue(all(line.startswith("  ") for line in block))

    def test_hash_and_newlines_are_escaped(self):
        doc = fixtures.hostile_doc()
        lines = self.lines(doc)
        for line in lines:
            self.assertNotRegex(line, r"[\x00-\x08\x0b-\x1f\x7f]")
            if line.startswith("  "):
                continue   # a YAML line: a # inside its double-quoted scalars is text
            unescaped_hashes = re.findall(r"(?<!\\)(?:\\\\)*#", line)
            directive_hashes = re.findall(r" # (?:TODO|SKIP) ", line)
            self.assertLessEqual(len(unescaped_hashes), len(directive_hashes), line[:200])
        self.assertIn("\\# SKIP", lines[2])

    def test_yaml_strings_are_json_compatible_where_possible(self):
        self.assertEqual(report_tap.yaml_string('a "b" \\ c\nd'), '"a \\"b\\" \\\\ c\\nd"')
        self.assertEqual(json.loads(report_tap.yaml_string('a "b" \\ c\nd\te')), 'a "b" \\ c\nd\te')
        self.assertEqual(report_tap.yaml_string("\x1b\x85\ud800"), '"\\x1b\\x85\ufffd"')

    def test_long_yaml_values_are_shortened(self):
        text = report_tap.render(fixtures.hostile_doc())
        transcript = next(line for line in text.splitlines() if line.startswith("  transcript: "))
        self.assertLess(len(transcript), 10000)
        self.assertIn("characters left out; results.json has them all", transcript)
        self.assertTrue(transcript.endswith('x"'))

    def prove(self, doc):
        path = self.path("results.tap")
        report_tap.write(doc, path)
        return subprocess.run([PROVE, "-e", "cat", path], capture_output=True, text=True,
                              cwd=self.directory, timeout=60)

    @unittest.skipUnless(os.access(PROVE, os.X_OK), "prove is not installed")
    def test_prove_passes_when_nothing_is_unexpected(self):
        run = self.prove(fixtures.all_expected_doc())
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("Result: PASS", run.stdout)

    @unittest.skipUnless(os.access(PROVE, os.X_OK), "prove is not installed")
    def test_prove_fails_on_fail(self):
        doc = fixtures.make_doc([
            fixtures.make_result("VIS-001", "C5", "posix-shm", "PASS"),
            fixtures.make_result("VIS-002", "C5", "posix-shm", "FAIL", message="B read 0"),
        ])
        run = self.prove(doc)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("Failed: 1", run.stdout)
        self.assertNotIn("Parse errors", run.stdout)

    @unittest.skipUnless(os.access(PROVE, os.X_OK), "prove is not installed")
    def test_prove_fails_on_xpass(self):
        doc = fixtures.make_doc([
            fixtures.make_result("VIS-001", "C5", "posix-shm", "PASS"),
            fixtures.make_result("LIFE-001", "C2", "file", "XPASS", reason="was expected to fail"),
        ])
        run = self.prove(doc)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("Failed: 1", run.stdout)

    @unittest.skipUnless(os.access(PROVE, os.X_OK), "prove is not installed")
    def test_prove_reads_hostile_stream_without_parse_errors(self):
        run = self.prove(fixtures.hostile_doc())
        self.assertIn("Failed: 1", run.stdout)
        self.assertNotIn("Parse errors", run.stdout)


if __name__ == "__main__":
    unittest.main()
