"""./mapconf repro: a standalone C program for an assertion on a backend,
to attach to a platform's bug report.

The case is run with its trace on (controller/trace.h), natively for a
POSIX backend and under Wine for a Win32 one: every request, every answer
and what every check required. The trace becomes the reproducer's script.
What changes from one run to the next is written as a reference to the
answer it came from: an address inside a view or a free range as
{#N.addr+K}, a pid, a descriptor or a memfd's name as {#N.key}, an
object's name as {prefix}..., a scratch file as {dir}/...; so the program
does the same things on its own run. The program is one file: the script,
mapconf's agent (POSIX or Win32, which carries the steps out with plain C
library calls or the Win32 API), an agent client that starts agents from
the program itself, and a small interpreter that requires of each answer
what the suite's check requires (repro/). It needs nothing but the C
library or the Win32 API: no harness, no cmocka.
"""

from __future__ import annotations

import contextlib
import fnmatch
import io
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import agent_sources, filesystems, platforms, spec, vocabulary
from .run import RunOptions, UsageError, run

# The reproducer's own part, after its agent's sources (runner/agent_sources.py, read from the
# build): the agent client that starts agents from the program, and the interpreter of its script.
# The headers go first, each after those it includes.
OWN_HEADERS = ("controller/transcript.h", "controller/trace.h", "controller/agent_client.h", "controller/answers.h")
OWN_SOURCES = {
    "posix": ("controller/answers.c", "controller/agent_client.c", "repro/interpreter.c", "repro/posix.c"),
    "win32": ("controller/answers.c", "controller/agent_client_win32.c", "repro/interpreter.c", "repro/win32.c"),
}
BUILD = {"posix": "cc -std=gnu11 -O1 -o {name} {name}.c -pthread -ldl",
         "win32": "x86_64-w64-mingw32-gcc -std=gnu11 -O1 -o {name}.exe {name}.c -lws2_32 -static-libgcc"}
BUILD_TESTLIB = {"posix": "cc -std=gnu11 -O1 -shared -fPIC -DREPRO_TESTLIB -o {library} {name}.c",
                 "win32": "x86_64-w64-mingw32-gcc -std=gnu11 -O1 -shared -DREPRO_TESTLIB "
                          "-o {library} {name}.c -static-libgcc"}


def build_testlib(kind: str, name: str) -> str:
    """The command that builds the test library beside the program, named as its agent looks for it."""
    return BUILD_TESTLIB[kind].format(name=name, library=Path(agent_sources.TESTLIB[kind]).name)


def reproducible_backends() -> tuple[str, ...]:
    """The backends a reproducer can be made for: every one of an agent family that is recorded somewhere."""
    return tuple(b for b in vocabulary.BACKENDS if vocabulary.has_reproducer(b))


def kind_of(backend: str) -> str:
    """The agent family of a backend, and so the kind of its reproducer."""
    return vocabulary.BACKENDS[backend].agent_family


_NAME = re.compile(r"(?:(?P<dir>/\S*)/)?(?P<stem>mapconf-[0-9a-z]+-(?:\d+|before)-)", re.IGNORECASE)
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]+$")
_REFERRED_KEYS = ("pid", "raw", "name")     # values a request takes from an earlier answer whole


class ReproError(Exception):
    """A reproducer that cannot be made; the message says why."""


@dataclass
class Made:
    id: str
    backend: str
    path: Path
    build: list[str]
    observed: str          # the recording's status here: PASS, or FAIL where this platform diverges


@dataclass
class _Region:
    seq: int
    key: str
    base: int
    span: int
    retired: bool = False    # its view was unmapped: a later view at that address is another


