"""nslab check: read a running lab back from the kernel and compare it with
what its file and its journal say should be there (nslab.running.readback).
Each difference says what is expected, what is there, and who probably changed
it. `--repair` puts back what it may through the same diff and executor as
`apply`, leaves alone what someone else put in the lab's place, and lists it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from nslab.kernel.seam import Kernel, RealKernel
from nslab.plan.build import Plan
from nslab.plan.diff import Change, changes
from nslab.plan.lives import lives_on, widened, without
from nslab.running.build import privileged
from nslab.running.change import run_change
from nslab.running.readback import Difference, observe
from nslab.running.record import expected, recorded_plan
from nslab.state.journal import locked

__all__ = ["CheckResult", "Difference", "check", "expected", "observe", "recorded_plan"]


@dataclass
class CheckResult:
    lab: str
    compared: int  # steps of the plan compared with the kernel
    differences: list[Difference]
    seconds: float
    repaired: Change | None = None
    after: list[Difference] = field(default_factory=list)  # what a repair left
    # what repair left alone, and why (the user's objects in the lab's place),
    # and how many more differences live on them (addresses, routes on a link)
    unrepaired: list[Difference] = field(default_factory=list)
    on_unrepaired: int = 0

    @property
    def ok(self) -> bool:
        if self.repaired is None:
            return not self.differences
        return not (self.after or self.unrepaired or self.on_unrepaired)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": 1, "lab": self.lab, "ok": self.ok, "compared": self.compared,
            "seconds": round(self.seconds, 4),
            "differences": [d.to_dict() for d in self.differences]}
        if self.repaired is not None:
            out["repair"] = [s.as_shell() for s in self.repaired.steps]
            out["left"] = [d.to_dict() for d in self.after]
            out["unrepaired"] = [d.to_dict() for d in self.unrepaired]
            out["on_unrepaired"] = self.on_unrepaired
        return out


def check(name: str, repair: bool = False, kernel: Kernel | None = None,
          stopped: set[str] | None = None) -> CheckResult:
    """Compare a running lab with its plan; with `repair`, put it back."""
    k = kernel or RealKernel()
    privileged(k)
    t0 = time.perf_counter()
    with locked(name):
        journal, rec, steps = recorded_plan(name)
        want, quiet = expected(steps, name, rec.stopped if stopped is None else stopped, rec)
        have, diffs, stop = observe(want, rec, k, quiet)
        result = CheckResult(name, len(want), diffs, 0.0)
        if repair and diffs:
            # what lives on the user's objects is left out; the rest is repaired
            blocked = {d.blocks for d in diffs if d.blocks is not None}
            change = changes(without(have, blocked), Plan(name, tuple(without(want, blocked))))
            change = replace(change, steps=tuple(stop) + change.steps)
            run_change(name, journal, change, k, "repair")
            result.repaired = change
            _h, after, _s = observe(want, journal.read(), k, quiet)
            wide = widened(want, blocked)
            result.unrepaired = [d for d in after if d.blocks is not None]
            rest = [d for d in after if d.blocks is None]
            result.after = [d for d in rest if d.about is None or not lives_on(d.about) & wide]
            result.on_unrepaired = len(rest) - len(result.after)
    result.seconds = time.perf_counter() - t0
    return result
