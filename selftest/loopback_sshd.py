"""An ssh server of the selftest's own on the loopback address, for the
--target ssh:HOST steps: its host key, its one authorized key and its
configuration are in a directory of the step's, and it ends with the step.
The client options that reach it (port, key, known host) are what a run
is given with --ssh-option."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

from .plan import StepFailed

SSHD = Path("/usr/sbin/sshd")
LISTEN_WAIT_S = 20
PRIVILEGE_SEPARATION_DIR = Path("/run/sshd")    # Debian's sshd refuses to start without it


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "mapconf-selftest", "-f", str(path)],
                   check=True, stdin=subprocess.DEVNULL, capture_output=True)


@contextlib.contextmanager
def loopback_sshd(home: Path) -> Iterator[list[str]]:
    """Start sshd on 127.0.0.1 with its files in home; yields the ssh -o options that reach it."""
    if not SSHD.exists():
        raise StepFailed(f"{SSHD} is missing: install openssh-server (.ci/run does)")
    home.mkdir(mode=0o700)
    _keygen(home / "host_key")
    _keygen(home / "user_key")
    (home / "authorized_keys").write_text((home / "user_key.pub").read_text())
    port = _free_port()
    (home / "sshd_config").write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {home / 'host_key'}",
        f"AuthorizedKeysFile {home / 'authorized_keys'}", "PermitRootLogin prohibit-password",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no",
        "PidFile none", "LogLevel ERROR", "PrintMotd no", ""]))
    host_key = (home / "host_key.pub").read_text().split()
    (home / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    made_separation_dir = not PRIVILEGE_SEPARATION_DIR.exists()
    if made_separation_dir:
        PRIVILEGE_SEPARATION_DIR.mkdir(mode=0o755)
    server = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(home / "sshd_config")], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=open(home / "sshd.log", "wb"))
    try:
        deadline = time.monotonic() + LISTEN_WAIT_S
        while True:     # a bounded wait for a condition: sshd accepts connections
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                raise StepFailed(f"sshd did not listen on 127.0.0.1:{port}: {(home / 'sshd.log').read_text()[-300:]}")
            time.sleep(0.05)
        yield [f"Port={port}", f"IdentityFile={home / 'user_key'}", "IdentitiesOnly=yes",
               f"UserKnownHostsFile={home / 'known_hosts'}", "GlobalKnownHostsFile=/dev/null",
               "StrictHostKeyChecking=yes"]
    finally:
        server.kill()
        server.wait()
        if made_separation_dir:
            PRIVILEGE_SEPARATION_DIR.rmdir()