class _Script:
    """The trace of one case, turned into the lines of its reproducer."""

    def __init__(self, trace: list[str], made_before: str | None):
        self.events = [line.split(" ", 1) for line in trace if line]
        self.lines: list[str] = []
        self.regions: list[_Region] = []
        self.values: dict[tuple[str, str], tuple[int, str]] = {}   # (key, value) -> (seq, key)
        if made_before:
            self.lines.append(f"before {{prefix}}before-{made_before} {filesystems.MADE_BEFORE_BYTES}")
        self.uses_library = False
        self.scratch = ""

    def build(self) -> list[str]:
        i, events = 0, self.events
        pending: dict[str, str] = {}     # agent -> its request that is not answered yet
        while i < len(events):
            kind, rest = events[i][0], events[i][1] if len(events[i]) > 1 else ""
            if kind == "start":
                seq, _ = self._answer(events[i + 1])
                self.lines.append(f"start {rest} #{seq}")
                i += 2
            elif kind in ("fork", "spawn"):      # then the parent's own request, its answer, the child's ready
                seq, _ = self._answer(events[i + 2])
                child_seq, _ = self._answer(events[i + 3])
                self.lines.append(f"{kind} {rest} #{seq} #{child_seq}")
                i += 4
            elif kind == "exec":                 # then its "exec" request and the new ready line
                seq, _ = self._answer(events[i + 2])
                self.lines.append(f"exec {rest} #{seq}")
                i += 3
            elif kind == "send":
                agent, request = rest.split(" ", 1)
                if request.split(" ", 1)[0] == "lib":
                    self.uses_library = True
                written = self._request(request)
                following = events[i + 1] if i + 1 < len(events) else ["", ""]
                if following[0] == "answer" and following[1].split(" ", 1)[0] == agent:
                    seq, text = self._answer(following, request)
                    self.lines.append(f"call {agent} #{seq} {written}")
                    if request.startswith("isfree "):
                        # the case chose this address because it was free there: here it must be too
                        self.lines.append(f"require free-address answer #{seq} ok free=1")
                    i += 2
                else:
                    pending[agent] = request
                    self.lines.append(f"send {agent} {written}")
                    i += 1
            elif kind == "answer":
                agent = rest.split(" ", 1)[0]
                seq, _ = self._answer(events[i], pending.pop(agent, ""))
                self.lines.append(f"receive {agent} #{seq}")
                i += 1
            elif kind == "figure":
                words = rest.split()
                seq = int(words[0][1:])
                self._remember(seq, "", f"ok kb={words[2]}")
                self.lines.append(" ".join(["figure", words[0], words[1]] + words[3:]))
                i += 1
            elif kind in ("require", "check"):
                self.lines.append(f"{kind} {self._oracle(rest)}")
                i += 1
            elif kind == "chain":
                name, agent, fields = rest.split(" ", 2)
                end = next(j for j in range(i, len(events)) if events[j][0] == "chain-end")
                for event in events[i + 1:end]:
                    if event[0] == "answer":
                        self._answer(event)
                self.lines.append(f"{name} {agent} {events[end][1]} {self._request('x ' + fields)[2:]}")
                i = end + 1
            elif kind in ("kill", "end", "gone", "reserve-huge-pages"):
                self.lines.append(f"{kind} {rest}")
                i += 1
            elif kind == "scratch":
                self.scratch = rest.rstrip("/")
                i += 1
            else:
                raise ReproError(f"the trace has an event no reproducer knows: {kind}")
        return self.lines

    def _answer(self, event: list[str], request: str = "") -> tuple[int, str]:
        agent, seq, text = event[1].split(" ", 2)
        self._remember(int(seq[1:]), request, text)
        return int(seq[1:]), text

    def _remember(self, seq: int, request: str, text: str) -> None:
        """What later requests may take from answer seq: its addresses (with
        the length its request asked for) and its whole values."""
        fields = dict(f.split("=", 1) for f in text.split()[1:] if "=" in f)
        asked = dict(f.split("=", 1) for f in request.split()[1:] if "=" in f)
        span = max([4096] + [int(asked[k]) for k in ("length", "size") if asked.get(k, "").isdigit()])
        for key, value in fields.items():
            if _ADDRESS.match(value):
                self.regions.append(_Region(seq, key, int(value, 16), span))
            if key in _REFERRED_KEYS:
                self.values[(key, value)] = (seq, key)

    def _address(self, value: int) -> str:
        """value as a reference to the first answer that gave it: the free
        range the case chose an address from, or the view an agent made,
        never an answer the address is being compared with. A view that was
        unmapped counts only where no other does (a case that touches where
        its view was)."""
        ordered = [r for r in self.regions if not r.retired] + [r for r in self.regions if r.retired]
        for region in ordered:
            if region.base == value:
                return f"#{region.seq}.{region.key}"
        for region in ordered:
            if region.base <= value < region.base + region.span:
                return f"#{region.seq}.{region.key}+{value - region.base}"
        raise ReproError(f"the address 0x{value:x} is in no view or range an answer gave")

    def _request(self, request: str) -> str:
        verb, *fields = request.split(" ")
        out = [verb]
        retiring = [int(f[5:], 16) for f in fields if verb == "unmap" and f.startswith("addr=0x")]
        for field in fields:
            key, sep, value = field.partition("=")
            if _ADDRESS.match(value):
                value = "{" + self._address(int(value, 16)) + "}"
            elif (key, value) in self.values:
                seq, answered = self.values[(key, value)]
                value = f"{{#{seq}.{answered}}}"
            elif key == "name":
                value = _NAME.sub(self._name, value)
            out.append(f"{key}{sep}{value}")
        for region in self.regions:
            if region.base in retiring:
                region.retired = True
        return " ".join(out)

    def _name(self, match: re.Match) -> str:
        """An object's name as the reproducer makes it: in its own scratch
        directory ({dir}), or in another one ({otherdir}) where the case used the
        directory above its scratch directory, with its own prefix ({PREFIX},
        {DIR}: the same in capitals, for a case that changes a name's case)."""
        stem, where = match.group("stem"), match.group("dir")
        prefix = "{PREFIX}" if stem.isupper() else "{prefix}"
        before = ("BEFORE-" if stem.isupper() else "before-") if stem.lower().endswith("-before-") else ""
        if where is None:
            directory = ""
        elif where.rstrip("/").lower() == self.scratch.lower():
            directory = "{dir}/"
        elif where.rstrip("/").lower() == self.scratch.rsplit("/", 1)[0].lower():
            directory = "{otherdir}/"
        else:
            raise ReproError(f"the file {match.group(0)} is in a directory the reproducer does not make")
        if where is not None and where.isupper():
            directory = directory.upper()
        return directory + prefix + before

    def _oracle(self, rest: str) -> str:
        """An oracle with its address constants made references."""
        words = rest.split(" ")
        return " ".join("#" + self._address(int(w[3:], 16))[1:] if w.startswith("@0x") else w
                        for w in words)


