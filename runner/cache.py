"""mapconf's place in the user's cache, ${XDG_CACHE_HOME:-~/.cache}/mapconf:
what is worth keeping from one run to the next and is made again if it is
gone (Wine's prefix, Debian's kernels and sources, the kernel's KTAP
parser, the reproducers' builds)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(name: str) -> Path:
    """The cache's directory for one kind of thing (not made here)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "mapconf" / name
