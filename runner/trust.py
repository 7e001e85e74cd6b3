"""What a run trusts on a machine it shares with other users: the directory
its runs live in, and the records a run left there.

Runs live under ${TMPDIR:-/tmp}, which is often writable by every user, and
a run as root acts on what it finds there: it changes its directories'
modes, puts the huge page pool back, detaches loop devices and removes
cgroups that a killed run's records name. So a run trusts a path only
when no other user can have made or changed it:

- every directory from / to TMPDIR is root's or this user's, and one that
  others may write is sticky (no one else can rename or replace what is in
  it); a symbolic link on the way is followed only when root or this user
  made it (Linux's fs.protected_symlinks rule, applied everywhere);
- mapconf-<uid> and runs/ below it are this user's own directories, not
  links, writable by no one else; the run makes them when they are missing;
- a record is read only from a regular file of this user's, never through
  a link (and what it says is checked by whoever reads it).

A path that fails this is refused with one sentence, before any work.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

RECORD_MOST_BYTES = 64 * 1024      # a record is a line or a small JSON object
MOST_LINKS = 40                    # as the kernel's own bound on a path's links


class Untrusted(Exception):
    """A path a run may not use: one sentence, exit code 2."""


def _refuse(path: Path, why: str) -> Untrusted:
    return Untrusted(f"the run directory {path} cannot be trusted: {why}; set TMPDIR to a directory "
                     "that only root or you can write, then run again.")


def _trusted_owner(uid: int) -> bool:
    return uid in (0, os.geteuid())


def _check_directory(path: Path, st: os.stat_result, where: Path) -> None:
    if not stat.S_ISDIR(st.st_mode):
        raise _refuse(where, f"{path} on its path is not a directory")
    if not _trusted_owner(st.st_uid):
        raise _refuse(where, f"{path} on its path belongs to uid {st.st_uid}, who could replace what is in it")
    if st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX:
        raise _refuse(where, f"{path} on its path may be written by others (mode {st.st_mode & 0o7777:04o}) "
                             "and is not sticky")


def trusted_real_path(path: Path, where: Path) -> Path:
    """path with its links resolved, once every directory and link on the
    way is trusted (module docstring); `where` names the run directory in
    a refusal."""
    path = Path(os.path.abspath(path))
    pending = list(path.parts[1:])
    current = Path("/")
    _check_directory(current, os.lstat(current), where)
    links = 0
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            current = current.parent    # current has no link in it: its parent is lexical
            continue
        step = current / part
        try:
            st = os.lstat(step)
        except FileNotFoundError:
            raise _refuse(where, f"{step} does not exist") from None
        if stat.S_ISLNK(st.st_mode):
            links += 1
            if links > MOST_LINKS:
                raise _refuse(where, f"its path has more than {MOST_LINKS} symbolic links")
            if not _trusted_owner(st.st_uid):
                raise _refuse(where, f"{step} is a symbolic link of uid {st.st_uid}")
            target = Path(os.readlink(step))
            if target.is_absolute():
                current = Path("/")
                pending = list(target.parts[1:]) + pending
            else:
                pending = list(target.parts) + pending
            continue
        _check_directory(step, st, where)
        current = step
    return current


def own_directory(parent: Path, name: str, mode: int, where: Path) -> Path:
    """parent/name as a directory of this user's, made if missing, not a
    link, writable by no one else, and given mode. parent is trusted, so
    nothing can change between the look and the use."""
    path = parent / name
    try:
        os.mkdir(path, mode)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise _refuse(where, f"{path} is a symbolic link, which this user did not make a run directory of")
    if not stat.S_ISDIR(st.st_mode):
        raise _refuse(where, f"{path} is not a directory")
    if st.st_uid != os.geteuid():
        raise _refuse(where, f"{path} belongs to uid {st.st_uid}, not to this user (uid {os.geteuid()})")
    if st.st_mode & 0o022:
        raise _refuse(where, f"{path} may be written by others (mode {st.st_mode & 0o7777:04o})")
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
    return path


def is_own_directory(path: Path) -> bool:
    """Whether path is a directory (not a link) of this user's that no one else may write."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o022


def read_record(path: Path) -> str | None:
    """The text of a record a run wrote: a regular file of this user's,
    opened without following a link (and without waiting on a FIFO); None
    when there is none such."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:         # none, a link (ELOOP), not ours to read
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_size > RECORD_MOST_BYTES:
            return None
        return os.read(fd, RECORD_MOST_BYTES).decode(errors="replace")
    finally:
        os.close(fd)
