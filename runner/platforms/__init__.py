"""Platforms: how the processes of a run are started, and what a platform needs.

A platform turns "run this case" into processes: which build of the agent to
use, what to put in front of the agent (an emulator, a wrapper) or of the
controller (a sandbox), which backends it has, and what it must set up
before the first case and take down after the last. Each platform is a module
of its own (runner/platforms/<kind>.py, with "_" for "-"); this one holds what
they share. The kinds themselves are listed in runner/vocabulary.py.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..versions import version_of
from ..vocabulary import PLATFORMS, backends_of


@dataclass(frozen=True)
class Tool:
    """A program or file a platform needs, and the Debian package that has it."""
    name: str          # what to look for: a command on PATH, or an absolute path
    package: str


BUILD_TOOLS = [
    Tool("cc", "gcc"),
    # gcc only recommends the C library's headers, and packages are installed without recommends
    Tool("/usr/include/stdio.h", "libc6-dev"),
    Tool("ninja", "ninja-build"),
    Tool("/usr/include/cmocka.h", "libcmocka-dev"),
]


class PlatformError(Exception):
    """An unknown platform or a bad platform option."""


@dataclass
class Options:
    """What the command line says about the platform."""
    sanitize: bool = False
    platform_id: str | None = None
    agent_env: dict[str, str] = field(default_factory=dict)
    cases: str = "cases"                       # the build directory of the case binaries
    wrap: list[str] = field(default_factory=list)
    wrap_controller: list[str] = field(default_factory=list)
    kernel: str | None = None                  # --kernel: the image a kernel target boots
    agents: str = "native"                     # the build of the agents a kernel target runs (native, i386)


class Platform:
    """The native platform's behaviour; other platforms override what differs."""
    kind = "native"
    agent_family = "posix"     # which agent it runs, and so which backends it has

    @property
    def backends(self) -> tuple[str, ...]:
        return backends_of(self.agent_family)

    def __init__(self, options: Options):
        self.options = options
        self.variant = "asan" if options.sanitize else "native"   # the controllers' build
        self.id = options.platform_id or self.kind + ("-asan" if options.sanitize else "")
        self.agent_env = dict(options.agent_env)
        self.tools = list(BUILD_TOOLS)

    # --- building ---------------------------------------------------------
    def build_targets(self) -> list[str]:
        return [self.variant]

    def build_dir(self, repo: Path) -> Path:
        return repo / "build" / self.variant

    def case_dir(self, repo: Path) -> Path:
        return self.build_dir(repo) / self.options.cases

    # --- processes --------------------------------------------------------
    def agent_argv(self, repo: Path) -> list[str]:
        """The command that starts one agent (the controller adds nothing to it)."""
        return [str(self.build_dir(repo) / "agent" / "mapconf-agent")]

    def controller_wrap(self, repo: Path, work: Path) -> list[str]:
        """A prefix for a case process; work is the case's own directory."""
        return []

    def case_env(self) -> dict[str, str]:
        """Variables for the case process (and so for its agents)."""
        return {}

    # a platform whose cases run on targets of its own (a sandbox, a guest) sets it in start()
    pool = None

    def case_host(self):
        """The platform's pool of targets that run the case processes
        (runner/case_host.py), or None when the runner starts each itself."""
        return self.pool

    # --- the run ------------------------------------------------------------
    def start(self, run_dir) -> None:
        """Set up what the platform needs for the run (after the build)."""

    def stop(self) -> None:
        """Take down what start() set up; called however the run ends."""
        if self.pool:
            self.pool.close()
            self.pool = None

    def kernel_release(self) -> str:
        """The release of the kernel the cases run on (what `uname -r` says
        there): this machine's, unless the platform boots one of its own."""
        return os.uname().release

    def machine_facts(self, env: dict[str, str]) -> dict[str, str] | None:
        """The facts of the machine the cases run on, as a case host tells them
        (euid, shm_free, memory_cgroup, scratch_fs: run.target_conditions),
        where that machine is not this one (a virtual machine the platform
        makes, told the run's environment env); None: this machine's own."""
        return None

    def vm(self) -> dict | None:
        """What run_info says of a target the platform starts (a virtual
        machine: its kernel image, accelerator, boot time), or None."""
        return None

    def runtime(self) -> str | None:
        """The emulator, sandbox or layer and its version, for run_info."""
        return None

    # --- a bundle ------------------------------------------------------------
    # a platform that runs only from a bundle carried to its machine (windows) says so
    bundle_only = False

    def run_jobs(self, jobs, opts, repo: Path, run_dir, report) -> list[dict] | None:
        """The records of jobs a platform runs its own way, all at once (a
        bundle: wine-bundle); None: the runner runs each case itself."""
        return None

    def bundle_ran_on(self, facts: dict[str, str], made_as: str) -> str:
        """Take in what a bundle's records say of the machine it ran on
        (records/machine); the platform id its results carry, made_as unless
        the records show another (a Windows bundle run under Wine)."""
        return made_as

    def version(self) -> tuple[int, ...] | None:
        """The runtime's version, which a `runtime = ">= 7.2"` range of the spec
        table is held to: by default the first dotted number of runtime(), as in
        "Wine 8.0 (Debian 8.0~repack-4)". A platform whose runtime string names
        other numbers first, or none, says it here; None: no runtime version."""
        return version_of(self.runtime())


def tool_version(argv: list[str]) -> str:
    """The first line a tool prints about its version, or why there is none."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as error:
        return f"unknown ({error})"
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def which(name: str) -> str:
    return shutil.which(name) or name


def platform_class(kind: str) -> type[Platform]:
    """The Platform subclass of a kind, which runner/platforms/<kind>.py defines as PLATFORM;
    every qemu-<arch> is one family, parameterised by the arch, in runner/platforms/qemu.py."""
    if kind not in PLATFORMS:
        raise PlatformError(f"unknown platform '{kind}'; choose one of: {', '.join(PLATFORMS)}.")
    if kind.startswith("qemu-"):
        return importlib.import_module("runner.platforms.qemu").platform(kind)
    return importlib.import_module(f"runner.platforms.{kind.replace('-', '_')}").PLATFORM


def backends_on(kind: str) -> tuple[str, ...]:
    """The backends a platform of this kind has, without making one."""
    return backends_of(platform_class(kind).agent_family)


def make(kind: str, options: Options | None = None) -> Platform:
    cls = platform_class(kind)
    options = options or Options()
    if (options.wrap or options.wrap_controller) and kind != "custom":
        raise PlatformError("--wrap and --wrap-controller belong to --platform custom; "
                            f"add '--platform custom' or drop them.")
    return cls(options)
