"""What the hand-written docs (README.md, docs/*.md but the generated ones)
say that the code knows, held to the code: the names and paths they quote
in backticks, the figures they give (backends, results per run, faults,
platforms), and the one place that gives the selftest's time.

Each problem is one sentence naming the doc and its line; `./mapconf docs
--check` prints them (runner/docs.py), and the selftest runs that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from . import platforms
from .spec import Spec
from .vocabulary import BACKENDS, PLATFORMS, backends_of

GENERATED = ("docs/catalogue.md", "docs/findings.md")    # held to the spec table by being generated
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve")
_FENCE = re.compile(r"^\s*```.*?^\s*```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"`([^`\n]+)`")
_OURS_IN_C = re.compile(r"\b((?:mc|MC)_[A-Za-z0-9_]*)(\*)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_SOURCE_SUFFIXES = (".c", ".h", ".py", ".toml", ".ninja", ".yml", ".sh", ".js", ".css")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def prose_docs(repo: Path) -> list[str]:
    docs = ["README.md"] + sorted(p.relative_to(repo).as_posix() for p in (repo / "docs").glob("*.md"))
    return [d for d in docs if d not in GENERATED]


def _lines(text: str):
    """(line number, inline code span) outside fenced blocks, which show code to write, not code that is."""
    for fence in _FENCE.finditer(text):
        text = text[:fence.start()] + re.sub(r"[^\n]", " ", fence.group(0)) + text[fence.end():]
    for number, line in enumerate(text.splitlines(), 1):
        for span in _INLINE.findall(line):
            yield number, span


def _tree_files(repo: Path) -> list[str]:
    """Every file and folder of the tree, relative to it; the build's output and git's left out."""
    found = []
    for path in sorted(repo.rglob("*")):
        parts = path.relative_to(repo).parts
        if parts[0] not in ("build", ".git") and "__pycache__" not in parts:
            found.append(path.relative_to(repo).as_posix())
    return found


def _source_words(repo: Path, files: list[str]) -> tuple[set[str], set[str]]:
    """The identifiers of the C sources, and of every source of any kind (the docs left out)."""
    c, every = set(), set()
    for name in files:
        path = repo / name
        if name.startswith("docs/") or not path.is_file():
            continue
        if path.suffix in _SOURCE_SUFFIXES or path.name in ("mapconf", "run"):
            words = set(_WORD.findall(path.read_text(errors="replace")))
            every |= words
            if path.suffix in (".c", ".h"):
                c |= words
    return c, every


def _has(words: set[str], name: str, family: bool = False) -> bool:
    return name in words or (family and any(word.startswith(name) for word in words))


def unknown_names(repo: Path, files: list[str] | None = None) -> list[str]:
    """A function, macro or other name of code quoted in a doc that nothing in the tree has.
    mapconf's C names (mc_*, MC_*) must be in the C sources; a Python-like name
    (snake_case, called, or dotted) must be somewhere in the sources.
    `mc_check_*` and `mc_try_` stand for a family."""
    c_words, every = _source_words(repo, _tree_files(repo) if files is None else files)
    problems = []
    for doc in prose_docs(repo):
        for line, span in _lines((repo / doc).read_text()):
            for name, star in _OURS_IN_C.findall(span):
                if not _has(c_words, name, family=bool(star) or name.endswith("_")):
                    problems.append(f"{doc}:{line} names `{name}{star}`, which no C source of the tree has")
            head = _NAME.match(span)
            if head is None or _OURS_IN_C.match(span) or not _reads_as_code(span, head.group(0)):
                continue
            name = head.group(0)
            if not _has(every, name.rsplit(".", 1)[-1]):
                problems.append(f"{doc}:{line} names `{name}`, which nothing in the tree's sources has")
    return problems


def _reads_as_code(span: str, name: str) -> bool:
    """True for a quoted name that is code rather than a word or a file: snake_case,
    `name()` or a dotted name that is not a file's (a Win32 or C library name
    in CamelCase or lower case alone is the platform's, not ours)."""
    rest = span[len(name):]
    if rest not in ("", "()") and not rest.startswith("("):
        return False
    if "." in name:
        return "/" not in span and not re.search(r"\.(?:c|h|py|md|json|xml|html|tap|toml|ninja|so|dll|exe|stamp|"
                                                  r"cache|stat|ext4|[A-Z]+)$", name)
    return rest != "" or "_" in name.strip("_")


