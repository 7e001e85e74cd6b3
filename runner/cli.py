"""The mapconf command line: run, list, explain, report, repro, expectations, docs, selftest.

Exit codes: 0 no unexpected result, 1 unexpected results (for `docs --check`:
a generated file is out of date, or a hand-written doc says what the code
does not), 2 usage, spec or tool error (one sentence saying what to do),
3 internal error.
"""

from __future__ import annotations

import argparse
import os
import signal
import json
import shlex
import sys
import traceback
from pathlib import Path

from . import (bundle, case_comments, catalogue, doc_checks, docs, expectations, filesystems, platforms, repro,
               results_schema, spec, ssh_target, toolchain, trust, version_scope, vocabulary)
from .reports import matrix as report_matrix
from .execute import BuildError
from .run import RunOptions, UsageError, report_results, run, select_jobs

REPO = Path(__file__).resolve().parent.parent
CASES_SPEC = "cases/spec.toml"
DEFAULT_SPEC = REPO / CASES_SPEC


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{message}; see '{self.prog} --help'.")


def _env_pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--env takes NAME=VALUE, not '{text}'")
    return name, value


def _command(text: str) -> list[str]:
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"cannot split '{text}' into words: {error}")
    if not words:
        raise argparse.ArgumentTypeError("the command is empty")
    return words


