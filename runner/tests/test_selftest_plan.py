"""The selftest's scheduler: steps side by side, but a lane's one at a time and
first, a step after what it reads, a failed step's readers failed unrun, the last
steps last, and a chosen step brings what it reads."""

import threading
import time
import unittest

from selftest import plan as plans


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.running: set[str] = set()
        self.events: list[tuple[str, str, frozenset]] = []

    def step(self, key: str, seconds: float = 0.02, fail: bool = False):
        def run():
            with self.lock:
                self.events.append(("start", key, frozenset(self.running)))
                self.running.add(key)
            time.sleep(seconds)
            with self.lock:
                self.running.discard(key)
                self.events.append(("end", key, frozenset(self.running)))
            if fail:
                raise plans.StepFailed(f"{key} failed on purpose")
        return run

    def started_beside(self, key: str) -> frozenset:
        return next(beside for what, k, beside in self.events if what == "start" and k == key)

    def order(self, what: str) -> list[str]:
        return [k for w, k, _ in self.events if w == what]


class PlanTest(unittest.TestCase):
    def test_steps_run_side_by_side_but_a_lane_one_at_a_time(self):
        r, plan = Recorder(), plans.Plan()
        plan.add("w1", "W1", r.step("w1", 0.1), lane="wine")
        plan.add("w2", "W2", r.step("w2"), lane="wine")
        plan.add("a", "A", r.step("a", 0.1))
        outcomes = plans.execute(plan.steps, 3, lambda o: None)
        self.assertTrue(all(o.error is None for o in outcomes))
        self.assertIn("w1", r.started_beside("a"))        # side by side
        self.assertNotIn("w1", r.started_beside("w2"))    # the lane waits
        self.assertLess(r.order("end").index("w1"), r.order("start").index("w2"))

    def test_a_free_worker_goes_to_a_lane_first(self):
        r, plan = Recorder(), plans.Plan()
        plan.add("a", "A", r.step("a"))
        plan.add("b", "B", r.step("b"))
        plan.add("w1", "W1", r.step("w1"), lane="wine")
        plan.add("w2", "W2", r.step("w2"), lane="wine")
        plans.execute(plan.steps, 1, lambda o: None)
        self.assertEqual(r.order("start"), ["w1", "w2", "a", "b"])

    def test_a_step_runs_after_what_it_reads_and_fails_unrun_when_that_failed(self):
        r, plan = Recorder(), plans.Plan()
        plan.add("suite", "suite", r.step("suite", fail=True))
        plan.add("page", "page", r.step("page"), after=("suite",))
        plan.add("bench", "bench", r.step("bench"), after=("page",))
        seen = []
        outcomes = {o.step.key: o for o in plans.execute(plan.steps, 2, seen.append)}
        self.assertEqual(r.order("start"), ["suite"])
        self.assertIn("not run: the step it reads from failed (suite)", outcomes["page"].error)
        self.assertIn("(page)", outcomes["bench"].error)
        self.assertEqual(len(seen), 3)                    # every step is reported, none quietly left out

    def test_the_last_steps_run_once_everything_else_has_ended(self):
        r, plan = Recorder(), plans.Plan()
        plan.add("end", "end", r.step("end"), last=True)
        plan.add("long", "long", r.step("long", 0.1))
        plan.add("short", "short", r.step("short"))
        plans.execute(plan.steps, 3, lambda o: None)
        self.assertEqual(r.order("start")[-1], "end")
        self.assertEqual(r.started_beside("end"), frozenset())

    def test_a_crash_is_the_steps_failure_and_the_rest_go_on(self):
        plan = plans.Plan()
        plan.add("crash", "crash", lambda: 1 / 0)
        plan.add("fine", "fine", lambda: None)
        outcomes = {o.step.key: o for o in plans.execute(plan.steps, 1, lambda o: None)}
        self.assertIn("ZeroDivisionError", outcomes["crash"].error)
        self.assertIsNone(outcomes["fine"].error)

    def test_what_a_step_returns_is_its_note(self):
        plan = plans.Plan()
        plan.add("counts", "counts", lambda: "6 tests passed")
        plan.add("quiet", "quiet", lambda: None)
        outcomes = {o.step.key: o for o in plans.execute(plan.steps, 1, lambda o: None)}
        self.assertEqual(outcomes["counts"].note, "6 tests passed")
        self.assertIsNone(outcomes["quiet"].note)

    def test_a_chosen_step_brings_what_it_reads(self):
        plan = plans.Plan()
        for key, after in (("suite-native", ()), ("suite-wine", ()), ("browser-index", ("suite-native",))):
            plan.add(key, key, lambda: None, after=after)
        self.assertEqual([s.key for s in plan.chosen(["browser-*"])], ["suite-native", "browser-index"])
        self.assertEqual(len(plan.chosen([])), 3)

    def test_two_steps_may_not_share_a_key(self):
        plan = plans.Plan()
        plan.add("a", "A", lambda: None)
        with self.assertRaises(ValueError):
            plan.add("a", "again", lambda: None)


if __name__ == "__main__":
    unittest.main()
