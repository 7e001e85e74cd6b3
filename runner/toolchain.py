"""Making sure the tools are there and the programs are built.

On Debian or Ubuntu as root, missing packages are installed with apt-get
(and the runner says so); anywhere else the runner prints the exact command
to run and stops with exit code 2. A package of another architecture
(wine32:i386 on amd64) first has that architecture enabled (multiarch).
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


# Several runs (the selftest's side by side, other jobs) may each install what
# they lack at once: apt-get waits for the package lock rather than failing.
APT_LOCK_WAIT_S = 600
APT_GET = ["apt-get", "-o", f"DPkg::Lock::Timeout={APT_LOCK_WAIT_S}"]


def _can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def ensure_tools(tools: list[Tool], say=print) -> None:
    missing = [t for t in tools if not _present(t)]
    if not missing:
        return
    packages = sorted({t.package for t in missing})
    names = ", ".join(t.name for t in missing)
    if not _can_install():
        enable = "".join(f"sudo dpkg --add-architecture {arch} && " for arch in _foreign_architectures(packages))
        update = "sudo apt-get update && " if enable else ""
        raise ToolError(f"mapconf needs {names}; install them with: "
                        f"{enable}{update}sudo apt-get install {' '.join(packages)}")
    say(f"mapconf: installing {' '.join(packages)} with apt-get (needed: {names})")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    enabled = _foreign_architectures(packages)
    for arch in enabled:
        say(f"mapconf: enabling the {arch} architecture (multiarch) for {' '.join(packages)}")
        _apt(["dpkg", "--add-architecture", arch], env)
    # A failed update (one index of one architecture that would not download)
    # need not stop the install: what it needs may be in the indexes that came.
    updated = _apt([*APT_GET, "update", "-qq"], env, fatal=False)
    install = [*APT_GET, "install", "-y", "-qq", "--no-install-recommends", *packages]
    installed = _apt(install, env, fatal=False)
    if installed is not None:
        # An architecture enabled for nothing would be left behind, and an index of
        # it that will not download makes every later 'apt-get update' fail.
        for arch in enabled:
            _apt(["dpkg", "--remove-architecture", arch], env, fatal=False)
        if enabled:
            _apt([*APT_GET, "update", "-qq"], env, fatal=False)
        undone = f"; the {', '.join(enabled)} architecture it enabled is disabled again" if enabled else ""
        raise ToolError(f"'{' '.join(install)}' failed: {installed}"
                        + (f"; before it, 'apt-get update' failed: {updated}" if updated else "") + undone)
    still = [t.name for t in missing if not _present(t)]
    if still:
        raise ToolError(f"after installing {' '.join(packages)}, {', '.join(still)} is still missing.")


def _foreign_architectures(packages: list[str]) -> list[str]:
    """The architectures named by packages like wine32:i386 that dpkg does not
    have yet: multiarch must be enabled for them before apt-get sees them."""
    wanted = {p.partition(":")[2] for p in packages if ":" in p}
    if not wanted or shutil.which("dpkg") is None:
        return []
    native = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.split()
    foreign = subprocess.run(["dpkg", "--print-foreign-architectures"], capture_output=True, text=True).stdout.split()
    return sorted(wanted - set(native) - set(foreign))


def _apt(argv: list[str], env: dict[str, str], fatal: bool = True) -> str | None:
    """Run a package command; None if it succeeded, else what went wrong
    (raised as a ToolError when fatal)."""
    proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if proc.returncode == 0:
        return None
    problem = f"status {proc.returncode}: {proc.stderr.strip()[-500:]}"
    if fatal:
        raise ToolError(f"'{' '.join(argv)}' failed ({problem})")
    return problem


def build(repo: Path, targets: list[str], quiet: bool = True) -> None:
    """Build the targets with ninja (which does nothing when they are up to date)."""
    proc = subprocess.run(["ninja", "-C", str(repo), *targets], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise ToolError(f"the build failed (ninja -C {repo} {' '.join(targets)}); see the compiler output above.")
    if not quiet:
        sys.stdout.write(proc.stdout)
