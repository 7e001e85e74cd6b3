"""Kernel targets: the initramfs the runner writes, kernel images and what
is read from them, the platform's options and translation, and how a broken
guest is explained. Booting one is the selftest's (selftest/kernel_steps.py)."""

import gzip
import os
import shutil
import stat
import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from runner import initramfs, kernels, platforms
from runner.platforms import PlatformError
from runner.platforms import kernel as kernel_platform


def read_newc(data: bytes) -> dict[str, tuple[int, bytes]]:
    """name: (mode, data) of each entry of a newc archive, as the kernel reads it."""
    entries, at = {}, 0
    while True:
        header = data[at:at + 110]
        assert header[:6] == b"070701", header[:6]
        fields = [int(header[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = fields[1], fields[6], fields[11]
        name = data[at + 110:at + 110 + namesize - 1].decode()
        at += 110 + namesize
        at += -at % 4
        if name == "TRAILER!!!":
            return entries
        entries[name] = (mode, data[at:at + size])
        at += size
        at += -at % 4


def bzimage(version: str) -> bytes:
    """The parts of an x86 boot image that kernels.read reads: the header's magic and version pointer."""
    image = bytearray(0x1000)
    image[0x202:0x206] = b"HdrS"
    image[0x20E:0x210] = (0x600 - 0x200).to_bytes(2, "little")
    image[0x600:0x600 + len(version)] = version.encode()
    return bytes(image)


class InitramfsTests(unittest.TestCase):
    def test_an_archive_holds_directories_and_files_as_the_kernel_reads_them(self):
        archive = initramfs.Archive()
        archive.file("/a/b/prog", b"hello", 0o755)
        archive.directory("/a/run", 0o711)
        with tempfile.TemporaryDirectory() as tmp:
            archive.write(Path(tmp) / "i.gz")
            entries = read_newc(gzip.decompress((Path(tmp) / "i.gz").read_bytes()))
        self.assertEqual(entries["a/b/prog"], (stat.S_IFREG | 0o755, b"hello"))
        self.assertEqual(entries["a/run"][0], stat.S_IFDIR | 0o711)
        self.assertTrue(stat.S_ISDIR(entries["a"][0]) and stat.S_ISDIR(entries["a/b"][0]))   # made above a file

    def test_a_program_comes_with_its_loader_and_libraries_where_the_loader_finds_them(self):
        true = Path("/bin/true").resolve()
        loader = initramfs.interpreter(true)
        self.assertTrue(loader and loader.startswith("/"), loader)
        found = initramfs.libraries(true)
        self.assertEqual(found[0], Path(loader))
        self.assertTrue(any(p.name.startswith("libc.so") for p in found), found)

    def test_a_file_that_is_not_elf_needs_no_library(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write(b"#!/bin/sh\n")
            f.flush()
            self.assertIsNone(initramfs.interpreter(Path(f.name)))
            self.assertEqual(initramfs.libraries(Path(f.name)), [])


class KernelImageTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.image = Path(self.dir.name) / "vmlinuz"
        self.image.write_bytes(bzimage("6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC "
                                       "Debian 6.1.192-3 (2026-11-26)\0"))

    def tearDown(self):
        self.dir.cleanup()

    def test_the_release_and_version_come_from_the_boot_header(self):
        kernel = kernels.resolve(str(self.image))
        self.assertEqual(kernel.release, "6.1.0-57-amd64")
        self.assertEqual(kernel.version, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)")
        self.assertEqual(len(kernel.sha256), 64)
        self.assertNotIn("package", kernel.describe())

    def test_a_file_that_is_no_bzimage_or_none_at_all_is_refused(self):
        other = Path(self.dir.name) / "other"
        other.write_bytes(b"\0" * 4096)
        with self.assertRaisesRegex(kernels.KernelError, "not an x86 bzImage"):
            kernels.resolve(str(other))
        with self.assertRaisesRegex(kernels.KernelError, "no such file"):
            kernels.resolve(str(other) + "-missing")

    def test_a_configuration_beside_the_image_that_lacks_what_a_guest_needs_is_refused(self):
        config = Path(self.dir.name) / "config-6.1.0-57-amd64"
        config.write_text("".join(f"CONFIG_{name}=y\n" for name in kernels.NEEDED_CONFIG))
        self.assertEqual(kernels.resolve(str(self.image)).release, "6.1.0-57-amd64")
        config.write_text(config.read_text().replace("CONFIG_DEVTMPFS=y", "CONFIG_DEVTMPFS=m"))
        with self.assertRaisesRegex(kernels.KernelError, "does not build in CONFIG_DEVTMPFS, which a guest needs"):
            kernels.resolve(str(self.image))

    def test_a_build_trees_configuration_is_found_from_its_bzimage(self):
        tree = Path(self.dir.name) / "linux"
        (tree / "arch/x86/boot").mkdir(parents=True)
        (tree / ".config").write_text("CONFIG_TMPFS=y\n")
        self.assertEqual(kernels.config_beside(tree / "arch/x86/boot/bzImage", "6.1.0"), tree / ".config")

    def test_a_debian_name_that_is_no_kernel_package_is_refused_before_apt_is_asked(self):
        with self.assertRaisesRegex(kernels.KernelError, "not a Debian kernel package name"):
            kernels.resolve("debian:bash")

    def test_the_platform_is_named_after_the_release_and_needs_an_image(self):
        p = platforms.make("kernel", platforms.Options(kernel=str(self.image)))
        self.assertEqual(p.id, "kernel-6.1.0-57-amd64")
        self.assertEqual(p.kernel_release(), "6.1.0-57-amd64")
        self.assertIn("build/native/init/mapconf-init", p.build_targets())
        with self.assertRaisesRegex(PlatformError, "add --kernel IMAGE"):
            platforms.make("kernel")
        with self.assertRaisesRegex(PlatformError, "no such file"):
            platforms.make("kernel", platforms.Options(kernel="/nonexistent/vmlinuz"))


class GuestTests(unittest.TestCase):
    def test_the_runs_conditions_are_the_guests_whoever_runs_the_runner(self):
        from runner import run
        told = {"pid": "1", "euid": "0", "shm_free": str(512 << 20), "memory_cgroup": "1", "scratch_fs": "tmpfs"}
        self.assertEqual(run.target_conditions(told), frozenset({"shm-unlimited", "files-in-memory"}))
        self.assertEqual(run.target_conditions(dict(told, euid="1000", memory_cgroup="0", scratch_fs="0xef53")),
                         frozenset({"shm-unlimited", "unprivileged", "no-memory-cgroup"}))

    def test_a_guest_that_does_not_come_up_gives_what_it_would_have_said(self):
        from runner import case_host, run

        class NoGuest:
            def start_one(self, env):
                raise case_host.HostError("the target did not start: no output")
        with tempfile.NamedTemporaryFile() as image:
            image.write(bzimage("6.1.0-57-amd64 #1\0"))
            image.flush()
            p = platforms.make("kernel", platforms.Options(kernel=image.name))
        p.pool = NoGuest()
        self.assertEqual(run.target_conditions(p.machine_facts({})), frozenset({"shm-unlimited"}))

    def test_the_guest_gets_the_runs_variables_and_none_of_the_runners_own(self):
        env = kernel_platform.guest_env({"MAPCONF_RUN_ID": "1", "LD_PRELOAD": "/x.so", "PATH": "/home/me/bin"})
        self.assertEqual(env["MAPCONF_RUN_ID"], "1")
        self.assertNotIn("LD_PRELOAD", env)
        self.assertEqual(env["PATH"], "/usr/bin:/bin")

    def test_a_panic_is_named_with_the_console_from_where_it_says_so(self):
        with tempfile.TemporaryDirectory() as tmp:
            console = Path(tmp) / "console.log"
            lines = [f"[ 1.{i}] booting {i}" for i in range(40)]
            lines += ["[ 5.0] sysrq: Trigger a crash", "[ 5.1] Kernel panic - not syncing: sysrq triggered crash",
                      "[ 5.2] Call Trace:"]
            console.write_text("\n".join(lines) + "\n")
            said = kernel_platform.explain(console, Path(tmp) / "qemu.pid")
        self.assertTrue(said.startswith("kernel panic: Kernel panic - not syncing: sysrq triggered crash"), said)
        self.assertIn("sysrq: Trigger a crash", said)
        self.assertIn("Call Trace:", said)
        self.assertNotIn("booting 0", said)

    def test_a_silent_guest_is_a_hang_while_qemu_runs_and_lost_once_it_ended(self):
        with tempfile.TemporaryDirectory() as tmp:
            console, pidfile = Path(tmp) / "console.log", Path(tmp) / "qemu.pid"
            console.write_text("[ 1.0] Run /init as init process\n")
            pidfile.write_text(str(os.getpid()))
            self.assertTrue(kernel_platform.explain(console, pidfile).startswith("target hang"))
            pidfile.unlink()
            said = kernel_platform.explain(console, pidfile)
        self.assertTrue(said.startswith("target lost"), said)
        self.assertIn("Run /init as init process", said)


class AcceleratorTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        home = Path(self.dir.name)
        (home / "vmlinuz").write_bytes(bzimage("6.1.0-57-amd64 #1\0"))
        self.p = platforms.make("kernel", platforms.Options(kernel=str(home / "vmlinuz")))
        self.p.home, self.p.initrd = home, home / "initrd"
        self.p.run_dir = SimpleNamespace(run_id="12345abcd")

    def tearDown(self):
        self.dir.cleanup()

    def test_without_a_usable_dev_kvm_it_is_tcg_untried(self):
        with mock.patch.object(kernel_platform.os, "access", return_value=False):
            self.assertEqual(self.p._probe_accelerator(), ("tcg", "no usable /dev/kvm"))

    @unittest.skipUnless(shutil.which(kernel_platform.QEMU), "needs qemu-system-x86_64")
    def test_a_guest_that_does_not_come_up_under_kvm_leaves_it_tcg(self):
        # qemu refuses KVM at once where it cannot have it; a guest that hangs is bounded the same way
        with mock.patch.object(kernel_platform.os, "access", return_value=True), \
                mock.patch.object(kernel_platform, "KVM_PROBE_S", 5.0):
            accelerator, why = self.p._probe_accelerator()
        self.assertEqual(accelerator, "tcg")
        self.assertIn("a guest under KVM did not become ready", why)


if __name__ == "__main__":
    unittest.main()