def _c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_FEATURE_MACRO = re.compile(r"^#define (_[A-Z0-9_]+)\n", re.MULTILINE)
# a file-local function's definition (not a declaration), or a file-local variable
_STATIC_NAME = re.compile(r"^static\b[^;{(=]*?\b([A-Za-z_]\w*)\s*(?:\([^;{]*\)\s*\{|(?:\[[^\]]*\])*\s*(?:=|;))",
                          re.MULTILINE)


def _text(repo: Path, path: str, agent_main: bool = False) -> str:
    """A source file as the program holds it: without its includes of mapconf's
    own headers and its feature macros (the program defines them first); the
    agent's main becomes agent_main, which the program's own main calls."""
    text = (repo / path).read_text()
    text = re.sub(r'^#include "[^"]+"\n', "", text, flags=re.MULTILINE)
    text = _FEATURE_MACRO.sub("", text)
    if agent_main:
        text = re.sub(r"^int main\(", "static int agent_main(", text, count=1, flags=re.MULTILINE)
    return text


def _sources(repo: Path, paths, agent_main: str = "", fault_only=()) -> tuple[str, list[str]]:
    """The files one after another, and the feature macros they need first.
    A file-local (static) name that two files both have is renamed in the
    later one for its length, so that one translation unit holds them all.
    A file of the fault build alone is compiled only with -DMAPCONF_FAULTS."""
    seen: set[str] = set()
    macros: list[str] = []
    out = []
    for path in paths:
        raw = (repo / path).read_text()
        macros += [m for m in _FEATURE_MACRO.findall(raw) if m not in macros]
        text = _text(repo, path, path == agent_main)
        names = set(_STATIC_NAME.findall(text)) if path.endswith(".c") else set()
        clashes = sorted(names & seen)
        seen |= names
        stem = re.sub(r"[^a-z0-9]", "_", Path(path).stem)
        renames = "".join(f"#define {n} {n}__{stem}\n" for n in clashes)
        undo = "".join(f"#undef {n}\n" for n in clashes)
        if path in fault_only:      # the selftest's fault builds only
            text = f"#ifdef MAPCONF_FAULTS\n{text}#endif\n"
        out.append(f"\n/* ---- {path} ---- */\n{renames}{text}{undo}")
    return "".join(out), macros


_HOW = {
    "posix": (" * out by agent processes this program starts from itself (posix_spawn, and",
              " * fork where the case forks), each running the agent code further down, which",
              " * does every step with plain C library calls (shm_open, mmap, msync, ...).",
              " * It leaves nothing behind: its objects, files and SysV segments are removed",
              " * at the end, whatever the outcome."),
    "win32": (" * out by agent processes this program starts from itself (CreateProcess, and",
              " * the agent's own CreateProcess where the case spawns), each running the agent",
              " * code further down, which does every step with the Win32 API",
              " * (CreateFileMapping, MapViewOfFileEx, FlushViewOfFile, ...). It leaves nothing",
              " * behind: its agents are ended and its files removed, whatever the outcome."),
}


