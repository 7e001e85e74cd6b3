"""Tests of the GitHub Actions workflow (.github/workflows/mapconf.yml): it
parses as YAML, and its jobs are the run matrix and the merge job. (The
selftest also has it checked against the public workflow schema by
action-validator, which .ci/run installs.)"""

import json
import shutil
import subprocess
import tempfile
import unittest
from unittest import mock
from pathlib import Path

from runner import vocabulary
from runner.tests import yaml_subset
from selftest import strict_readers

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / strict_readers.WORKFLOW
LINUX_PLATFORMS = ["native", "wine", "qemu-aarch64", "qemu-arm", "qemu-i386", "qemu-riscv64", "qemu-s390x",
                   "qemu-ppc64el", "qemu-mips64el", "gvisor", "i386", "musl", "valgrind"]
FILESYSTEMS = ["tmpfs", "ext4", "overlayfs", "fuse", "fuse-direct-io", "shm-64m"]
# needs i386 packages (multiarch), which an archive out of sync does not give: it may fail without failing CI
EXPERIMENTAL_LINUX = ["wine32"]
# a YAML parser outside the standard library, used as a second opinion when the machine has one
DEBIAN_PYTHON = "/usr/bin/python3"


def load():
    return yaml_subset.parse(WORKFLOW.read_text(encoding="utf-8"))


def step_using(steps, action):
    return [step for step in steps if step.get("uses", "").startswith(action + "@")]


