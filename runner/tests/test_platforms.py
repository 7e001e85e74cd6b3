"""Platforms: option checks, and the commands each platform puts around a case."""

import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from runner import execute, platforms, run, vocabulary
from runner.platforms import Options, PlatformError, Tool

REPO = Path(__file__).resolve().parents[2]


def any_platform(kind: str) -> platforms.Platform:
    """A platform of this kind, with the options it cannot do without."""
    return platforms.make(kind, Options(wrap=["true"]) if kind == "custom" else None)


class PlatformOptionTests(unittest.TestCase):
    def test_unknown_kind_names_the_choices(self):
        with self.assertRaisesRegex(PlatformError, "unknown platform 'amiga'; choose one of: native"):
            platforms.make("amiga")

    def test_wrap_needs_the_custom_platform(self):
        with self.assertRaisesRegex(PlatformError, "belong to --platform custom"):
            platforms.make("native", Options(wrap=["env"]))

    def test_custom_needs_something_to_say_what_it_is(self):
        with self.assertRaisesRegex(PlatformError, "needs at least one of"):
            platforms.make("custom")

    def test_custom_wrapper_must_exist(self):
        with self.assertRaisesRegex(PlatformError, "'no-such-wrapper' is not an executable"):
            platforms.make("custom", Options(wrap=["no-such-wrapper", "-x"]))

    def test_platform_id_defaults_to_the_kind(self):
        self.assertEqual(platforms.make("native").id, "native")
        self.assertEqual(platforms.make("native", Options(sanitize=True)).id, "native-asan")
        self.assertEqual(platforms.make("gvisor", Options(platform_id="sandbox-1")).id, "sandbox-1")


class PlatformCommandTests(unittest.TestCase):
    def test_custom_wraps_agents_with_a_resolved_program(self):
        p = platforms.make("custom", Options(wrap=["env", "A=1"], wrap_controller=["nice"]))
        argv = p.agent_argv(REPO)
        self.assertTrue(argv[0].startswith("/") and argv[0].endswith("/env"), argv)
        self.assertEqual(argv[1], "A=1")
        self.assertTrue(argv[-1].endswith("build/native/agent/mapconf-agent"))
        self.assertTrue(p.controller_wrap(REPO, Path("/w"))[0].endswith("/nice"))

    def test_qemu_runs_the_cross_built_agent_under_the_emulator(self):
        p = platforms.make("qemu-aarch64")
        argv = p.agent_argv(REPO)
        self.assertTrue(argv[0].endswith("qemu-aarch64-static"))
        self.assertEqual(argv[1:3], ["-L", "/usr/aarch64-linux-gnu"])
        # the sysroot's libraries, not those the host's ld.so.cache names
        self.assertEqual(argv[3:5], ["-E", "LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib"])
        self.assertTrue(argv[-1].endswith("build/qemu-aarch64/agent/mapconf-agent"))
        self.assertIn("qemu-aarch64", p.build_targets())
        self.assertTrue(p.agent_env["MAPCONF_TESTLIB"].endswith("build/qemu-aarch64/lib/libmapconf-testlib.so"))

    def test_qemu_family_names_emulator_compiler_and_sysroot_of_each_arch(self):
        from runner.platforms import qemu
        kinds = [kind for kind in vocabulary.PLATFORMS if kind.startswith("qemu-")]
        self.assertEqual(sorted(kinds), sorted(qemu.KINDS))
        p = platforms.make("qemu-ppc64el")   # Debian's name in the kind, qemu's in the emulator
        self.assertTrue(p.agent_argv(REPO)[0].endswith("qemu-ppc64le-static"))
        self.assertIn(Tool("powerpc64le-linux-gnu-gcc", "gcc-powerpc64le-linux-gnu"), p.tools)
        self.assertIn(Tool("/usr/powerpc64le-linux-gnu/include/stdio.h", "libc6-dev-ppc64el-cross"), p.tools)
        self.assertIn(Tool("qemu-ppc64le-static", "qemu-user-static"), p.tools)
        self.assertEqual(platforms.make("qemu-i386").agent_argv(REPO)[2], "/usr/i686-linux-gnu")
        self.assertEqual(platforms.backends_on("qemu-s390x"), platforms.backends_on("native"))

    def test_gvisor_sandbox_has_no_network_and_keeps_its_state_in_the_case(self):
        p = platforms.make("gvisor")
        with tempfile.TemporaryDirectory() as work:
            wrap = p.controller_wrap(REPO, Path(work))
            self.assertIn("--network=none", wrap)
            self.assertIn("--platform=ptrace", wrap)
            self.assertIn(f"--root={work}/runsc-root", wrap)
            self.assertIn(f"TMPDIR={work}/runsc-tmp", wrap)
            self.assertLess(wrap.index("--network=none"), wrap.index("do"))
            self.assertEqual(p.after_case(Path(work)), [])
            self.assertFalse((Path(work) / "runsc-root").exists())
        self.assertTrue(p.pipes_output())

    def test_every_platform_runs_the_posix_backends(self):
        for kind in ("native", "qemu-aarch64", "gvisor", "custom"):
            self.assertEqual(any_platform(kind).backends, ("posix-shm", "file", "memfd", "sysv", "anon-fork"))

    def test_wine_runs_the_win32_agent_and_only_the_win32_backends(self):
        p = platforms.make("wine")
        argv = p.agent_argv(REPO)
        # address-space randomization off: it can put wine64's heap over the shared user data
        self.assertTrue(argv[0].endswith("/setarch"), argv)
        self.assertEqual(argv[1], "--addr-no-randomize")
        self.assertTrue(argv[2] == "/usr/lib/wine/wine64", argv)
        self.assertEqual(argv[3], str(REPO / "build" / "win32" / "agent" / "mapconf-agent.exe"))
        self.assertEqual(p.backends, ("win32-section", "win32-file"))
        self.assertIn("win32", p.build_targets())
        self.assertIn(Tool("x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64"), p.tools)
        self.assertIn(Tool("wine", "wine"), p.tools)

    def test_wine_keeps_its_prefix_in_the_cache_and_its_temporary_files_in_the_run(self):
        with tempfile.TemporaryDirectory() as cache, mock.patch.dict("os.environ", {"XDG_CACHE_HOME": cache}):
            p = platforms.make("wine")
            p.tmp = Path("/run-dir/wine-tmp")
            env = p.case_env()
        self.assertEqual(env["WINEPREFIX"], f"{cache}/mapconf/wine-prefix")
        self.assertEqual(env["TMPDIR"], "/run-dir/wine-tmp")
        self.assertEqual(env["WINEDEBUG"], "-all,err+all")   # Wine's own errors reach the case output
        self.assertIn("winemenubuilder.exe=d", env["WINEDLLOVERRIDES"])

    def test_every_backend_runs_on_some_platform(self):
        runnable = {b for kind in vocabulary.PLATFORMS for b in any_platform(kind).backends}
        self.assertEqual(runnable, set(vocabulary.BACKENDS))

    def test_every_platform_kind_has_its_module(self):
        for kind in vocabulary.PLATFORMS:
            self.assertEqual(any_platform(kind).kind, kind)


