"""Steps that boot a kernel under qemu-system and run cases in it (run
--kernel, runner/platforms/kernel.py): Debian's current 6.1 kernel and its
PREEMPT_RT flavour, each taken out of its package (never installed), and a
guest kernel crashed, then one halted, on purpose in the middle of a run."""

from __future__ import annotations

import time

from .context import Context
from .own_runs import processes_of_run
from .plan import StepFailed
from .suite_steps import check_reports, suite_as_expected

KERNEL = "debian:6.1"
RT_KERNEL = "debian:6.1-rt"
# musl's agent in a guest: the areas where the C library is what a case meets.
MUSL_AREAS = ("NAME-*", "LIB-*", "SYNC-*")
# BRK-011 crashes the guest's kernel and BRK-012 halts it, between cases that must still have their
# results: a guest for the cases up to the crash, one for the halt, one for the cases after it.
CRASH_RUN = ("BRK-001", "BRK-011", "BRK-012", "BRK-006", "BRK-010")
CRASH_OUTCOMES = {"BRK-001": "PASS", "BRK-011": "ERROR", "BRK-012": "ERROR", "BRK-006": "FAIL", "BRK-010": "SKIP"}
CRASH_BOOTS = 3
# A halted guest is found when the case's bound and the answer's margin (case_host.ANSWER_MARGIN_S)
# pass: the smaller the bound, the shorter the step. A case takes 0.1 to 1 s in a TCG guest, a few
# seconds when the two cores are busy with other work; 5 s leaves it room, and the hang costs 20 s.
CRASH_TIMEOUT_S = 5
# Three boots (11 to 21 s each under load), the hang's 20 s, the cases: well within this.
CRASH_RUN_BOUND_S = 180


def vm_problems(doc: dict, release_prefix: str, preempt: str) -> list[str]:
    """What run_info fails to say of the booted kernel."""
    info = doc["run_info"]
    vm = info.get("vm") or {}
    wrong = []
    if not info["kernel"].startswith(f"Linux {release_prefix}") or vm.get("release", "") not in info["kernel"]:
        wrong.append(f"run_info names the kernel {info['kernel']!r}, its vm {vm.get('release')!r}")
    if preempt not in vm.get("version", ""):
        wrong.append(f"the kernel's version string {vm.get('version')!r} does not say {preempt}")
    if not vm.get("package", "").startswith("linux-image-") or vm.get("accelerator") not in ("tcg", "kvm"):
        wrong.append(f"run_info's vm names no package or accelerator: {vm}")
    if not vm.get("boots") or not vm.get("boot_s"):
        wrong.append(f"run_info's vm says no boot: {vm}")
    return wrong


def catalogue_on(ctx: Context, step: str, kernel: str, preempt: str) -> None:
    """The catalogue on one of Debian's 6.1 kernels (the PREEMPT_RT flavour as
    the stable one: its scheduling, threaded interrupts and sleeping locks, is
    what the views, the release and the process-shared locks meet there):
    every result as the spec expects of kernel-*, run_info naming the kernel,
    its flavour, its package and the accelerator."""
    doc = suite_as_expected(ctx, step, "kernel", "--kernel", kernel)
    wrong = vm_problems(doc, "6.1.", preempt)
    if wrong:
        raise StepFailed("; ".join(wrong))
    check_reports(ctx.tmp / step, doc)


def musl_on_debian_6_1(ctx: Context) -> None:
    """musl's agent in a guest of Debian's 6.1 kernel (--platform musl --kernel),
    over the areas where the C library is what a case meets (names, shared
    libraries, process-shared locks): as the spec expects, and the agent is
    musl's, as NAME-007 shows (musl's shm_open answers ENAMETOOLONG where
    glibc's says EINVAL)."""
    filters = ctx.filters() or [arg for area in MUSL_AREAS for arg in ("--filter", area)]
    proc, doc = ctx.run_suite("kernel-musl", "--platform", "musl", "--kernel", KERNEL, *filters)
    undeclared = [f"{r['id']} [{r['backend']}]" for r in doc["results"]
                  if r["status"] == "SKIP" and "SKIP" not in r["expected"]]
    wrong = vm_problems(doc, "6.1.", "PREEMPT_DYNAMIC")
    if proc.returncode != 0 or doc["run_info"]["unexpected"] or undeclared or not doc["results"]:
        wrong.append(f"exit {proc.returncode}, undeclared SKIPs {undeclared[:5]}:\n{proc.stdout[-3000:]}")
    if not doc["run_info"]["platform_id"].endswith("-musl"):
        wrong.append(f"the platform id {doc['run_info']['platform_id']!r} does not name musl")
    told = {r["observed"] for r in doc["results"] if (r["id"], r["backend"]) == ("NAME-007", "posix-shm")}
    if told and told != {"PASS"}:
        wrong.append(f"NAME-007 [posix-shm] was {told}: the agent in the guest was not musl's")
    if wrong:
        raise StepFailed("; ".join(wrong))