class WorkflowTest(unittest.TestCase):
    def setUp(self):
        self.workflow = load()
        self.jobs = self.workflow["jobs"]

    def test_triggers_and_jobs(self):
        self.assertEqual(self.workflow["name"], "mapconf")
        self.assertIn("push", self.workflow["on"])
        self.assertIn("pull_request", self.workflow["on"])
        self.assertEqual(set(self.jobs), {"run", "windows-bundle", "windows", "windows-judge", "matrix"})

    def test_run_matrix_covers_every_platform(self):
        run = self.jobs["run"]
        self.assertIs(run["strategy"]["fail-fast"], False)
        include = run["strategy"]["matrix"]["include"]
        linux = [entry for entry in include if entry["os"].startswith("ubuntu")]
        plain = [entry for entry in linux if not entry["filesystem"] and not entry["experimental"]]
        self.assertEqual([entry["platform"] for entry in plain], LINUX_PLATFORMS)
        self.assertTrue(all(entry["id"] == entry["platform"] for entry in plain))
        on_filesystems = [entry for entry in linux if entry["filesystem"]]
        self.assertEqual([entry["filesystem"] for entry in on_filesystems], FILESYSTEMS)
        self.assertTrue(all(entry["id"] == f"native+{entry['filesystem']}" and entry["experimental"] is False
                            for entry in on_filesystems))
        self.assertEqual([entry["id"] for entry in linux if entry["experimental"]], EXPERIMENTAL_LINUX)
        others = {entry["id"]: entry for entry in include if not entry["os"].startswith("ubuntu")}
        self.assertEqual(set(others), {"macos"})      # Windows runs a bundle: its own jobs
        self.assertTrue(others["macos"]["os"].startswith("macos"))
        self.assertIs(others["macos"]["experimental"], True)
        self.assertEqual(run["continue-on-error"], "${{ matrix.experimental }}")
        ids = [entry["id"] for entry in include]
        self.assertEqual(len(ids), len(set(ids)))
        for entry in include:
            self.assertIn(entry["platform"], vocabulary.PLATFORMS)

    def test_each_run_job_runs_the_suite_and_keeps_its_reports(self):
        run = self.jobs["run"]
        self.assertEqual(run["env"], {"PLATFORM": "${{ matrix.platform }}", "PLATFORM_ID": "${{ matrix.id }}",
                                      "FILESYSTEM": "${{ matrix.filesystem }}"})
        scripts = "\n".join(step.get("run", "") for step in run["steps"])
        self.assertIn('./mapconf run --platform "$PLATFORM" --platform-id "$PLATFORM_ID"', scripts)
        self.assertEqual(len(step_using(run["steps"], "actions/checkout")), 1)
        upload, = step_using(run["steps"], "actions/upload-artifact")
        self.assertEqual(upload["if"], "always()")
        self.assertEqual(upload["with"]["name"], "reports-${{ matrix.id }}")
        self.assertEqual(upload["with"]["path"], "reports/out/${{ matrix.id }}/")

    def test_windows_runs_a_bundle_built_on_linux_and_judged_there(self):
        build, windows, judge = self.jobs["windows-bundle"], self.jobs["windows"], self.jobs["windows-judge"]
        # built on Debian 12, where the build of the bundle is tested
        self.assertEqual((build["runs-on"].startswith("ubuntu"), build["container"]), (True, "debian:12"))
        self.assertIn("./mapconf bundle --platform windows -o bundle-windows",
                      "\n".join(step.get("run", "") for step in build["steps"]))
        upload, = step_using(build["steps"], "actions/upload-artifact")
        self.assertEqual(upload["with"]["name"], "bundle-windows")
        # nothing but the bundle on the Windows machine: no checkout, no Python
        self.assertEqual((windows["needs"], windows["runs-on"]), ("windows-bundle", "windows-latest"))
        self.assertEqual(step_using(windows["steps"], "actions/checkout") + step_using(windows["steps"], "actions/setup-python"), [])
        ran, = [step for step in windows["steps"] if "run" in step]
        self.assertEqual((ran["working-directory"], ran["run"]), ("bundle-windows", ".\\mapconf-run.exe"))
        self.assertEqual(judge["needs"], "windows")
        self.assertIn("./mapconf judge bundle-windows -o reports/out/windows",
                      "\n".join(step.get("run", "") for step in judge["steps"]))
        kept = [step for step in step_using(judge["steps"], "actions/upload-artifact")]
        self.assertEqual([step["with"]["name"] for step in kept], ["reports-windows"])
        # no longer experimental: a failure fails the workflow
        self.assertFalse(any("continue-on-error" in job for job in (build, windows, judge)))

    def test_merge_job_needs_every_run_and_uploads_the_matrix(self):
        merge = self.jobs["matrix"]
        self.assertEqual(merge["needs"], ["run", "windows-judge"])
        self.assertEqual(merge["if"], "always()")
        download, = step_using(merge["steps"], "actions/download-artifact")
        self.assertEqual(download["with"], {"pattern": "reports-*", "path": "all-reports"})
        script = "\n".join(step.get("run", "") for step in merge["steps"])
        self.assertIn('./mapconf report "${files[@]}" -o matrix.html', script)
        ids = [entry["id"] for entry in self.jobs["run"]["strategy"]["matrix"]["include"]] + ["windows"]
        self.assertIn(f"for id in {' '.join(ids)}; do", script)
        upload, = step_using(merge["steps"], "actions/upload-artifact")
        self.assertEqual(upload["with"], {"name": "matrix", "path": "matrix.html"})

    def assert_same_as(self, argv):
        dumped = subprocess.run(argv, input=WORKFLOW.read_text(encoding="utf-8"),
                                capture_output=True, text=True, check=True)
        theirs = json.loads(dumped.stdout)
        # YAML 1.1 readers (PyYAML, Ruby's Psych) take the key "on" for the boolean true
        if "true" in theirs:
            theirs["on"] = theirs.pop("true")
        self.assertEqual(theirs, self.workflow)

    @unittest.skipUnless(Path(DEBIAN_PYTHON).exists(), "no Debian python3")
    def test_pyyaml_reads_the_same(self):
        if subprocess.run([DEBIAN_PYTHON, "-c", "import yaml"], capture_output=True).returncode != 0:
            self.skipTest("python3-yaml is not installed")
        self.assert_same_as([DEBIAN_PYTHON, "-c",
                             "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"])

    @unittest.skipUnless(shutil.which("ruby"), "no ruby")
    def test_ruby_reads_the_same(self):
        self.assert_same_as(["ruby", "-ryaml", "-rjson", "-e", "puts JSON.generate(YAML.safe_load(STDIN.read))"])


class WorkflowValidatorTest(unittest.TestCase):
    def test_ci_installs_the_validator_the_selftest_names(self):
        self.assertIn(f"\n    {strict_readers.INSTALL_COMMAND} >/dev/null\n", (REPO / ".ci" / "run").read_text())

    def test_a_missing_validator_without_npm_fails_naming_what_to_install(self):
        with tempfile.TemporaryDirectory() as repo, \
                mock.patch.object(strict_readers.shutil, "which", lambda name: None):
            with self.assertRaises(strict_readers.ReaderRefused) as caught:
                strict_readers.check_workflow(Path(repo))
        self.assertIn("sudo apt-get install nodejs npm", str(caught.exception))
        self.assertIn(strict_readers.INSTALL_COMMAND, str(caught.exception))

    @unittest.skipUnless((REPO / strict_readers.VALIDATOR).exists(), "action-validator is not installed")
    def test_the_validator_refuses_a_structural_error(self):
        broken = WORKFLOW.read_text(encoding="utf-8").replace("    runs-on: ${{ matrix.os }}\n",
                                                               "    runs_on: ${{ matrix.os }}\n", 1)
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "mapconf.yml"
            path.write_text(broken, encoding="utf-8")
            with self.assertRaises(strict_readers.ReaderRefused) as caught:
                strict_readers.check_workflow(REPO, path)
        self.assertIn("Additional property 'runs_on' is not allowed", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
