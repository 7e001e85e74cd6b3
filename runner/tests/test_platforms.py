"""Platforms: option checks, and the commands each platform puts around a case."""

import tempfile
import unittest
from pathlib import Path

from runner import platforms
from runner.platforms import Options, PlatformError

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


if __name__ == "__main__":
    unittest.main()
