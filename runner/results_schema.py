"""The results document (results.json): its validation and loading.

Every report writer reads the same document, so the rules that make it
coherent (counts match the results, final statuses agree with what was
observed and expected) live here once.
"""

import json
import math
import re
from collections import Counter
from datetime import datetime

from runner import outcome
from runner.vocabulary import BACKENDS, CLAUSES, FINAL_STATUSES, ID_PATTERN, OBSERVED_STATUSES, PLATFORMS

SCHEMA_VERSION = 1

TOP_KEYS = ("schema", "run_info", "results")
RUN_INFO_KEYS = (
    "platform", "platform_id", "os", "kernel", "arch", "libc", "runtime",
    "mapconf_version", "git_revision", "start_time", "duration_s", "command",
    "counts", "unexpected",
)
RESULT_KEYS = (
    "id", "clause", "statement", "backend", "case", "status", "observed",
    "expected", "reason", "unexpected", "message", "duration_ms", "evidence",
)
EVIDENCE_KEYS = ("transcript", "output", "process")

START_TIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

MAX_PROBLEMS_IN_MESSAGE = 5


class ResultsFileError(Exception):
    """A results file that cannot be used; the message is one plain sentence."""


def is_expected_error(result):
    """An ERROR or TIMEOUT the spec predicts for this platform and backend."""
    return result["status"] in ("ERROR", "TIMEOUT") and not result["unexpected"]


def validate(doc):
    """All the problems that keep `doc` from being a schema-1 results document."""
    if not isinstance(doc, dict):
        return [f"the document is {_json_type(doc)}, expected an object"]
    problems = _check_keys(doc, TOP_KEYS, "the document")
    if "schema" in doc and not _is_same_int(doc["schema"], SCHEMA_VERSION):
        problems.append(f"schema is {_show(doc['schema'])}, expected {SCHEMA_VERSION}")
    results = doc.get("results")
    results_are_list = isinstance(results, list)
    if "results" in doc and not results_are_list:
        problems.append(f"results is {_json_type(results)}, expected an array")
    if results_are_list:
        for index, result in enumerate(results):
            problems += _check_result(result, f"results[{index}]")
        problems += _check_results_together(results)
    if "run_info" in doc:
        problems += _check_run_info(doc["run_info"])
        if results_are_list and not problems:
            problems += _check_totals(doc["run_info"], results)
    return problems


def require_valid(doc):
    """Raise ValueError naming the first problems if `doc` is not valid."""
    problems = validate(doc)
    if problems:
        raise ValueError("invalid mapconf results document: " + _summarize(problems))


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


def _check_keys(obj, keys, where):
    missing = [f"{where} lacks the key {key!r}" for key in keys if key not in obj]
    unknown = [f"{where} has an unknown key {key!r}" for key in obj if key not in keys]
    return missing + unknown


def _check_string(obj, key, where, nullable=False, non_empty=False):
    if key not in obj:
        return []
    value = obj[key]
    if value is None and nullable:
        return []
    if not isinstance(value, str):
        wanted = "a string or null" if nullable else "a string"
        return [f"{where}.{key} is {_show(value)}, expected {wanted}"]
    if non_empty and not value:
        return [f"{where}.{key} is empty"]
    return []


def _check_count(obj, key, where):
    if key not in obj:
        return []
    value = obj[key]
    if not _is_int(value) or value < 0:
        return [f"{where}.{key} is {_show(value)}, expected a non-negative integer"]
    return []


def _check_choice(obj, key, choices, where):
    if key not in obj:
        return []
    # a string first: the choices may be a dict, where an unhashable value cannot be looked up
    if not isinstance(obj[key], str) or obj[key] not in choices:
        return [f"{where}.{key} is {_show(obj[key])}, expected one of {', '.join(choices)}"]
    return []


def _check_object(value, where):
    if isinstance(value, dict):
        return []
    return [f"{where} is {_json_type(value)}, expected an object"]


# --- run_info ----------------------------------------------------------------

