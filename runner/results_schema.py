"""The results document (results.json): its structure, validation and loading.

Every report writer reads the same document, so the rules that make it
coherent (counts match the results, final statuses agree with what was
observed and expected) live here once.

The structure (every key, the type of its value, its choices) is a table of
fields below. validate() reads it, and so does json_schema(), which makes
the JSON Schema that `./mapconf docs` writes to docs/results.schema.json for
other tools. The rules that tie values together cannot be said in that
schema's terms and are checked here alone.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from runner import outcome
from runner.vocabulary import BACKENDS, CLAUSES, FINAL_STATUSES, ID_PATTERN, OBSERVED_STATUSES, PLATFORMS

SCHEMA_VERSION = 2
SCHEMA_ID = f"urn:mapconf:results:{SCHEMA_VERSION}"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# [0-9] rather than \d: the pattern goes into the JSON Schema too, where \d is ASCII only
START_TIME_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z")

MAX_PROBLEMS_IN_MESSAGE = 5


class ResultsFileError(Exception):
    """A results file that cannot be used; the message is one plain sentence."""


def is_expected_error(result):
    """An ERROR or TIMEOUT the spec predicts for this platform and backend."""
    return result["status"] in ("ERROR", "TIMEOUT") and not result["unexpected"]


# --- the kinds of value ----------------------------------------------------------
# Each kind says what is wrong with a value (problems) and what JSON Schema
# says the same (json_schema); `where` names the value in a problem.

@dataclass(frozen=True)
class Const:
    value: int

    def problems(self, value, where):
        return [] if _is_same_int(value, self.value) else [f"{where} is {_show(value)}, expected {self.value}"]

    def json_schema(self):
        return {"const": self.value}


@dataclass(frozen=True)
class Text:
    nullable: bool = False
    non_empty: bool = False

    def problems(self, value, where):
        if value is None and self.nullable:
            return []
        if not isinstance(value, str):
            return [f"{where} is {_show(value)}, expected {'a string or null' if self.nullable else 'a string'}"]
        if self.non_empty and not value:
            return [f"{where} is empty"]
        return []

    def json_schema(self):
        schema = {"type": ["string", "null"] if self.nullable else "string"}
        if self.non_empty:
            schema["minLength"] = 1
        return schema


@dataclass(frozen=True)
class Form:
    """A string of one form (the whole string matches `pattern`), with an
    optional further test of its meaning (a real date)."""
    pattern: re.Pattern
    wanted: str
    meaning: Callable[[str], bool] | None = None
    format: str | None = None          # the JSON Schema format, an annotation for other tools

    def problems(self, value, where):
        if (not isinstance(value, str) or not self.pattern.fullmatch(value)
                or (self.meaning and not self.meaning(value))):
            return [f"{where} is {_show(value)}, expected {self.wanted}"]
        return []

    def json_schema(self):
        schema = {"type": "string", "pattern": f"^(?:{self.pattern.pattern})$"}
        if self.format:
            schema["format"] = self.format
        return schema


@dataclass(frozen=True)
class Choice:
    choices: tuple[str, ...]

    def problems(self, value, where):
        if not isinstance(value, str) or value not in self.choices:
            return [f"{where} is {_show(value)}, expected one of {', '.join(self.choices)}"]
        return []

    def json_schema(self):
        return {"enum": list(self.choices)}


@dataclass(frozen=True)
class NonNegative:
    """A non-negative integer (a count), or a non-negative finite number."""
    integer: bool
    wanted: str

    def problems(self, value, where):
        if self.integer:
            is_number = _is_int(value)
        else:
            is_number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not is_number or value < 0:
            return [f"{where} is {_show(value)}, expected {self.wanted}"]
        return []

    def json_schema(self):
        return {"type": "integer" if self.integer else "number", "minimum": 0}


COUNT = NonNegative(integer=True, wanted="a non-negative integer")
SECONDS = NonNegative(integer=False, wanted="a non-negative number of seconds")


@dataclass(frozen=True)
class NullableCount:
    """A non-negative integer, or null (none: e.g. a filesystem without a size limit)."""

    def problems(self, value, where):
        if value is None or (_is_int(value) and value >= 0):
            return []
        return [f"{where} is {_show(value)}, expected a non-negative integer or null"]

    def json_schema(self):
        return {"type": ["integer", "null"], "minimum": 0}


@dataclass(frozen=True)
class Flag:
    def problems(self, value, where):
        return [] if isinstance(value, bool) else [f"{where} is {_show(value)}, expected true or false"]

    def json_schema(self):
        return {"type": "boolean"}


@dataclass(frozen=True)
class Statuses:
    """A non-empty array of distinct statuses."""
    choices: tuple[str, ...]

    def problems(self, value, where):
        wanted = f"a non-empty array of distinct statuses from {', '.join(self.choices)}"
        if (not isinstance(value, list) or not value
                or not all(isinstance(item, str) and item in self.choices for item in value)
                or len(set(value)) != len(value)):
            return [f"{where} is {_show(value)}, expected {wanted}"]
        return []

    def json_schema(self):
        return {"type": "array", "items": {"enum": list(self.choices)}, "minItems": 1, "uniqueItems": True}


@dataclass(frozen=True)
class Record:
    """An object with exactly these keys. `coherence` (the rules between its
    values) is checked once every value is right."""
    fields: dict
    coherence: Callable[[dict, str], list[str]] | None = None
    name: str | None = None           # how problems name the object itself, if not by its path
    optional: tuple[str, ...] = ()    # keys that may be absent (added since the schema version began)

    def problems(self, value, where):
        if not isinstance(value, dict):
            return [f"{self.name or where} is {_json_type(value)}, expected an object"]
        problems = _check_keys(value, self.fields, self.name or where, self.optional)
        for key, kind in self.fields.items():
            if key in value:
                problems += kind.problems(value[key], f"{where}.{key}" if where else key)
        if not problems and self.coherence:
            problems += self.coherence(value, where)
        return problems

    def json_schema(self):
        return {
            "type": "object",
            "properties": {key: kind.json_schema() for key, kind in self.fields.items()},
            "required": [key for key in self.fields if key not in self.optional],
            "additionalProperties": False,
        }


@dataclass(frozen=True)
class Array:
    """An array of one kind of item. `together` (the rules across items) is
    checked whatever the items are."""
    item: object
    together: Callable[[list], list[str]] | None = None

    def problems(self, value, where):
        if not isinstance(value, list):
            return [f"{where} is {_json_type(value)}, expected an array"]
        problems = []
        for index, item in enumerate(value):
            problems += self.item.problems(item, f"{where}[{index}]")
        if self.together:
            problems += self.together(value)
        return problems

    def json_schema(self):
        return {"type": "array", "items": self.item.json_schema()}


# --- the rules between values ----------------------------------------------------

def _check_status_agreement(result, where):
    """The final status and the `unexpected` flag must be what the runner's
    rule (runner.outcome.reconcile) makes of observed and expected, with the
    failure at the expected check or not (the document does not say which
    check the spec table named, so either is accepted)."""
    status, observed, expected = result["status"], result["observed"], result["expected"]
    derived = [outcome.reconcile(observed, tuple(expected), matched) for matched in (True, False)]
    if status not in {d.status for d in derived}:
        return [f"{where}.status is {status}, but observed {observed} with expected "
                f"{_show(expected)} makes it {' or '.join(sorted({d.status for d in derived}))}"]
    if not any(d.status == status and d.unexpected == result["unexpected"] for d in derived):
        flag = next(d.unexpected for d in derived if d.status == status)
        return [f"{where}.unexpected is {_show(result['unexpected'])}, but observed {observed} "
                f"with expected {_show(expected)} is {'' if flag else 'not '}unexpected"]
    return []


def _check_results_together(results):
    """One result per (id, backend), and one clause and statement per id."""
    problems = []
    seen_pairs = set()
    first_by_id = {}
    for index, result in enumerate(results):
        if not isinstance(result, dict) or not all(isinstance(result.get(key), str) for key in ("id", "backend")):
            continue
        pair = (result["id"], result["backend"])
        if pair in seen_pairs:
            problems.append(f"results[{index}] repeats {result['id']} on backend {_show(pair[1])}")
        seen_pairs.add(pair)
        first = first_by_id.setdefault(result["id"], result)
        for key in ("clause", "statement"):
            if result.get(key) != first.get(key):
                problems.append(f"results[{index}] gives {result['id']} a different {key} than an earlier result")
    return problems


def _check_totals(doc, where):
    """The run's counters must describe exactly the results listed."""
    run_info, results = doc["run_info"], doc["results"]
    problems = []
    actual = Counter(result["status"] for result in results)
    for status in FINAL_STATUSES:
        stated = run_info["counts"][status]
        if stated != actual[status]:
            problems.append(
                f"run_info.counts.{status} is {stated}, but {actual[status]} results have status {status}"
            )
    unexpected = sum(1 for result in results if result["unexpected"])
    if run_info["unexpected"] != unexpected:
        problems.append(
            f"run_info.unexpected is {run_info['unexpected']}, but {unexpected} results are unexpected"
        )
    return problems


