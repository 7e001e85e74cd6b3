"""Platforms: option checks, and the commands each platform puts around a case."""

import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from runner import platforms, vocabulary
from runner.platforms import Options, PlatformError, Tool
from runner.tests.test_kernel_target import bzimage

REPO = Path(__file__).resolve().parents[2]


def any_platform(kind: str) -> platforms.Platform:
    """A platform of this kind, with the options it cannot do without (a
    kernel target: an image, whose boot header is all it reads before the run)."""
    if kind == "kernel":
        with tempfile.NamedTemporaryFile(suffix="-vmlinuz") as image:
            image.write(bzimage("6.1.0-57-amd64 #1 SMP\0"))
            image.flush()
            return platforms.make(kind, Options(kernel=image.name))
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

    def test_gvisor_sandbox_has_no_network_and_keeps_its_state_in_the_run(self):
        p = platforms.make("gvisor")
        with tempfile.TemporaryDirectory() as run_path:
            run_dir = SimpleNamespace(path=Path(run_path), objects=Path(run_path) / "objects")
            run_dir.objects.mkdir()
            p.start(run_dir)
            spec = p.sandbox(3, {"MAPCONF_RUN_ID": "r"})
            home = Path(run_path) / "sandboxes" / "3"
            self.assertIn("--network=none", spec.argv)
            self.assertIn("--platform=ptrace", spec.argv)
            self.assertIn(f"--root={home}/runsc-root", spec.argv)
            self.assertLess(spec.argv.index("--network=none"), spec.argv.index("do"))
            self.assertTrue(spec.argv[-1].endswith("case-host/mapconf-case-host"))
            self.assertEqual(spec.env["TMPDIR"], f"{home}/runsc-tmp")
            # pids repeat between sandboxes, and scratch names carry the pid
            self.assertEqual(spec.env["MAPCONF_SCRATCH"], f"{run_path}/objects/sandbox-3")
            self.assertEqual(spec.end(), [])
            self.assertFalse(home.exists())
            self.assertIs(p.case_host(), p.pool)
            p.stop()
            self.assertIsNone(p.case_host())

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