def missing_paths(repo: Path, files: list[str] | None = None) -> list[str]:
    """A path in the tree quoted in a doc that is not there. <kind>, ARCH, N and * stand
    for any name; paths outside the tree, and the build's and runs' own, are not held."""
    files = _tree_files(repo) if files is None else files
    top = {name.split("/", 1)[0] for name in files}
    problems = []
    for doc in prose_docs(repo):
        for line, span in _lines((repo / doc).read_text()):
            path = span.rstrip(".,:;)")
            if "/" not in path or " " in path or path.split("/", 1)[0] not in top or path.startswith("reports/out/"):
                continue
            pattern = re.sub(r"<[^>]+>|\b[A-Z]{1,5}\b", "*", path.rstrip("/"))
            if not any(fnmatchcase(name, pattern) for name in files):
                problems.append(f"{doc}:{line} names `{span}`, which is not in the tree")
    return problems


# --- figures -----------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """A figure a doc gives, where it gives it: each named group of `pattern`
    must read as the number that `what` names (keys of figures())."""
    doc: str
    pattern: str
    what: tuple[str, ...]


FIGURES = (
    Figure("README.md", r"On Linux there are (?P<n>\w+):", ("posix backends",)),
    Figure("README.md", r"with (?P<n>\w+) more:", ("win32 backends",)),
    Figure("README.md", r"the (?P<n>\w+) Linux ones", ("posix backends",)),
    Figure("README.md", r"a native run takes about [\d.]+ s warm \((?P<n>\d+)\s+results", ("native results",)),
    Figure("README.md", r"each of its (?P<p>\d+) POSIX and (?P<w>\d+) Win32 faults", ("posix faults", "win32 faults")),
    Figure("docs/using.md", r"musl [\d.]+ s \((?P<n>\d+) results each\)", ("native results",)),
    Figure("docs/using.md", r"wine [\d.]+ s \((?P<n>\d+) results\)", ("wine results",)),
    Figure("docs/using.md", r"For the full native run \((?P<n>\d+) results\)", ("native results",)),
    Figure("docs/using.md", r"[\d.]+ s warm for (?P<n>\d+) results", ("native results",)),
    Figure("docs/reference.md", r"(?P<n>\d+) results: the (?P<s>\d+) assertions that apply to win32-section and "
                                r"the (?P<f>\d+) that apply to win32-file", ("wine results", "win32-section assertions",
                                                                         "win32-file assertions")),
)


def figures(the_spec: Spec) -> dict[str, int]:
    """What the code knows that a doc may give as a number."""
    from selftest import faults     # the fault table is the selftest's
    known = {
        "posix backends": len(backends_of("posix")),
        "win32 backends": len(backends_of("win32")),
        "posix faults": len(faults.table("posix")),
        "win32 faults": len(faults.table("win32")),
        "assertions": len(the_spec.assertions),
    }
    for kind in PLATFORMS:
        known[f"{kind} results"] = results_on(the_spec, kind)
    for backend in BACKENDS:
        known[f"{backend} assertions"] = sum(backend in a.backends for a in the_spec.assertions)
    return known


def results_on(the_spec: Spec, kind: str) -> int:
    """The results of a whole run on a platform of this kind: its assertions x the backends it has of each."""
    has = set(platforms.backends_on(kind))
    return sum(len(has.intersection(a.backends)) for a in the_spec.assertions)


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    return NUMBER_WORDS.index(text.lower()) if text.lower() in NUMBER_WORDS else None


def wrong_figures(repo: Path, the_spec: Spec) -> list[str]:
    known = figures(the_spec)
    problems = []
    for figure in FIGURES:
        text = (repo / figure.doc).read_text()
        matches = list(re.finditer(figure.pattern.replace(" ", r"\s+"), text))
        if not matches:
            problems.append(f"{figure.doc} no longer says /{figure.pattern}/ ({', '.join(figure.what)}): "
                            "say it again, or change its figure in runner/doc_checks.py")
        for match in matches:
            line = text.count("\n", 0, match.start()) + 1
            for said, what in zip(match.groups(), figure.what):
                if _number(said) != known[what]:
                    problems.append(f"{figure.doc}:{line} says '{said}' for the number of {what}; "
                                    f"the code has {known[what]}")
    return problems + _speed_table(repo, known) + _platforms_table(repo)


def _speed_table(repo: Path, known: dict[str, int]) -> list[str]:
    """The README's speed table: each row's platforms and how many results a run of each makes."""
    text = (repo / "README.md").read_text()
    problems = []
    for match in re.finditer(r"^\| (?P<kinds>[a-z0-9, -]+) \| (?P<n>\d+) \| .* s \|", text, re.MULTILINE):
        line = text.count("\n", 0, match.start()) + 1
        for kind in (k.strip() for k in match.group("kinds").split(",")):
            if f"{kind} results" not in known:
                problems.append(f"README.md:{line} gives the speed of '{kind}', which is no platform")
            elif int(match.group("n")) != known[f"{kind} results"]:
                problems.append(f"README.md:{line} says {match.group('n')} results on {kind}, "
                                f"which are {known[f'{kind} results']}")
    return problems


def _platforms_table(repo: Path) -> list[str]:
    """The README's platforms table names every platform kind, each with its backends."""
    text = (repo / "README.md").read_text()
    rows = re.findall(r"^\| `([a-z0-9-]+|qemu-ARCH)` \| (.*) \| ([^|]+) \|$", text, re.MULTILINE)
    named, problems = set(), []
    posix_words = f"the {NUMBER_WORDS[len(backends_of('posix'))]} Linux ones"
    for kind, what, backends in rows:
        kinds = [f"qemu-{arch}" for arch in re.findall(r"`([a-z0-9]+)`", what.split("),")[0])] \
            if kind == "qemu-ARCH" else [kind]
        named.update(kinds)
        for one in kinds:
            if one not in PLATFORMS:
                problems.append(f"README.md's platforms table names '{one}', which is no platform")
                continue
            has = platforms.backends_on(one)
            said = backends.strip()
            if said != ", ".join(has) and not (said == posix_words and has == backends_of("posix")):
                problems.append(f"README.md's platforms table gives {one} the backends '{said}'; "
                                f"it has {', '.join(has)}")
    for kind in PLATFORMS:
        if kind not in named:
            problems.append(f"README.md's platforms table does not name the platform {kind}")
    bullets = re.findall(r"^- \*\*([a-z0-9-]+)\*\*:", text, re.MULTILINE)
    if sorted(bullets) != sorted(BACKENDS):
        problems.append(f"README.md lists the backends {', '.join(bullets)}; they are {', '.join(BACKENDS)}")
    return problems