def program(repo: Path, assertion: spec.Assertion, backend: str, script: list[str], name: str,
            uses_library: bool, revision: str, with_faults: bool = False) -> str:
    """The reproducer's one file. with_faults: also the Win32 agent's faults,
    compiled only with -DMAPCONF_FAULTS (the selftest's fault builds)."""
    kind = kind_of(backend)
    agent = agent_sources.of(repo, kind)
    fault_only = agent.fault_only if with_faults else ()
    own_headers = [h for h in agent_sources.include_order(repo, OWN_HEADERS) if h not in agent.headers]
    sources = [*agent.headers, *fault_only, *agent.sources, *own_headers, *OWN_SOURCES[kind]]
    body, macros = _sources(repo, sources, agent.main, fault_only)
    testlib, _ = _sources(repo, agent.testlib)
    run = f"./{name}" if kind == "posix" else f"{name}.exe (under Wine: wine {name}.exe)"
    lines = [
        "/*",
        f" * mapconf reproducer: {assertion.id} on {backend} (clause {assertion.clause})",
        " *",
        f" *   {assertion.statement}",
        " *",
        f" * Build: {BUILD[kind].format(name=name)}",
    ]
    if uses_library:
        lines.append(f" *        {build_testlib(kind, name)}")
    lines += [
        f" * Run:   {run}",
        " *   exit 0: the platform behaves as the statement says;",
        " *   exit 1: it does not (the check, what it expected and what came back are printed);",
        " *   exit 2: it could not be set up (a step the check needs failed).",
        " *",
        f" * Made by ./mapconf repro (mapconf {revision}) from the case {assertion.case}.",
        " * It does what that case does, with no harness: the script below is carried",
        *_HOW[kind][:3],
        " * Every check requires what the suite's check of the same label requires.",
        *_HOW[kind][3:],
        " */",
        *agent.defines,
        *(f"#define {m}" for m in macros),
        "",
        "#ifndef REPRO_TESTLIB",
        f"#define REPRO_ID {_c_string(assertion.id)}",
        f"#define REPRO_BACKEND {_c_string(backend)}",
        f"#define REPRO_STATEMENT {_c_string(assertion.statement)}",
        "",
        "/* The script: what the case did, step by step (the grammar: the interpreter below). */",
        "static const char *const script[] = {",
    ]
    lines += [f"\t{_c_string(line)}," for line in script]
    lines += ["};"]
    return "\n".join(lines) + "\n" + body + "\n#else\n" + testlib + "\n#endif\n"


def _revision(repo: Path) -> str:
    proc = subprocess.run(["git", "-C", str(repo), "describe", "--always", "--dirty"], capture_output=True,
                          text=True)
    return proc.stdout.strip() or "unknown"


def select(the_spec: spec.Spec, patterns: list[str], backend: str | None) -> list[tuple[spec.Assertion, str]]:
    """The (assertion, backend) pairs asked for; a pattern that names nothing is bad input."""
    pairs, made_for = [], reproducible_backends()
    for pattern in patterns:
        matched = [a for a in the_spec.assertions if fnmatch.fnmatchcase(a.id, pattern)]
        if not matched:
            raise UsageError(f"no assertion matches '{pattern}'; './mapconf list' shows them.")
        for assertion in matched:
            backends = [b for b in assertion.backends if b in made_for and (backend is None or b == backend)]
            if backend is not None and len(patterns) == 1 and len(matched) == 1 and not backends:
                raise UsageError(f"{assertion.id} does not run on {backend}; its backends: "
                                 f"{', '.join(assertion.backends)}.")
            pairs += [(assertion, b) for b in backends if (assertion, b) not in pairs]
    if not pairs:
        raise UsageError("nothing to make a reproducer of: the assertions named run on no backend"
                         f"{' named ' + backend if backend else ''}.")
    return pairs


# Where each kind of reproducer's case is recorded (the reports name a reproducer beside a result too).
RECORDED_ON = vocabulary.RECORDED_ON


