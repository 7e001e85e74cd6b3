"""Sources taken from Debian's own source packages, for what Debian builds
for Linux only: cmocka for the Win32 unit tests (ninja/win32_tests.ninja).

`apt-get source` fetches the package (its .dsc and tarballs) and unpacks
it with Debian's patches applied, once per version, into a cache
(${XDG_CACHE_HOME:-~/.cache}/mapconf/debian-source/PACKAGE_VERSION/);
the build then gets a copy of the files it compiles, and a line naming the
package, its version and the .dsc's SHA-256, which the build reports. It
needs a deb-src line in apt's sources (.ci/run adds one) and dpkg-source
(dpkg-dev); without them it says so in one sentence and exits 2.

    python3 -m runner.debian_source PACKAGE DEST FILE...
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import cache

APT_S = 600
# the line the build reports, beside the copied files
VERSION_FILE = "debian-source.txt"


class SourceError(Exception):
    """The source package cannot be found or fetched (exit 2)."""


def cache_dir() -> Path:
    return cache.cache_dir("debian-source")


def candidate_version(package: str) -> str:
    """The version `apt-get source` fetches: the newest the deb-src lines offer."""
    proc = _run(["apt-cache", "showsrc", "--only-source", package], package)
    versions = [line.split(":", 1)[1].strip() for line in proc.stdout.splitlines() if line.startswith("Version:")]
    if proc.returncode != 0 or not versions:
        raise SourceError(f"apt knows no source package {package}: add a deb-src line for this release to apt's "
                          f"sources (as .ci/run does) and run 'apt-get update', as root.")
    newest = versions[0]
    for version in versions[1:]:
        if subprocess.run(["dpkg", "--compare-versions", version, "gt", newest]).returncode == 0:
            newest = version
    return newest


def unpacked(package: str) -> tuple[Path, str]:
    """The unpacked source tree of the package's current version (fetched once,
    then kept in the cache), and "PACKAGE VERSION (FILE.dsc sha256 HASH)"."""
    if shutil.which("dpkg-source") is None:
        raise SourceError(f"unpacking {package}'s Debian source needs dpkg-source; install it with: "
                          f"sudo apt-get install dpkg-dev")
    version = candidate_version(package)
    home = cache_dir() / f"{package}_{version}"
    if not home.is_dir():
        print(f"mapconf: fetching {package} {version} with apt-get source (into {home})", file=sys.stderr, flush=True)
        _fetch(package, version, home)
    dsc = next(home.glob("*.dsc"))
    tree = next(p for p in home.iterdir() if p.is_dir())
    return tree, f"{package} {version} ({dsc.name} sha256 {hashlib.sha256(dsc.read_bytes()).hexdigest()})"


def _fetch(package: str, version: str, home: Path) -> None:
    home.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=home.parent) as scratch:
        # apt's download user must be able to write there
        os.chmod(scratch, 0o777)
        staged = Path(scratch) / "staged"
        staged.mkdir()
        os.chmod(staged, 0o777)
        proc = _run(["apt-get", "source", f"{package}={version}"], package, cwd=staged)
        if proc.returncode != 0 or not list(staged.glob("*.dsc")):
            raise SourceError(f"'apt-get source {package}={version}' failed: {proc.stderr.strip()[-300:]}")
        shutil.rmtree(home, ignore_errors=True)
        os.chmod(staged, 0o755)
        os.replace(staged, home)     # whole or not at all: a second build never sees half of it


def _run(argv: list[str], package: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=APT_S,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as error:
        raise SourceError(f"{argv[0]} failed for {package} ({error}); fetching a source package needs "
                          f"Debian's apt.") from None


def copy_into(package: str, dest: Path, files: list[str]) -> str:
    """Copy the files (relative to the source tree) into dest, beside a line
    naming the package's version; returns that line."""
    tree, described = unpacked(package)
    missing = [f for f in files if not (tree / f).is_file()]
    if missing:
        raise SourceError(f"{package}'s source ({tree}) has no {', '.join(missing)}; the build expects "
                          f"another version of it.")
    for name in files:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        # a fresh copy (new mtime), so that the build sees it as newer than what made it
        shutil.copyfile(tree / name, dest / name)
    (dest / VERSION_FILE).write_text(described + "\n")
    return described


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("usage: python3 -m runner.debian_source PACKAGE DEST FILE...", file=sys.stderr)
        return 2
    try:
        print(copy_into(argv[0], Path(argv[1]), argv[2:]))
    except SourceError as error:
        print(f"mapconf: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
