"""Tests of the strict JUnit checker (runner/tests/junit_strict.py): what
mapconf writes passes it, and each rule of the xUnit and Surefire schemas,
broken on purpose in a real junit.xml, is caught."""

import shutil
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

from runner.reports import junit as report_junit
from runner.tests import fixtures, junit_strict


def realistic_root():
    return ET.fromstring(report_junit.render(fixtures.realistic_doc()).encode("utf-8"))


def case_named(root, name):
    return next(case for case in root.iter("testcase") if case.get("name") == name)


class WhatMapconfWritesTest(unittest.TestCase):
    def test_every_fixture_passes(self):
        empty = fixtures.make_doc([])
        for doc in (fixtures.realistic_doc(), fixtures.all_expected_doc(), fixtures.hostile_doc(), empty):
            with self.subTest(platform_id=doc["run_info"]["platform_id"][:20], results=len(doc["results"])):
                junit_strict.check(report_junit.render(doc))

    def test_counts_are_what_the_cases_say(self):
        root = junit_strict.check(report_junit.render(fixtures.realistic_doc()))
        self.assertEqual([root.get(name) for name in ("tests", "failures", "errors")], ["12", "3", "2"])
        self.assertIsNone(root.get("skipped"))
        self.assertEqual(sum(int(suite.get("skipped")) for suite in root), 3)

    @unittest.skipUnless(junit_strict.user_schemas() and shutil.which("xmllint"),
                         "no schema in MAPCONF_JUNIT_XSD, or no xmllint")
    def test_xmllint_with_the_users_schemas(self):
        with tempfile.TemporaryDirectory() as directory:
            for doc in (fixtures.realistic_doc(), fixtures.hostile_doc()):
                path = Path(directory) / "junit.xml"
                report_junit.write(doc, path)
                for xsd in junit_strict.user_schemas():
                    with self.subTest(xsd=str(xsd), platform_id=doc["run_info"]["platform_id"][:20]):
                        self.assertIsNone(junit_strict.xmllint_problems(path, xsd, Path(directory) / "suites"))


class EachRuleBrokenTest(unittest.TestCase):
    """Each change makes a real junit.xml break one rule; the checker must
    name it."""

    def assert_refused(self, change, fragment):
        root = realistic_root()
        change(root)
        text = ET.tostring(root, encoding="unicode")
        with self.assertRaises(junit_strict.JUnitError) as caught:
            junit_strict.check(text)
        self.assertIn(fragment, str(caught.exception))

    def test_root(self):
        self.assert_refused(lambda root: root.set("skipped", "3"), "'skipped' is not allowed")
        self.assert_refused(lambda root: root.set("timestamp", "2026-11-21T21:30:00"), "'timestamp' is not allowed")
        self.assert_refused(lambda root: setattr(root, "tag", "testsuite"), "expected <testsuites>")
        self.assert_refused(lambda root: root.append(ET.Element("properties")), "only <testsuite> may be here")
        self.assert_refused(lambda root: setattr(root, "text", "stray"), "text 'stray'")
        self.assert_refused(lambda root: setattr(root, "tag", "{urn:x}testsuites"), "namespace")

    def test_suite_attributes(self):
        suite = lambda root: root.find("testsuite")          # noqa: E731
        self.assert_refused(lambda root: suite(root).set("timestamp", "2026-11-21T21:30:00"),
                            "'timestamp' is not allowed")
        self.assert_refused(lambda root: suite(root).set("hostname", "ci"), "'hostname' is not allowed")
        self.assert_refused(lambda root: suite(root).attrib.pop("skipped"), "'skipped' is required")
        self.assert_refused(lambda root: suite(root).attrib.pop("errors"), "'errors' is required")
        self.assert_refused(lambda root: suite(root).set("time", "1,234.000"), "time='1,234.000'")
        self.assert_refused(lambda root: suite(root).set("time", "0.0005"), "at most three decimals")

    def test_suite_content_and_order(self):
        def properties_last(root):
            suite = root.find("testsuite")
            properties = suite.find("properties")
            suite.remove(properties)
            suite.append(properties)

        def two_properties(root):
            suite = root.find("testsuite")
            suite.insert(1, ET.Element("properties"))

        self.assert_refused(properties_last, "at most one <properties>, first")
        self.assert_refused(two_properties, "at most one <properties>, first")
        self.assert_refused(lambda root: root.find("testsuite").append(ET.Element("system-out")),
                            "only <properties> and <testcase>")
        self.assert_refused(lambda root: root.find("testsuite").append(ET.Element("testsuite")),
                            "only <properties> and <testcase>")

    def test_properties(self):
        prop = lambda root: root.find("testsuite/properties/property")   # noqa: E731
        self.assert_refused(lambda root: prop(root).attrib.pop("value"), "'value' is required")
        self.assert_refused(lambda root: setattr(prop(root), "text", "x"), "its value is an attribute")
        self.assert_refused(lambda root: root.find("testsuite/properties").append(ET.Element("meta")),
                            "only <property>")

    def test_testcase(self):
        case = lambda root: root.find("testsuite/testcase")      # noqa: E731
        self.assert_refused(lambda root: case(root).attrib.pop("time"), "'time' is required")
        self.assert_refused(lambda root: case(root).attrib.pop("name"), "'name' is required")
        self.assert_refused(lambda root: case(root).set("time", "NaN"), "time='NaN'")
        self.assert_refused(lambda root: case(root).set("file", "x.c"), "'file' is not allowed")
        self.assert_refused(lambda root: case(root).append(ET.Element("rerunFailure")), "<rerunFailure>")

    def test_children_order_and_number(self):
        def output_first(root):
            case = case_named(root, "VIS-002 [posix-shm]")
            failure = case.find("failure")
            case.remove(failure)
            case.append(failure)

        def second_skipped(root):
            case_named(root, "LIFE-002 [posix-shm]").insert(0, ET.Element("skipped"))

        def error_and_failure(root):
            case_named(root, "VIS-002 [posix-shm]").insert(1, ET.Element("error", type="ERROR"))

        self.assert_refused(output_first, "<failure> after <system-out>")
        self.assert_refused(second_skipped, "more than 1 <skipped>")
        self.assert_refused(error_and_failure, "more than one outcome (failure, error)")

    def test_outcome_elements(self):
        self.assert_refused(lambda root: case_named(root, "LIFE-002 [posix-shm]").find("skipped").set("type", "SKIP"),
                            "'type' is not allowed")
        self.assert_refused(lambda root: case_named(root, "VIS-002 [posix-shm]").find("failure").attrib.pop("type"),
                            "'type' is required")
        self.assert_refused(lambda root: case_named(root, "LIFE-002 [file]").find("error").append(ET.Element("b")),
                            "holds text only")
        self.assert_refused(lambda root: case_named(root, "VIS-002 [posix-shm]").find("system-out").set("a", "1"),
                            "'a' is not allowed")

    def test_counters_and_times(self):
        self.assert_refused(lambda root: root.find("testsuite").set("failures", "9"), "but its test cases say")
        self.assert_refused(lambda root: root.find("testsuite").set("tests", "-1"), "not a non-negative integer")
        self.assert_refused(lambda root: root.set("errors", "0"), "but the suites add up to 2")
        self.assert_refused(lambda root: root.find("testsuite").set("time", "99.000"), "add up to")
        self.assert_refused(lambda root: root.set("time", "0.001"), "the suites add up to")

    def test_not_xml(self):
        with self.assertRaises(junit_strict.JUnitError):
            junit_strict.check("<testsuites>")


if __name__ == "__main__":
    unittest.main()
