"""--target ssh:HOST: the cases run on another machine, reached with the
system's ssh client, and the runner judges what comes back.

At the run's start the platform's build (its cases, agents and case host:
the target needs no Python and no compiler, only a shell and tar) is
copied with tar over ssh into a directory the target makes for the run,
/tmp/mapconf-target-<run id>. Each worker then keeps one ssh session whose
remote command is the case host (case_host/case_host.c, --send-files): the
runner's paths are translated to the target's, the run's environment and
the files it makes before it begins are sent as requests, and each case's
record, transcript and output come back after its answer. The case host
owns what each case leaves on the target (its descendants, the objects
named for the case) and removes it. At the run's end the sessions close
and the directory is removed.

A runner that is killed cannot remove it: so one more session holds the
directory's lock for the run's life (mapconf-case-host --hold, which ends
with its session however the runner ends), and each run, once its own
directory is held, sweeps those of this user's runs on the target that are
gone, and ends the processes they left (--sweep, case_host/run_directory.c):
never a live run's, whichever machine it runs from.

ssh runs in batch mode, so it never asks for a password: a key (or an
agent) must let it in, as the user's own ssh configuration says;
--ssh-option adds `-o` options (a port, a key, a known-hosts file).
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
from pathlib import Path

from . import case_host, filesystems, initramfs
from .platforms import PlatformError, Tool

SSH_TIMEOUT_S = 120          # one copy or one command; a case's own bound is the case host's
REMOTE_PREFIX = "/tmp/mapconf-target-"      # and the run's id
# A directory with no lock yet is a run's between its mkdir and its holder's start, a time the copy's
# bound and the holder's start bound; one older than twice that was made by a run killed meanwhile.
UNLOCKED_S = 2 * (SSH_TIMEOUT_S + int(case_host.READY_S))
BATCH = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=20", "-o", "ServerAliveInterval=15"]
TARGET_FORM = re.compile(r"ssh:([^\s/-][^\s/]*)")     # never an ssh option ("-o...")
TOOLS = [Tool("ssh", "openssh-client")]
# the platforms whose whole build (controllers and agent in one directory) is what the target gets; musl
# and i386 keep their agent in a build of its own, which is not carried yet
PLATFORMS = ("native",)


class TargetError(PlatformError):
    """A target that cannot be used: one sentence, exit code 2."""


class SshTarget:
    def __init__(self, spec: str, options: list[str]):
        match = TARGET_FORM.fullmatch(spec)
        if not match:
            raise TargetError(f"--target {spec!r} is not a target mapconf knows; write ssh:HOST or "
                              "ssh:USER@HOST (a name ssh's configuration may define).")
        self.host = match.group(1)
        self.ssh = ["ssh", *BATCH, *(arg for option in options for arg in ("-o", option)), self.host]
        self.remote: str | None = None
        self.holder: subprocess.Popen | None = None     # the session that holds the run's directory
        self.pool: case_host.Pool | None = None
        self.swept: list[str] = []               # what runs that are gone had left there
        self.ignored: list[str] = []             # what the sweep found and left alone
        self.facts: dict[str, str] = {}          # for run_info: kernel, arch, os, libc
        self.host_facts: dict[str, str] = {}     # the case host's: euid, shm_free, memory_cgroup

    @property
    def name(self) -> str:
        return f"ssh:{self.host}"

    def command(self, script: str, stdin: bytes = b"") -> str:
        """Run a shell command on the target; its output, or TargetError with what it said."""
        try:
            proc = subprocess.run([*self.ssh, script], input=stdin, capture_output=True, timeout=SSH_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise TargetError(f"ssh to {self.host} did not finish within {SSH_TIMEOUT_S} s ({script[:80]})") from None
        if proc.returncode != 0:
            said = proc.stderr.decode(errors="replace").strip().replace("\n", " ")[-300:]
            raise TargetError(f"ssh to {self.host} failed with status {proc.returncode} ({script[:80]}): {said}; "
                              "the target must let this user in without a password (a key or an agent).")
        return proc.stdout.decode(errors="replace")

    def case_env(self) -> dict[str, str]:
        # The runner's cgroups are on its own machine: the case host makes
        # each case's on the target (case_host/memory_cgroup.h).
        return {"MAPCONF_MEMORY": "host-cgroup"}

    def start(self, run_dir, build_dir: Path, env: dict[str, str], made_before: list[str]) -> None:
        """Copy the build, and make a pool of case hosts, one ssh session each."""
        self.remote = f"{REMOTE_PREFIX}{run_dir.run_id}"
        said = self.command("uname -sr; uname -m; (. /etc/os-release && echo \"$PRETTY_NAME\") || uname -s; "
                            "getconf GNU_LIBC_VERSION 2>/dev/null || echo unknown").strip().splitlines()
        self.facts = dict(zip(("kernel", "arch", "os", "libc"), said))
        self.command(f"umask 022 && mkdir -m 0711 {self.remote} {self.remote}/build {self.remote}/run "
                     f"&& tar -x -C {self.remote}/build", stdin=_tar_of(build_dir))
        host = f"{self.remote}/build/case-host/mapconf-case-host"
        self._hold(host, run_dir.path / "ssh-hold.log")
        self._sweep(host)
        translate = {str(build_dir): f"{self.remote}/build", str(run_dir.path): f"{self.remote}/run"}
        env = dict(env, **self.case_env())
        wanted = {k: v for k, v in env.items() if k.startswith("MAPCONF_") or k in ("PATH", "LANG")}
        # the run's directory there: a run of mapconf on that machine takes the case's
        # processes for its own run's (runner/rundir.py, kill_orphans), not for orphans
        wanted["TMPDIR"] = str(run_dir.path)
        setup = [["env", *(f"{k}={v}" for k, v in wanted.items())]]
        if made_before:
            setup.append(["make", str(filesystems.MADE_BEFORE_BYTES),
                          *(str(run_dir.objects / name) for name in made_before)])

        def spec(number: int, _env: dict[str, str]) -> case_host.HostSpec:
            return case_host.HostSpec([*self.ssh, f"exec {host} --send-files"], {}, run_dir.path / f"ssh-{number}.log",
                                      lambda: [], send_files=True, translate=translate, setup=setup)
        self.pool = case_host.Pool(spec)
        try:
            self.host_facts = self.pool.start_one()     # the run's conditions are the target's
        except case_host.HostError as error:
            raise TargetError(f"the case host did not start on {self.host}: {error}") from None

    def _hold(self, host: str, log: Path) -> None:
        """Start the session that holds the run's directory until the run ends."""
        with open(log, "ab") as err:
            self.holder = subprocess.Popen([*self.ssh, f"exec {host} --hold {self.remote}"], stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, stderr=err, start_new_session=True)
        if not case_host.first_line(self.holder, case_host.READY_S).startswith(b"held"):
            said = log.read_text(errors="replace").strip()[-300:]
            raise TargetError(f"the run's directory on {self.host} could not be held: {said or 'no answer'}")

    def _sweep(self, host: str) -> None:
        """Remove what runs of this user that are gone left on the target."""
        said = self.command(f"{host} --sweep {REMOTE_PREFIX} {UNLOCKED_S}").splitlines()
        if said[-1:] != ["swept"]:
            raise TargetError(f"the sweep of {REMOTE_PREFIX}* on {self.host} did not finish: {said[-3:]}")
        self.swept = [line[len("removed "):] for line in said if line.startswith("removed ")]
        self.ignored = [line[len("left "):] for line in said if line.startswith("left ")]

    def stop(self) -> list[str]:
        """End the sessions and remove the run's directory there; what could not be."""
        left = self.pool.close() if self.pool else []
        self.pool = None
        if self.remote:
            try:
                self.command(f"rm -rf {self.remote}")
            except TargetError as error:      # the results stand; the directory is said to be left
                left.append(f"{self.remote} on {self.host}: {error}")
            self.remote = None
        if self.holder:     # the end of its input lets the lock go
            self.holder.stdin.close()
            try:
                self.holder.wait(timeout=SSH_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.holder.kill()
                self.holder.wait()
            self.holder.stdout.close()
            self.holder = None
        return left


def _tar_of(directory: Path) -> bytes:
    """The build's programs and libraries as a tar stream, with their modes
    (what a guest's initramfs carries of it too)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in initramfs.programs_under(directory):
            tar.add(path, arcname=str(path.relative_to(directory)), recursive=False)
    return buffer.getvalue()
