"""Making sure the tools are there and the programs are built.

On Debian or Ubuntu as root, missing packages are installed with apt-get
(and the runner says so); anywhere else the runner prints the exact command
to run and stops with exit code 2.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .platforms import Tool


class ToolError(Exception):
    """A tool is missing and cannot be installed from here."""


def _present(tool: Tool) -> bool:
    if tool.name.startswith("/"):
        return Path(tool.name).exists()
    return shutil.which(tool.name) is not None


def _can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def ensure_tools(tools: list[Tool], say=print) -> None:
    missing = [t for t in tools if not _present(t)]
    if not missing:
        return
    packages = sorted({t.package for t in missing})
    names = ", ".join(t.name for t in missing)
    if not _can_install():
        raise ToolError(f"mapconf needs {names}; install them with: "
                        f"sudo apt-get install {' '.join(packages)}")
    say(f"mapconf: installing {' '.join(packages)} with apt-get (needed: {names})")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for argv in (["apt-get", "update", "-qq"],
                 ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]):
        proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ToolError(f"'{' '.join(argv)}' failed (status {proc.returncode}): "
                            f"{proc.stderr.strip()[-500:]}")
    still = [t.name for t in missing if not _present(t)]
    if still:
        raise ToolError(f"after installing {' '.join(packages)}, {', '.join(still)} is still missing.")


def build(repo: Path, targets: list[str], quiet: bool = True) -> None:
    """Build the targets with ninja (which does nothing when they are up to date)."""
    proc = subprocess.run(["ninja", "-C", str(repo), *targets], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise ToolError(f"the build failed (ninja -C {repo} {' '.join(targets)}); see the compiler output above.")
    if not quiet:
        sys.stdout.write(proc.stdout)
