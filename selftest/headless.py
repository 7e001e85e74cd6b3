"""Headless Chromium for the selftest: the DOM of a page after its script
ran, and screenshots for the README.

Each call gets a fresh profile directory, removed afterwards, and the flags
that keep Chromium from contacting anything (without them, a machine with no
network fills the log with refused connections).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from runner.platforms import Tool

CHROMIUM = "/usr/bin/chromium"
TOOLS = [Tool(CHROMIUM, "chromium")]
QUIET_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_S = 120


class BrowserError(Exception):
    """Chromium did not produce what was asked."""


def page_url(path: Path, fragment: str = "") -> str:
    url = path.resolve().as_uri()
    return f"{url}#{fragment}" if fragment else url


def _chromium(arguments: list[str]) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(prefix="mapconf-chromium-")
    try:
        return subprocess.run([CHROMIUM, *QUIET_FLAGS, f"--user-data-dir={profile}", *arguments],
                              capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def dump_dom(path: Path, fragment: str = "") -> str:
    """The page's DOM as HTML once it has loaded and its script has run.
    (--dump-dom needs script: with it disabled Chromium prints nothing, so
    what a page is without script is checked on the markup itself.)"""
    proc = _chromium(["--dump-dom", page_url(path, fragment)])
    if proc.returncode != 0 or "<html" not in proc.stdout:
        raise BrowserError(f"chromium --dump-dom {path} exited {proc.returncode}: {proc.stderr[-500:]}")
    return proc.stdout


def screenshot(path: Path, out: Path, width: int = 1400, height: int = 1000, fragment: str = "") -> None:
    """A PNG of the page's first `height` pixels at `width`."""
    proc = _chromium([f"--screenshot={out}", f"--window-size={width},{height}", page_url(path, fragment)])
    if proc.returncode != 0 or not out.exists():
        raise BrowserError(f"chromium --screenshot {path} exited {proc.returncode}: {proc.stderr[-500:]}")