def guest_kernel_crash(ctx: Context) -> None:
    """A case that crashes the guest's kernel (BRK-011, the sysrq trigger) and
    one that halts it (BRK-012) in the middle of a run: the first is an ERROR
    naming the kernel panic, with the console from there, the second an ERROR
    naming a target hang, with the console's end; the cases after them ran,
    each broken guest replaced by a new one; no qemu of the run is left."""
    filters = [arg for case in CRASH_RUN for arg in ("--filter", case)]
    started = time.monotonic()
    proc, doc = ctx.run_suite("kernel-crash", "--kernel", KERNEL, "--spec",
                              str(ctx.repo / "selftest/broken_cases/broken.toml"), "--cases", "selftest-cases",
                              "-j", "1", "--timeout", str(CRASH_TIMEOUT_S), *filters)
    took = time.monotonic() - started
    results = {r["id"]: r for r in doc["results"]}
    observed = {case: r["observed"] for case, r in results.items()}
    wrong = [] if observed == CRASH_OUTCOMES else [f"outcomes {observed}, expected {CRASH_OUTCOMES}"]
    crashed = results.get("BRK-011", {"message": "", "check": None})
    if crashed["check"] != "case-host" or \
            "kernel panic: Kernel panic - not syncing: sysrq triggered crash" not in crashed["message"]:
        wrong.append(f"BRK-011 does not name the kernel panic: {crashed['check']}: {crashed['message'][:300]!r}")
    if "sysrq_handle_crash" not in crashed["message"]:
        wrong.append("BRK-011's message has no console excerpt (no sysrq_handle_crash in its call trace)")
    halted = results.get("BRK-012", {"message": "", "check": None})
    # the reason opens the explanation of the answer that never came
    if halted["check"] != "case-host" or "(target hang: the guest answers nothing; the console:" \
            not in halted["message"]:
        wrong.append(f"BRK-012 does not name a target hang: {halted['check']}: {halted['message'][:300]!r}")
    if "reboot: System halted" not in halted["message"]:
        wrong.append("BRK-012's message has no console excerpt (no \"reboot: System halted\" at its end)")
    if [r["id"] for r in doc["results"]] != list(CRASH_RUN):
        wrong.append(f"the cases ran in the order {[r['id'] for r in doc['results']]}, not {list(CRASH_RUN)}")
    if (doc["run_info"].get("vm") or {}).get("boots") != CRASH_BOOTS:
        wrong.append(f"the guest was booted {(doc['run_info'].get('vm') or {}).get('boots')} times, "
                     f"not {CRASH_BOOTS}")
    if proc.returncode != 0:
        wrong.append(f"exit {proc.returncode} although every outcome was expected:\n{proc.stdout[-2000:]}")
    if took > CRASH_RUN_BOUND_S:
        wrong.append(f"the run took {took:.0f} s, more than its bound of {CRASH_RUN_BOUND_S} s")
    left = processes_of_run(doc["run_info"]["run_id"])
    if left:
        wrong.append(f"processes of the run (its qemu) outlived it: {left}")
    if wrong:
        raise StepFailed("; ".join(wrong) + f"\nBRK-011: {crashed['message'][-1500:]}"
                         f"\nBRK-012: {halted['message'][-1500:]}")


def add_steps(plan, ctx: Context, everything: bool) -> None:
    if not ctx.pairs(ctx.platform_backends("kernel")):
        return      # a proof of Win32 assertions alone has nothing to run in a Linux guest
    plan.add("suite-kernel", "full suite on Debian's 6.1 kernel booted under qemu-system: as the spec expects, "
             "run_info naming the kernel", lambda: catalogue_on(ctx, "suite-kernel", KERNEL, "PREEMPT_DYNAMIC"))
    plan.add("kernel-rt", "full suite on Debian's 6.1 PREEMPT_RT kernel under qemu-system: as the spec expects, "
             "run_info naming the kernel", lambda: catalogue_on(ctx, "kernel-rt", RT_KERNEL, "PREEMPT_RT"))
    plan.add("kernel-musl", "NAME, LIB and SYNC with musl's agent on Debian's 6.1 kernel under qemu-system: as "
             "the spec expects, the agent musl's", lambda: musl_on_debian_6_1(ctx))
    if everything:
        plan.add("kernel-crash", "a guest kernel crashed by a case (sysrq), then one halted by the next: the "
                 "first an ERROR naming the panic, the second a target hang, each with the console; the cases "
                 "after them run on a guest booted again",
                 lambda: guest_kernel_crash(ctx))