def _positive(kind):
    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0, not {text}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mapconf", description="Conformance suite for shared-memory mapping semantics.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("run", help="run the suite on a platform and write the reports")
    p.add_argument("--platform", default="native", metavar="KIND",
                   help=f"where agents run: {', '.join(vocabulary.PLATFORMS)} (default: native)")
    p.add_argument("--platform-id", help="the name of this run's platform in the reports")
    p.add_argument("--kernel", metavar="IMAGE",
                   help="boot this kernel under qemu-system and run the cases there (--platform kernel): "
                        "a bzImage, or debian:6.1, debian:6.1-rt, debian:PACKAGE")
    p.add_argument("--filter", action="append", default=[], metavar="GLOB",
                   help="run only assertions whose ID matches (repeatable), e.g. 'VIS-*'")
    p.add_argument("-j", "--jobs", type=_positive(int), default=2, metavar="N",
                   help="cases run at once (default 2; exclusive cases always run alone)")
    p.add_argument("--timeout", type=_positive(float), default=60.0, metavar="S",
                   help="seconds one case may take before it is killed (default 60)")
    p.add_argument("--out", type=Path, metavar="DIR", help="report directory (default reports/out/<platform-id>)")
    p.add_argument("--env", type=_env_pair, action="append", default=[], metavar="NAME=VALUE",
                   help="set a variable in every agent's environment (repeatable)")
    p.add_argument("--wrap", type=_command, default=[], metavar="'COMMAND ...'",
                   help="--platform custom: a command put in front of every agent")
    p.add_argument("--wrap-controller", type=_command, default=[], metavar="'COMMAND ...'",
                   help="--platform custom: a command put in front of every case process")
    p.add_argument("--filesystem", metavar="NAME",
                   help=f"put the run's file-backed objects on a scratch filesystem of this kind, mounted in "
                        f"a private mount namespace (root): {filesystems.names()}")
    p.add_argument("--target", metavar="ssh:HOST",
                   help="run the cases on another machine, reached with ssh in batch mode (a key must let you in); "
                        "the runner judges what comes back")
    p.add_argument("--ssh-option", action="append", default=[], metavar="OPTION",
                   help="an ssh -o option for --target (Port=2222, IdentityFile=..., UserKnownHostsFile=...)")
    p.add_argument("--expectations", type=Path, action="append", default=[], metavar="FILE",
                   help="a file of your own expectations, in the spec table's [[assertion.expect]] form, "
                        "put before the spec's own (repeatable: a later file before an earlier one)")
    p.add_argument("--sanitize", action="store_true",
                   help="use the AddressSanitizer+UBSan build of the harness and agent")
    p.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help=argparse.SUPPRESS)
    p.add_argument("--cases", default="cases", help=argparse.SUPPRESS)   # the selftest's broken cases
    loudness = p.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="print only unexpected results and the summary")
    loudness.add_argument("-v", "--verbose", action="store_true",
                          help="print every result with its message, and the evidence of unexpected ones")

    p = sub.add_parser("bundle", help="write what a target needs to run the cases by itself, nothing installed "
                                      "(DIR/mapconf-run writes DIR/records/; judge them with ./mapconf judge DIR)")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="DIR", help="the bundle's directory (new)")
    p.add_argument("--platform", choices=BUNDLE_PLATFORMS, default="native",
                   help="the system it runs on: native (Linux, this machine's architecture; the POSIX backends) "
                        "or windows (Windows 10, 11 or Server, x86-64; the Win32 backends)")
    p.add_argument("--filter", action="append", default=[], metavar="GLOB", help="only assertions matching GLOB")
    p.add_argument("--timeout", type=_positive(float), default=60.0, metavar="S", help="each case's time bound")
    p.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help=argparse.SUPPRESS)

    p = sub.add_parser("judge", help="turn a bundle's records into the reports a run writes")
    p.add_argument("bundle", type=Path, metavar="DIR", help="a bundle that ./mapconf-run has run in")
    p.add_argument("-o", "--out", type=Path, metavar="OUT", help="report directory (default reports/out/<platform-id>)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only unexpected results and the summary")

    p = sub.add_parser("list", help="list the assertions of the spec table")
    p.add_argument("--json", action="store_true", help="as JSON")
    p.add_argument("--by-clause", action="store_true", help="coverage: assertions per clause and backend")
    p.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help=argparse.SUPPRESS)

    p = sub.add_parser("explain", help="what an assertion states, expects and how it is checked")
    p.add_argument("id", help="an assertion ID, e.g. VIS-001")
    p.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help=argparse.SUPPRESS)

    p = sub.add_parser("report", help="merge results files into one HTML matrix of assertions x platforms")
    p.add_argument("results", nargs="+", metavar="RESULTS.json", help="results files, one column each")
    p.add_argument("-o", "--output", required=True, metavar="FILE.html", help="the page to write")
    p.add_argument("--baseline", action="append", default=[], metavar="OLD.json",
                   help="an earlier run to mark regressions and fixes against, for the runs with its "
                        "platform id (repeatable, one per platform id)")

    p = sub.add_parser("docs", help=f"write {docs.CATALOGUE} and {docs.FINDINGS} from the spec table, "
                                         f"{docs.RESULTS_SCHEMA} from the results schema, and the statement "
                                         f"above each case function in {case_comments.CASE_FILES}")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1, naming each file, if a committed one is out of date, "
                        "and each name, path or figure of the hand-written docs the code does not bear out")
    p.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help=argparse.SUPPRESS)

    p = sub.add_parser("expectations", help="write or update a file of your own expectations from runs")
    p.add_argument("action", choices=["update"], help="update: pin each unexpected result, drop what is no longer needed")
    p.add_argument("results", nargs="+", metavar="RESULTS.json", help="results files of the runs")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE",
                   help="the expectations file to write (read first, if it exists)")
    p.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help=argparse.SUPPRESS)

    p = sub.add_parser("repro", help="write a standalone C program that does what an assertion's case does")
    p.add_argument("ids", nargs="+", metavar="ID", help="assertion IDs or patterns, e.g. ADDR-003 or 'REL-*'")
    p.add_argument("--backend", help="only this backend (default: every backend of the assertion)")
    p.add_argument("--platform", choices=sorted(set(repro.RECORDED_ON.values())),
                   help="where the cases are recorded and the programs run: native (the POSIX backends) "
                        "or wine (the Win32 ones); by default each backend's own")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="DIR",
                   help="the directory to write ID-BACKEND.c and README.md into")
    p.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help=argparse.SUPPRESS)

    p = sub.add_parser("selftest", help="test mapconf itself (the README's test command)")
    p.add_argument("ids", nargs="*", metavar="ID",
                   help="prove only these assertions (IDs or patterns, e.g. VIS-001 or 'REL-*'): their runs on "
                        "every platform, their faults and their reproducers")
    p.add_argument("--step", action="append", default=[], metavar="GLOB",
                   help="run only the steps whose keys match (repeatable), with the steps they read from")
    p.add_argument("--list", action="store_true", help="name the steps that would run, and run none")
    p.add_argument("-j", "--jobs", type=_positive(int), default=None, metavar="N",
                   help="steps run at once (default 3)")
    return parser


