"""Platforms: how the agents of a run are started, and what a platform needs.

A platform turns "run this case" into processes: which build of the case
binaries and the agent to use, and what to put in front of the agent (an
emulator, a sandbox, a wrapper). Everything platform-specific in the runner
lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Tool:
    """A program or file a platform needs, and the Debian package that has it."""
    name: str          # what to look for: a command on PATH, or an absolute path
    package: str


@dataclass
class Platform:
    kind: str                          # native, ...
    id: str                            # the name of the run's platform in reports
    variant: str                       # the build variant: native or asan
    tools: list[Tool] = field(default_factory=list)
    agent_env: dict[str, str] = field(default_factory=dict)
    runtime: str | None = None         # emulator / sandbox / layer and its version
    cases: str = "cases"               # the build directory of the case binaries

    def build_dir(self, repo: Path) -> Path:
        return repo / "build" / self.variant

    def case_dir(self, repo: Path) -> Path:
        return self.build_dir(repo) / self.cases

    def agent_argv(self, repo: Path) -> list[str]:
        return [str(self.build_dir(repo) / "agent" / "mapconf-agent")]


BUILD_TOOLS = [
    Tool("cc", "gcc"),
    Tool("ninja", "ninja-build"),
    Tool("/usr/include/cmocka.h", "libcmocka-dev"),
]

KINDS = ("native",)


class PlatformError(Exception):
    """An unknown platform or a bad platform option."""


def make(kind: str, sanitize: bool = False, platform_id: str | None = None,
         agent_env: dict[str, str] | None = None, cases: str = "cases") -> Platform:
    if kind not in KINDS:
        raise PlatformError(f"unknown platform '{kind}'; choose one of: {', '.join(KINDS)}.")
    variant = "asan" if sanitize else "native"
    default_id = kind + ("-asan" if sanitize else "")
    return Platform(kind=kind, id=platform_id or default_id, variant=variant,
                    tools=list(BUILD_TOOLS), agent_env=dict(agent_env or {}), cases=cases)