def _is_real_utc_time(value):
    try:
        datetime.fromisoformat(value[:-1])
    except ValueError:
        return False
    return True


# --- the document ----------------------------------------------------------------

# run_info.filesystem: the scratch filesystem of `run --filesystem` (runner/filesystems.py)
FILESYSTEM = Record({
    "name": Text(non_empty=True),
    "holds": Text(),
    "mount_point": Text(),
    "fstype": Text(non_empty=True),
    "source": Text(nullable=True),
    "mount_options": Text(),
    "size_limit_bytes": NullableCount(),
    "tool": Text(nullable=True),
})

# run_info.vm: the virtual machine a kernel target boots (runner/platforms/kernel.py)
VM = Record({
    "kind": Choice(("qemu-system",)),
    "image": Text(non_empty=True),
    "release": Text(non_empty=True),
    "version": Text(),
    "sha256": Form(re.compile(r"[0-9a-f]{64}"), "a SHA-256 in hex"),
    "package": Text(non_empty=True),
    "entry": Text(non_empty=True),   # how it was booted: "pvh (...)" (runner/pvh.py) or "bzimage"
    "accelerator": Choice(("tcg", "kvm")),
    "accelerator_why": Text(),
    "command_line": Text(),
    "memory_mb": COUNT,
    "boots": COUNT,
    "boot_s": SECONDS,        # the median of its boots: how long until its case host was ready
}, optional=("package", "entry", "boot_s"))

