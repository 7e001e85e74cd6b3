"""run_info: what a reader of a report needs to know about where it ran."""

from __future__ import annotations

import datetime as _dt
import os
import platform as _platform
import subprocess
from pathlib import Path

from . import VERSION
from .versions import Version, version_of


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


def versions(platform, target_facts: dict[str, str] | None = None) -> dict[str, Version | None]:
    """The versions the spec table's ranges (runtime, kernel, libc) are held
    to, read from what run_info shows: the platform's runtime, the kernel's
    release, the C library's version; the target's, where the cases ran on
    one (its kernel and libc facts, as run_info gives them)."""
    facts = target_facts or {}
    return {
        "runtime": platform.version(),
        "kernel": version_of(facts.get("kernel", platform.kernel_release())),
        "libc": version_of(facts.get("libc", _libc())),
    }


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


def collect(platform, repo: Path, command: str, start_time: str, run_id: str,
            filesystem: dict | None = None, target=None) -> dict:
    """run_id: what everything the run made carried (objects, cgroups, processes: runner/rundir.py);
    filesystem: the scratch filesystem of --filesystem (runner/filesystems.py's info()), if any;
    target: where the cases ran (run --target), whose facts name the machine."""
    uname = os.uname()
    info = {
        "platform": platform.kind,
        "platform_id": platform.id,
        "os": _os_name(),
        "kernel": f"{uname.sysname} {platform.kernel_release()}",
        "arch": uname.machine,
        "libc": _libc(),
        "runtime": platform.runtime(),
        "mapconf_version": VERSION,
        "git_revision": git_revision(repo),
        "start_time": start_time,
        "command": command,
        "run_id": run_id,
    }
    if platform.vm() is not None:   # absent, not null, without one
        info["vm"] = platform.vm()
    if filesystem is not None:     # absent, not null, without one: results of earlier runs stay valid
        info["filesystem"] = filesystem
    if target is not None:
        info.update(target.facts, target=target.name)
    return info
