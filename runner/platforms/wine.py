"""wine: the Win32 agent (cross-built with mingw-w64) runs under Wine, started
from the native controller as `wine mapconf-agent.exe`, with pipes.

Wine keeps its state in a prefix, created once, in the user's cache
(${XDG_CACHE_HOME:-~/.cache}/mapconf/wine-prefix), outside the repository.
For a run, one wineserver is started persistent (-p) and kept warm, so an
agent starts in about 15 ms instead of booting Wine. stop() ends it and
every process of the run with SIGKILL and waits until they are gone: a run
keeps nothing in the prefix, and `wineserver -k`, which first writes the
registry back (1.6 MB), takes 0.8 s where this takes 40 ms. Only a run
that created the prefix, or whose Wine updated it (wineboot rewrites
.update-timestamp), stops the server with `wineserver -k` and waits for
it, so that what was made is kept. Everything Wine writes outside the prefix
goes to the run directory: TMPDIR points there (Debian's Wine keeps the
server's socket and the files behind paging-file sections in TMPDIR), and
the run directory is removed at the end.

A prefix is used by one run at a time: Debian's Wine records the server's
directory (relative to TMPDIR) in the prefix, so two runs with their own
TMPDIRs would take each other's server away. A lock beside the prefix makes
a second run wait.

Every Wine process of the run (the server, the Windows services it starts)
carries the run's MAPCONF_RUN_ID, so a run that is killed before stop() is
swept like any other: the next run kills what is left of it.

Every Windows process of the run starts with address-space randomization
off (setarch --addr-no-randomize; the services and the agents' own children
inherit it). Debian's Wine has no preloader to reserve Windows' fixed
addresses before anything else is mapped, and its loader (wine64) is linked
at 0x7d000000, so its brk heap begins just above that; Linux places the
start of that heap at random within 1 GiB, which covers 0x7ffe0000, where
Wine must map the shared user data. In about one start in 10,000 the heap
lay there and the agent ended with status 1 before its first line ("failed
to map the shared user data: c0000018"). Without randomization the heap
begins at 0x7d005000, some 48 MB below, and holds about 130 KiB when Wine
maps that page.
Wine's own error messages are kept (err+all) so that such a failure names
its cause in the case's output.

A run whose agents are given MAPCONF_FAULT (--env MAPCONF_FAULT=name) starts
the fault build of the agent, mapconf-agent-faults.exe, which breaks that one
behaviour (agents/win32/faults.h): the agent itself carries no faults and
would ignore the variable. run_info's runtime names the fault build.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .. import processes
from ..cache import cache_dir
from . import Platform, PlatformError, Tool, tool_version, which

# the runner's own repository: start() is given no repository to warm Wine up with
RUNNER_REPO = Path(__file__).resolve().parents[2]
SERVER_WAIT_S = 60
FIRST_START_WAIT_S = 300      # the first start in a new prefix creates it


def prefix_path() -> Path:
    return cache_dir("wine-prefix")


# The 64-bit loader itself (Debian's wine64), not the `wine` script, which
# starts the 32-bit loader first when wine32 is installed too: a prefix made
# without the 32-bit DLLs then fails to start ("could not load kernel32.dll").
LOADER64 = "/usr/lib/wine/wine64"

class Wine(Platform):
    kind = "wine"
    agent_family = "win32"

    def __init__(self, options):
        super().__init__(options)
        self.tools += [
            Tool("wine", "wine"),
            Tool("wineserver", "wine"),
            Tool("setarch", "util-linux"),
            Tool(LOADER64, "wine64"),
            Tool("x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64"),
        ]
        self.prefix = prefix_path()
        self.tmp: Path | None = None
        self.run_id: str | None = None
        self.lock_fd: int | None = None
        self.server_started = False
        self.keep_prefix = False
        self.prefix_stamp: bytes | None = None

    def build_targets(self) -> list[str]:
        return [self.variant, "win32"]

    def fault_build(self) -> bool:
        return "MAPCONF_FAULT" in self.agent_env

    def agent_argv(self, repo: Path) -> list[str]:
        exe = "mapconf-agent-faults.exe" if self.fault_build() else "mapconf-agent.exe"
        agent = repo / "build" / "win32" / "agent" / exe
        return [which("setarch"), "--addr-no-randomize", LOADER64, str(agent)]

    def wine_env(self) -> dict[str, str]:
        return {
            "WINEPREFIX": str(self.prefix),
            "WINEDEBUG": "-all,err+all",
            "TMPDIR": str(self.tmp),
            # no menu entries in the user's home, no Mono or Gecko installer
            "WINEDLLOVERRIDES": "winemenubuilder.exe=d;mscoree=d;mshtml=d",
            # what Wine starts for the prefix's own programs: the 64-bit loader, even
            # where wine32 is installed too (Debian's `wine` would then pick the 32-bit one)
            "WINELOADER": LOADER64,
        }

    def case_env(self) -> dict[str, str]:
        return self.wine_env()

    def program(self, exe: Path) -> tuple[list[str], dict[str, str]]:
        """The command and environment that run a Windows program as this run
        runs its agents (in its prefix, by its server), between start() and
        stop(): a reproducer, say."""
        return [which("setarch"), "--addr-no-randomize", LOADER64, str(exe)], self._env()

    def _env(self) -> dict[str, str]:
        return dict(os.environ, **self.wine_env(), MAPCONF_RUN_ID=self.run_id or "")

    # --- the run ------------------------------------------------------------
    def start(self, run_dir) -> None:
        self.run_id = run_dir.run_id
        self.tmp = run_dir.path / "wine-tmp"
        self.tmp.mkdir()
        self._lock_prefix()
        fresh = not (self.prefix / "system.reg").exists()
        self.prefix.mkdir(parents=True, exist_ok=True)   # the server starts in it
        # a run that creates the prefix, or whose Wine updates it, has the server write it back at the end
        self.keep_prefix, self.prefix_stamp = fresh, self._update_stamp()
        started = time.monotonic()
        # persistent; its output goes nowhere, or it would hold our pipes open for good
        proc = subprocess.run([which("wineserver"), "-p"], env=self._env(), stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=SERVER_WAIT_S)
        if proc.returncode != 0:
            raise PlatformError(f"wineserver -p failed (status {proc.returncode}) for the prefix {self.prefix}; "
                                "run 'wineserver -p' with WINEPREFIX set to it to see why.")
        self.server_started = True
        if fresh:
            print(f"mapconf: creating the Wine prefix {self.prefix} (once)", file=sys.stderr, flush=True)
        self._first_agent(run_dir.path / "wine-start.log")
        if fresh:
            print(f"mapconf: the Wine prefix was created in {time.monotonic() - started:.1f} s",
                  file=sys.stderr, flush=True)

    def _lock_prefix(self) -> None:
        self.prefix.parent.mkdir(parents=True, exist_ok=True)
        self.lock_fd = os.open(self.prefix.parent / "wine-prefix.lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"mapconf: waiting for another run to finish with the Wine prefix {self.prefix}",
                  file=sys.stderr, flush=True)
            fcntl.flock(self.lock_fd, fcntl.LOCK_EX)

    def _first_agent(self, log: Path) -> None:
        """Start one agent and tell it to exit: this boots Wine's services for
        the run (in a new prefix it creates the prefix), with output to a
        file, so that no service inherits a case's pipe."""
        argv = self.agent_argv(RUNNER_REPO)
        with open(log, "w+b") as out:
            try:
                proc = subprocess.run(argv, input=b"exit\n", env=self._env(),
                                      stdout=out, stderr=subprocess.STDOUT, timeout=FIRST_START_WAIT_S)
            except subprocess.TimeoutExpired:
                raise PlatformError(f"the agent did not start under Wine within {FIRST_START_WAIT_S} s; "
                                    f"see {log}.") from None
            out.seek(0)
            said = out.read().decode(errors="replace")
        if proc.returncode != 0 or "\nok" not in said:
            raise PlatformError(f"the agent does not run under Wine (status {proc.returncode}): "
                                f"{said.strip()[-300:]!r}; try '{' '.join(argv)}' by hand.")

    def _update_stamp(self) -> bytes | None:
        try:
            return (self.prefix / ".update-timestamp").read_bytes()
        except OSError:
            return None

    def stop(self) -> None:
        try:
            if self.server_started:
                ours = set(self._run_processes())    # before they end: what ends may be reaped below
                if self.keep_prefix or self._update_stamp() != self.prefix_stamp:
                    self._stop_server_keeping_the_prefix()
                left = self._run_processes()   # every one, or what -k did not end
                for pid in left:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                for pid in left:
                    try:
                        os.waitpid(pid, 0)
                    except ChildProcessError:
                        pass   # not ours to reap
                processes.wait_gone(left)    # those not ours to reap above
                _reap_zombie_children(ours | set(left))
                self.server_started = False
        finally:
            if self.lock_fd is not None:
                os.close(self.lock_fd)
                self.lock_fd = None

    def _stop_server_keeping_the_prefix(self) -> None:
        """`wineserver -k`: the server writes the registry back and ends its
        processes; then wait for it."""
        for argv in ([which("wineserver"), "-k"], [which("wineserver"), "-w"]):
            try:
                subprocess.run(argv, env=self._env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=SERVER_WAIT_S)
            except subprocess.TimeoutExpired:
                pass

    def _run_processes(self) -> list[int]:
        """The live processes of this run's Wine (server and services)."""
        markers = (f"WINEPREFIX={self.prefix}".encode(), f"MAPCONF_RUN_ID={self.run_id}".encode())
        return [p.pid for p in processes.others() if all(m in p.environ() for m in markers)]

    def runtime(self) -> str:
        version = tool_version([which("wine"), "--version"])
        build = f", the agent's fault build ({self.agent_env['MAPCONF_FAULT']})" if self.fault_build() else ""
        return f"Wine {version.removeprefix('wine-')}{build}"


def _reap_zombie_children(wine: set[int]) -> None:
    """The runner is a subreaper: Wine's server and services, which detach
    from their parents, end as its children; reap the ones that have ended.
    Only those (their pids, seen alive while they carried the run's id): a
    child of another thread's (the selftest's, a process it waits for)
    must be left to the one that waits for it, or its status is lost."""
    for p in processes.others():
        if p.state == "Z" and p.ppid == os.getpid() and p.pid in wine:
            try:
                os.waitpid(p.pid, os.WNOHANG)
            except ChildProcessError:
                pass


PLATFORM = Wine
