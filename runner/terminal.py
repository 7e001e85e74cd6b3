"""What `mapconf run` prints while it runs and when it ends.

On a terminal, one progress line is redrawn in place ("\\r" and erase to the
end of the line), results worth a look stay above it as lines of their own,
and the summary is coloured. Anywhere else (a pipe, a file, or CI=true),
every result is a plain line of its own, as a log wants it. NO_COLOR (any
non-empty value) turns colour off; TERM=dumb counts as no terminal.

How much is printed: the default prints each result (plain) or each result
that is not a plain PASS (terminal); --quiet only the unexpected ones;
--verbose every result with its message, and the evidence of unexpected ones.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

from .results import labelled_message, missing_backend_line, missing_backends

ERASE_LINE = "\r\x1b[K"
RESET = "\x1b[0m"
GREEN, RED, YELLOW, DIM, BOLD = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[2m", "\x1b[1m"

# Text from agents and cases goes to the user's terminal: a control
# character (an escape sequence, a carriage return) must not act on it.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(value: str) -> str:
    """`value` with control characters written as \\xNN escapes."""
    return CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match.group()):02x}", value)


def in_ci(env) -> bool:
    return env.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class Terminal:
    def __init__(self, stream=None, env=None, quiet: bool = False, verbose: bool = False):
        self.stream = stream if stream is not None else sys.stdout
        env = os.environ if env is None else env
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self.interactive = isatty and not in_ci(env) and env.get("TERM") != "dumb"
        self.colour = self.interactive and not env.get("NO_COLOR")
        self.quiet = quiet
        self.verbose = verbose
        self.progress_shown = False

    # ---- while running --------------------------------------------------

    def result(self, record: dict, done: int, total: int) -> None:
        """Report one finished result; the runner calls this under its lock."""
        lines = self._result_lines(record, done, total) if self._worth_a_line(record) else []
        if self.interactive:
            self._clear_progress()
        for line in lines:
            self.stream.write(line + "\n")
        if self.interactive:
            self._draw_progress(record, done, total)
        self.stream.flush()

    def _worth_a_line(self, record: dict) -> bool:
        if record["unexpected"] or self.verbose:
            return True
        if self.quiet:
            return False
        # on a terminal the progress line already shows each PASS as it goes by
        return not (self.interactive and record["status"] == "PASS")

    def _result_lines(self, record: dict, done: int, total: int) -> list[str]:
        status = self.paint(f"{record['status']:7}", self._status_colour(record))
        line = f"[{done}/{total}] {status} {record['id']} [{record['backend']}] ({record['duration_ms']} ms)"
        if record["message"] and (record["status"] != "PASS" or self.verbose):
            line += f": {printable(labelled_message(record))}"
        lines = [line]
        if self.verbose and record["unexpected"]:
            lines += self._evidence_lines(record)
        return lines

    def _evidence_lines(self, record: dict) -> list[str]:
        evidence = record["evidence"]
        lines = [f"    expected: {' or '.join(record['expected'])}, observed: {record['observed']}"
                 + (f" at {record['check']}" if record.get("check") else ""),
                 f"    process: {printable(evidence['process'])}"]
        for label in ("transcript", "output"):
            if evidence[label]:
                lines.append(f"    {label}:")
                lines += [f"      {printable(line)}" for line in evidence[label].splitlines()]
        return lines

    def _draw_progress(self, record: dict, done: int, total: int) -> None:
        text = printable(f"[{done}/{total}] {record['id']} [{record['backend']}] {record['status']}")
        # a line that wraps can no longer be redrawn in place
        width = shutil.get_terminal_size((80, 24)).columns - 1
        self.stream.write(text[:max(width, 10)])
        self.progress_shown = True

    def _clear_progress(self) -> None:
        if self.progress_shown:
            self.stream.write(ERASE_LINE)
            self.progress_shown = False

    def finish(self) -> None:
        """Take the progress line away (before the summary, or when the run is cut short)."""
        if self.interactive:
            self._clear_progress()
            self.stream.flush()

    # ---- at the end --------------------------------------------------------

    def summary(self, doc: dict, written: list) -> None:
        self.finish()
        info = doc["run_info"]
        counts = ", ".join(self.paint(f"{count} {status}", self._count_colour(status))
                           for status, count in info["counts"].items() if count)
        lines = [f"mapconf: {len(doc['results'])} results on {printable(info['platform_id'])} "
                 f"in {info['duration_s']:.1f} s: {counts}"]
        missing = missing_backends(doc["results"])
        # a backend that is not there is said once, loudly, rather than as a column of SKIPs
        gone = {m["backend"] for m in missing}
        for record in doc["results"]:
            if record["unexpected"] and not (record["status"] == "SKIP" and record["backend"] in gone):
                status = self.paint(record["status"], self._status_colour(record))
                lines.append(f"  unexpected {status}: {record['id']} [{record['backend']}] "
                             f"{printable(labelled_message(record))}")
        for backend in missing:
            loud = DIM if backend["declared"] else BOLD + RED
            lines.append(self.paint(printable(missing_backend_line(backend)), loud))
        verdict = f"unexpected results: {info['unexpected']}"
        lines.append(self.paint(verdict, BOLD + (RED if info["unexpected"] else GREEN)))
        lines.append(f"reports: {written[0].parent}/ ({', '.join(path.name for path in written)})")
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()

    # ---- colour ------------------------------------------------------------

    def paint(self, text: str, colour: str) -> str:
        return f"{colour}{text}{RESET}" if self.colour and colour else text

    @staticmethod
    def _status_colour(record: dict) -> str:
        if record["unexpected"]:
            return YELLOW if record["status"] in ("PASS", "XPASS") else RED
        return GREEN if record["status"] == "PASS" else DIM

    @staticmethod
    def _count_colour(status: str) -> str:
        return {"PASS": GREEN, "FAIL": RED, "XPASS": YELLOW, "XFAIL": DIM, "SKIP": DIM}.get(status, "")
