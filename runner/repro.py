"""./mapconf repro: a standalone C program for an assertion on a backend,
to attach to a platform's bug report.

The case is run here, natively, with its trace on (controller/trace.h):
every request, every answer and what every check required. The trace
becomes the reproducer's script. What changes from one run to the next is
written as a reference to the answer it came from: an address inside a view
or a free range as {#N.addr+K}, a pid, a descriptor or a memfd's name as
{#N.key}, an object's name as {prefix}..., a scratch file as {dir}/...; so
the program does the same things on its own run. The program is one file:
the script, mapconf's POSIX agent (which carries the steps out with plain C
library calls), the agent client that starts agents with posix_spawn and
talks to them over pipes, and a small interpreter that requires of each
answer what the suite's check requires (repro/interpreter.c, repro/posix.c). It needs
nothing but the C library: no harness, no cmocka.
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

from . import filesystems, platforms, spec
from .run import RunOptions, UsageError, run

# The sources of the program, in the order a compiler must see them.
POSIX_SOURCES = (
    "protocol/protocol.h", "protocol/protocol.c",
    "agents/common/agent_common.h", "agents/posix/agent.h",
    "agents/posix/answer.c", "agents/posix/errors.c", "agents/posix/guard.c",
    "agents/common/verbs_touch.c", "agents/posix/verbs_object.c", "agents/posix/verbs_view.c",
    "agents/posix/verbs_memory.c", "agents/posix/verbs_process.c", "agents/posix/verbs_sync.c",
    "agents/posix/verbs_library.c", "agents/posix/verbs_fork.c", "agents/posix/main.c",
    "controller/transcript.h", "controller/trace.h", "controller/agent_client.h", "controller/answers.h",
    "controller/answers.c", "controller/agent_client.c",
    "repro/interpreter.c", "repro/posix.c",
)
TESTLIB_SOURCE = "agents/testlib/testlib.c"
POSIX_BACKENDS = ("posix-shm", "file", "memfd", "sysv", "anon-fork")
BACKENDS = POSIX_BACKENDS          # the backends a reproducer can be made for
BUILD = "cc -std=gnu11 -O1 -o {name} {name}.c -pthread -ldl"
BUILD_TESTLIB = "cc -std=gnu11 -O1 -shared -fPIC -DREPRO_TESTLIB -o libmapconf-testlib.so {name}.c"

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

    def build(self) -> list[str]:
        i, events = 0, self.events
        pending: dict[str, str] = {}     # agent -> its request that is not answered yet
        while i < len(events):
            kind, rest = events[i][0], events[i][1] if len(events[i]) > 1 else ""
            if kind == "start":
                seq, _ = self._answer(events[i + 1])
                self.lines.append(f"start {rest} #{seq}")
                i += 2
            elif kind in ("fork", "spawn"):
                parent = rest.split()[0]
                seq, _ = self._answer(events[i + 2], request="")
                child_seq, _ = self._answer(events[i + 3])
                self.lines.append(f"{kind} {rest} #{seq} #{child_seq}")
                self._remember(seq, pending.pop(parent, ""), events[i + 2][1].split(" ", 2)[2])
                i += 4
            elif kind == "exec":
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
            elif kind in ("kill", "end"):
                self.lines.append(f"{kind} {rest}")
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
                value = _NAME.sub(_name, value)
            out.append(f"{key}{sep}{value}")
        for region in self.regions:
            if region.base in retiring:
                region.retired = True
        return " ".join(out)

    def _oracle(self, rest: str) -> str:
        """An oracle with its address constants made references."""
        words = rest.split(" ")
        return " ".join("#" + self._address(int(w[3:], 16))[1:] if w.startswith("@0x") else w
                        for w in words)


def _name(match: re.Match) -> str:
    """An object's name as the reproducer makes it: its own scratch directory and prefix
    ({PREFIX}: the same in capitals, for a case that changes a name's case)."""
    stem = match.group("stem")
    prefix = "{PREFIX}" if stem.isupper() else "{prefix}"
    before = "BEFORE-" if stem.isupper() else "before-"
    return ("{dir}/" if match.group("dir") else "") + prefix + (before if stem.lower().endswith("-before-") else "")


def _c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _source(repo: Path, path: str) -> str:
    """A source file as the program holds it: without its includes of mapconf's own headers."""
    text = (repo / path).read_text()
    text = re.sub(r'^#include "[^"]+"\n', "", text, flags=re.MULTILINE)
    text = re.sub(r"^#define _GNU_SOURCE\n", "", text, flags=re.MULTILINE)
    if path == "agents/posix/main.c":
        text = text.replace("int main(void)", "static int agent_main(void)")
    return f"\n/* ---- {path} ---- */\n" + text


def program(repo: Path, assertion: spec.Assertion, backend: str, script: list[str], name: str,
            uses_library: bool, revision: str) -> str:
    build = BUILD.format(name=name)
    lines = [
        "/*",
        f" * mapconf reproducer: {assertion.id} on {backend} (clause {assertion.clause})",
        " *",
        f" *   {assertion.statement}",
        " *",
        f" * Build: {build}",
    ]
    if uses_library:
        lines.append(f" *        {BUILD_TESTLIB.format(name=name)}")
    lines += [
        f" * Run:   ./{name}",
        " *   exit 0: the platform behaves as the statement says;",
        " *   exit 1: it does not (the check, what it expected and what came back are printed);",
        " *   exit 2: it could not be set up (a step the check needs failed).",
        " *",
        f" * Made by ./mapconf repro (mapconf {revision}) from the case {assertion.case}.",
        " * It does what that case does, with no harness: the script below is carried",
        " * out by agent processes this program starts from itself (posix_spawn, and",
        " * fork where the case forks), each running the agent code further down, which",
        " * does every step with plain C library calls (shm_open, mmap, msync, ...).",
        " * Every check requires what the suite's check of the same label requires.",
        " * It leaves nothing behind: its objects, files and SysV segments are removed",
        " * at the end, whatever the outcome.",
        " */",
        "#define _GNU_SOURCE",
        "",
        "#ifndef REPRO_TESTLIB",
        f"#define REPRO_ID {_c_string(assertion.id)}",
        f"#define REPRO_BACKEND {_c_string(backend)}",
        f"#define REPRO_STATEMENT {_c_string(assertion.statement)}",
        "",
        "/* The script: what the case did, step by step (the grammar: the interpreter at the end). */",
        "static const char *const script[] = {",
    ]
    lines += [f"\t{_c_string(line)}," for line in script]
    lines += ["};"]
    body = "".join(_source(repo, path) for path in POSIX_SOURCES)
    testlib = _source(repo, TESTLIB_SOURCE)
    return "\n".join(lines) + "\n" + body + "\n#else\n" + testlib + "\n#endif\n"


def _revision(repo: Path) -> str:
    proc = subprocess.run(["git", "-C", str(repo), "describe", "--always", "--dirty"], capture_output=True,
                          text=True)
    return proc.stdout.strip() or "unknown"


def select(the_spec: spec.Spec, patterns: list[str], backend: str | None) -> list[tuple[spec.Assertion, str]]:
    """The (assertion, backend) pairs asked for; a pattern that names nothing is bad input."""
    pairs = []
    for pattern in patterns:
        matched = [a for a in the_spec.assertions if fnmatch.fnmatchcase(a.id, pattern)]
        if not matched:
            raise UsageError(f"no assertion matches '{pattern}'; './mapconf list' shows them.")
        for assertion in matched:
            backends = [b for b in assertion.backends if b in POSIX_BACKENDS and (backend is None or b == backend)]
            if backend is not None and len(patterns) == 1 and len(matched) == 1 and not backends:
                raise UsageError(f"{assertion.id} does not run on {backend}; its backends: "
                                 f"{', '.join(assertion.backends)}.")
            pairs += [(assertion, b) for b in backends if (assertion, b) not in pairs]
    if not pairs:
        raise UsageError("nothing to make a reproducer of: the assertions named run on no POSIX backend"
                         f"{' named ' + backend if backend else ''}.")
    return pairs


def make(repo: Path, spec_path: Path, patterns: list[str], backend: str | None,
         out: Path) -> tuple[list[Made], list[str]]:
    """Record the cases natively, write a reproducer for each pair into out.
    The ones made, and one sentence for each pair that could not be."""
    if backend is not None and backend not in POSIX_BACKENDS:
        raise UsageError(f"no reproducer is made for backend '{backend}' yet; these are: "
                         f"{', '.join(POSIX_BACKENDS)}.")
    the_spec = spec.load(str(spec_path))
    pairs = select(the_spec, patterns, backend)
    out.mkdir(parents=True, exist_ok=True)
    revision = _revision(repo)
    with tempfile.TemporaryDirectory(prefix="mapconf-repro-") as tmp:
        traces = Path(tmp) / "traces"
        traces.mkdir()
        opts = RunOptions(platform=platforms.make("native", platforms.Options()), spec_path=spec_path,
                          filters=sorted({a.id for a, _ in pairs}), jobs=2, timeout=60,
                          out=Path(tmp) / "run", command="./mapconf repro", quiet=True, trace_dir=traces)
        with contextlib.redirect_stdout(io.StringIO()):   # the recording's own summary is not the point
            run(opts, repo)
        results = json.loads((Path(tmp) / "run" / "results.json").read_text())["results"]
        observed = {(r["id"], r["backend"]): r for r in results}
        made, missing = [], []
        for assertion, b in pairs:
            result = observed.get((assertion.id, b))
            status = result["observed"] if result else "not run"
            trace = traces / f"{assertion.id}.{b}.trace"
            if status not in ("PASS", "FAIL") or not trace.exists():
                missing.append(f"{assertion.id} [{b}]: the case ended {status} here"
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
            path.write_text(program(repo, assertion, b, lines, name, script.uses_library, revision))
            build = [BUILD.format(name=name)] + ([BUILD_TESTLIB.format(name=name)] if script.uses_library else [])
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
        "| program | statement holds here | build |",
        "|---|---|---|",
    ]
    for m in made:
        lines.append(f"| `{m.path.name}` | {'yes' if m.observed == 'PASS' else 'no (' + m.observed + ')'} | "
                     f"`{' && '.join(m.build)}` |")
    lines += ["", "Then `./NAME` (as root for the cases that need another user or a memory cgroup).", ""]
    (out / "README.md").write_text("\n".join(lines))
