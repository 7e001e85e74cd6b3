"""Steps where the cases run on another machine than the runner's, which
judges what comes back (runner/ssh_target.py): here an sshd of the step's
own on the loopback address stands for a machine with no Python."""

from __future__ import annotations

import json
import subprocess
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


# A machine with nothing installed: the bundle's directory as the root of a
# private mount namespace, with the kernel's own filesystems and nothing else.
NOTHING_INSTALLED = """set -e
for d in proc sys dev tmp; do mkdir -p "$1/$d"; done
mount -t proc proc "$1/proc"
mount --rbind /sys "$1/sys"
mount --rbind /dev "$1/dev"
mount -t tmpfs -o mode=1777 tmpfs "$1/tmp"
cd "$1"
exec chroot . ./mapconf-run
"""


def bundle_by_hand(ctx: Context) -> None:
    """./mapconf bundle, then DIR/mapconf-run as the root of an otherwise
    empty machine (no C library, no shell, no /etc: a chroot into the
    bundle), then ./mapconf judge: every result as the spec expects, and
    run_info naming the bundle and the machine it ran on."""
    bundle = ctx.tmp / "bundle"
    made = ctx.mapconf("bundle", "-o", str(bundle), *ctx.filters())
    if made.returncode != 0:
        raise StepFailed(f"./mapconf bundle failed (exit {made.returncode}): {made.stderr[-800:]}")
    ran = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", NOTHING_INSTALLED,
                          "sh", str(bundle)], env={}, capture_output=True, text=True, timeout=900,
                         stdin=subprocess.DEVNULL)
    if ran.returncode != 0:
        raise StepFailed(f"mapconf-run in the bundle exited {ran.returncode}: {ran.stderr[-800:]}")
    proc = ctx.mapconf("judge", str(bundle), "-q", "-o", str(ctx.tmp / "bundle-judged"))
    doc = json.loads((ctx.tmp / "bundle-judged" / "results.json").read_text()) \
        if (ctx.tmp / "bundle-judged" / "results.json").exists() else None
    want = len(ctx.pairs(ctx.platform_backends("native")))
    if proc.returncode != 0 or doc is None or len(doc["results"]) != want:
        raise StepFailed(f"./mapconf judge: exit {proc.returncode}, {len(doc['results']) if doc else 'no'} results "
                         f"of {want}: {proc.stdout[-2500:]}{proc.stderr[-500:]}")
    undeclared = [f"{r['id']} [{r['backend']}]" for r in doc["results"]
                  if r["status"] == "SKIP" and "SKIP" not in r["expected"]]
    info = doc["run_info"]
    if undeclared or info.get("target") != "bundle:bundle" or info["os"] != "unknown":
        raise StepFailed(f"undeclared SKIPs {undeclared[:5]}; run_info names the target {info.get('target')!r} "
                         f"and the OS {info['os']!r} (a chroot with no /etc has none)")


def add_steps(plan, ctx: Context, everything: bool) -> None:
    plan.add("target-bundle", "a bundle run by hand as the root of a machine with nothing else installed, then "
             "judged: every result as the spec expects", lambda: bundle_by_hand(ctx))
    plan.add("target-ssh", "the catalogue on a target reached with ssh (an sshd on the loopback address): every "
             "result as on native, the cases run there, nothing left there", lambda: catalogue_over_ssh(ctx))
