"""Tests of the strict YAML-subset parser the other tests use."""

import textwrap
import unittest

from runner.tests import yaml_subset


def parse(text):
    return yaml_subset.parse(textwrap.dedent(text))


class ParseTest(unittest.TestCase):
    def test_mappings_sequences_and_scalars(self):
        doc = parse("""
            # a comment
            name: mapconf   # trailing comment
            on:
              push:
                branches: [main, "release/*"]
            count: 3
            ratio: 0.5
            yes_no: false
            nothing: ~
            empty:
            list:
            - one
            - 'it''s'
            - "tab\\there \\x41\\u00e9"
            - key: value
              other: 2
            -
              - nested
            url: https://example.org/a#b
            expression: ${{ matrix.platform }}
        """)
        self.assertEqual(doc, {
            "name": "mapconf",
            "on": {"push": {"branches": ["main", "release/*"]}},
            "count": 3, "ratio": 0.5, "yes_no": False, "nothing": None, "empty": None,
            "list": ["one", "it's", "tab\there A\u00e9", {"key": "value", "other": 2}, ["nested"]],
            "url": "https://example.org/a#b",
            "expression": "${{ matrix.platform }}",
        })

    def test_literal_block_scalars(self):
        doc = parse("""
            keep: |
              first line
                indented # not a comment

              last line
            strip: |-
              no newline
            plus: |+
              kept

            after: 1
        """)
        self.assertEqual(doc["keep"], "first line\n  indented # not a comment\n\nlast line\n")
        self.assertEqual(doc["strip"], "no newline")
        self.assertEqual(doc["plus"], "kept\n\n")
        self.assertEqual(doc["after"], 1)

    def test_nested_flow_sequences(self):
        self.assertEqual(parse("a: [[1, 2], ['x, y'], []]\n"), {"a": [[1, 2], ["x, y"], []]})

    def test_sequence_of_mappings_in_a_mapping(self):
        doc = parse("""
            steps:
              - uses: actions/checkout@v4
              - name: run
                run: |
                  ./mapconf run
                  echo done
                env:
                  CI: "true"
        """)
        self.assertEqual(doc["steps"][1], {"name": "run", "run": "./mapconf run\necho done\n", "env": {"CI": "true"}})

    def test_refusals_name_the_line(self):
        refused = {
            "a: 1\na: 2\n": "line 2: the key 'a' appears twice",
            "a:\n\tb: 1\n": "line 2: a tab in the indentation",
            "a: &anchor 1\n": "anchors are not supported",
            "a: *alias\n": "aliases are not supported",
            "a: !tag x\n": "tags are not supported",
            "a: {b: 1}\n": "flow mappings are not supported",
            "a: [1, {b: 1}]\n": "flow mappings are not supported",
            "a: >\n  folded\n": "folded block scalars are not supported",
            "a: plain\n  continued\n": "line 2: a line indented deeper",
            "a: 'open\n  close'\n": "line 1: a quoted scalar that does not end on its line",
            "a: [1, 2\n": "a flow sequence that does not end on its line",
            "a: [1,, 2]\n": "an empty entry",
            "a: b: c\n": "a mapping inside a value on one line",
            "---\na: 1\n": "document markers",
            "? complex\n": "complex keys are not supported",
            "just text\n": "expected 'key: value'",
            "a:\n  - 1\n b: 2\n": "line 3:",
            'a: "bad \\q escape"\n': "an unknown escape \\q",
        }
        for text, fragment in refused.items():
            with self.subTest(text=text):
                with self.assertRaises(yaml_subset.YamlError) as caught:
                    yaml_subset.parse(text)
                self.assertIn(fragment, str(caught.exception))

    def test_empty_document(self):
        self.assertIsNone(yaml_subset.parse("# nothing\n\n"))


if __name__ == "__main__":
    unittest.main()
