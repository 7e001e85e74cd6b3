"""Platforms: option checks, and the commands each platform puts around a case."""

import tempfile
import unittest
from pathlib import Path
from unittest import mock

from runner import platforms, spec
from runner.platforms import Options, PlatformError, Tool

REPO = Path(__file__).resolve().parents[2]


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

    def test_qemu_runs_the_aarch64_agent_under_the_emulator(self):
        p = platforms.make("qemu-aarch64")
        argv = p.agent_argv(REPO)
        self.assertTrue(argv[0].endswith("qemu-aarch64-static"))
        self.assertEqual(argv[1:3], ["-L", "/usr/aarch64-linux-gnu"])
        self.assertTrue(argv[-1].endswith("build/aarch64/agent/mapconf-agent"))
        self.assertIn("aarch64", p.build_targets())
        self.assertTrue(p.agent_env["MAPCONF_TESTLIB"].endswith("build/aarch64/lib/libmapconf-testlib.so"))

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

    def test_every_platform_runs_the_posix_mechanisms(self):
        for kind in ("native", "qemu-aarch64", "gvisor"):
            self.assertEqual(platforms.make(kind).mechanisms, platforms.POSIX_MECHANISMS)

    def test_wine_runs_the_win32_agent_and_only_the_win32_mechanisms(self):
        p = platforms.make("wine")
        argv = p.agent_argv(REPO)
        self.assertTrue(argv[0].endswith("/wine"), argv)
        self.assertTrue(argv[1].endswith("build/win32/agent/mapconf-agent.exe"))
        self.assertEqual(p.mechanisms, ("win32-section", "win32-file"))
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
        self.assertEqual(env["WINEDEBUG"], "-all")
        self.assertIn("winemenubuilder.exe=d", env["WINEDLLOVERRIDES"])

    def test_every_mechanism_of_the_spec_runs_on_some_platform(self):
        the_spec = spec.load(str(REPO / "cases" / "spec.toml"))
        mechanisms = set(platforms.POSIX_MECHANISMS) | set(platforms.make("wine").mechanisms)
        used = {b for a in the_spec.assertions for b in a.backends}
        self.assertLessEqual(used, mechanisms)


if __name__ == "__main__":
    unittest.main()
