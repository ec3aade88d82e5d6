"""The record of a lab that is up, as the verbs that read or change it need
it: its plan (plan.json), its link ends as its file made them (lab.json) and
as `nslab link` changed them since (the journal), and the plan as it is meant
to be now (nslab.plan.overrides: the file plus what link, node and timelines
changed)."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING

from nslab.errors import LabNotFoundError, NotFoundError, NslabError, UsageError
from nslab.names import lab_argument
from nslab.plan.codec import steps_from_text
from nslab.plan.overrides import End, overridden, quiet
from nslab.plan.steps import AddNamespace, AddRoute, Step
from nslab.running.wire import on_machine
from nslab.state.journal import Journal, Record
from nslab.state.record import recorded

if TYPE_CHECKING:
    from nslab.model.recorded import RecordedLab

__all__ = ["End", "changed", "ends", "expected", "find", "lab_record", "now", "recorded_plan"]


# lab.json as last read, by its path: (the file's identity, the record); a record
# is read once per version of the file, however many readers one command has (the
# last lab read only)
_READ: dict[str, tuple[tuple[int, int, int], RecordedLab]] = {}


def _identity(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def lab_record(lab: str) -> RecordedLab:
    """A running lab as up recorded it (lab.json), typed; a lab that is not up
    is a LabNotFoundError, a record not of its shape a DamagedRecordError.
    Read again only when the file changed (apply writes a new one)."""
    name = lab_argument(lab)
    path = os.path.join(Journal(name).dir, "lab.json")
    seen, cached = _READ.get(path, (None, None))
    if cached is not None and seen == _identity(path) and Journal(name).exists():
        return cached
    before = _identity(path)
    journal, data = recorded(name)
    from nslab.model.recorded import lab_from_dict  # (not for apply's own path: ~4 ms)

    try:
        rec = lab_from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise journal.damaged_file("lab.json", f"it does not read as a lab ({e!r})") from None
    _READ.clear()  # the last one only: a long-lived process keeps no lab that went
    if before is not None and before == _identity(path):  # not replaced while read
        _READ[path] = (before, rec)
    return rec


def recorded_uplink(lab: str) -> str | None:
    """The machine's interface `egress: auto` found when the lab went up (read
    from lab.json without typing its every node: apply wants this alone)."""
    data = Journal(lab).read_file("lab.json")
    if data is None:
        return lab_record(lab).uplink  # (says why there is no record)
    machine = data.get("machine") or {}
    uplink = machine.get("uplink") if isinstance(machine, dict) else None
    return uplink if isinstance(uplink, str) else None


def recorded_plan(name: str, known: tuple[Step, ...] = (), rec: Record | None = None
                  ) -> tuple[Journal, Record, tuple[Step, ...]]:
    """A running lab's journal, and the steps it is made of (plan.json);
    `known`: steps of a new plan, to take rather than decode (codec); `rec`:
    the journal, when read (intact) already."""
    journal = Journal(name)
    if not journal.exists():
        raise LabNotFoundError(f"lab '{name}' is not up (nslab list shows the labs that are up)")
    rec = rec or journal.read_intact()
    text = journal.read_text("plan.json")
    if text is None:
        raise NslabError(f"lab '{name}' has no recorded plan (made by an older nslab, or its "
                         f"up was cut short): nslab down {name}, then up again")
    try:
        steps = steps_from_text(text, known)
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        raise journal.damaged_file("plan.json", f"a step does not decode ({e})") from None
    return journal, rec, steps


def file_ends(lab: str) -> dict[str, End]:
    """Every link end of a running lab as its file made it."""
    return {f"{n.name}:{i.name}": End(n.name, i.name, n.namespace, True, i.rate_bps, i.loss,
                                      False, netem=i.netem)
            for n in lab_record(lab).nodes for i in n.interfaces}


def _ends(lab: str, rec: Record | None = None) -> dict[str, End]:
    """Every link end of a running lab, as the file made it and then as nslab
    link changed it (`rec`: its journal, when read already)."""
    out = file_ends(lab)
    for name, now in (rec or Journal(lab).read()).link_ends.items():
        if name in out:
            out[name] = replace(out[name], up=now["up"], rate_bps=now["rate_bps"],
                                loss=now["loss"], mtu=now.get("mtu"), changed=now["changed"])
            if "netem" in now:  # else the file's
                from nslab.model.recorded import netem_from_dict

                out[name] = replace(out[name], netem=netem_from_dict(now["netem"]))
    return out


def ends(lab: str) -> list[End]:
    """Every link end of a running lab as it is meant to be now: as its file
    made it, then as nslab link changed it."""
    return list(_ends(lab).values())


def _peer_of(lab: str) -> dict[str, str]:
    return {f"{n.name}:{i.name}": i.peer for n in lab_record(lab).nodes for i in n.interfaces}


def find(lab: str, names: list[str]) -> tuple[list[End], list[End]]:
    """The ends `names` point at: `A B` (the link between nodes A and B, an end
    may say its interface) or `A:IFACE` (that end only); and their peers."""
    ends, peer = _ends(lab), _peer_of(lab)
    if len(names) == 1:
        if names[0] not in ends:
            raise NotFoundError(f"lab '{lab}' has no link end '{names[0]}' (write NODE:IFACE; "
                                f"nslab status {lab} lists them)")
        e = ends[names[0]]
        return [e], [ends[peer[e.name]]] if peer.get(e.name) in ends else []
    if len(names) != 2:
        raise UsageError("name a link by its two nodes (A B) or one end (NODE:IFACE)")
    a, b = names
    found = [(ends[x], ends[y]) for x, y in peer.items()
             if x in ends and y in ends and _matches(x, a) and _matches(y, b)]
    if not found:
        raise NotFoundError(f"lab '{lab}' has no link between {a} and {b}")
    if len(found) > 1:
        raise UsageError(f"{a} and {b} share {len(found)} links: name the interface "
                         f"({', '.join(x.name for x, _ in found)})")
    x, y = found[0]
    return [x, y], [y, x]


def _matches(end: str, asked: str) -> bool:
    return end == asked or end.split(":")[0] == asked


def changed(lab: str) -> list[End]:
    """The link ends a running lab has that differ from its file."""
    return [e for e in _ends(lab).values() if e.changed]


def now(steps: tuple[Step, ...], lab: str, stopped: set[str],
        ends_now: list[End] | None = None, rec: Record | None = None) -> tuple[Step, ...]:
    """The plan `steps` as it is meant to be now, on this machine: with the
    link ends as `nslab link` left them (or `ends_now`), the nodes `stopped`
    stopped, and its delayed links through the wire where the lab has one
    (`rec`: its journal, when read already)."""
    rec = rec or Journal(lab).read()
    node_ns = {s.node: s.ns for s in steps if isinstance(s, AddNamespace)}
    every = ends_now if ends_now is not None else list(_ends(lab, rec).values())
    mine = [e for e in every if e.node in node_ns]
    return on_machine(overridden(steps, mine, {node_ns[n] for n in stopped if n in node_ns}),
                      lab, rec)


def expected(steps: tuple[Step, ...], lab: str, stopped: set[str], rec: Record | None = None
             ) -> tuple[tuple[Step, ...], set[str]]:
    """What `check` compares with the kernel: the plan as it is meant to be now,
    less the routes of the namespaces with an end down or stopped (the kernel
    dropped what it dropped there: not compared); and those namespaces (`rec`:
    the lab's journal, when read already)."""
    rec = rec or Journal(lab).read()
    if not stopped and not any(v["changed"] for v in rec.link_ends.values()):
        return on_machine(steps, lab, rec), set()  # nothing overridden: no end looked at
    node_ns = {s.node: s.ns for s in steps if isinstance(s, AddNamespace)}
    mine = [e for e in _ends(lab, rec).values() if e.node in node_ns]
    calm = quiet(mine, {node_ns[n] for n in stopped if n in node_ns})
    return tuple(s for s in now(steps, lab, stopped, mine, rec)
                 if not (isinstance(s, AddRoute) and s.ns in calm)), calm
