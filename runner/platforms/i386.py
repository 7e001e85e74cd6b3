"""i386: the agent and the test library are built as 32-bit x86 programs and
run straight on this x86-64 kernel, through its 32-bit compatibility system
calls (the ia32 entry: mmap2, shmat through ipc(2), 32-bit robust-list and
signal frames). No emulator is involved: what differs from native is the
kernel's compat layer and a 32-bit C library. The controllers stay native.

The agent is built with Debian's i686 cross compiler and runs with Debian's
i386 C library for AMD64 (libc6-i386, /lib/ld-linux.so.2). `gcc -m32` would
need gcc-multilib, which Debian 12 will not install beside any of the cross
compilers the qemu platforms need (it conflicts with them).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from . import Platform, PlatformError, Tool, tool_version, which

CC = "i686-linux-gnu-gcc"
LOADER = "/lib/ld-linux.so.2"
BUILD = Path(__file__).resolve().parents[2] / "build" / "i386"


class I386(Platform):
    kind = "i386"

    def __init__(self, options):
        super().__init__(options)
        self.tools += [
            Tool(CC, "gcc-i686-linux-gnu"),
            Tool("/usr/i686-linux-gnu/include/stdio.h", "libc6-dev-i386-cross"),
            Tool(LOADER, "libc6-i386"),
        ]
        # the 32-bit build of the test library: a 32-bit agent cannot load the native one
        self.agent_env.setdefault("MAPCONF_TESTLIB", str(BUILD / "lib" / "libmapconf-testlib.so"))

    def build_targets(self) -> list[str]:
        return [self.variant, "i386"]

    def agent_argv(self, repo: Path) -> list[str]:
        return [str(BUILD / "agent" / "mapconf-agent")]

    def start(self, run_dir) -> None:
        """A kernel built without IA32 emulation cannot run the agent at all:
        say so once, rather than fail every case."""
        try:
            proc = subprocess.run(self.agent_argv(Path()), input="exit\n", capture_output=True,
                                  text=True, timeout=30)
            said = proc.stdout.splitlines()[0] if proc.stdout else proc.stderr.strip()
        except (OSError, subprocess.SubprocessError) as error:
            said = str(error)
        if "arch=i386" not in said:
            raise PlatformError(f"this kernel ({os.uname().release}) cannot run the 32-bit agent "
                                f"({said or 'no output'}); --platform i386 needs a kernel with "
                                "IA32 emulation (CONFIG_IA32_EMULATION, not disabled by ia32_emulation=0).")

    def runtime(self) -> str:
        libc = tool_version([LOADER, "--version"]).rstrip(".")   # ld.so (Debian GLIBC 2.36-9+deb12u14) ...
        gcc = tool_version([which(CC), "--version"])        # i686-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0
        return f"i386 agent on the x86-64 kernel's compat syscalls; {libc}; built by {gcc}"


PLATFORM = I386
