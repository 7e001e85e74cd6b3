"""windows: a Windows machine, reached only through a bundle (./mapconf
bundle --platform windows -o DIR): the case programs, the Win32 agent and
the executor, cross-built with mingw-w64 (ninja win32-cases, ninja win32),
run there from DIR with nothing installed (DIR\\mapconf-run.exe), and
judged here (./mapconf judge DIR).

The records say which Windows ran them (records/machine: its version and
build, read with RtlGetVersion), and whether it was Wine (ntdll exports
wine_get_version): such results carry the platform id wine-bundle, as a run
with --platform wine-bundle does, so that the spec table's expectations of
Wine (platform = "wine*") hold them and no expectation of Wine holds a run
on Windows itself.
"""

from __future__ import annotations

from pathlib import Path

from . import Platform, Tool

WINE_ID = "wine-bundle"


class Windows(Platform):
    kind = "windows"
    agent_family = "win32"
    bundle_only = True

    def __init__(self, options):
        super().__init__(options)
        self.tools += [
            Tool("x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64"),
            # cmocka for Windows is built from Debian's source package (ninja/win32_tests.ninja)
            Tool("dpkg-source", "dpkg-dev"),
        ]
        self.facts: dict[str, str] = {}

    def build_targets(self) -> list[str]:
        return ["win32", "win32-cases"]

    def build_dir(self, repo: Path) -> Path:
        return repo / "build" / "win32"

    def fault_build(self) -> bool:
        """A run that names a fault (MAPCONF_FAULT) carries the agent's fault build instead."""
        return "MAPCONF_FAULT" in self.agent_env

    def bundle_ran_on(self, facts: dict[str, str], made_as: str) -> str:
        self.facts = dict(facts)
        return WINE_ID if "wine" in facts and made_as == self.kind else made_as

    def kernel_release(self) -> str:
        return self.facts.get("kernel", "unknown")

    def runtime(self) -> str | None:
        return f"Wine {self.facts['wine']}" if "wine" in self.facts else None


PLATFORM = Windows
