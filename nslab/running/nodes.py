"""A node of a running lab stopped or started (what `nslab node LAB NODE
stop|start|restart` and timelines do): a node taken out of a running lab
as if its power were cut, and brought back as its file says. Stopping sets its
link ends down (its neighbours see the carrier go) and ends its services and
routing daemons; its namespace, addresses and configuration stay. Both go
through the same diff and executor as `apply`, and are journaled (`status`
and `check` know a stopped node is meant to be so)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from nslab.errors import NotFoundError, UsageError
from nslab.kernel.seam import Kernel, RealKernel
from nslab.plan.build import Plan
from nslab.plan.diff import Change, changes
from nslab.plan.steps import AddNamespace
from nslab.running.build import privileged
from nslab.running.change import run_change
from nslab.running.record import now as planned_now
from nslab.running.record import recorded_plan
from nslab.state.journal import Journal, locked

ACTIONS = ("stop", "start", "restart")


@dataclass(frozen=True)
class NodeResult:
    lab: str
    node: str
    state: str  # stopped | running
    steps: tuple[str, ...]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "lab": self.lab, "node": self.node, "state": self.state,
                "steps": list(self.steps), "seconds": round(self.seconds, 4)}


def _change(name: str, journal: Journal, node: str, stop: bool, k: Kernel) -> Change:
    rec = journal.read()
    steps = recorded_plan(name)[2]
    now = set(rec.stopped)
    then = now | {node} if stop else now - {node}
    current = planned_now(steps, name, now)
    target = planned_now(steps, name, then)
    change = changes(current, Plan(name, target))
    journal.open()
    try:  # announced first: a cut stop or start is finished by check --repair
        journal.write(t="node", node=node, state="stopped" if stop else "running",
                      time=time.time())
    finally:
        journal.close()
    run_change(name, journal, change, k, f"node {'stop' if stop else 'start'}")
    journal.open()
    try:
        journal.write(t="changed", what="node", time=time.time())
    finally:
        journal.close()
    return change


def node(lab: str, name: str, action: str, kernel: Kernel | None = None) -> NodeResult:
    if action not in ACTIONS:
        raise UsageError(f"no node action '{action}' (actions: {', '.join(ACTIONS)})")
    k = kernel or RealKernel()
    privileged(k)
    t0 = time.perf_counter()
    with locked(lab):
        journal, rec, steps = recorded_plan(lab)
        nodes = [s.node for s in steps if isinstance(s, AddNamespace)]
        if name not in nodes:
            raise NotFoundError(f"lab '{lab}' has no node '{name}' (nodes: "
                                f"{', '.join(nodes[:20])})")
        done: list[str] = []
        if action in ("stop", "restart") and name not in rec.stopped:
            done += [s.as_shell() for s in _change(lab, journal, name, True, k).steps]
        if action in ("start", "restart"):
            done += [s.as_shell() for s in _change(lab, journal, name, False, k).steps]
        state = "stopped" if name in journal.read().stopped else "running"
    return NodeResult(lab, name, state, tuple(done), time.perf_counter() - t0)
