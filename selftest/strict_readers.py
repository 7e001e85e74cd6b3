"""mapconf's outputs as their strictest readers take them: every results.json
against docs/results.schema.json, every junit.xml against the rules of the
xUnit and Surefire JUnit schemas (and `xmllint --schema` with the schema
files a user names in MAPCONF_JUNIT_XSD), and the GitHub workflow through
a real workflow validator.

The validator, action-validator from the npm registry, is a test tool only:
.ci/run installs it into build/tools (untracked), and mapconf itself stays
standard-library Python.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from runner import docs
from runner.tests import json_schema, junit_strict

WORKFLOW = ".github/workflows/mapconf.yml"
VALIDATOR_PACKAGE = "@action-validator/cli@0.6.0"
TOOLS_DIR = "build/tools"
VALIDATOR = f"{TOOLS_DIR}/node_modules/.bin/action-validator"
# the line .ci/run runs; a test holds the two to the same text
INSTALL_COMMAND = f"npm install --prefix {TOOLS_DIR} --no-audit --no-fund {VALIDATOR_PACKAGE}"


class ReaderRefused(Exception):
    """A strict reader refused an output; the message names the file and why."""


def check_results_files(repo: Path, paths: list[Path]) -> None:
    """Each results file against the committed JSON Schema."""
    schema = json.loads((repo / docs.RESULTS_SCHEMA).read_text(encoding="utf-8"))
    for path in paths:
        problems = json_schema.validate(json.loads(path.read_text(encoding="utf-8")), schema)
        if problems:
            raise ReaderRefused(f"{path} does not match {docs.RESULTS_SCHEMA}: {'; '.join(problems[:3])}")


def check_junit_files(paths: list[Path], scratch: Path) -> None:
    """Each junit.xml against the strict rules, then the user's schema files."""
    schemas = junit_strict.user_schemas()
    if schemas and not shutil.which("xmllint"):
        raise ReaderRefused("MAPCONF_JUNIT_XSD names schemas, but xmllint is missing "
                            "(sudo apt-get install libxml2-utils)")
    for path in paths:
        try:
            junit_strict.check(path.read_bytes())
        except junit_strict.JUnitError as error:
            raise ReaderRefused(f"{path}: {error}") from None
        for xsd in schemas:
            problem = junit_strict.xmllint_problems(path, xsd, scratch)
            if problem:
                raise ReaderRefused(f"xmllint --schema {xsd} refuses {path}: {problem}")


def check_workflow(repo: Path, workflow: Path | None = None) -> None:
    """The workflow through action-validator, which checks it against the
    public schema of GitHub workflows. A missing validator is installed
    into build/tools from the npm registry, as the page checks install
    Chromium; without npm, the step fails naming what to install."""
    validator = repo / VALIDATOR
    if not validator.exists():
        _install_validator(repo)
    workflow = workflow or repo / WORKFLOW
    proc = subprocess.run([str(validator), str(workflow)], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise ReaderRefused(f"action-validator refuses {workflow} (exit {proc.returncode}): "
                            f"{_validator_errors(proc.stdout + proc.stderr)}")


def _install_validator(repo: Path) -> None:
    if not shutil.which("npm"):
        raise ReaderRefused("the workflow validator is not installed, and there is no npm to install it: "
                            f"install Node.js and npm (sudo apt-get install nodejs npm), then: {INSTALL_COMMAND}")
    proc = subprocess.run(INSTALL_COMMAND.split(), cwd=repo, capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not (repo / VALIDATOR).exists():
        raise ReaderRefused(f"could not install the workflow validator with '{INSTALL_COMMAND}' "
                            f"(exit {proc.returncode}): {proc.stderr.strip()[-500:]}")


def _validator_errors(output: str) -> str:
    """The validator's complaints in one line: its JSON report's details, if it wrote one."""
    try:
        report = json.loads(output[output.index("{"):])
    except ValueError:
        return " ".join(output.split())[-1000:]
    details = []

    def collect(errors):
        for error in errors:
            details.append(f"{error.get('path', '')}: {error.get('detail') or error.get('title', '')}")
            for state in error.get("states", []):
                collect(state.get("errors", []))
    collect(report.get("errors", []))
    return "; ".join(dict.fromkeys(details))[:1000]
