"""What the selftest's own runs made, and whether any of it is left.

The selftest shares its machine with other runs of mapconf (other CI jobs,
a developer's loop), so it looks only at what its own runs made:

- its runs live under temporary directories of its own (TMPDIR, so their
  run roots are private): run directories, scratch files, mounts and loop
  devices of --filesystem, Wine's server directory;
- their shared-memory objects, memory cgroups and processes carry their run
  ids (run_info's run_id of each results.json, and the ids of runs a step
  kills or opens itself) or, for reproducers, the pids the selftest started
  them with; every process of theirs has the selftest's TMPDIR in its
  environment, or the run's directory on its command line (a sandbox);
- SysV segments carry no run id (their keys are made from names): as root
  the selftest works in an IPC namespace of its own, so every segment it
  sees is its own; otherwise it looks only at segments of its own user;
- the machine's huge page pool is read under the lock that every case
  using it holds (runner/huge_pages.py), so no other run's reservation is
  counted.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import tempfile
import threading
from pathlib import Path

from runner import huge_pages, memcg, processes, rundir

CLONE_NEWIPC = 0x08000000
SYSV_KEY_TOP = 0x4D      # the top byte of every SysV key of the suite (mc_sysv_key)


def private_ipc() -> bool:
    """As root, move this process (and what it starts from now on) into an
    IPC namespace of its own; True if it did. Done before any thread starts."""
    if os.geteuid() != 0:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.unshare(CLONE_NEWIPC) == 0


class OwnRuns:
    def __init__(self, root: Path):
        self.root = root                    # every temporary directory of the selftest is below it
        root.chmod(rundir.TRAVERSE_ONLY)    # as a run's own directories: a sandbox reaches below as another user
        self.ipc_private = private_ipc()
        self._lock = threading.Lock()
        self._run_ids: set[str] = set()
        self._repro_pids: set[int] = set()
        self._made = 0
        self.tmpdir = self.new_tmpdir()
        os.environ["TMPDIR"] = str(self.tmpdir)   # for every run, and for what this process makes
        tempfile.tempdir = None

    def new_tmpdir(self) -> Path:
        """A TMPDIR of its own for a step whose runs must not meet the others'
        (a killed run is swept by the next run in the same TMPDIR)."""
        with self._lock:
            self._made += 1
            path = self.root / f"tmp-{self._made}"
        path.mkdir(parents=True)
        path.chmod(rundir.TRAVERSE_ONLY)
        return path

    def add_run(self, run_id: str) -> None:
        with self._lock:
            self._run_ids.add(run_id)

    def add_reproducer(self, pid: int) -> None:
        with self._lock:
            self._repro_pids.add(pid)

    def run_ids(self) -> set[str]:
        """The ids of every run the selftest made: those named to it, and those its results name."""
        found = set()
        for path in self.root.rglob("results.json"):
            try:
                found.add(json.loads(path.read_text())["run_info"]["run_id"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
        with self._lock:
            return found | self._run_ids

    def owns_process(self, p: processes.Process) -> bool:
        marker = str(self.root).encode()
        return any(marker in v for v in p.environ() if v.startswith(b"TMPDIR=")) or marker in p.cmdline()

    # ---- what is left --------------------------------------------------

    def objects(self) -> list[str]:
        names = [f"mapconf-{i}-*" for i in self.run_ids()]
        with self._lock:
            names += [f"mapconf-repro{pid}-*" for pid in self._repro_pids]
        return sorted({str(p) for pattern in names for p in rundir.SHM_DIR.glob(pattern)})

    def run_directories(self) -> list[str]:
        return sorted(str(p) for p in self.root.glob(f"tmp-*/mapconf-{os.getuid()}/runs/*"))

    def sysv_segments(self) -> list[str]:
        left = []
        for line in Path("/proc/sysvipc/shm").read_text().splitlines()[1:]:
            fields = line.split()
            key, cuid = int(fields[0]) & 0xFFFFFFFF, int(fields[9])
            if key >> 24 == SYSV_KEY_TOP and (self.ipc_private or cuid == os.getuid()):
                left.append(f"SysV segment key 0x{key:08x}")
        return left

    def live_processes(self) -> list[str]:
        return [f"process {p.pid} ({p.name})" for p in processes.others()
                if p.state != "Z" and self.owns_process(p)]

    def memory_cgroups(self) -> list[str]:
        ours = {f"{memcg.PREFIX}{i}" for i in self.run_ids()}
        with self._lock:
            ours |= {f"{memcg.PREFIX}repro-{pid}" for pid in self._repro_pids}
        ours.add(f"{memcg.PREFIX}delegated-{os.getpid()}")      # the cgroup selftest/user_steps.py delegates
        return [path for path in memcg.leftovers() if Path(path).name in ours]

    def mounts_and_loop_devices(self) -> list[str]:
        marker = str(self.root)
        proc = subprocess.run(["losetup", "-a"], capture_output=True, text=True)
        left = [line for line in proc.stdout.splitlines() if marker in line]
        left += [line for line in Path("/proc/self/mountinfo").read_text().splitlines() if marker in line]
        return left

    def everything_left(self) -> list[str]:
        return (self.objects() + self.run_directories() + self.sysv_segments() + self.live_processes()
                + self.memory_cgroups() + self.mounts_and_loop_devices())


def processes_of_run(run_id: str) -> list[str]:
    """The live processes that carry the run's id in their environment, as "pid name"."""
    marker = f"MAPCONF_RUN_ID={run_id}".encode()
    return [f"{p.pid} {p.name}" for p in processes.others() if p.state != "Z" and marker in p.environ()]


def huge_pool_size() -> str:
    """The pool's size, read while no case of any run is using it."""
    with huge_pages.pool_lock():
        try:
            return huge_pages.POOL.read_text().strip()
        except OSError:
            return "none"
