"""wine32: the Win32 agent built for 32-bit Windows (i686 mingw-w64) runs
under Wine's 32-bit support, in a 64-bit prefix (WoW64), the way a 32-bit
program runs on 64-bit Windows. Everything else is the wine platform's
(runner/platforms/wine.py): one warm wineserver per run, pipes, TMPDIR in
the run directory, address-space randomization off, the fault build.

The agent is started with Wine's 32-bit loader itself (/usr/lib/wine/wine,
Debian's wine32:i386), not with the `wine` script, which picks whichever
loader is installed: without wine32 the 64-bit loader would be tried and
fail, and the run would say less about why.

The prefix is a directory of its own (${XDG_CACHE_HOME:-~/.cache}/mapconf/
wine32/wine-prefix), with its own lock: Wine fills a prefix with the
32-bit DLLs only if wine32 was installed when the prefix was made, and a
wine run and a wine32 run need not wait for each other.

wine32 is in Debian's i386 architecture, so an amd64 machine must have
multiarch enabled before it can be installed (runner/toolchain.py does
that when it installs a package with an architecture qualifier).
"""

from __future__ import annotations

from pathlib import Path

from . import Tool, which
from .wine import Wine, prefix_path

LOADER = "/usr/lib/wine/wine"       # Wine's 32-bit loader (wine32:i386)


class Wine32(Wine):
    kind = "wine32"

    def __init__(self, options):
        super().__init__(options)
        # the 64-bit cross compiler is not needed; the 64-bit loader is (the
        # prefix's services are 64-bit programs)
        self.tools = [t for t in self.tools if t.name != "x86_64-w64-mingw32-gcc"] + [
            Tool(LOADER, "wine32:i386"),
            Tool("i686-w64-mingw32-gcc", "gcc-mingw-w64-i686"),
        ]
        self.prefix = prefix_path().parent / "wine32" / "wine-prefix"

    def build_targets(self) -> list[str]:
        return [self.variant, "win32-i686"]

    def agent_argv(self, repo: Path) -> list[str]:
        exe = "mapconf-agent-faults.exe" if self.fault_build() else "mapconf-agent.exe"
        agent = repo / "build" / "win32-i686" / "agent" / exe
        return [which("setarch"), "--addr-no-randomize", LOADER, str(agent)]

    def wine_env(self) -> dict[str, str]:
        env = super().wine_env()
        del env["WINELOADER"]        # Wine finds its 64-bit loader beside the 32-bit one
        return env

    def runtime(self) -> str:
        return super().runtime() + ", the 32-bit (i686) agent under WoW64"


PLATFORM = Wine32
