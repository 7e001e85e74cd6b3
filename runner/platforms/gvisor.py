"""gVisor: each case process runs, with all its agents, inside one runsc
sandbox of its own (separate sandboxes do not share /dev/shm, so a sandbox
per agent could not test sharing).

The sandbox has no network (--network=none, always), uses the ptrace
platform (no KVM needed), and sees the host's files without an overlay so
that the case's record and transcript reach the runner. runsc keeps its
state and its bundle under TMPDIR and --root, both inside the case's own
directory, which the runner removes. runsc reopens its standard output by
path, so the case's output comes back through a pipe, not a file.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

from . import Platform, PlatformError, Tool, tool_version, which

RUNSC = "runsc"


class GVisor(Platform):
    kind = "gvisor"

    def __init__(self, options):
        super().__init__(options)
        if os.geteuid() != 0:
            raise PlatformError("--platform gvisor starts runsc sandboxes, which needs root; "
                                "run mapconf as root (for example with sudo).")
        self.tools.append(Tool(RUNSC, "runsc"))

    def controller_wrap(self, repo: Path, work: Path) -> list[str]:
        state, tmp = work / "runsc-root", work / "runsc-tmp"
        state.mkdir(exist_ok=True)
        tmp.mkdir(exist_ok=True)
        return ["env", f"TMPDIR={tmp}",
                which(RUNSC), f"--root={state}", "--network=none", "--platform=ptrace",
                "do", "--force-overlay=false", f"--cwd={repo}"]

    def case_env(self) -> dict[str, str]:
        # The host's cgroups are not visible in the sandbox, so a case cannot
        # join a memory cgroup of its own; but the sandbox holds this one case
        # and its agents, so its own /proc/meminfo is the case's figure alone.
        return {"MAPCONF_MEMORY": "meminfo"}

    def pipes_output(self) -> bool:
        return True

    def after_case(self, work: Path) -> list[str]:
        """Kill any sandbox process of this case still alive (it is in a
        session of its own, so the case's process group does not hold it),
        then remove its state."""
        marker = str(work).encode() + b"/"     # cases/1/ must not match cases/10/
        left = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker in cmdline:
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                    left.append(f"sandbox process {entry.name}")
                except ProcessLookupError:
                    pass
        for name in ("runsc-root", "runsc-tmp"):
            shutil.rmtree(work / name, ignore_errors=True)
        return left

    def failed_to_start(self, observed) -> str | None:
        """runsc do names its sandbox runsc-<6 random digits> and binds a
        control socket under that name, which every sandbox on the machine
        shares: two sandboxes can draw the same name. The case never began,
        so it is started again."""
        output = observed.output.strip()
        if "without starting the case" in observed.message and \
                output.startswith("creating container: cannot create sandbox"):
            return output.splitlines()[0][:200]
        return None

    def runtime(self) -> str:
        return f"gVisor {tool_version([RUNSC, '--version'])} (ptrace platform, --network=none)"


PLATFORM = GVisor
