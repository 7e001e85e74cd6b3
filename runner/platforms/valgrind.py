"""valgrind: every agent runs under valgrind's default tool, memcheck.

A memcheck error in an agent ends that agent at once (--exit-on-first-error)
with status 99 (--error-exitcode), so the case ends as an ERROR that names
the agent and its status, and valgrind's report is in the case's output
(the agents' stderr). The agents are mostly killed when their case ends, so
an exit code seen only at a normal exit would be seen for almost none.

What the agent does on purpose is not an error: the accesses of its fault
guard are suppressed (valgrind.supp), and leaks are not looked for
(--leak-check=no), as the agent keeps what it allocates until it ends.
So nothing needs the C library's memory freed at exit
(--run-libc-freeres=no), and a report names the functions it passed
through without the ones the compiler inlined (--read-inline-info=no):
reading those for every agent costs a sixth of its start, which is most
of what a run under valgrind does. No gdbserver is started
(--vgdb=no): each agent would make its FIFOs for vgdb in TMPDIR, and an
agent that is killed, as most are, leaves them there.

Agents started by agents stay under valgrind without --trace-children:
`exec` re-runs the agent's own command line, valgrind included
(MAPCONF_AGENT_ARGV), and valgrind always follows `fork`.
"""

from __future__ import annotations

from pathlib import Path

from . import Platform, PlatformError, Tool, tool_version, which

VALGRIND = "valgrind"
ERROR_EXIT = 99
SUPPRESSIONS = Path(__file__).resolve().parent / "valgrind.supp"


class Valgrind(Platform):
    kind = "valgrind"

    def __init__(self, options):
        if options.sanitize:
            raise PlatformError("--sanitize does not go with --platform valgrind: a sanitizer's runtime "
                                "cannot run under valgrind; drop one of them.")
        super().__init__(options)
        self.tools += [Tool(VALGRIND, "valgrind")]

    def agent_argv(self, repo: Path) -> list[str]:
        return [which(VALGRIND), "--tool=memcheck", "-q", f"--error-exitcode={ERROR_EXIT}",
                "--exit-on-first-error=yes", "--leak-check=no", "--run-libc-freeres=no",
                "--read-inline-info=no", "--vgdb=no", f"--suppressions={SUPPRESSIONS}",
                *super().agent_argv(repo)]

    def runtime(self) -> str:
        return f"{tool_version([VALGRIND, '--version'])} memcheck (first error ends the agent, status {ERROR_EXIT})"


PLATFORM = Valgrind
