"""Steps that show every check can fail for its own reason: under each
injected fault (selftest/faults.py), the assertions it must break FAIL at
their own checks; every (assertion, backend) pair is broken by some fault;
and the faults' carriers with no fault on (the preloaded library, the Win32
agent's fault build) leave the whole catalogue as it is without them, so a
failure under a fault is the fault's doing and nothing else's."""

from __future__ import annotations

from runner import execute, labels, platforms

from . import faults
from .context import Context
from .plan import StepFailed
from .suite_steps import check_ktap


def chosen_entries(ctx: Context, entries: list[str]) -> list[str]:
    return [e for e in entries if ctx.chosen(faults.parse(e)[0])]


def run_under_fault(ctx: Context, family: str, name: str, must_fail: list[str]) -> None:
    """The assertions the fault must break, under it: each listed result FAIL at its check."""
    filters = [arg for i in faults.assertion_ids(must_fail) for arg in ("--filter", i)]
    run_name = f"fault-{name}" if family == "posix" else f"win32-fault-{name}"
    if family == "posix":
        proc, doc = ctx.run_suite(run_name, "--platform", "custom", "--env", f"LD_PRELOAD={ctx.preload}",
                                  "--env", f"MAPCONF_FAULT={name}", *faults.RUN_WITH.get(name, ()), *filters)
    else:
        proc, doc = ctx.run_suite(run_name, "--platform", "wine", "--env", f"MAPCONF_FAULT={name}",
                                  *filters)
        if f"fault build ({name})" not in (doc["run_info"]["runtime"] or ""):
            raise StepFailed(f"run_info does not name the agent's fault build: {doc['run_info']['runtime']!r}")
    missing = faults.missing_failures(doc, must_fail)
    if proc.returncode != 1 or missing:
        raise StepFailed(f"exit {proc.returncode} (expected 1); should have failed: {missing}")
    # a run with unexpected results: a results.ktap that always said "ok" would pass every other run
    check_ktap(ctx.tmp / run_name, doc)


def carrier_without_fault(ctx: Context, family: str) -> None:
    """The fault library preloaded (POSIX), or the Win32 agent's fault build,
    with no fault named: every chosen result as the spec expects, exit 0."""
    if family == "posix":
        proc, doc = ctx.run_suite("faults-off", "--platform", "custom", "--platform-id", "native",
                                  "--env", f"LD_PRELOAD={ctx.preload}", "--env", "MAPCONF_FAULT=", *ctx.filters())
        want = len(ctx.pairs(ctx.platform_backends("native")))
    else:
        proc, doc = ctx.run_suite("win32-faults-off", "--platform", "wine", "--env", "MAPCONF_FAULT=", *ctx.filters())
        want = len(ctx.pairs(ctx.platform_backends("wine")))
        if "fault build" not in (doc["run_info"]["runtime"] or ""):
            raise StepFailed(f"run_info does not name the agent's fault build: {doc['run_info']['runtime']!r}")
    if proc.returncode != 0 or doc["run_info"]["unexpected"] or len(doc["results"]) != want:
        raise StepFailed(f"exit {proc.returncode}, {doc['run_info']['unexpected']} unexpected of "
                         f"{len(doc['results'])} results ({want} wanted):\n{proc.stdout[-2000:]}")


def coverage(ctx: Context, family: str) -> None:
    """Every chosen (assertion, backend) pair of the family is listed under some
    fault at one of its case's own checks. For POSIX, a pair the spec expects to
    fail natively is already seen failing on the real platform; Win32 pairs
    are all listed, those Wine is expected to fail too (at another check)."""
    table = faults.table(family)
    platform = "native" if family == "posix" else "wine"
    backends = ctx.platform_backends(platform)
    pairs = [(a.id, b) for a in ctx.spec.assertions if ctx.chosen(a.id) for b in a.backends
             if b in backends and (family == "win32" or "PASS" in a.expected("native", b)[0])]
    wrong = faults.unlabelled(table) + faults.unknown_labels(case_labels(ctx), table)
    if wrong:
        raise StepFailed(f"entries of selftest/faults.py ({family}) with no check, or one their case does not make: "
                         f"{wrong}")
    left = faults.uncovered(pairs, table)
    if left:
        raise StepFailed(f"no {family} fault in selftest/faults.py makes these fail at their own check: {left}")


def case_labels(ctx: Context) -> dict[str, list[str]]:
    """Each assertion's case's check labels, read from the source its binary names."""
    case_dir = platforms.make("native").case_dir(ctx.repo)
    listings = execute.list_cases(case_dir, sorted({a.binary for a in ctx.spec.assertions}))
    by_case = {listing.case: listing for listing in listings}
    found = {}
    for assertion in ctx.spec.assertions:
        listing = by_case.get(assertion.case)
        if listing:
            source = (ctx.repo / listing.source).read_text(errors="replace")
            found[assertion.id] = labels.case_labels(source, listing.function)
    return found


def add_steps(plan, ctx: Context) -> None:
    for family in faults.FAMILIES:
        lane = "wine" if family == "win32" else None
        who = "Win32 fault" if family == "win32" else "fault"
        plan.add(f"{family}-fault-coverage", f"every (assertion, {family} backend) pair is made to fail at its own "
                 "check by some fault", lambda family=family: coverage(ctx, family))
        has = bool(ctx.pairs(ctx.platform_backends("native" if family == "posix" else "wine")))
        if has:
            carrier = ("the fault library preloaded with no fault on" if family == "posix"
                       else "the Win32 agent's fault build with no fault on")
            plan.add(f"{family}-faults-off", f"{carrier}: every result as the spec expects",
                     lambda family=family: carrier_without_fault(ctx, family), lane=lane)
        for name, entries in faults.table(family).items():
            must_fail = chosen_entries(ctx, entries)
            if must_fail:
                plan.add(f"{family}-fault-{name}", f"{who} {name} fails {', '.join(must_fail)}",
                         lambda family=family, name=name, must_fail=must_fail:
                         run_under_fault(ctx, family, name, must_fail), lane=lane)
