"""results.ktap as the kernel reads KTAP: through kunit_parser.py of Linux
6.1 (tools/testing/kunit), the parser behind `kunit.py parse`, taken
from Debian's linux-source-6.1 package.

The package holds the kernel's source as one tarball; the parser and the
one module it imports (kunit_printer) are taken out of it once per machine
and package version, into ${XDG_CACHE_HOME:-~/.cache}/mapconf/kunit/<version>/.
A missing package is installed with apt-get as root (as a run installs
its tools), or named with the command to install it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

from runner import cache, toolchain
from runner.platforms import Tool

PACKAGE = "linux-source-6.1"
TARBALL = f"/usr/src/{PACKAGE}.tar.xz"
PARSER_FILES = ("kunit_parser.py", "kunit_printer.py")
PARSER_DIR_IN_TARBALL = f"{PACKAGE}/tools/testing/kunit"
EXTRACT_BOUND_S = 600
PARSE_BOUND_S = 60

# Run with the project's python3 apart from the selftest, whose output and
# sys.path the parser would otherwise share: it prints as it parses.
PARSE_SCRIPT = """
import contextlib, io, json, sys
sys.path.insert(0, sys.argv[1])
printed = io.StringIO()
with contextlib.redirect_stdout(printed), open(sys.argv[2], encoding="utf-8") as stream:
    import kunit_parser    # its printer takes the stdout of the moment it is imported
    test = kunit_parser.parse_run_tests(stream)
counts = test.counts
print(json.dumps({"status": test.status.name, "passed": counts.passed, "failed": counts.failed,
                  "crashed": counts.crashed, "skipped": counts.skipped, "errors": counts.errors,
                  "complaints": [line for line in printed.getvalue().splitlines() if "[ERROR]" in line]}))
"""


class KtapRefused(Exception):
    """The kernel's parser cannot be had, or reads results.ktap otherwise than the run says."""


def expected_reading(doc: dict) -> dict:
    """What kunit_parser must make of a run's results.ktap, by the mapping
    runner/reports/ktap.py documents: an expected PASS, XFAIL, ERROR or
    TIMEOUT passes, a declared SKIP skips, every unexpected result fails."""
    kinds = Counter("failed" if r["unexpected"] else "skipped" if r["status"] == "SKIP" else "passed"
                    for r in doc["results"])
    status = "FAILURE" if kinds["failed"] else "SUCCESS" if kinds["passed"] else "SKIPPED"
    return {"status": status, "passed": kinds["passed"], "failed": kinds["failed"], "crashed": 0,
            "skipped": kinds["skipped"], "errors": 0, "complaints": []}


def check(path: Path, doc: dict, parser_dir: Path | None = None) -> None:
    """results.ktap at `path` through the kernel's parser: no complaint, and
    its verdict and counts those of the run."""
    parser_dir = parser_dir or parser()
    proc = subprocess.run([sys.executable, "-c", PARSE_SCRIPT, str(parser_dir), str(path)], capture_output=True,
                          text=True, timeout=PARSE_BOUND_S, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise KtapRefused(f"the kernel's KTAP parser ({parser_dir}) stopped on {path} "
                          f"(exit {proc.returncode}): {proc.stderr.strip()[-1000:]}")
    reading = json.loads(proc.stdout)
    want = expected_reading(doc)
    if reading != want:
        wrong = {key: f"{reading[key]!r}, expected {want[key]!r}" for key in want if reading[key] != want[key]}
        raise KtapRefused(f"the kernel's KTAP parser reads {path} otherwise than results.json says: {wrong}")


_found: list[Path] = []          # the parser once found: every suite and fault step asks for it
_finding = threading.Lock()


def parser() -> Path:
    """The directory holding kunit_parser.py of the installed linux-source-6.1."""
    with _finding:
        if not _found:
            _found.append(_parser())
        return _found[0]


def _parser() -> Path:
    try:
        toolchain.ensure_tools([Tool(TARBALL, PACKAGE)])
    except toolchain.ToolError as error:
        raise KtapRefused(f"the kernel's KTAP parser comes from {PACKAGE}: {error}") from None
    version = _package_version()
    cached = _cache_root() / version
    if _holds_parser(cached):
        return cached
    cached.parent.mkdir(parents=True, exist_ok=True)
    # taken out beside its place and renamed into it, so that a killed
    # extraction or another selftest's at the same time leaves no half copy
    scratch = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=cached.parent))
    try:
        members = [f"{PARSER_DIR_IN_TARBALL}/{name}" for name in PARSER_FILES]
        proc = subprocess.run(["tar", "-xJf", TARBALL, "-C", str(scratch), *members], capture_output=True,
                              text=True, timeout=EXTRACT_BOUND_S, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise KtapRefused(f"could not take {', '.join(PARSER_FILES)} out of {TARBALL}: {proc.stderr.strip()}")
        try:
            (scratch / PARSER_DIR_IN_TARBALL).rename(cached)
        except OSError:
            if not cached.is_dir():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return cached


def cached_parser() -> Path | None:
    """The parser an earlier check took out, if any, without installing or
    extracting anything: for the unit tests, which must stay quick."""
    found = sorted(path for path in _cache_root().glob("*") if _holds_parser(path))
    return found[-1] if found else None


def _holds_parser(directory: Path) -> bool:
    return all((directory / name).is_file() for name in PARSER_FILES)


def _package_version() -> str:
    proc = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", PACKAGE], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not proc.stdout:
        raise KtapRefused(f"{TARBALL} is there but dpkg does not know {PACKAGE}'s version: "
                          f"install it with apt-get (sudo apt-get install {PACKAGE})")
    return proc.stdout


def _cache_root() -> Path:
    return cache.cache_dir("kunit")
