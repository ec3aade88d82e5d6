"""nslab apply and nslab diff: change a running lab into what a (new) file
says, touching only what differs (nslab.plan.diff), journaled like `up`.

The running lab is what its recorded plan says (plan.json), as `nslab link`
changed it since. A change is announced in the journal before its first step
and closed after its last; one that was cut short (a crash, SIGKILL) leaves
the lab's state unknown, so the next apply reads the kernel instead
(nslab.verbs.check) and goes from what is really there. A failure rolls back
the same way: from what the kernel holds to the plan the lab had.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from nslab.errors import ConflictError
from nslab.kernel.executor import Progress
from nslab.kernel.seam import Kernel, RealKernel
from nslab.model.lab import Lab
from nslab.plan import plan
from nslab.plan.build import Plan, in_use, marker
from nslab.plan.diff import Change, changes
from nslab.plan.steps import Step
from nslab.running.build import (
    UpResult,
    machine_facts,
    on_one_machine,
    privileged,
    records,
    require_features,
)
from nslab.running.build import up as build
from nslab.running.change import close, run_change, with_stops
from nslab.running.record import expected, recorded_plan, recorded_uplink
from nslab.running.wire import needs_wire, on_machine, refuse_unwired, take_wire
from nslab.state.journal import Journal, Record, locked


@dataclass
class ApplyResult:
    lab: Lab
    change: Change
    seconds: float
    built: bool = False  # the lab was not up: apply built it
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        c = self.change
        return {"version": 1, "lab": self.lab.name, "built": self.built,
                "seconds": round(self.seconds, 4), "steps": [s.as_shell() for s in c.steps],
                "nodes": {"added": list(c.nodes_added), "removed": list(c.nodes_removed),
                          "remade": list(c.nodes_remade), "changed": list(c.nodes_changed)},
                "links": {"added": list(c.links_added), "removed": list(c.links_removed)},
                "notes": self.notes}


def _current(name: str, k: Kernel, target: tuple[Step, ...], rec: Record | None = None
             ) -> tuple[Journal, Record, tuple[Step, ...], list[Step], tuple[Step, ...]]:
    """The running lab: its journal, its plan as recorded (with the changes
    nslab link made since), and the steps in place now: that plan, or after a
    change cut short, what the kernel satisfies of the old plan and the new
    (with the daemons to stop first where some died); and the plan as recorded."""
    journal, rec, steps = recorded_plan(name, target, rec)
    if not rec.complete:
        raise ConflictError(f"lab '{name}' was not fully made (its up was cut short): "
                            f"nslab down {name}, then up again")
    by_hand = rec.stopped - timeline_stopped(rec)
    if by_hand:
        raise ConflictError(f"node {', '.join(sorted(by_hand))} of lab '{name}' is stopped: "
                            f"start it first (nslab node {name} {min(by_hand)} start)")
    # a timeline run cut short: what it stopped is started by this change
    now, quiet = expected(steps, name, rec.stopped, rec)
    if rec.changing is None:
        return journal, rec, now, [], steps
    rec = _claim(name, journal, rec, k)
    union = tuple(dict.fromkeys((*now, *target)))
    from nslab.running.readback import observe  # (reads the kernel: after a cut-short change)

    have, _diffs, stop = observe(union, rec, k, quiet)
    return journal, rec, tuple(have), stop, steps


def timeline_stopped(rec: Record) -> set[str]:
    """The nodes a timeline run that was cut short stopped (apply starts them)."""
    return {str(ev["target"][0]) for ev in rec.playing or []
            if ev.get("kind") == "node" and ev.get("target")} & rec.stopped


def _claim(name: str, journal: Journal, rec: Record, k: Kernel) -> Record:
    """Namespaces a change cut short made but did not record the inode of:
    those that carry this lab's marker are recorded (as down would find them)."""
    unsure = {ns: rec.nodes.get(ns, "") for ns, ino in rec.namespaces.items() if ino is None}
    found = {}
    for ns, node in unsure.items():
        ino = k.namespace_inode(ns)
        try:
            ours = ino is not None and k.namespace_marker(ns) == marker(name, node, rec.instance)
        except OSError:
            ours = False
        if ours:
            found[ns] = (node, ino)
    if not found:
        return rec
    journal.open()
    try:
        for ns, (node, ino) in found.items():
            journal.write(t="ns", name=ns, node=node, ino=ino)
    finally:
        journal.close()
    return journal.read()


def diff(lab: Lab, kernel: Kernel | None = None) -> Change:
    """What apply would do to the running lab `lab.name`; changes nothing."""
    on_one_machine(lab, "nslab diff")
    k = kernel or RealKernel()
    privileged(k)
    if not Journal(lab.name).exists():  # apply would build it: all of its plan
        whole = plan(lab, machine_facts(lab, k))
        return Change(lab.name, whole.steps, tuple(n.name for n in lab.nodes))
    rec = Journal(lab.name).read()
    target, _wire = _on_machine(plan(lab, machine_facts(lab, k), rec.instance), rec, k)
    _j, _r, current, stop, _old = _current(lab.name, k, target.steps)
    return with_stops(changes(current, target), stop)