# the platforms a bundle is made for: Linux like this machine, and Windows
BUNDLE_PLATFORMS = ("native", "windows")


def cmd_bundle(args, argv) -> int:
    platform = platforms.make(args.platform, platforms.Options())     # its build holds the agent too
    the_spec = spec.load(str(args.spec))
    jobs = select_jobs(the_spec, args.filter, platform)
    toolchain.ensure_tools(platform.tools)
    toolchain.build(REPO, platform.build_targets() + ["native"])
    out = bundle.write(args.spec, jobs, platform, REPO, args.output, args.timeout, "./mapconf " + shlex.join(argv))
    run = "mapconf-run.exe there on Windows (from that folder" if platform.kind == "windows" else "./mapconf-run there ("
    print(f"mapconf: a bundle of {len(jobs)} cases in {out}/: run {run}, no arguments), then ./mapconf judge {out}")
    return 0


def cmd_judge(args) -> int:
    info, records = bundle.judge(args.bundle)
    return report_results(info, records, args.out or REPO / "reports" / "out" / info["platform_id"], args.quiet)


def cmd_repro(args) -> int:
    made, missing = repro.make(REPO, args.spec, args.ids, args.backend, args.output, platform=args.platform)
    for m in made:
        print(f"{m.path}: {' && '.join(m.build)}")
    for why in missing:
        print(f"mapconf: no reproducer for {why}", file=sys.stderr)
    print(f"{len(made)} reproducers in {args.output}/ (README.md says how to build and run them)")
    return 1 if missing else 0


def cmd_list(args) -> int:
    the_spec = spec.load(str(args.spec))
    if args.by_clause:
        print(catalogue.coverage_table(the_spec))
        return 0
    if args.json:
        rows = [{"id": a.id, "clause": a.clause, "statement": a.statement, "backends": list(a.backends),
                 "case": a.case, "exclusive": a.exclusive} for a in the_spec.assertions]
        print(json.dumps(rows, indent=1))
        return 0
    for a in the_spec.assertions:
        print(f"{a.id:9} {a.clause:4} {','.join(a.backends):16} {a.statement}")
    return 0


def cmd_docs(args) -> int:
    the_spec = spec.load(str(args.spec))
    source = _in_repo(args.spec)
    if args.check:
        out_of_date = docs.stale(REPO, the_spec, source)
        for name in out_of_date:
            made_from = "runner/results_schema.py" if name == docs.RESULTS_SCHEMA else source
            print(f"mapconf: {name} is out of date with {made_from}: run ./mapconf docs", file=sys.stderr)
    else:
        out_of_date = []
        for name in docs.write(REPO, the_spec, source):
            print(f"wrote {name}")
        if source == CASES_SPEC:      # the case files hold the statements of their own spec table only
            for name in case_comments.write(REPO, the_spec):
                print(f"wrote the statements above the case functions of {name}")
    # what the hand-written docs say, held to the code: no command can write it for them
    wrong = doc_checks.problems(REPO, the_spec)
    if args.check and source == CASES_SPEC:
        wrong += case_comments.problems(REPO, the_spec)
    if source == CASES_SPEC:      # each expectation scoped by the versions its reason gives evidence for
        wrong += version_scope.problems(the_spec, source)
    for problem in wrong:
        print(f"mapconf: {problem}", file=sys.stderr)
    return 1 if out_of_date or wrong else 0


