"""A platform of your own: a command put in front of every agent (--wrap),
in front of every case process (--wrap-controller), and variables for every
agent (--env). This is how an LD_PRELOAD shim, a tracer or another layer is
tested without changing mapconf.

The wrap reaches agents started by agents too: `exec` re-runs the agent's
command line (wrap included), and `fork` copies the wrapped agent.
"""

from __future__ import annotations

from pathlib import Path

import shutil

from . import Platform, PlatformError


def _resolved(command: list[str], option: str) -> list[str]:
    """The command with its program as a path: agents are started with
    posix_spawn, which does not search PATH."""
    if not command:
        return []
    program = shutil.which(command[0])
    if not program:
        raise PlatformError(f"the {option} command '{command[0]}' is not an executable file or on PATH; "
                            "give its full path.")
    return [program, *command[1:]]


class Custom(Platform):
    kind = "custom"

    def __init__(self, options):
        super().__init__(options)
        if not (options.wrap or options.wrap_controller or options.agent_env):
            raise PlatformError("--platform custom needs at least one of --wrap, --wrap-controller "
                                "or --env to say what the platform is.")
        self.wrap = _resolved(options.wrap, "--wrap")
        self.wrap_controller = _resolved(options.wrap_controller, "--wrap-controller")

    def agent_argv(self, repo: Path) -> list[str]:
        return self.wrap + super().agent_argv(repo)

    def controller_wrap(self, repo: Path, work: Path) -> list[str]:
        return list(self.wrap_controller)

    def runtime(self) -> str:
        parts = []
        if self.options.wrap:
            parts.append("agents wrapped by: " + " ".join(self.options.wrap))
        if self.options.wrap_controller:
            parts.append("controllers wrapped by: " + " ".join(self.options.wrap_controller))
        if self.agent_env:
            parts.append("agent environment: " + " ".join(f"{k}={v}" for k, v in self.agent_env.items()))
        return "; ".join(parts)


PLATFORM = Custom
