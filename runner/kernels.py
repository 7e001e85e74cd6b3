"""Kernel images for --kernel: a file, or a Debian package taken apart.

`--kernel PATH` names a bzImage (a vmlinuz of a distribution, or
arch/x86/boot/bzImage of one's own build). `--kernel debian:PACKAGE` names a
Debian kernel package (linux-image-6.1.0-57-amd64-unsigned), fetched with
`apt-get download` and taken apart with `dpkg-deb` into a cache, never
installed: only its boot/vmlinuz-* is kept. `debian:6.1` and `debian:6.1-rt`
are the current 6.1 kernel of the archive and its PREEMPT_RT flavour (what
linux-image-amd64 and linux-image-rt-amd64 depend on).

What a report says of the kernel is read from the image itself: the x86
boot header (Documentation/arch/x86/boot.rst) points at the version string
that `uname -rv` would print.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import cache, pvh

DEBIAN = "debian:"
# The shorthands: the metapackage whose dependency is the current kernel of that flavour.
DEBIAN_CURRENT = {"6.1": "linux-image-amd64", "6.1-rt": "linux-image-rt-amd64"}
PACKAGE_FORM = re.compile(r"linux-image-[0-9][0-9a-z.+~-]*")
HEADER_MAGIC = b"HdrS"
# What a guest needs built in (=y), since it loads no module: the initramfs (gzip'd), the
# filesystems the init mounts, the serial ports, and what the cases and BRK-011 use.
NEEDED_CONFIG = ("BLK_DEV_INITRD", "RD_GZIP", "DEVTMPFS", "TMPFS", "PROC_FS", "SYSFS", "SERIAL_8250",
                 "SERIAL_8250_CONSOLE", "SYSVIPC", "MEMFD_CREATE", "SHMEM", "MAGIC_SYSRQ")
APT_S = 600


class KernelError(Exception):
    """The kernel image cannot be found, fetched or read (exit 2)."""


@dataclass(frozen=True)
class Kernel:
    image: Path
    release: str           # 6.1.0-57-amd64
    version: str           # #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-...)
    sha256: str
    package: str | None = None          # the Debian package and its version, if it came from one
    unpacked: Path | None = None        # its vmlinux, booted through its PVH entry (runner/pvh.py)

    @property
    def boot(self) -> Path:
        """What qemu's -kernel gets."""
        return self.unpacked or self.image

    def describe(self) -> dict:
        """What run_info says of it."""
        info = {"image": str(self.image), "release": self.release, "version": self.version,
                "sha256": self.sha256,
                "entry": f"pvh ({self.unpacked}, unpacked from the image)" if self.unpacked else "bzimage"}
        if self.package:
            info["package"] = self.package
        return info


def resolve(spec: str, say=print) -> Kernel:
    """The kernel --kernel names (a path, or debian:PACKAGE, debian:6.1, debian:6.1-rt)."""
    if spec.startswith(DEBIAN):
        image, package = debian_image(spec[len(DEBIAN):], say)
        return read(image, package)
    path = Path(spec)
    if not path.is_file():
        raise KernelError(f"--kernel {spec}: no such file; name a bzImage (vmlinuz) or debian:PACKAGE "
                          f"(e.g. debian:6.1 or debian:linux-image-6.1.0-57-amd64-unsigned).")
    return read(path.resolve(), None)


def read(image: Path, package: str | None) -> Kernel:
    data = image.read_bytes()
    if data[0x202:0x206] != HEADER_MAGIC:
        raise KernelError(f"--kernel {image}: not an x86 bzImage (no boot header); name the vmlinuz or "
                          f"arch/x86/boot/bzImage of a kernel build.")
    pointer = int.from_bytes(data[0x20E:0x210], "little") + 0x200
    text = data[pointer:pointer + 256].split(b"\0")[0].decode(errors="replace")
    release, _, version = text.partition(" ")
    # "6.1.0-57-amd64 (debian-kernel@...) #1 SMP ...": uname -v starts at the '#'
    version = version[version.find("#"):] if "#" in version else version
    sha256 = hashlib.sha256(data).hexdigest()
    kernel = Kernel(image, release, version, sha256, package, pvh.bootable(image, sha256, cache_dir()))
    check_config(kernel)
    return kernel