def _in_repo(path: Path) -> str:
    """The path as the repository names it (cases/spec.toml), if it is in the repository."""
    try:
        return path.resolve().relative_to(REPO).as_posix()
    except ValueError:
        return str(path)


def cmd_run(args, argv) -> int:
    kind = args.platform
    agents = "native"
    if args.kernel is not None:
        if kind not in ("native", "kernel", "i386", "musl"):
            raise UsageError(f"--kernel boots a kernel for --platform kernel (or i386 or musl, with that agent), "
                             f"not {kind}; drop one of them.")
        agents, kind = (kind if kind in ("i386", "musl") else "native"), "kernel"
    platform = platforms.make(kind, platforms.Options(
        sanitize=args.sanitize, platform_id=args.platform_id, agent_env=dict(args.env), cases=args.cases,
        wrap=args.wrap, wrap_controller=args.wrap_controller, kernel=args.kernel, agents=agents))
    if platform.bundle_only:
        raise UsageError(f"--platform {kind} runs from a bundle carried to its machine: make one with ./mapconf "
                         f"bundle --platform {kind} -o DIR, run DIR's mapconf-run there, then ./mapconf judge DIR"
                         + (" (under Wine here: ./mapconf run --platform wine-bundle)." if kind == "windows" else "."))
    filesystem = None
    if args.filesystem is not None:
        filesystem = filesystems.make(args.filesystem, platform.kind)
        platform.id += "+" + filesystem.name      # what reports show and spec expectations match
        platform.tools += list(filesystem.tools)
    target = None
    if args.target is not None:
        if platform.kind not in ssh_target.PLATFORMS or filesystem is not None:
            raise UsageError(f"--target runs the cases of --platform {', '.join(ssh_target.PLATFORMS)} on another "
                             f"machine, not those of --platform {platform.kind}"
                             + (" or a --filesystem run" if filesystem is not None else "") + "; drop one of them.")
        target = ssh_target.SshTarget(args.target, args.ssh_option)
    elif args.ssh_option:
        raise UsageError("--ssh-option goes with --target ssh:HOST; add the target or drop the option.")
    out = args.out or REPO / "reports" / "out" / platform.id
    opts = RunOptions(platform=platform, spec_path=args.spec, filters=args.filter, jobs=args.jobs,
                      timeout=args.timeout, out=out, command="./mapconf " + shlex.join(argv),
                      quiet=args.quiet, verbose=args.verbose, filesystem=filesystem,
                      expectations=tuple(args.expectations), target=target)
    return run(opts, REPO)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
        if args.command == "list":
            return cmd_list(args)
        if args.command == "run":
            return cmd_run(args, argv)
        if args.command == "explain":
            print(catalogue.explain(spec.load(str(args.spec)), args.id, REPO))
            return 0
        if args.command == "docs":
            return cmd_docs(args)
        if args.command == "expectations":
            print(expectations.update(args.results, args.output, args.spec))
            return 0
        if args.command == "repro":
            return cmd_repro(args)
        if args.command == "bundle":
            return cmd_bundle(args, argv)
        if args.command == "judge":
            return cmd_judge(args)
        if args.command == "report":
            print(report_matrix.report(args.results, args.output, args.baseline))
            return 0
        from selftest.main import WORKERS, selftest
        return selftest(REPO, args.ids, args.step, args.list, args.jobs or WORKERS)
    except (UsageError, catalogue.UnknownAssertion, case_comments.CaseCommentError, spec.SpecError,
            platforms.PlatformError, toolchain.ToolError, trust.Untrusted,
            BuildError, results_schema.ResultsFileError, report_matrix.ReportError,
            expectations.ExpectationsError) as error:
        print(f"mapconf: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mapconf: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`./mapconf list | head`): stop quietly, as other
        # command-line tools do; the devnull keeps Python's final flush from failing too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except Exception:
        traceback.print_exc()
        print("mapconf: internal error (a bug in mapconf); the traceback above says where.", file=sys.stderr)
        return 3