def _record(repo: Path, spec_path: Path, pairs, tmp: Path) -> tuple[dict, Path]:
    """Run the pairs' cases with their traces on, each kind on its platform:
    the results by (ID, backend), and the directory of the traces."""
    traces = tmp / "traces"
    traces.mkdir()
    observed = {}
    for kind, platform in RECORDED_ON.items():
        ids = sorted({a.id for a, b in pairs if kind_of(b) == kind})
        if not ids:
            continue
        out = tmp / f"run-{kind}"
        opts = RunOptions(platform=platforms.make(platform, platforms.Options()), spec_path=spec_path,
                          filters=ids, jobs=2, timeout=60, out=out, command="./mapconf repro", quiet=True,
                          trace_dir=traces)
        with contextlib.redirect_stdout(io.StringIO()):   # the recording's own summary is not the point
            run(opts, repo)
        for r in json.loads((out / "results.json").read_text())["results"]:
            observed[(r["id"], r["backend"])] = r
    return observed, traces


def make(repo: Path, spec_path: Path, patterns: list[str], backend: str | None, out: Path,
         with_faults: bool = False, platform: str | None = None) -> tuple[list[Made], list[str]]:
    """Record the cases, write a reproducer for each pair into out (only the
    pairs whose backends platform records, when it is given). The ones made,
    and one sentence for each pair that could not be."""
    if backend is not None and backend not in reproducible_backends():
        raise UsageError(f"no reproducer is made for backend '{backend}'; these are: {', '.join(reproducible_backends())}.")
    if platform is not None and backend is not None and RECORDED_ON[kind_of(backend)] != platform:
        raise UsageError(f"a reproducer for {backend} is recorded on {RECORDED_ON[kind_of(backend)]}, "
                         f"not {platform}; leave --platform out, or name a backend of {platform}.")
    the_spec = spec.load(str(spec_path))
    pairs = [(a, b) for a, b in select(the_spec, patterns, backend)
             if platform is None or RECORDED_ON[kind_of(b)] == platform]
    if not pairs:
        raise UsageError(f"the assertions named have no backend {platform} records.")
    out.mkdir(parents=True, exist_ok=True)
    revision = _revision(repo)
    made, missing = [], []
    with tempfile.TemporaryDirectory(prefix="mapconf-repro-") as tmp:
        observed, traces = _record(repo, spec_path, pairs, Path(tmp))
        for assertion, b in pairs:
            result = observed.get((assertion.id, b))
            status = result["observed"] if result else "not run"
            trace = traces / f"{assertion.id}.{b}.trace"
            if status not in ("PASS", "FAIL") or not trace.exists():
                missing.append(f"{assertion.id} [{b}]: the case ended {status} "
                               f"on {RECORDED_ON[kind_of(b)]}"
                               f"{' at ' + result['check'] if result and result.get('check') else ''}, "
                               "so it did not do all it does")
                continue
            before = f"{assertion.id}-{b}" if assertion.file_made_before else None
            script = _Script(trace.read_text().splitlines(), before)
            try:
                lines = script.build()
            except ReproError as error:
                missing.append(f"{assertion.id} [{b}]: {error}")
                continue
            name = f"{assertion.id}-{b}"
            path = out / f"{name}.c"
            path.write_text(program(repo, assertion, b, lines, name, script.uses_library, revision, with_faults))
            kind = kind_of(b)
            build = [BUILD[kind].format(name=name)]
            if script.uses_library:
                build.append(build_testlib(kind, name))
            made.append(Made(assertion.id, b, path, build, status))
    _write_readme(out, made)
    return made, missing


def _write_readme(out: Path, made: list[Made]) -> None:
    lines = [
        "# mapconf reproducers",
        "",
        "Each program does what one mapconf case does, on one backend, with no harness:",
        "one C file that needs only the C library. Build it and run it on the platform",
        "under test; it prints every request, every answer and every check, then exits",
        "0 when the platform behaves as the statement says, 1 when it does not (with the",
        "check, what it expected and what came back), and 2 when a step the check needs",
        "failed. Attach the file and its output to the platform's bug report.",
        "",
        "| program | recorded on | the statement held there | build |",
        "|---|---|---|---|",
    ]
    for m in made:
        lines.append(f"| `{m.path.name}` | {RECORDED_ON[kind_of(m.backend)]} | "
                     f"{'yes' if m.observed == 'PASS' else 'no (' + m.observed + ')'} | `{' && '.join(m.build)}` |")
    lines += ["", "Then `./NAME` (as root for the cases that need another user or a memory cgroup), or for a",
              "Win32 program `NAME.exe` on Windows or `wine NAME.exe`.", ""]
    (out / "README.md").write_text("\n".join(lines))
