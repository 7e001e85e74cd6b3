"""The sources of an agent family's agent and test library, as the build
makes them (build.ninja and the files it reads), in the order one
translation unit needs them: the headers the sources include, each after
the headers it includes itself, then the .c files, the one that defines
main last (it refers to what the others define).

./mapconf repro puts them into each reproducer, so an agent source added,
moved or renamed in the build reaches the reproducers with nothing else to
change. Which agent a family runs is the platform's own answer: the agent of
the platform its reproducers are recorded on (runner/vocabulary.py).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from . import platforms
from .ninja_file import Build, NinjaError
from .vocabulary import RECORDED_ON

# The test library the agent loads, beside its own directory (agents/*/verbs_library.c look for it there).
TESTLIB = {"posix": "lib/libmapconf-testlib.so", "win32": "lib/mapconf-testlib.dll"}

_INCLUDE = re.compile(r'^#\s*include\s+"([^"]+)"', re.MULTILINE)
_MAIN = re.compile(r"^int main\(", re.MULTILINE)


@dataclass(frozen=True)
class AgentSources:
    headers: tuple[str, ...]
    sources: tuple[str, ...]        # .c files, main's last
    main: str                       # the .c file that defines main
    fault_only: tuple[str, ...]     # in the fault build alone (compiled only with MAPCONF_FAULTS)
    testlib: tuple[str, ...]
    defines: tuple[str, ...]        # the build's -D for the agent, as #define lines


def agent_program(repo: Path, family: str, faults: bool = False) -> str:
    """The agent's path in the build, relative to repo, as the recording platform starts it."""
    env = {"MAPCONF_FAULT": "any"} if faults else {}
    platform = platforms.make(RECORDED_ON[family], platforms.Options(agent_env=env))
    return Path(platform.agent_argv(repo)[-1]).relative_to(repo).as_posix()


def of(repo: Path, family: str) -> AgentSources:
    build = Build(repo)
    agent = agent_program(repo, family)
    fault_agent = agent_program(repo, family, faults=True)
    sources = [s for s in build.leaves(agent) if s.endswith(".c")]
    fault_only = [s for s in build.leaves(fault_agent) if s.endswith(".c") and s not in sources]
    mains = [s for s in sources if _MAIN.search((repo / s).read_text())]
    if len(mains) != 1:
        raise NinjaError(f"{agent} is built from {len(mains)} files that define main; one must")
    sources = [s for s in sources if s != mains[0]] + mains
    headers: list[str] = []
    for source in fault_only + sources:
        _headers_of(repo, source, _include_dirs(build.compile_edge(source, fault_agent if source in fault_only
                                                                  else agent).command()), headers, [])
    testlib = Path(agent).parent.parent / TESTLIB[family]
    return AgentSources(tuple(headers), tuple(sources), mains[0], tuple(fault_only),
                        tuple(s for s in build.leaves(testlib.as_posix()) if s.endswith(".c")),
                        _defines(build.compile_edge(mains[0], agent).command()))


def _defines(command: str) -> tuple[str, ...]:
    """-DNAME=VALUE of a compile command as `#define NAME VALUE`."""
    return tuple(f"#define {word[2:].replace('=', ' ', 1)}".rstrip()
                 for word in shlex.split(command) if word.startswith("-D") and len(word) > 2)


def include_order(repo: Path, headers) -> list[str]:
    """The headers, each after the headers it includes (found beside it), those included too."""
    found: list[str] = []
    for header in headers:
        _headers_of(repo, header, [], found, [header])
        if header not in found:
            found.append(header)
    return found


def _include_dirs(command: str) -> list[str]:
    """The -I directories of a compile command, where its quoted includes are looked for after the includer's."""
    words = shlex.split(command)
    dirs = [w[2:] for w in words if w.startswith("-I") and len(w) > 2]
    dirs += [words[i + 1] for i, w in enumerate(words[:-1]) if w == "-I"]
    return dirs


def _headers_of(repo: Path, path: str, include_dirs: list[str], found: list[str], open_: list[str]) -> None:
    """Add the headers `path` includes to `found`, each after those it includes."""
    for name in _INCLUDE.findall((repo / path).read_text()):
        header = _resolve(repo, path, name, include_dirs)
        if header is None or header in found or header in open_:
            continue
        _headers_of(repo, header, include_dirs, found, open_ + [header])
        found.append(header)


def _resolve(repo: Path, includer: str, name: str, include_dirs: list[str]) -> str | None:
    """Where the compiler finds a quoted include: beside the includer, then on -I; None if not ours."""
    for directory in [Path(includer).parent.as_posix(), *include_dirs]:
        candidate = (Path(directory) / name).as_posix()
        if (repo / candidate).is_file():
            return candidate
    return None