def config_beside(image: Path, release: str) -> Path | None:
    """The kernel's configuration where it lies beside the image: boot/config-RELEASE
    (a distribution's layout), or the .config of the build tree of arch/x86/boot/bzImage."""
    for candidate in (image.parent / f"config-{release}",
                      image.parents[3] / ".config" if image.parts[-4:-1] == ("arch", "x86", "boot") else None):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def check_config(kernel: Kernel) -> None:
    """Refuse a kernel whose configuration, where one is found, lacks what a guest needs built in."""
    config = config_beside(kernel.image, kernel.release)
    if config is None:
        return
    built_in = {line.partition("=")[0][len("CONFIG_"):] for line in config.read_text(errors="replace").splitlines()
                if line.startswith("CONFIG_") and line.endswith("=y")}
    missing = [name for name in NEEDED_CONFIG if name not in built_in]
    if missing:
        raise KernelError(f"--kernel {kernel.image}: its configuration ({config}) does not build in "
                          f"{', '.join('CONFIG_' + m for m in missing)}, which a guest needs without modules; "
                          f"set them to y and build it again.")


def cache_dir() -> Path:
    return cache.cache_dir("kernels")


def debian_image(name: str, say) -> tuple[Path, str]:
    """The vmlinuz of a Debian kernel package (fetched and taken apart once,
    then kept in the cache), and "PACKAGE VERSION"."""
    package = current_package(DEBIAN_CURRENT[name]) if name in DEBIAN_CURRENT else name
    if not PACKAGE_FORM.fullmatch(package):
        raise KernelError(f"--kernel debian:{name}: not a Debian kernel package name; use debian:6.1, "
                          f"debian:6.1-rt or debian:linux-image-<abi>-<flavour>-unsigned.")
    version = _apt(["apt-cache", "show", "--no-all-versions", package], f"debian:{name}")
    version = next((line.split(":", 1)[1].strip() for line in version.splitlines()
                    if line.startswith("Version:")), None)
    if version is None:
        raise KernelError(f"--kernel debian:{name}: apt knows no version of {package}.")
    home = cache_dir() / f"{package}_{version}"
    images = sorted(home.glob("boot/vmlinuz-*"))
    if not images:
        say(f"mapconf: fetching {package} {version} with apt-get download (into {home}, not installed)")
        _unpack(package, home, f"debian:{name}")
        images = sorted(home.glob("boot/vmlinuz-*"))
        if not images:
            raise KernelError(f"--kernel debian:{name}: {package} {version} holds no boot/vmlinuz-*.")
    return images[0], f"{package} {version}"


def current_package(meta: str) -> str:
    """The -unsigned image package that a metapackage (linux-image-amd64) depends on now."""
    out = _apt(["apt-cache", "depends", meta], f"debian:{meta}")
    for line in out.splitlines():
        key, _, value = line.strip().partition(": ")
        if key == "Depends" and value.startswith("linux-image-"):
            return value + "-unsigned"
    raise KernelError(f"apt-cache depends {meta} names no kernel; run 'apt-get update' first.")


def _apt(argv: list[str], what: str) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=APT_S)
    except (OSError, subprocess.SubprocessError) as error:
        raise KernelError(f"--kernel {what}: {argv[0]} failed ({error}); it needs Debian's apt.") from None
    if proc.returncode != 0:
        raise KernelError(f"--kernel {what}: {' '.join(argv)} failed: {proc.stderr.strip()[:300]}")
    return proc.stdout


def _unpack(package: str, home: Path, what: str) -> None:
    """apt-get download the package into a scratch directory, and keep only its boot/ (the
    modules, most of its size, are never needed: a guest loads none)."""
    home.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=home.parent) as scratch:
        # apt's download user must be able to write there
        os.chmod(scratch, 0o777)
        proc = subprocess.run(["apt-get", "download", package], cwd=scratch, capture_output=True,
                              text=True, timeout=APT_S)
        debs = list(Path(scratch).glob("*.deb"))
        if proc.returncode != 0 or not debs:
            raise KernelError(f"--kernel {what}: apt-get download {package} failed: "
                              f"{proc.stderr.strip()[:300]}")
        staged = Path(scratch) / "unpacked"
        with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(debs[0])], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) as tar:
            try:       # a stream: the archive is read once, and never held whole
                with tarfile.open(fileobj=tar.stdout, mode="r|") as archive:
                    for member in archive:
                        if member.isfile() and member.name.lstrip("./").startswith("boot/"):
                            archive.extract(member, staged, filter="data")
            except tarfile.TarError as error:
                raise KernelError(f"--kernel {what}: cannot read {debs[0].name} ({error}): "
                                  f"{tar.stderr.read().decode(errors='replace').strip()[:300]}") from None
        shutil.rmtree(home, ignore_errors=True)
        os.replace(staged, home)     # whole or not at all: a second run never sees half of it
