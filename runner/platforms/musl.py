"""musl: the agent and the test library are built against musl instead of
glibc (Debian's musl-gcc) and run natively; the controllers stay native.

Everything the agent asks of its C library goes through musl: the name
rules of shm_open and where it puts the objects, errno values, process-
shared and robust mutexes, process-shared semaphores, dlopen of the test
library. The kernel is the same, so a difference from native is musl's.
"""

from __future__ import annotations

import platform as _platform
import subprocess
from pathlib import Path

from . import Platform, Tool

BUILD = Path(__file__).resolve().parents[2] / "build" / "musl"


def loader() -> str:
    """musl's dynamic loader, which is also its libc.so, for this machine."""
    return f"/lib/ld-musl-{_platform.machine()}.so.1"


class Musl(Platform):
    kind = "musl"

    def __init__(self, options):
        super().__init__(options)
        self.tools += [Tool("musl-gcc", "musl-tools")]
        # the musl build of the test library: musl's dlopen cannot load a glibc one
        self.agent_env.setdefault("MAPCONF_TESTLIB", str(BUILD / "lib" / "libmapconf-testlib.so"))

    def build_targets(self) -> list[str]:
        return [self.variant, "musl"]

    def agent_argv(self, repo: Path) -> list[str]:
        return [str(BUILD / "agent" / "mapconf-agent")]

    def runtime(self) -> str:
        """musl has no --version: its loader, run by itself, says its version on
        stderr ("musl libc (x86_64)", "Version 1.2.3") and exits 1."""
        try:
            proc = subprocess.run([loader()], capture_output=True, text=True, timeout=30,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as error:
            return f"musl libc, version unknown ({error})"
        lines = [line.strip() for line in proc.stderr.splitlines()]
        version = next((line.split()[1] for line in lines if line.startswith("Version ")), "unknown")
        return f"musl libc {version} ({loader()})"


PLATFORM = Musl
