"""Case hosts: long-lived sandboxes that run case processes one after another.

Starting a sandbox costs far more than a case (gVisor: about 0.25 s against
a few ms), so a platform may keep one sandbox per worker and have the
program case_host/case_host.c, the sandbox's first process, start each case
in it. This is the runner's side: a pool of such hosts, one taken by each
case for as long as it runs, so a host never runs two cases at once.

What one case leaves is removed by the host inside the sandbox, named in the
case's evidence, and then the host must hold nothing but itself (the host
checks: no other process, none of the run's /dev/shm objects or scratch
files, no SysV segment). If anything remains, or the host stops answering,
or a case outlives its timeout and the bound after it, that host is ended
and the next case gets a new one; the case that was running is reported
with what happened, never run again.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

UNIT_SEPARATOR = "\x1f"
RECORD_SEPARATOR = "\x1e"
READY_S = 60.0        # a sandbox's start; runsc under load can take seconds
ANSWER_MARGIN_S = 15.0  # beyond the case's own timeout: the host's cleanup and its answer
STOP_S = 10.0
STARTS_MAX = 3


class HostError(Exception):
    """A host could not be started, or broke while running a case."""


@dataclass
class Ended:
    """How a case process ended, as its host saw it."""
    returncode: int | None            # negative: killed by that signal; None: not known
    timed_out: bool = False
    leftovers: list[str] = field(default_factory=list)
    broken: str | None = None         # the host failed while the case ran: why
    unclean: bool = False             # the host could not clean up after the case
    notes: list[str] = field(default_factory=list)   # for the case's evidence


@dataclass
class HostSpec:
    """How the platform starts one host: argv, environment, and how to end
    what is left of it (processes a sandbox keeps in sessions of their own)."""
    argv: list[str]
    env: dict[str, str]
    log: Path                         # the host's standard error
    end: Callable[[], list[str]]      # kill what is left of this host; say what


class Host:
    def __init__(self, spec: HostSpec):
        self.spec = spec
        self.buffer = b""
        with open(spec.log, "ab") as log:
            self.proc = subprocess.Popen(spec.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=log, env=spec.env, start_new_session=True)
        line = self._line(READY_S)
        if line is None or not line.startswith("ready"):
            self.stop()
            raise HostError(f"the sandbox did not start: {self._log_tail() or 'no output'}")

    def run(self, argv: list[str], files: list[Path], timeout: float) -> Ended:
        """Run the case; files[0] gets its output, and all are emptied first."""
        if any(c in arg for arg in [*argv, *map(str, files)] for c in ("\n", UNIT_SEPARATOR, RECORD_SEPARATOR)):
            return Ended(None, broken="an argument of the case holds a newline or a unit or record "
                                      "separator, which a request to the sandbox cannot carry")
        request = UNIT_SEPARATOR.join(["case", str(int(timeout * 1000)), RECORD_SEPARATOR.join(map(str, files)),
                                       *argv]) + "\n"
        try:
            self.proc.stdin.write(request.encode())
            self.proc.stdin.flush()
        except OSError as error:
            return Ended(None, broken=f"the sandbox no longer takes requests ({error.strerror})")
        line = self._line(timeout + ANSWER_MARGIN_S)
        if line is None:
            return Ended(None, broken=f"the sandbox did not answer within {timeout + ANSWER_MARGIN_S:g} s "
                                      f"of the case's start ({self._log_tail() or 'it wrote nothing'})")
        return parse_answer(line)

    def _line(self, bound: float) -> str | None:
        """The host's next line, or None if it ends or is silent for bound seconds."""
        deadline = time.monotonic() + bound
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode(errors="replace")

    def _log_tail(self) -> str:
        try:
            return self.spec.log.read_text(errors="replace").strip()[-300:]
        except OSError:
            return ""

    def stop(self) -> list[str]:
        """End the host (an end of input is its signal to go), then whatever of it is left."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        return self.spec.end()


def parse_answer(line: str) -> Ended:
    """An `ended` line of case_host.c."""
    head, *items = line.split(UNIT_SEPARATOR)
    if head != "ended":
        return Ended(None, broken=f"the sandbox answered {line[:200]!r}")
    ended = Ended(None)
    remains = []
    for item in items:
        key, _, value = item.partition("=")
        if key == "exit":
            ended.returncode = int(value)
        elif key == "signal":
            ended.returncode = -int(value)
        elif key == "timeout":
            ended.timed_out = True
        elif key == "removed":
            ended.leftovers.append(value)
        elif key == "remains":
            remains.append(value)
        elif key == "error":
            ended.broken = value
    if remains:
        ended.unclean = True
        ended.notes.append("the sandbox still held, after its cleanup: " + "; ".join(remains)
                           + "; the next case gets a new sandbox")
    if ended.returncode is None and not ended.timed_out and ended.broken is None:
        ended.broken = f"the sandbox's answer says nothing of how the case ended: {line[:200]!r}"
    return ended


class Pool:
    """Hosts for one run: a case takes a free one, or a new one is started."""

    def __init__(self, make_spec: Callable[[int, dict[str, str]], HostSpec]):
        self.make_spec = make_spec
        self.free: list[Host] = []
        self.all: list[Host] = []
        self.started = 0
        self.lock = threading.Lock()
        self.ended: list[str] = []

    def run(self, argv: list[str], env: dict[str, str], files: list[Path], timeout: float) -> Ended:
        """Run the case on a free host; files[0] gets its output, and all are emptied first."""
        try:
            host, notes = self._take(env)
        except HostError as error:
            return Ended(None, broken=str(error))
        ended = self._run_on(host, argv, files, timeout)
        ended.notes = notes + ended.notes
        return ended

    def _run_on(self, host: Host, argv: list[str], files: list[Path], timeout: float) -> Ended:
        ended = host.run(argv, files, timeout)
        if ended.broken is None and not ended.unclean:
            with self.lock:
                self.free.append(host)
            return ended
        with self.lock:
            self.all.remove(host)
        ended.leftovers += [f"{item}, of the sandbox that was ended" for item in host.stop()]
        return ended

    def _take(self, env: dict[str, str]) -> tuple[Host, list[str]]:
        with self.lock:
            if self.free:
                return self.free.pop(), []
            self.started += 1
            number = self.started
        notes = []
        for attempt in range(1, STARTS_MAX + 1):
            try:
                host = Host(self.make_spec(number, env))
            except HostError as error:
                notes.append(f"start {attempt} of sandbox {number} failed: {error}")
                continue
            with self.lock:
                self.all.append(host)
            return host, [f"{note}; started again" for note in notes]
        raise HostError("; ".join(notes))

    def close(self) -> list[str]:
        """End every host; say what was left of them."""
        with self.lock:
            hosts, self.all, self.free = self.all, [], []
        left = []
        for host in hosts:
            left += host.stop()
        return left
