"""gVisor: the case processes run, with all their agents, inside runsc
sandboxes: one sandbox per worker, reused by the cases that worker runs,
one case at a time (runner/case_host.py; the sandbox's first process is
case_host/case_host.c). Separate sandboxes do not share /dev/shm, so a
sandbox per agent could not test sharing.

Each case still has its own directory, objects and agents: the host removes
what a case left inside the sandbox and checks that nothing but itself
remains before it takes the next case; otherwise the sandbox is replaced.
Each sandbox has a scratch directory of its own (MAPCONF_SCRATCH), since
pids inside two sandboxes repeat and the scratch names carry the pid.

A sandbox has no network (--network=none, always), uses the ptrace
platform (no KVM needed), and sees the host's files without an overlay so
that the cases' records and transcripts reach the runner. runsc keeps its
state and its bundle under TMPDIR and --root, both inside the run's
directory, which the runner removes.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .. import case_host, processes
from . import Platform, PlatformError, Tool, tool_version, which

RUNSC = "runsc"
REPO = Path(__file__).resolve().parents[2]


class GVisor(Platform):
    kind = "gvisor"

    def __init__(self, options):
        super().__init__(options)
        if os.geteuid() != 0:
            raise PlatformError("--platform gvisor starts runsc sandboxes, which needs root; "
                                "run mapconf as root (for example with sudo).")
        self.tools.append(Tool(RUNSC, "runsc"))

    def case_env(self) -> dict[str, str]:
        # The host's cgroups are not visible in the sandbox, so a case cannot
        # join a memory cgroup of its own; but the sandbox runs one case at a
        # time, so its own /proc/meminfo is that case's figure alone. It
        # trails an allocation by about 10 ms (Linux's can by a second), so a
        # release case waits at most 200 ms for it to settle: a SysV segment,
        # which gVisor's Shmem never counts, costs no more than that.
        return {"MAPCONF_MEMORY": "meminfo", "MAPCONF_MEMORY_SETTLE_MS": "200"}

    def start(self, run_dir) -> None:
        self.run_dir = run_dir
        self.pool = case_host.Pool(self.sandbox)

    def sandbox(self, number: int, env: dict[str, str]) -> case_host.HostSpec:
        """How sandbox number starts: its state, bundle and scratch directories are its own."""
        home = self.run_dir.path / "sandboxes" / str(number)
        state, tmp = home / "runsc-root", home / "runsc-tmp"
        scratch = self.run_dir.objects / f"sandbox-{number}"
        for directory in (state, tmp):
            directory.mkdir(parents=True, exist_ok=True)
        scratch.mkdir(mode=0o711, exist_ok=True)   # as the objects directory: see rundir.TRAVERSE_ONLY
        argv = runsc_do(state) + [str(self.build_dir(REPO) / "case-host" / "mapconf-case-host")]
        return case_host.HostSpec(argv, dict(env, TMPDIR=str(tmp), MAPCONF_SCRATCH=str(scratch)),
                                  home / "runsc.log", lambda: end_sandbox(home))

    def runtime(self) -> str:
        return f"gVisor {tool_version([RUNSC, '--version'])} (ptrace platform, --network=none)"


def runsc_do(state: Path) -> list[str]:
    """How a sandbox is started, by the platform and by bench/speed alike:
    never with a network, on the ptrace platform, seeing the host's files
    without an overlay; its state in state."""
    return [which(RUNSC), f"--root={state}", "--network=none", "--platform=ptrace",
            "do", "--force-overlay=false", f"--cwd={REPO}"]


def end_sandbox(home: Path) -> list[str]:
    """Kill any process of the sandbox still alive (its sandbox and gofer
    processes are in sessions of their own, found by the state directory in
    their command lines), then remove its state."""
    marker = str(home).encode() + b"/"     # sandboxes/1/ must not match sandboxes/10/
    left = processes.kill_all(p for p in processes.others() if marker in p.cmdline())
    shutil.rmtree(home, ignore_errors=True)
    return [f"sandbox process {pid}" for pid in left]


PLATFORM = GVisor