RUN_INFO = Record({
    "platform": Choice(PLATFORMS),
    "platform_id": Text(non_empty=True),
    "os": Text(),
    "kernel": Text(),
    "arch": Text(),
    "libc": Text(),
    "runtime": Text(nullable=True),
    "mapconf_version": Text(),
    "git_revision": Text(nullable=True),
    "start_time": Form(START_TIME_PATTERN, "a UTC time like 2026-11-21T21:30:00Z", _is_real_utc_time, "date-time"),
    "duration_s": SECONDS,
    "command": Text(),
    # what the run's objects, memory cgroups and processes were named with (absent in earlier runs' files)
    "run_id": Text(non_empty=True),
    "counts": Record({status: COUNT for status in FINAL_STATUSES}),
    "unexpected": COUNT,
    "filesystem": FILESYSTEM,
    # the machine the cases ran on, when not the runner's (run --target); kernel, arch, os, libc are its
    "target": Text(non_empty=True),
    "vm": VM,
}, optional=("filesystem", "run_id", "target", "vm"))

RESULT = Record({
    "id": Form(ID_PATTERN, "AREA-NNN like VIS-001"),
    "clause": Choice(tuple(CLAUSES)),
    "statement": Text(non_empty=True),
    "backend": Choice(tuple(BACKENDS)),
    "case": Text(non_empty=True),
    "status": Choice(FINAL_STATUSES),
    "observed": Choice(OBSERVED_STATUSES),
    "expected": Statuses(OBSERVED_STATUSES),
    "reason": Text(nullable=True),
    # the --expectations file the expectation came from (null: the spec table, or none)
    "expected_by": Text(nullable=True),
    "unexpected": Flag(),
    "check": Text(nullable=True, non_empty=True),
    "message": Text(),
    "duration_ms": COUNT,
    "evidence": Record({"transcript": Text(), "output": Text(), "process": Text()}),
}, coherence=_check_status_agreement, optional=("expected_by",))