class StartRetryTests(unittest.TestCase):
    """A case the platform failed to start is started again, at most three
    times; a case that began is never run twice."""

    SANDBOX_CLASH = ('creating container: cannot create sandbox: cannot create sandbox process: creating '
                     'control server socket for sandbox "runsc-792704": address already in use\n')

    def observed(self, message, output):
        return execute.Observed("ERROR", message, 5, "", output, "exit 128")

    def run_job(self, platform, outcomes):
        calls = []

        def fake_run_case(case, run_dir):
            calls.append(case)
            return outcomes[len(calls) - 1]

        opts = SimpleNamespace(platform=platform, timeout=5.0)
        run_dir = SimpleNamespace(case_dir=lambda index: Path("/nonexistent"))
        job = SimpleNamespace(index=0, backend="file",
                              assertion=SimpleNamespace(binary="visibility", function="f"))
        with mock.patch.object(execute, "run_case", fake_run_case), \
                mock.patch.object(run, "case_run", lambda *args: object()):
            return run.run_with_platform_retries(opts, REPO, {}, run_dir, job), len(calls)

    def test_gvisor_sandbox_clash_is_started_again(self):
        clash = self.observed("the case process exited with status 128 without starting the case", self.SANDBOX_CLASH)
        passed = execute.Observed("PASS", "", 5, "+0.001 A -> ready\n", "", "exit 0")
        result, calls = self.run_job(platforms.make("gvisor"), [clash, passed])
        self.assertEqual((result.status, calls), ("PASS", 2))
        self.assertIn("start 1 failed before the case began (creating container", result.transcript)

    def test_retries_are_bounded(self):
        clash = self.observed("the case process exited with status 128 without starting the case", self.SANDBOX_CLASH)
        result, calls = self.run_job(platforms.make("gvisor"), [clash] * 5)
        self.assertEqual((result.status, calls), ("ERROR", run.STARTS_MAX))

    def test_a_case_that_began_is_never_run_again(self):
        began = self.observed("cases/x.c:1: A's view reads garbage", self.SANDBOX_CLASH)
        result, calls = self.run_job(platforms.make("gvisor"), [began, began])
        self.assertEqual(calls, 1)

    def test_native_never_starts_again(self):
        clash = self.observed("the case process exited with status 128 without starting the case", self.SANDBOX_CLASH)
        result, calls = self.run_job(platforms.make("native"), [clash, clash])
        self.assertEqual(calls, 1)


if __name__ == "__main__":
    unittest.main()
