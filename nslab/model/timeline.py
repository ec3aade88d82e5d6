"""Resolve the file's `timeline:`: names checked (a link between two nodes
must exist), `for:` expanded into the event that ends the fault, the pairs to
probe decided. Pure."""

from __future__ import annotations

from nslab.errors import Problem
from nslab.model.lab import EventAction, Lab, Timeline, TimelineEvent
from nslab.spec.schema import LabSpec
from nslab.spec.timeline import EventSpec
from nslab.units import link_setting

MAX_PAIRS = 50  # pairs probed by default (every host pair, at most)


def _links(lab: Lab) -> set[tuple[str, str]]:
    return {(i.node, i.peer_node) for n in lab.nodes for i in n.interfaces}


def _event(k: int, e: EventSpec, lab: Lab, problems: list[Problem]) -> list[TimelineEvent]:
    where: tuple[str | int, ...] = ("timeline", "events", k)
    names = {n.name for n in lab.nodes}
    name = e.name or f"e{k + 1}"
    if e.node is not None:
        if e.node not in names:
            problems.append(Problem((*where, "node"), f"node '{e.node}' is not defined",
                                    f"nodes: {', '.join(sorted(names)[:12])}"))
            return []
        action: EventAction = "stop" if e.state == "stopped" else "start"
        out = [TimelineEvent(name, e.at, "node", (e.node,), action)]
        if e.for_:
            out.append(TimelineEvent(f"{name}-end", e.at + e.for_, "node", (e.node,), "start",
                                     ends=name))
        return out
    target = tuple(e.link) if isinstance(e.link, list) else (str(e.link),)
    if not _link_exists(lab, target, names):
        problems.append(Problem((*where, "link"), f"lab has no link {' '.join(target)}",
                                "a link is two linked nodes [A, B], or one end NODE:IFACE"))
        return []
    props: tuple[tuple[str, str], ...] = ()
    if e.set_ is not None:
        for key, value in e.set_.items():
            try:
                link_setting(key, value)
            except ValueError as err:
                problems.append(Problem((*where, "set", key), str(err), ""))
                return []
        props = tuple(sorted(e.set_.items()))
    act: EventAction = "set" if props else ("down" if e.state == "down" else "up")
    out = [TimelineEvent(name, e.at, "link", target, act, props)]
    if e.for_:
        out.append(TimelineEvent(f"{name}-end", e.at + e.for_, "link", target,
                                 "up" if act == "down" else "clear", ends=name))
    return out


def _link_exists(lab: Lab, target: tuple[str, ...], names: set[str]) -> bool:
    if len(target) == 1:
        node, _, iface = target[0].partition(":")
        return node in names and any(i.name == iface for i in lab.node(node).interfaces)
    a, b = (t.partition(":")[0] for t in target)
    return (a, b) in _links(lab)


def resolve_timeline(spec: LabSpec, lab: Lab, problems: list[Problem]) -> Timeline | None:
    t = spec.timeline
    if t is None:
        return None
    events: list[TimelineEvent] = []
    for k, e in enumerate(t.events):
        events += _event(k, e, lab, problems)
    seen: set[str] = set()
    for k, e in enumerate(t.events):
        name = e.name or f"e{k + 1}"
        if name in seen or (name.endswith("-end") and name[:-4] in seen):
            problems.append(Problem(("timeline", "events", k, "name"),
                                    f"two events are named '{name}'",
                                    "names are unique (NAME-end is the end of NAME's for:)"))
        seen |= {name, f"{name}-end"} if e.for_ else {name}
    names = {n.name for n in lab.nodes}
    if t.probe is not None:
        for k, (a, b) in enumerate(t.probe):
            for node in (a, b):
                if node not in names:
                    problems.append(Problem(("timeline", "probe", k),
                                            f"node '{node}' is not defined", ""))
        pairs = tuple((a, b) for a, b in t.probe)
    else:
        pairs = _default_pairs(spec, lab)
    return Timeline(tuple(sorted(events, key=lambda ev: ev.at)), pairs, t.every, t.tail,
                    t.cut_after)


def _default_pairs(spec: LabSpec, lab: Lab) -> tuple[tuple[str, str], ...]:
    """The file's reach expectations' pairs, else every pair of hosts."""
    names = {n.name for n in lab.nodes}
    from_file = list(dict.fromkeys(
        (e.from_, e.to) for e in spec.test.expect
        if e.from_ in names and e.to in names and e.reach and e.from_ and e.to))
    if from_file:
        return tuple((a, b) for a, b in from_file if a and b)
    hosts = [n.name for n in lab.nodes if n.kind == "host" and n.interfaces]
    pairs = [(a, b) for a in hosts for b in hosts if a < b]
    return tuple(pairs[:MAX_PAIRS])
