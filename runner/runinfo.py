"""run_info: what a reader of a report needs to know about where it ran."""

from __future__ import annotations

import datetime as _dt
import os
import platform as _platform
import subprocess
from pathlib import Path

from . import VERSION


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.partition("=")[2].strip().strip('"')
    except OSError:
        pass
    return _platform.system()


def _libc() -> str:
    name, version = _platform.libc_ver()
    return f"{name} {version}".strip() or "unknown"


def git_revision(repo: Path) -> str | None:
    try:
        rev = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
        return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def collect(platform, repo: Path, command: str, start_time: str) -> dict:
    uname = os.uname()
    return {
        "platform": platform.kind,
        "platform_id": platform.id,
        "os": _os_name(),
        "kernel": f"{uname.sysname} {uname.release}",
        "arch": uname.machine,
        "libc": _libc(),
        "runtime": platform.runtime(),
        "mapconf_version": VERSION,
        "git_revision": git_revision(repo),
        "start_time": start_time,
        "command": command,
    }
