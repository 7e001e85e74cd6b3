"""kernel: the cases run on a kernel of one's choice, booted under
qemu-system (./mapconf run --kernel IMAGE).

Each worker boots one virtual machine and runs case after case in it: the
guest's first process is targets/init/init.c, which becomes the case host
(case_host/case_host.c, pid 1 of the guest, so it owns everything there).
Nothing is installed in the guest and no kernel module is loaded: the
programs, their shared libraries and the init come in an initramfs the
runner writes (runner/initramfs.py), and requests, answers and each case's
files travel over the second serial port (the first is the console, kept
in a file). The runner's paths are translated to the guest's: the build
directory is /mapconf/build there, the run directory /mapconf/run.

TCG (qemu's own translator) unless KVM is shown to boot a guest: /dev/kvm
can exist and still hang a guest in its firmware, so KVM is tried once per
run, with a bound, before the first case.

A guest that panics, oopses (oops=panic), hangs or is lost is a result:
the case it was running is an ERROR that says which, with the end of the
console, and the next case gets a new guest (runner/case_host.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from .. import case_host, initramfs, kernels
from . import Platform, PlatformError, Tool, tool_version, which

QEMU = "qemu-system-x86_64"
REPO = Path(__file__).resolve().parents[2]
GUEST_BUILD = "/mapconf/build"     # targets/init/init.c runs the case host from there
GUEST_RUN = "/mapconf/run"
GUEST_SCRATCH = "guest"      # under the run's objects: the cases' scratch in the guest
GUEST_AGENTS = "/mapconf/agents"   # an agent build of its own (--platform i386|musl --kernel), beside the native one
# The agent builds a guest can run in place of the native one, each with its own test library
# (a 32-bit agent, or musl's dlopen, cannot load the native one): its ninja target is its name.
AGENT_BUILDS = {"i386": REPO / "build" / "i386", "musl": REPO / "build" / "musl"}
MEMORY_MB = 1024        # /dev/shm gets half: more than a case fills (vocabulary.SHM_ROOM_A_CASE_FILLS)
# console=ttyS0: the first serial port, kept in a file; panic=-1 with -no-reboot: a panic ends qemu;
# oops=panic: an oops is a broken kernel, not a killed case
# mapconf.guest: the mark of a guest (the one case that crashes a kernel on purpose looks for it)
COMMAND_LINE = "console=ttyS0 panic=-1 oops=panic rdinit=/init mapconf.guest"
KVM_PROBE_S = 30.0      # a guest that boots under KVM is ready in seconds; one that hangs never is
CONSOLE_LINES = 25      # what a broken case's evidence shows of the console


class KernelTarget(Platform):
    kind = "kernel"

    def __init__(self, options):
        super().__init__(options)
        if not options.kernel:
            raise PlatformError("--platform kernel boots the kernel that --kernel names; add --kernel IMAGE "
                                "(a bzImage, or debian:6.1).")
        try:
            self.kernel = kernels.resolve(options.kernel)
        except kernels.KernelError as error:
            raise PlatformError(str(error)) from None
        # --platform i386|musl --kernel: that agent (on the guest's compat system calls, or on musl), the
        # controllers native
        self.agents = options.agents if options.agents in AGENT_BUILDS else None
        self.id = options.platform_id or f"kernel-{self.kernel.release}" + (f"-{self.agents}" if self.agents else "") + \
            ("-asan" if options.sanitize else "")
        self.tools.append(Tool(QEMU, "qemu-system-x86"))
        self.accelerator = "tcg"
        self.accelerator_why = "not probed"
        self.boots: list[float] = []

    def build_targets(self) -> list[str]:
        return [self.variant, "build/native/init/mapconf-init"] + ([self.agents] if self.agents else [])

    def agent_argv(self, repo: Path) -> list[str]:
        return [str(AGENT_BUILDS[self.agents] / "agent" / "mapconf-agent")] if self.agents else \
            super().agent_argv(repo)

    def case_env(self) -> dict[str, str]:
        # The guest runs one case at a time: its /proc/meminfo is that case's figure alone.
        env = {"MAPCONF_MEMORY": "meminfo"}
        if self.agents:
            env["MAPCONF_TESTLIB"] = str(AGENT_BUILDS[self.agents] / "lib" / "libmapconf-testlib.so")
        return env

    def kernel_release(self) -> str:
        return self.kernel.release

    def machine_facts(self, env: dict[str, str]) -> dict[str, str]:
        """The guest's, whoever runs the runner, told by the first guest it boots
        (it then runs the first case): its case host is root there, /dev/shm a
        tmpfs of half its memory, each case's memory figure its own /proc/meminfo
        (so release is measured, as a memory cgroup would let it be), and its
        files on the initramfs (a filesystem in memory). A guest that does not
        come up: what it would have said, and each case says why it did not run."""
        try:
            return self.pool.start_one(env)
        except case_host.HostError:
            return {"euid": "0", "shm_free": str((MEMORY_MB << 20) // 2), "memory_cgroup": "1"}

    # --- the run ------------------------------------------------------------
    def start(self, run_dir) -> None:
        self.run_dir = run_dir
        self.home = run_dir.path / "vms"
        self.home.mkdir()
        self.initrd = self.home / "initramfs.gz"
        self._write_initramfs(self.initrd)
        self.accelerator, self.accelerator_why = self._probe_accelerator()
        self.pool = case_host.Pool(self.machine)

    def _write_initramfs(self, out: Path) -> None:
        build = self.build_dir(REPO)
        archive = initramfs.Archive()
        archive.file("/init", (REPO / "build" / "native" / "init" / "mapconf-init").read_bytes())
        for path in initramfs.programs_under(build):
            archive.program(path, GUEST_BUILD + "/" + path.relative_to(build).as_posix())
        agents = AGENT_BUILDS.get(self.agents)
        for path in initramfs.programs_under(agents) if agents else ():
            archive.program(path, GUEST_AGENTS + "/" + path.relative_to(agents).as_posix())
        # the cases' scratch, apart from the files the run made before it began (the case host
        # removes whatever of the run a case leaves there); as rundir.TRAVERSE_ONLY
        archive.directory(GUEST_RUN + "/objects", 0o711)
        archive.directory(GUEST_RUN + "/objects/" + GUEST_SCRATCH, 0o711)
        archive.directory("/tmp", 0o1777)
        archive.write(out)

    def translate(self) -> dict[str, str]:
        return {str(self.build_dir(REPO)): GUEST_BUILD, str(self.run_dir.path): GUEST_RUN,
                **({str(AGENT_BUILDS[self.agents]): GUEST_AGENTS} if self.agents else {})}

    def qemu_argv(self, accelerator: str, console: Path) -> list[str]:
        return [which(QEMU), "-nodefaults", "-display", "none", "-no-reboot",
                "-accel", accelerator, "-cpu", "host" if accelerator == "kvm" else "max",
                "-m", str(MEMORY_MB), "-smp", "1",
                "-kernel", str(self.kernel.boot), "-initrd", str(self.initrd), "-append", COMMAND_LINE,
                "-serial", f"file:{console}",
                # the channel: standard input and output, binary, and a ^C in a file is no signal
                "-chardev", "stdio,id=channel,signal=off", "-serial", "chardev:channel"]

    def machine(self, number: int, env: dict[str, str]) -> case_host.HostSpec:
        """How the guest of one worker boots, and what it is told once it is up."""
        home = self.home / str(number)
        home.mkdir(exist_ok=True)
        console, pidfile = home / "console.log", home / "qemu.pid"
        console.write_bytes(b"")        # a guest booted again: only its own console explains it
        booted = time.monotonic()
        env = dict(env, MAPCONF_SCRATCH=str(self.run_dir.objects / GUEST_SCRATCH))
        setup = [["env", *(f"{k}={v}" for k, v in guest_env(env).items())]]
        made = sorted(p for p in self.run_dir.objects.iterdir() if p.is_file())
        if made:
            setup.append(["make", str(made[0].stat().st_size), *map(str, made)])
        return case_host.HostSpec(
            # the run's id in qemu's environment: a killed run's guests are swept as its orphans (rundir.py)
            self.qemu_argv(self.accelerator, console) + ["-pidfile", str(pidfile)],
            dict(os.environ, MAPCONF_RUN_ID=self.run_dir.run_id), home / "qemu.log", lambda: [],
            send_files=True, translate=self.translate(), setup=setup, quits_at_end_of_input=False,
            explain=lambda: explain(console, pidfile), ready=lambda: self.boots.append(time.monotonic() - booted))

    def _probe_accelerator(self) -> tuple[str, str]:
        """kvm if /dev/kvm is there and a guest boots under it within KVM_PROBE_S; else tcg."""
        if not os.access("/dev/kvm", os.R_OK | os.W_OK):
            return "tcg", "no usable /dev/kvm"
        console = self.home / "kvm-probe.log"
        proc = subprocess.Popen(self.qemu_argv("kvm", console), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, start_new_session=True,
                                env=dict(os.environ, MAPCONF_RUN_ID=self.run_dir.run_id))
        try:
            ready = case_host.first_line(proc, KVM_PROBE_S).startswith(b"ready")
        finally:
            proc.kill()
            proc.wait()
            proc.stdin.close()
            proc.stdout.close()
        if ready:
            return "kvm", "a guest booted under KVM"
        return "tcg", f"a guest under KVM did not become ready (bound: {KVM_PROBE_S:g} s)"

    def runtime(self) -> str:
        return f"{tool_version([which(QEMU), '--version'])} ({self.accelerator.upper()})"

    def version(self):
        return None       # no spec table range is about qemu-system's version

    def vm(self) -> dict:
        boots = sorted(self.boots)
        info = dict(self.kernel.describe(), kind="qemu-system", accelerator=self.accelerator,
                    accelerator_why=self.accelerator_why, command_line=COMMAND_LINE,
                    memory_mb=MEMORY_MB, boots=len(boots))
        if boots:
            info["boot_s"] = round(boots[len(boots) // 2], 2)
        return info


def guest_env(env: dict[str, str]) -> dict[str, str]:
    """What of the cases' environment the guest gets: the run's own variables
    (the runner's PATH, HOME or LD_PRELOAD mean nothing there)."""
    guest = {"PATH": "/usr/bin:/bin", "HOME": "/", "LANG": "C"}
    guest.update({k: v for k, v in env.items() if k.startswith("MAPCONF_")})
    return guest


PANIC = re.compile(r"Kernel panic - not syncing: .*")
OOPS = re.compile(r"(?:Oops: |BUG: |general protection fault|WARNING: CPU: ).*")


def explain(console: Path, pidfile: Path) -> str:
    """Why a guest broke: a kernel panic or oops (the console's line that
    says so, and the console from there), else a target hang (qemu still
    runs, the guest answers nothing) or a target lost (qemu ended, the
    kernel said nothing of why), with the console's end."""
    try:
        lines = [line.rstrip() for line in console.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    said = next(((i, m.group(0).strip()) for i, line in enumerate(lines)
                 for m in [PANIC.search(line) or OOPS.search(line)] if m), None)
    if said:
        first, what = said
        reason = f"kernel {'panic' if what.startswith('Kernel panic') else 'oops'}: {what}"
        excerpt = lines[max(0, first - 3):first + CONSOLE_LINES - 3]
    else:
        reason = "target hang: the guest answers nothing" if _running(pidfile) else \
            "target lost: the virtual machine ended, and its kernel said nothing of why"
        excerpt = lines[-CONSOLE_LINES:]
    return f"{reason}; the console:\n" + "\n".join(excerpt)


def _running(pidfile: Path) -> bool:
    """Whether the qemu of that pid file still runs (qemu removes the file when it ends)."""
    try:
        pid = int(pidfile.read_text().strip())
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, ValueError, IndexError):
        return False
    return state not in ("Z", "X")


PLATFORM = KernelTarget