def _on_machine(logical: Plan, rec: Record, k: Kernel) -> tuple[Plan, bool]:
    """A new plan for a running lab as this machine makes it, and whether its
    delays go through the wire (the lab has one, or the new plan brings the
    first delay to a kernel without netem)."""
    wire = rec.wire or needs_wire(logical.steps, k)
    return Plan(logical.lab, on_machine(logical.steps, logical.lab,
                                        replace(rec, wire=wire))), wire


def apply(lab: Lab, source: str | None = None, kernel: Kernel | None = None,
          progress: Progress | None = None, on_wait: Any = None) -> ApplyResult:
    """Make the running lab what `lab` says; a lab that is not up is built."""
    on_one_machine(lab, "nslab apply")
    k = kernel or RealKernel()
    privileged(k)
    t0 = time.perf_counter()
    if not Journal(lab.name).exists():
        res: UpResult = build(lab, source, progress, on_wait, k)
        target = plan(lab)
        return ApplyResult(lab, Change(lab.name, target.steps, tuple(
            n.name for n in lab.nodes)), res.seconds, True, res.notes)
    with locked(lab.name, on_wait):
        rec = Journal(lab.name).read_intact()
        logical = plan(lab, machine_facts(lab, k), rec.instance)
        target, wire = _on_machine(logical, rec, k)
        journal, rec, current, stop, old = _current(lab.name, k, target.steps, rec)
        change = with_stops(changes(current, target), stop)
        if change.empty and rec.changing is None and not _link_changes(rec) \
                and rec.playing is None:
            return ApplyResult(lab, change, time.perf_counter() - t0)
        require_features(lab, k, in_use(old))  # what the lab has made is there
        refuse_unwired(target.steps, wire)
        take_wire(journal, rec, wire)
        # the new records first: a full disk stops the apply before any change
        uplink = rec_uplink(journal) if lab.machine else None  # (recorded with the machine side)
        staged = journal.stage(records(UpResult(lab, 0, [], uplink), logical))
        try:
            notes = run_change(lab.name, journal, change, k, "apply", progress, source)
        except BaseException as err:
            staged.discard()
            _roll_back(lab.name, journal, old, target.steps, k, err)
            raise
        staged.commit()
        _settle_link_ends(journal, rec, lab)
        _settle_timeline(journal, rec)
        close(journal, "apply")
    return ApplyResult(lab, change, time.perf_counter() - t0, False, notes)


def rec_uplink(journal: Journal) -> str | None:
    return recorded_uplink(journal.lab)


def _link_changes(rec: Record) -> bool:
    return any(v["changed"] for v in rec.link_ends.values())


def _settle_link_ends(journal: Journal, rec: Record, lab: Lab) -> None:
    """The ends `nslab link` changed are as the file says again."""
    ends = {f"{i.node}:{i.name}": i for n in lab.nodes for i in n.interfaces}
    journal.open()
    try:
        for end, v in rec.link_ends.items():
            if v["changed"] and end in ends:
                journal.write(t="linkend", end=end, up=True, rate_bps=ends[end].rate_bps,
                              loss=ends[end].loss, changed=False)
    finally:
        journal.close()


def _settle_timeline(journal: Journal, rec: Record) -> None:
    """A timeline run cut short is over: the nodes it stopped run again."""
    if rec.playing is None:
        return
    journal.open()
    try:
        for node in sorted(timeline_stopped(rec)):
            journal.write(t="node", node=node, state="running", time=time.time())
        journal.write(t="timeline", state="done", time=time.time(), by="apply")
    finally:
        journal.close()


def _roll_back(name: str, journal: Journal, old: tuple[Step, ...], new: tuple[Step, ...],
               k: Kernel, err: BaseException) -> None:
    """Back to the lab as it was (its old plan), from what the kernel holds now
    of the old plan and of the new one."""
    try:
        rec = journal.read()
        want, quiet = expected(old, name, set(), rec)
        from nslab.running.readback import observe

        have, _d, stop = observe(tuple(dict.fromkeys((*want, *new))), rec, k, quiet)
        back = with_stops(changes(have, Plan(name, want)), stop)
        run_change(name, journal, back, k, "rollback")
        close(journal, "rollback")
    except Exception as e:  # the original error stays the one raised
        err.add_note(f"the rollback stopped: {e} (nslab check {name} --repair, or "
                     f"nslab down {name})")
    else:
        err.add_note(f"the lab is as it was before the apply ({len(back.steps)} step(s) "
                     "undone)")

