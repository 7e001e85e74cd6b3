"""Tests of the JSON Schema validator (runner/tests/json_schema.py) and of
docs/results.schema.json: it is what the code generates, every fixture
matches it, each way of breaking a document breaks it, and it never
disagrees with runner/results_schema.py on the structure."""

import json
import unittest
from pathlib import Path

from runner import docs, results_schema, vocabulary
from runner.tests import fixtures, json_schema
from runner.tests.test_reports import value_paths

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / docs.RESULTS_SCHEMA


def committed_schema():
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


class ValidatorTest(unittest.TestCase):
    def assert_valid(self, instance, schema):
        self.assertEqual(json_schema.validate(instance, schema), [])

    def assert_invalid(self, instance, schema, fragment):
        problems = json_schema.validate(instance, schema)
        self.assertTrue(any(fragment in problem for problem in problems), f"{fragment!r} not in {problems}")

    def test_types(self):
        self.assert_valid(None, {"type": "null"})
        self.assert_valid(1.0, {"type": "integer"})        # 2020-12: no fractional part is an integer
        self.assert_invalid(1.5, {"type": "integer"}, "is number, not integer")
        self.assert_invalid(True, {"type": "integer"}, "is boolean")
        self.assert_invalid(True, {"type": "number"}, "is boolean")
        self.assert_valid("a", {"type": ["string", "null"]})
        self.assert_invalid(0, {"type": ["string", "null"]}, "not string or null")
        self.assert_invalid([], {"type": "object"}, "is array")

    def test_enum_and_const_compare_as_json(self):
        self.assert_valid(1.0, {"const": 1})
        self.assert_invalid(True, {"const": 1}, "is not 1")
        self.assert_invalid(0, {"enum": [False, "0"]}, "is not one of")
        self.assert_valid({"a": [1]}, {"enum": [{"a": [1.0]}]})

    def test_objects(self):
        schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"],
                  "additionalProperties": False}
        self.assert_valid({"a": "x"}, schema)
        self.assert_invalid({}, schema, "(root): lacks the required key 'a'")
        self.assert_invalid({"a": "x", "b/c": 1}, schema, "has the key 'b/c'")
        self.assert_invalid({"a": 1}, schema, "/a: 1 is number")
        self.assert_invalid({"a": "x", "b": 1}, {"additionalProperties": {"type": "string"}}, "/b: 1")

    def test_arrays(self):
        schema = {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True}
        self.assert_valid(["a", "b"], schema)
        self.assert_invalid([], schema, "fewer than 1")
        self.assert_invalid(["a", "a"], schema, "repeats the item 'a'")
        self.assert_invalid(["a", 2], schema, "/1: 2 is number")
        self.assert_invalid([1, 1.0], {"uniqueItems": True}, "repeats")
        self.assert_valid([1, True], {"uniqueItems": True})

    def test_numbers_and_strings(self):
        self.assert_invalid(-1, {"minimum": 0}, "less than 0")
        self.assert_valid("x", {"minimum": 0})                # applies to numbers only
        self.assert_invalid("", {"minLength": 1}, "shorter than 1")
        self.assert_valid("\U0001F600", {"minLength": 1})

    def test_patterns_are_read_as_ecma_262(self):
        schema = {"pattern": "^[0-9]{3}$"}
        self.assert_valid("123", schema)
        self.assert_invalid("123\n", schema, "does not match")     # $ is the end, not before a line feed
        self.assert_invalid("\u0661\u0662\u0663", {"pattern": r"^\d+$"}, "does not match")  # \d is ASCII
        self.assert_valid("a$b", {"pattern": "[$]"})
        self.assert_valid("xaby", {"pattern": "ab"})                # unanchored, as a search
        self.assertEqual(json_schema.ecma_to_python(r"^a\$[$]$"), r"^a\$[$]\Z")

    def test_boolean_schemas(self):
        self.assert_valid(1, True)
        self.assert_invalid(1, False, "no value is allowed")

    def test_unknown_keywords_and_dialects_are_refused(self):
        with self.assertRaises(json_schema.SchemaError):
            json_schema.validate(1, {"maximum": 3})
        with self.assertRaises(json_schema.SchemaError):
            json_schema.validate({"a": 1}, {"properties": {"a": {"type": "number", "anyOf": []}}})
        with self.assertRaises(json_schema.SchemaError):
            json_schema.validate(1, {"$schema": "http://json-schema.org/draft-07/schema#"})
        with self.assertRaises(json_schema.SchemaError):
            json_schema.validate(1, {"type": "float"})


