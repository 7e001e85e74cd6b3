"""The selftest's steps and how they are run: each step is a named check
that passes or fails with a reason, and steps that do not depend on each
other run side by side.

A step names the steps whose outputs it reads (`after`); a step in a lane
runs after the lane's earlier steps and never beside them (Wine's prefix
serves one run at a time, so every Wine step is in one lane, which keeps
the other workers free while it waits): of a lane's steps that are ready,
the first in the plan goes first. A lane is a chain of steps that cannot
run beside each other, the longest in the plan, so a free worker goes to a
ready lane step before any other: a lane left waiting behind steps that
could have run beside it is what the whole selftest then waits for. The
`last` steps run once everything else has ended. A step whose step-before
failed fails too, saying which: nothing is skipped quietly.
"""

from __future__ import annotations

import fnmatch
import resource
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable


class StepFailed(Exception):
    pass


@dataclass
class Step:
    key: str                     # what --step names: short, stable, lowercase words joined by hyphens
    title: str                   # what the step proves, as the report line says it
    run: Callable[[], str | None]   # what it returns is said on its report line (counts, versions)
    after: tuple[str, ...] = ()  # keys of the steps whose outputs this one reads
    lane: str | None = None      # steps of one lane run one at a time, in order
    last: bool = False           # runs once every other step has ended


@dataclass
class Outcome:
    step: Step
    error: str | None
    seconds: float
    cpu_seconds: float = 0.0    # this process's and its children's: the step's own only when steps run one at a time
    note: str | None = None     # what a step that passed says of what it saw


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)

    def add(self, key: str, title: str, run: Callable[[], str | None], **kw) -> None:
        if any(s.key == key for s in self.steps):
            raise ValueError(f"two selftest steps are keyed {key}")
        self.steps.append(Step(key, title, run, **kw))

    def chosen(self, patterns: list[str]) -> list[Step]:
        """The steps whose keys match a pattern (all with none), with the steps they read from."""
        if not patterns:
            return list(self.steps)
        wanted = {s.key for s in self.steps if any(fnmatch.fnmatchcase(s.key, p) for p in patterns)}
        for step in reversed(self.steps):
            if step.key in wanted:
                wanted |= set(step.after)
        return [s for s in self.steps if s.key in wanted]


def _one(step: Step) -> Outcome:
    started, cpu = time.monotonic(), _cpu()
    note = None
    try:
        note = step.run()
        error = None
    except StepFailed as failed:
        error = str(failed)
    except Exception as crashed:   # a crash of a step is that step's failure
        error = repr(crashed)
    return Outcome(step, error, time.monotonic() - started, _cpu() - cpu, note)


def execute(steps: list[Step], workers: int, report: Callable[[Outcome], None]) -> list[Outcome]:
    """Run the steps, up to `workers` at once, each when what it reads is done
    and its lane is free; report each outcome as it comes."""
    keys = {s.key for s in steps}
    pending = [s for s in steps if not s.last]
    finals = [s for s in steps if s.last]
    outcomes: dict[str, Outcome] = {}
    busy_lanes: set[str] = set()
    running: dict[Future, Step] = {}

    def ready(step: Step) -> bool:
        lane_free = step.lane is None or step.lane not in busy_lanes
        return lane_free and all(k in outcomes for k in step.after if k in keys)

    def finish(outcome: Outcome) -> None:     # in this thread only: the workers just run steps
        outcomes[outcome.step.key] = outcome
        report(outcome)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        while pending or running:
            progressed = True
            while progressed:        # a step that fails unrun can make another ready
                progressed = False
                for step in sorted(pending, key=lambda s: s.lane is None):    # a lane's steps first
                    if len(running) >= workers or not ready(step):
                        continue
                    progressed = True
                    broken = [k for k in step.after if k in outcomes and outcomes[k].error]
                    pending.remove(step)
                    if broken:
                        finish(Outcome(step, f"not run: the step it reads from failed ({', '.join(broken)})", 0.0))
                        continue
                    if step.lane:
                        busy_lanes.add(step.lane)
                    running[pool.submit(_one, step)] = step
            if not running:
                if pending:    # what is left waits on itself: a plan's mistake, said as each step's failure
                    for step in pending:
                        finish(Outcome(step, "not run: it waits on a step that waits on it", 0.0))
                    pending.clear()
                continue
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                step = running.pop(future)
                if step.lane:
                    busy_lanes.discard(step.lane)
                finish(future.result())
    for step in finals:
        finish(_one(step))
    return [outcomes[s.key] for s in steps]
