"""A small JSON Schema (draft 2020-12) validator, for the tests of
docs/results.schema.json and of every results.json the selftest writes.

It knows the keywords that schema uses, and no more: type, enum, const,
properties, required, additionalProperties, items, minItems, uniqueItems,
minimum, minLength, pattern, and the annotations ($schema, $id, title,
description, $comment, format). A schema with any other keyword is refused
(SchemaError) rather than half-checked. `format` is an annotation, as 2020-12
has it by default: it asserts nothing.
"""

from __future__ import annotations

import re

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ANNOTATIONS = {"$schema", "$id", "title", "description", "$comment", "format"}
ASSERTIONS = {"type", "enum", "const", "properties", "required", "additionalProperties", "items",
              "minItems", "uniqueItems", "minimum", "minLength", "pattern"}
TYPES = {"null", "boolean", "object", "array", "string", "number", "integer"}


class SchemaError(ValueError):
    """The schema itself is not one this validator can apply."""


def validate(instance, schema) -> list[str]:
    """The problems of `instance` under `schema`, each naming its place as a
    JSON Pointer ("" for the whole instance); [] if it is valid."""
    if isinstance(schema, dict) and schema.get("$schema", DIALECT) != DIALECT:
        raise SchemaError(f"the schema's dialect is {schema['$schema']!r}, not {DIALECT}")
    return _Validator().check(instance, schema, "")


def json_type(value) -> str:
    """The JSON type of a value parsed by the json module."""
    if isinstance(value, bool):          # before numbers: bool is an int in Python
        return "boolean"
    for python_type, name in ((type(None), "null"), ((int, float), "number"), (str, "string"),
                              (list, "array"), (dict, "object")):
        if isinstance(value, python_type):
            return name
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def is_type(value, name: str) -> bool:
    actual = json_type(value)
    if name == "integer":
        # 2020-12: an integer is a number with no fractional part, 1.0 included
        return actual == "number" and float(value).is_integer()
    return actual == name


def same(a, b) -> bool:
    """Equality as JSON has it: true is not 1, 1 is 1.0, order counts in arrays only."""
    kind_a, kind_b = json_type(a), json_type(b)
    if kind_a != kind_b:
        return False
    if kind_a == "array":
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if kind_a == "object":
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    return a == b


def ecma_to_python(pattern: str) -> str:
    """An ECMA-262 pattern as Python's re reads it (with re.ASCII): outside a
    character class, `$` is the end of the string, never before a final line feed."""
    out, in_class, index = [], False, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index:index + 2])
            index += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            char = r"\Z"
        out.append(char)
        index += 1
    return "".join(out)


def _pointer(where: str, key) -> str:
    return f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Validator:
    def __init__(self):
        self.patterns: dict[str, re.Pattern] = {}

    def check(self, value, schema, where: str) -> list[str]:
        if schema is True:
            return []
        if schema is False:
            return [f"{where or '(root)'}: no value is allowed here"]
        if not isinstance(schema, dict):
            raise SchemaError(f"a schema is an object or a boolean, not {_show(schema)}")
        unknown = set(schema) - ANNOTATIONS - ASSERTIONS
        if unknown:
            raise SchemaError(f"keywords this validator does not know: {', '.join(sorted(unknown))}")
        problems = []
        for keyword in ASSERTIONS & set(schema):
            problems += getattr(self, "_" + keyword)(value, schema[keyword], schema, where)
        return sorted(problems)

    def _fail(self, where, text):
        return [f"{where or '(root)'}: {text}"]

    def _type(self, value, wanted, schema, where):
        names = wanted if isinstance(wanted, list) else [wanted]
        if not names or set(names) - TYPES:
            raise SchemaError(f"type {wanted!r} names no JSON type")
        if any(is_type(value, name) for name in names):
            return []
        return self._fail(where, f"{_show(value)} is {json_type(value)}, not {' or '.join(names)}")

    def _enum(self, value, choices, schema, where):
        if any(same(value, choice) for choice in choices):
            return []
        return self._fail(where, f"{_show(value)} is not one of {choices}")

    def _const(self, value, constant, schema, where):
        return [] if same(value, constant) else self._fail(where, f"{_show(value)} is not {constant!r}")

    def _properties(self, value, properties, schema, where):
        if not isinstance(value, dict):
            return []
        problems = []
        for key, subschema in properties.items():
            if key in value:
                problems += self.check(value[key], subschema, _pointer(where, key))
        return problems

    def _required(self, value, keys, schema, where):
        if not isinstance(value, dict):
            return []
        return [problem for key in keys if key not in value
                for problem in self._fail(where, f"lacks the required key {key!r}")]

    def _additionalProperties(self, value, subschema, schema, where):
        if not isinstance(value, dict):
            return []
        problems = []
        for key in value:
            if key not in schema.get("properties", {}):
                if subschema is False:
                    problems += self._fail(where, f"has the key {key!r}, which the schema does not allow")
                else:
                    problems += self.check(value[key], subschema, _pointer(where, key))
        return problems

    def _items(self, value, subschema, schema, where):
        if not isinstance(value, list):
            return []
        return [problem for index, item in enumerate(value)
                for problem in self.check(item, subschema, _pointer(where, index))]

    def _minItems(self, value, least, schema, where):
        if isinstance(value, list) and len(value) < least:
            return self._fail(where, f"has {len(value)} items, fewer than {least}")
        return []

    def _uniqueItems(self, value, unique, schema, where):
        if not unique or not isinstance(value, list):
            return []
        for index, item in enumerate(value):
            if any(same(item, earlier) for earlier in value[:index]):
                return self._fail(where, f"repeats the item {_show(item)}")
        return []

    def _minimum(self, value, least, schema, where):
        if json_type(value) == "number" and value < least:
            return self._fail(where, f"{_show(value)} is less than {least}")
        return []

    def _minLength(self, value, least, schema, where):
        if isinstance(value, str) and len(value) < least:
            return self._fail(where, f"is shorter than {least} characters")
        return []

    def _pattern(self, value, pattern, schema, where):
        if not isinstance(value, str):
            return []
        if pattern not in self.patterns:
            self.patterns[pattern] = re.compile(ecma_to_python(pattern), re.ASCII)
        if self.patterns[pattern].search(value):
            return []
        return self._fail(where, f"{_show(value)} does not match {pattern}")
