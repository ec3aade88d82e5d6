"""Building a lab, all or nothing (what `nslab up` does, and `apply` of a lab
that is not up), and what every change to a lab shares: the machine's facts,
the feature check, the executor with its machine-side hooks, the records
beside the journal. Every change goes through the effect seam
(nslab.kernel.seam); on any failure (or Ctrl-C) what was made is removed from
the lab's own journal (nslab.running.teardown) and the error raised, with
what the rollback could not remove added as notes."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from nslab.errors import (
    ROOT_NEEDED,
    ConflictError,
    MissingFeatureError,
    NotRootError,
    UsageError,
)
from nslab.kernel import features
from nslab.kernel.executor import Executor, Progress
from nslab.kernel.seam import Kernel, RealKernel
from nslab.model.lab import Lab
from nslab.model.serialize import lab_to_dict
from nslab.plan import MachineFacts, Plan, plan
from nslab.plan.build import needs
from nslab.plan.codec import plan_text
from nslab.plan.steps import SetNeighbourLimits, Step
from nslab.plan.wire import wired
from nslab.running import machine_side
from nslab.running.teardown import teardown
from nslab.running.wire import needs_wire, refuse_unwired
from nslab.state import machine as borrowed
from nslab.state.journal import MACHINE_LOCK, Journal, labs, locked


def _thresh(kernel: Kernel, family: int) -> tuple[int, int, int] | None:
    try:
        return kernel.neighbour_thresh(family)
    except OSError:  # not shown outside the machine's first namespace
        return None


def machine_facts(lab: Lab, kernel: Kernel | None = None) -> MachineFacts:
    """What the plan needs of the machine, and the neighbour entries the other
    labs that are up can need (the ARP and NDP tables are the machine's)."""
    k = kernel or RealKernel()
    others = [Journal(o).read().neighbours for o in labs() if o != lab.name]
    return MachineFacts(_thresh(k, 4), _thresh(k, 6) if lab.ipv6 else (128, 512, 1024),
                        k.uplink() if lab.machine and lab.machine.egress == "auto" else None,
                        sum(a for a, _n in others), sum(n for _a, n in others),
                        features.optional_daemons())


def build_plan(lab: Lab, instance: str = "0") -> Plan:
    """The plan `up` would run here (its delayed links through the wire where
    the kernel has no netem; as root only: the kernel is asked)."""
    k = RealKernel()
    if not k.privileged():
        return plan(lab, None, instance)
    p = plan(lab, machine_facts(lab, k), instance)
    return Plan(lab.name, wired(p.steps, lab.name, instance)) if needs_wire(p.steps, k) else p


def require_features(lab: Lab, kernel: Kernel | None = None,
                     present: Iterable[str] = ()) -> None:
    """Fail before anything is made when the kernel lacks what the lab uses,
    in the words of `nslab doctor` (`present`: known to be there, not probed)."""
    known = set(present)
    need = {f: why for f, why in needs(lab).items()
            if f != "netem" and f not in known}  # netem: else the wire
    lacking = (kernel or RealKernel()).missing_features(need)
    if lacking:
        f = lacking[0]
        what = "machine" if f in features.PROGRAMS else "kernel"
        raise MissingFeatureError(f"this {what} lacks {features.words(f)}, which the lab "
                                  f"needs for {need[f]}; nslab doctor lists what this "
                                  "machine has")


@dataclass
class UpResult:
    lab: Lab
    seconds: float
    notes: list[str] = field(default_factory=list)
    uplink: str | None = None  # the machine's interface egress leaves through

    def recorded(self) -> dict[str, Any]:
        """The lab as `up` records it (lab.json): the resolved lab, and on the
        machine side the uplink `egress: auto` found."""
        data = lab_to_dict(self.lab)
        if data["machine"] is not None:
            data["machine"]["uplink"] = self.uplink
        return data


def privileged(kernel: Kernel) -> None:
    if not kernel.privileged():
        raise NotRootError(ROOT_NEEDED)


def up(lab: Lab, source: str | None = None, progress: Progress | None = None,
       on_wait: Any = None, kernel: Kernel | None = None) -> UpResult:
    """Build `lab`, all or nothing; `kernel`: the machine unless told."""
    on_one_machine(lab, "a lab built here in one go (nslab test FILE, the Python API)")
    k = kernel or RealKernel()
    privileged(k)
    t0 = time.perf_counter()
    with locked(lab.name, on_wait):
        journal = _unused(lab.name, lab.namespaces, source, k)
        require_features(lab, k)
        instance = os.urandom(4).hex()  # (as secrets.token_hex, without its imports)
        facts = machine_facts(lab, k)
        notes: list[str] = machine_side.check(lab, facts, k)
        the_plan = plan(lab, facts, instance)
        wire = needs_wire(the_plan.steps, k)
        made = Plan(lab.name, wired(the_plan.steps, lab.name, instance)) if wire else the_plan
        refuse_unwired(made.steps, wire)
        uplink = facts.uplink if lab.machine and lab.machine.egress == "auto" else (
            lab.machine.egress if lab.machine else None)
        _make(journal, made, records(UpResult(lab, 0, [], uplink), the_plan), k, notes,
              progress, source=source, instance=instance, wire=wire,
              neighbours=[lab.neighbours.arp, lab.neighbours.ndisc])
    return UpResult(lab, time.perf_counter() - t0, notes, uplink)


def on_one_machine(lab: Lab, what: str) -> None:
    """A lab across machines is made by `nslab up FILE` (the controller), not
    by what would make it all here (`what`, named in the refusal)."""
    if lab.spread is not None:
        raise UsageError(f"lab '{lab.name}' spans machines (machines: in its file): nslab up "
                         f"FILE makes it on them, nslab test LAB then tests it; {what} makes "
                         "labs on one machine")


def up_slice(name: str, steps: tuple[Step, ...], files: dict[str, Any], needs: dict[str, str],
             namespaces: list[str], source: str | None, instance: str,
             neighbours: list[int], kernel: Kernel | None = None) -> float:
    """Build this machine's part of a lab across machines (planned by the
    controller: `steps`, and the records `files`), all or nothing, journaled
    as `up` journals a lab: `nslab down NAME` here removes it. Its seconds."""
    k = kernel or RealKernel()
    privileged(k)
    t0 = time.perf_counter()
    with locked(name):
        journal = _unused(name, namespaces, source, k)
        lacking = k.missing_features(need for need in needs if need != "netem")
        if lacking:
            raise MissingFeatureError(f"this machine lacks {features.words(lacking[0])}, "
                                      f"which the lab needs for {needs[lacking[0]]}")
        if needs_wire(steps, k):
            raise MissingFeatureError("this machine lacks the kernel's netem (sch_netem), "
                                      "which a delay in a lab across machines needs")
        _make(journal, Plan(name, steps), files | {"plan.json": plan_text(steps)}, k, [],
              None, source=source, instance=instance, wire=False, neighbours=neighbours)
    return time.perf_counter() - t0


def _unused(name: str, namespaces: list[str] | tuple[str, ...], source: str | None,
            k: Kernel) -> Journal:
    """The journal of a lab about to be made: ConflictError when the lab is up
    already, or a namespace it would make exists."""
    journal = Journal(name)
    if journal.exists():
        rec = journal.read()
        where = f" from {rec.source}" if rec.source else ""
        if source and rec.source and rec.source != source:
            raise ConflictError(f"lab name '{name}' is in use by another file{where}; "
                                "rename this lab or take the other one down first")
        raise ConflictError(f"lab '{name}' is already up{where} "
                            f"(nslab down {name}, then up again)")
    taken = [ns for ns in namespaces if k.name_taken(ns)]
    if taken:
        other = next((o for o in labs() if taken[0] in Journal(o).read().namespaces), None)
        if other is not None:
            raise ConflictError(f"namespace {taken[0]} belongs to lab '{other}'; take it "
                                f"down first (nslab down {other}) or choose another "
                                "namespace name")
        raise ConflictError(f"namespace {', '.join(taken[:5])} already exists and nslab "
                            f"did not make it; remove it (ip netns del {taken[0]}) "
                            "or rename the lab")
    return journal


def _make(journal: Journal, made: Plan, files: dict[str, Any], k: Kernel, notes: list[str],
          progress: Progress | None, *, source: str | None, instance: str, wire: bool,
          neighbours: list[int]) -> None:
    """Run `made` journaled, its records beside the journal; whatever fails
    from the first record on is rolled back."""
    ex = executor(journal.lab, journal, k, notes, progress)
    try:
        journal.open()
        journal.write(t="begin", lab=journal.lab, source=source, instance=instance,
                      time=time.time(), neighbours=neighbours, **({"wire": True} if wire else {}))
        journal.stage(files).commit()
        k.prepare_names()
        ex.run(made)
        journal.write(t="up", time=time.time())
    except BaseException as err:
        ex.close()
        _roll_back(journal.lab, journal, err, k)
        raise
    finally:
        ex.close()
        journal.close()


def executor(name: str, journal: Journal, k: Kernel, notes: list[str],
             progress: Progress | None = None) -> Executor:
    """The executor of a lab's steps, with what it needs for the machine's part."""
    ex = Executor(journal, progress, k)
    ex.notes = notes
    ex.neighbour_hook = lambda s: _raise_neighbours(name, s, journal, notes, k)
    ex.machine_sysctl_hook = lambda s: machine_side.set_sysctl(name, s, journal, notes, k)
    ex.shared_dir_hook = lambda path: _hold_dir(name, path, journal, k)
    return ex


def records(res: UpResult, the_plan: Plan) -> dict[str, Any]:
    """What a lab is, beside its journal: the resolved lab (lab.json), its node
    list (nodes.json) and the steps it is made of (plan.json: what apply and
    check compare with)."""
    return {"lab.json": res.recorded(), "nodes.json": node_records(res.lab),
            "plan.json": plan_text(the_plan.steps)}


def node_records(lab: Lab) -> list[dict[str, Any]]:
    """nodes.json: each node's name, kind, namespace, interfaces and the
    addresses that stand for it (Node.standing)."""
    return [{"name": n.name, "kind": n.kind, "namespace": n.namespace,
             "interfaces": [i.name for i in n.interfaces] + ([n.bridge] if n.bridge else []),
             "addresses": [str(a.ip) for a in n.standing]}
            for n in lab.nodes]


def _roll_back(name: str, journal: Journal, err: BaseException, kernel: Kernel) -> None:
    """Undo a failed `up` from its journal; what the rollback could not do is
    added to the original error, never put in its place."""
    try:
        left = teardown(name, journal, kernel).failed
    except Exception as e:  # the original error stays the one raised
        left = [f"the rollback stopped: {e}"]
    for what in left:
        err.add_note(f"not removed: {what} (nslab down {name} tries again)")


def _raise_neighbours(lab: str, s: SetNeighbourLimits, journal: Journal,
                      notes: list[str], kernel: Kernel) -> None:
    journal.write(t="neigh", family=s.family)
    with locked(MACHINE_LOCK):
        before = kernel.neighbour_thresh(s.family)
        borrowed.hold(lab, s.family, s.thresh, lambda: kernel.neighbour_thresh(s.family),
                  lambda v: kernel.set_neighbour_thresh(s.family, v))
    table = "ARP" if s.family == 4 else "NDP"
    notes.append(f"raised the {table} neighbour table limit (gc_thresh3) from {before[2]} to "
                 f"{s.thresh[2]} for this lab; restored when the last lab needing it goes down")


def _hold_dir(lab: str, path: str, journal: Journal, k: Kernel) -> None:
    journal.write(t="shareddir", path=path)
    with locked(MACHINE_LOCK):
        borrowed.hold_dir(lab, path, k.is_dir, k.make_dir)