DOCUMENT = Record({
    "schema": Const(SCHEMA_VERSION),
    "run_info": RUN_INFO,
    "results": Array(RESULT, together=_check_results_together),
}, coherence=_check_totals, name="the document")


def validate(doc):
    """All the problems that keep `doc` from being a schema-2 results document."""
    return DOCUMENT.problems(doc, "")


def require_valid(doc):
    """Raise ValueError naming the first problems if `doc` is not valid."""
    problems = validate(doc)
    if problems:
        raise ValueError("invalid mapconf results document: " + _summarize(problems))


def json_schema():
    """The document's structure as a JSON Schema (draft 2020-12), for tools
    that validate results.json without mapconf."""
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": f"mapconf results document (results.json), schema {SCHEMA_VERSION}",
        "description": (
            "Written by runner/results_schema.py (./mapconf docs): do not edit by hand. "
            "The rules between values (each status agrees with observed and expected, one result "
            "per id and backend, run_info.counts and run_info.unexpected count the results, "
            "start_time is a real date) are in docs/reference.md and runner/results_schema.py."
        ),
        **DOCUMENT.json_schema(),
    }


def load(path):
    """Read and validate a results file; any failure is a ResultsFileError."""
    text = _read_text(path)
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise ResultsFileError(f"{path} is not valid JSON ({_json_error_text(error)}).") from None
    if not _looks_like_results(doc):
        raise ResultsFileError(
            f"{path} is not a mapconf results file "
            "(expected a JSON object with schema, run_info and results)."
        )
    if not _is_same_int(doc["schema"], SCHEMA_VERSION):
        raise ResultsFileError(
            f"{path} has schema version {_show(doc['schema'])}, "
            f"but this mapconf reads schema version {SCHEMA_VERSION}."
        )
    problems = validate(doc)
    if problems:
        raise ResultsFileError(f"{path} is not a valid mapconf results file: {_summarize(problems)}.")
    return doc


# --- loading helpers -------------------------------------------------------

def _read_text(path):
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError as error:
        raise ResultsFileError(f"Cannot read results file {path}: {error.strerror or error}.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ResultsFileError(f"{path} is not UTF-8 text, so it is not a mapconf results file.") from None


def _reject_constant(name):
    # NaN and Infinity are not JSON, although Python's json module accepts them.
    raise ValueError(f"{name} is not allowed in JSON")


def _json_error_text(error):
    if isinstance(error, json.JSONDecodeError):
        return f"line {error.lineno} column {error.colno}: {error.msg}"
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error)


def _looks_like_results(doc):
    return isinstance(doc, dict) and "schema" in doc and ("run_info" in doc or "results" in doc)


def _summarize(problems):
    shown = "; ".join(problems[:MAX_PROBLEMS_IN_MESSAGE])
    hidden = len(problems) - MAX_PROBLEMS_IN_MESSAGE
    return shown + (f" (and {hidden} more)" if hidden > 0 else "")


# --- type checks -------------------------------------------------------------

def _json_type(value):
    """The JSON type of `value` with its article: "an array", "a string"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a Python {type(value).__name__}"


def _show(value):
    try:
        shown = json.dumps(value)
    except (TypeError, ValueError):
        shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _is_int(value):
    # bool is a subclass of int in Python but not a number in JSON.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_same_int(value, number):
    return _is_int(value) and value == number


def _check_keys(obj, keys, where, optional=()):
    missing = [f"{where} lacks the key {key!r}" for key in keys if key not in obj and key not in optional]
    unknown = [f"{where} has an unknown key {key!r}" for key in obj if key not in keys]
    return missing + unknown
