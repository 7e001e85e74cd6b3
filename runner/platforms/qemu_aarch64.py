"""qemu-aarch64: the agent and the test library are cross-built for aarch64
and run under qemu-user, started from the native controller.

Without binfmt_misc the kernel cannot run an aarch64 program by itself, so
everything an agent starts goes through qemu explicitly: the agent's `exec`
verb re-runs the agent's own command line (MAPCONF_AGENT_ARGV, which starts
with qemu), and `fork` is qemu's emulated fork of the running agent.
"""

from __future__ import annotations

from pathlib import Path

from . import Platform, Tool, tool_version, which

SYSROOT = "/usr/aarch64-linux-gnu"
QEMU = "qemu-aarch64-static"
BUILD = Path(__file__).resolve().parents[2] / "build" / "aarch64"


class QemuAarch64(Platform):
    kind = "qemu-aarch64"

    def __init__(self, options):
        super().__init__(options)
        self.tools += [
            Tool(QEMU, "qemu-user-static"),
            Tool("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu"),
            Tool(f"{SYSROOT}/include/stdio.h", "libc6-dev-arm64-cross"),
        ]
        # the aarch64 build of the test library, not the one beside the controller
        self.agent_env.setdefault("MAPCONF_TESTLIB", str(BUILD / "lib" / "libmapconf-testlib.so"))

    def build_targets(self) -> list[str]:
        return [self.variant, "aarch64"]

    def agent_argv(self, repo: Path) -> list[str]:
        return [which(QEMU), "-L", SYSROOT, str(BUILD / "agent" / "mapconf-agent")]

    def runtime(self) -> str:
        return tool_version([QEMU, "--version"])


PLATFORM = QemuAarch64