class ResultsSchemaFileTest(unittest.TestCase):
    def setUp(self):
        self.schema = committed_schema()

    def test_file_is_what_the_code_generates(self):
        self.assertEqual(SCHEMA_FILE.read_text(encoding="utf-8"), docs.results_schema_text())
        self.assertEqual(self.schema["$schema"], json_schema.DIALECT)
        self.assertTrue(self.schema["$id"].startswith("urn:mapconf:results:"))

    def test_every_key_is_required_and_nothing_else_allowed(self):
        def objects(schema):
            if schema.get("type") == "object":
                yield schema
            for sub in [*schema.get("properties", {}).values(), *([schema["items"]] if "items" in schema else [])]:
                yield from objects(sub)
        found = list(objects(self.schema))
        self.assertEqual(len(found), 7)       # document, run_info, its filesystem and target, counts, result, evidence
        for schema in found:
            # added since schema 2 began, or what a run on another machine or a booted kernel alone has
            optional = {"filesystem", "expected_by", "run_id", "target", "vm", "package", "entry", "boot_s"} & set(schema["properties"])
            self.assertEqual(schema["required"], [k for k in schema["properties"] if k not in optional])
            self.assertIs(schema["additionalProperties"], False)

    def test_enumerations_come_from_the_vocabulary(self):
        run_info = self.schema["properties"]["run_info"]["properties"]
        result = self.schema["properties"]["results"]["items"]["properties"]
        self.assertEqual(run_info["platform"]["enum"], list(vocabulary.PLATFORMS))
        self.assertEqual(list(run_info["counts"]["properties"]), list(vocabulary.FINAL_STATUSES))
        self.assertEqual(result["clause"]["enum"], list(vocabulary.CLAUSES))
        self.assertEqual(result["backend"]["enum"], list(vocabulary.BACKENDS))
        self.assertEqual(result["status"]["enum"], list(vocabulary.FINAL_STATUSES))
        self.assertEqual(result["expected"]["items"]["enum"], list(vocabulary.OBSERVED_STATUSES))

    def test_fixtures_match(self):
        for build in (fixtures.realistic_doc, fixtures.all_expected_doc, fixtures.hostile_doc):
            with self.subTest(build.__name__):
                self.assertEqual(json_schema.validate(build(), self.schema), [])

    def test_each_way_of_breaking_a_document_is_caught(self):
        def broken(change):
            doc = fixtures.realistic_doc()
            change(doc)
            return doc

        cases = {
            "/schema": lambda d: d.update(schema=1),
            "(root): lacks the required key 'results'": lambda d: d.pop("results"),
            "(root): has the key 'extra'": lambda d: d.update(extra=1),
            "/run_info: lacks the required key 'libc'": lambda d: d["run_info"].pop("libc"),
            "/run_info/platform": lambda d: d["run_info"].update(platform="amiga"),
            "/run_info/platform_id": lambda d: d["run_info"].update(platform_id=""),
            "/run_info/runtime": lambda d: d["run_info"].update(runtime=3),
            "/run_info/os": lambda d: d["run_info"].update(os=None),
            "/run_info/start_time": lambda d: d["run_info"].update(start_time="2026-11-21 21:30:00"),
            "/run_info/duration_s": lambda d: d["run_info"].update(duration_s=-0.5),
            "/run_info/counts: has the key 'MAYBE'": lambda d: d["run_info"]["counts"].update(MAYBE=0),
            "/run_info/counts/PASS": lambda d: d["run_info"]["counts"].update(PASS=1.5),
            "/run_info/unexpected": lambda d: d["run_info"].update(unexpected=False),
            "/results/0/id": lambda d: d["results"][0].update(id="vis-1"),
            "/results/0/clause": lambda d: d["results"][0].update(clause="C12"),
            "/results/0/backend": lambda d: d["results"][0].update(backend="tmpfs"),
            "/results/0/status": lambda d: d["results"][0].update(status="OK"),
            "/results/0/observed": lambda d: d["results"][0].update(observed="XFAIL"),
            "/results/0/expected: has 0 items": lambda d: d["results"][0].update(expected=[]),
            "/results/0/expected: repeats": lambda d: d["results"][0].update(expected=["PASS", "PASS"]),
            "/results/0/unexpected": lambda d: d["results"][0].update(unexpected=0),
            "/results/0/duration_ms": lambda d: d["results"][0].update(duration_ms=-1),
            "/results/0/evidence: lacks the required key 'process'":
                lambda d: d["results"][0]["evidence"].pop("process"),
            "/results/0/statement": lambda d: d["results"][0].update(statement=""),
            "/results/1: [] is array": lambda d: d["results"].__setitem__(1, []),
        }
        for fragment, change in cases.items():
            with self.subTest(fragment):
                doc = broken(change)
                problems = json_schema.validate(doc, self.schema)
                self.assertTrue(any(problem.startswith(fragment) or fragment in problem for problem in problems),
                                f"{fragment!r} not in {problems}")
                self.assertNotEqual(results_schema.validate(doc), [], "the code must refuse it too")

    def test_schema_and_code_agree_on_every_wrong_value(self):
        # the code also checks what ties values together (counts, statuses, a real date); the
        # schema cannot, so a document only the code refuses must be refused for such a rule
        between_values = ("makes it", "but", "repeats", "a different", "start_time")
        disagreements = []
        for path in value_paths(fixtures.realistic_doc()):
            for wrong in (None, True, [], {}, [1], "", "x", -1, 0, 2.5, "PASS", ["PASS"]):
                doc = fixtures.realistic_doc()
                parent = doc
                for key in path[:-1]:
                    parent = parent[key]
                parent[path[-1]] = wrong
                by_schema = json_schema.validate(doc, self.schema)
                by_code = results_schema.validate(doc)
                only_between = all(any(word in problem for word in between_values) for problem in by_code)
                if (by_schema and not by_code) or (by_code and not by_schema and not only_between):
                    disagreements.append((path, wrong, by_schema[:1], by_code[:1]))
        self.assertEqual(disagreements, [])

if __name__ == "__main__":
    unittest.main()
