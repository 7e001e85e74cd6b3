"""Steps where the cases run on another machine than the runner's, which
judges what comes back (runner/ssh_target.py): here an sshd of the step's
own on the loopback address stands for a machine with no Python."""

from __future__ import annotations

from pathlib import Path

from .context import Context
from .loopback_sshd import loopback_sshd
from .plan import StepFailed
from .suite_steps import suite_as_expected


def catalogue_over_ssh(ctx: Context) -> None:
    """The catalogue through --target ssh:root@127.0.0.1: every result as the
    spec expects of native, run_info naming the target, the cases' objects
    in the target's directory (so the cases ran there, not here), and that
    directory gone after the run."""
    with loopback_sshd(ctx.tmp / "sshd") as options:
        extra = [arg for option in options for arg in ("--ssh-option", option)]
        doc = suite_as_expected(ctx, "target-ssh", "native", "--target", "ssh:root@127.0.0.1", *extra)
    info = doc["run_info"]
    remote = Path(f"/tmp/mapconf-target-{info['run_id']}")
    wrong = []
    if info.get("target") != "ssh:root@127.0.0.1":
        wrong.append(f"run_info names the target {info.get('target')!r}")
    file_results = [r for r in doc["results"] if r["backend"] == "file" and r["status"] == "PASS"]
    elsewhere = [f"{r['id']} [file]" for r in file_results if f"{remote}/run/objects/" not in r["evidence"]["transcript"]]
    if not file_results or elsewhere:
        wrong.append(f"file objects not made in the target's directory {remote}: {elsewhere[:5] or 'no file result'}")
    if remote.exists():
        wrong.append(f"the target's directory {remote} was left behind")
    if wrong:
        raise StepFailed("; ".join(wrong))


def add_steps(plan, ctx: Context, everything: bool) -> None:
    plan.add("target-ssh", "the catalogue on a target reached with ssh (an sshd on the loopback address): every "
             "result as on native, the cases run there, nothing left there", lambda: catalogue_over_ssh(ctx))