# --- the selftest's time: said once ------------------------------------------

_DURATION = re.compile(r"\b(?:about |some )?\d+(?:\.\d+)? (?:minutes|min)\b")


def selftest_time_places(repo: Path) -> list[str]:
    """Where the docs give the selftest's time: in one paragraph of one doc, so
    that a new measurement cannot leave an old figure behind elsewhere."""
    places = []
    for doc in ["README.md"] + [d for d in prose_docs(repo) if d != "README.md"]:
        text = (repo / doc).read_text()
        for paragraph in re.split(r"\n\s*\n", text):
            if "selftest" in paragraph and _DURATION.search(paragraph):
                line = text.count("\n", 0, text.index(paragraph)) + 1
                places.append(f"{doc}:{line}")
    if len(places) <= 1:
        return [] if places else ["no doc gives the selftest's time; the README's Speed section should"]
    return [f"the selftest's time is given in {len(places)} places ({', '.join(places)}); "
            "give it once, in the README's Speed section, and point there"]


def problems(repo: Path, the_spec: Spec) -> list[str]:
    """Every problem of the hand-written docs; none in a tree without them (a test's)."""
    if not (repo / "README.md").is_file():
        return []
    files = _tree_files(repo)
    return (unknown_names(repo, files) + missing_paths(repo, files) + wrong_figures(repo, the_spec)
            + selftest_time_places(repo))