def _check_run_info(run_info):
    where = "run_info"
    problems = _check_object(run_info, where)
    if problems:
        return problems
    problems = _check_keys(run_info, RUN_INFO_KEYS, where)
    problems += _check_choice(run_info, "platform", PLATFORMS, where)
    problems += _check_string(run_info, "platform_id", where, non_empty=True)
    for key in ("os", "kernel", "arch", "libc", "mapconf_version", "command"):
        problems += _check_string(run_info, key, where)
    for key in ("runtime", "git_revision"):
        problems += _check_string(run_info, key, where, nullable=True)
    problems += _check_start_time(run_info, where)
    problems += _check_duration_s(run_info, where)
    problems += _check_count(run_info, "unexpected", where)
    if "counts" in run_info:
        problems += _check_counts_shape(run_info["counts"], f"{where}.counts")
    return problems


def _check_start_time(run_info, where):
    value = run_info.get("start_time")
    if "start_time" not in run_info:
        return []
    problem = [f"{where}.start_time is {_show(value)}, expected a UTC time like 2026-11-21T21:30:00Z"]
    if not isinstance(value, str) or not START_TIME_PATTERN.match(value):
        return problem
    try:
        datetime.fromisoformat(value[:-1])
    except ValueError:
        return problem
    return []


def _check_duration_s(run_info, where):
    if "duration_s" not in run_info:
        return []
    value = run_info["duration_s"]
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value) or value < 0:
        return [f"{where}.duration_s is {_show(value)}, expected a non-negative number of seconds"]
    return []


def _check_counts_shape(counts, where):
    problems = _check_object(counts, where)
    if problems:
        return problems
    problems = _check_keys(counts, FINAL_STATUSES, where)
    for status in FINAL_STATUSES:
        problems += _check_count(counts, status, where)
    return problems


def _check_totals(run_info, results):
    """The run's counters must describe exactly the results listed."""
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


# --- results -----------------------------------------------------------------

def _check_result(result, where):
    problems = _check_object(result, where)
    if problems:
        return problems
    problems = _check_keys(result, RESULT_KEYS, where)
    problems += _check_result_id(result, where)
    problems += _check_choice(result, "clause", CLAUSES, where)
    problems += _check_string(result, "statement", where, non_empty=True)
    problems += _check_choice(result, "backend", BACKENDS, where)
    problems += _check_string(result, "case", where, non_empty=True)
    problems += _check_choice(result, "status", FINAL_STATUSES, where)
    problems += _check_choice(result, "observed", OBSERVED_STATUSES, where)
    problems += _check_expected(result, where)
    problems += _check_string(result, "reason", where, nullable=True)
    problems += _check_string(result, "message", where)
    problems += _check_count(result, "duration_ms", where)
    if "unexpected" in result and not isinstance(result["unexpected"], bool):
        problems.append(f"{where}.unexpected is {_show(result['unexpected'])}, expected true or false")
    if "evidence" in result:
        problems += _check_evidence(result["evidence"], f"{where}.evidence")
    if not problems:
        problems += _check_status_agreement(result, where)
    return problems


def _check_result_id(result, where):
    if "id" not in result:
        return []
    value = result["id"]
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        return [f"{where}.id is {_show(value)}, expected AREA-NNN like VIS-001"]
    return []


def _check_expected(result, where):
    if "expected" not in result:
        return []
    value = result["expected"]
    wanted = f"a non-empty array of distinct statuses from {', '.join(OBSERVED_STATUSES)}"
    if not isinstance(value, list) or not value:
        return [f"{where}.expected is {_show(value)}, expected {wanted}"]
    valid_items = all(isinstance(item, str) and item in OBSERVED_STATUSES for item in value)
    if not valid_items or len(set(value)) != len(value):
        return [f"{where}.expected is {_show(value)}, expected {wanted}"]
    return []


def _check_evidence(evidence, where):
    problems = _check_object(evidence, where)
    if problems:
        return problems
    problems = _check_keys(evidence, EVIDENCE_KEYS, where)
    for key in EVIDENCE_KEYS:
        problems += _check_string(evidence, key, where)
    return problems


def _check_status_agreement(result, where):
    """The final status and the `unexpected` flag must be what the runner's
    rule (runner.outcome.reconcile) makes of observed and expected."""
    status, observed, expected = result["status"], result["observed"], result["expected"]
    derived = outcome.reconcile(observed, tuple(expected))
    if status != derived.status:
        return [f"{where}.status is {status}, but observed {observed} with expected "
                f"{_show(expected)} makes it {derived.status}"]
    if result["unexpected"] != derived.unexpected:
        return [f"{where}.unexpected is {_show(result['unexpected'])}, but observed {observed} "
                f"with expected {_show(expected)} is {'' if derived.unexpected else 'not '}unexpected"]
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
