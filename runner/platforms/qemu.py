"""qemu-<arch>: the agent and the test library are cross-built for another
architecture and run under qemu-user, started from the native controller.
One module for the whole family: the kinds differ only in the facts of
their architecture (ARCHES), each built by ninja/qemu-<arch>.ninja into
build/qemu-<arch>/.

Without binfmt_misc the kernel cannot run a foreign program by itself, so
everything an agent starts goes through qemu explicitly: the agent's `exec`
verb re-runs the agent's own command line (MAPCONF_AGENT_ARGV, which starts
with qemu), and `fork` is qemu's emulated fork of the running agent.

The architectures are chosen to differ where a mapping suite can trip:
32-bit pointers and off_t (arm, i386), big-endian memory (s390x), page
sizes and memory models other than x86's (aarch64, ppc64el, riscv64), and
an ABI whose flag and errno numbers differ from everyone else's (mips64el).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import Platform, Tool, tool_version, which

BUILD = Path(__file__).resolve().parents[2] / "build"


@dataclass(frozen=True)
class Arch:
    name: str        # the kind is qemu-<name> (Debian's name of the architecture)
    qemu: str        # qemu-user's name of it: the emulator is qemu-<qemu>-static
    triplet: str     # the cross compiler's prefix, and its sysroot /usr/<triplet>
    libc_dev: str    # the Debian package of that sysroot

    @property
    def emulator(self) -> str:
        return f"qemu-{self.qemu}-static"

    @property
    def sysroot(self) -> str:
        return f"/usr/{self.triplet}"


ARCHES = {arch.name: arch for arch in (
    Arch("aarch64", "aarch64", "aarch64-linux-gnu", "libc6-dev-arm64-cross"),
    Arch("arm", "arm", "arm-linux-gnueabihf", "libc6-dev-armhf-cross"),
    Arch("i386", "i386", "i686-linux-gnu", "libc6-dev-i386-cross"),
    Arch("riscv64", "riscv64", "riscv64-linux-gnu", "libc6-dev-riscv64-cross"),
    Arch("s390x", "s390x", "s390x-linux-gnu", "libc6-dev-s390x-cross"),
    Arch("ppc64el", "ppc64le", "powerpc64le-linux-gnu", "libc6-dev-ppc64el-cross"),
    Arch("mips64el", "mips64el", "mips64el-linux-gnuabi64", "libc6-dev-mips64el-cross"),
)}


class Qemu(Platform):
    """What every qemu-<arch> does; a subclass per architecture sets kind and arch."""
    arch: Arch

    def __init__(self, options):
        super().__init__(options)
        self.tools += [
            Tool(self.arch.emulator, "qemu-user-static"),
            Tool(f"{self.arch.triplet}-gcc", f"gcc-{self.arch.triplet}"),
            Tool(f"{self.arch.sysroot}/include/stdio.h", self.arch.libc_dev),
        ]
        # the cross-built test library, not the one beside the controller
        self.agent_env.setdefault("MAPCONF_TESTLIB", str(self.cross_build() / "lib" / "libmapconf-testlib.so"))

    def cross_build(self) -> Path:
        return BUILD / self.kind

    def build_targets(self) -> list[str]:
        return [self.variant, self.kind]

    def agent_argv(self, repo: Path) -> list[str]:
        # -L makes qemu look for the guest's files in the sysroot first, but the
        # sysroot has no ld.so.cache, so the guest's loader reads the host's: on a
        # host with that architecture's own libc (i386 beside wine32) it loaded
        # the host's libc.so.6 with the sysroot's ld.so, and the mismatched pair
        # made a forked child spin forever. The sysroot's own libraries come first.
        return [which(self.arch.emulator), "-L", self.arch.sysroot,
                "-E", f"LD_LIBRARY_PATH={self.arch.sysroot}/lib",
                str(self.cross_build() / "agent" / "mapconf-agent")]

    def runtime(self) -> str:
        return tool_version([self.arch.emulator, "--version"])


KINDS = {f"qemu-{arch.name}": type(f"Qemu_{arch.name}", (Qemu,), {"kind": f"qemu-{arch.name}", "arch": arch})
         for arch in ARCHES.values()}


def platform(kind: str) -> type[Platform]:
    """The class of one qemu-<arch> kind."""
    return KINDS[kind]
