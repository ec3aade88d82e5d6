"""A running lab's links changed (what `nslab link` and timelines do): down,
up, flap, a rate, a loss, and put back as the file has them. Each change is
journaled before it is made (what `status` reports as changed) and made by the
same executor as `up`, through the same steps; what it makes lives inside the
lab's namespaces and goes with them at `down`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from ipaddress import ip_address, ip_network
from typing import Any

from nslab.errors import NotFoundError, UsageError, require_root
from nslab.kernel.apply import Executor
from nslab.kernel.seam import Kernel, RealKernel
from nslab.model.lab import Nexthop
from nslab.names import lab_argument
from nslab.plan.build import Plan
from nslab.plan.steps import (
    AddRoute,
    ClearRate,
    LoadNftRuleset,
    SetLinkDown,
    SetLinkUp,
    SetRate,
    Step,
    loss_ruleset,
)
from nslab.spec.schema import link_rate, percent
from nslab.state.journal import Journal, locked

ACTIONS = ("show", "set", "clear", "down", "up", "flap")


@dataclass(frozen=True)
class End:
    """One end of a link as it is now: `rate_bps` caps what it sends, `loss` is
    the share of what arrives on it that is dropped."""

    node: str
    iface: str
    namespace: str
    up: bool
    rate_bps: float | None
    loss: float | None
    changed: bool  # differs from the file

    @property
    def name(self) -> str:
        return f"{self.node}:{self.iface}"


@dataclass(frozen=True)
class LinkView:
    lab: str
    ends: tuple[End, ...]  # the ends asked about (one, or both of the link)
    peers: tuple[End, ...]  # the other end of each
    steps: tuple[str, ...] = ()  # what was done, as commands

    def to_dict(self) -> dict[str, Any]:
        return {"lab": self.lab, "ends": [asdict(e) | {"name": e.name} for e in self.ends],
                "peers": [asdict(e) | {"name": e.name} for e in self.peers],
                "steps": list(self.steps)}


def _file_ends(lab: str) -> dict[str, End]:
    """Every link end of a running lab as its file made it."""
    data = Journal(lab_argument(lab)).read_file("lab.json")
    if data is None:
        raise NotFoundError(f"lab '{lab}' is not up (nslab list shows the labs that are up)")
    return {f"{n['name']}:{i['name']}": End(n["name"], i["name"], n["namespace"], True,
                                            i.get("rate_bps"), i.get("loss"), False)
            for n in data["nodes"] for i in n["interfaces"]}


def _ends(lab: str) -> dict[str, End]:
    """Every link end of a running lab, as the file made it and then as nslab
    link changed it."""
    out = _file_ends(lab)
    for name, now in Journal(lab).read().link_ends.items():
        if name in out:
            out[name] = replace(out[name], up=now["up"], rate_bps=now["rate_bps"],
                                loss=now["loss"], changed=now["changed"])
    return out


def ends(lab: str) -> list[End]:
    """Every link end of a running lab as it is meant to be now: as its file
    made it, then as nslab link changed it."""
    return list(_ends(lab).values())


def _peer_of(lab: str) -> dict[str, str]:
    data = Journal(lab).read_file("lab.json") or {}
    return {f"{n['name']}:{i['name']}": i["peer"] for n in data.get("nodes", [])
            for i in n["interfaces"]}


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


def wanted(lab: str, ends: list[End], peers: list[End], action: str,
           props: dict[str, str]) -> dict[str, End]:
    """The new state of every end the change touches (by name). `set` on a link
    applies rate and loss to both directions; on one end, to what it sends (its
    rate, and the loss at its peer's way in)."""
    files = _file_ends(lab)
    out: dict[str, End] = {}
    if action in ("down", "up"):
        for e in ends:
            out[e.name] = replace(e, up=action == "up")
    elif action == "clear":
        for e in [*ends, *peers]:
            out[e.name] = files[e.name]
    elif action == "set":
        bad = set(props) - {"rate", "loss"}
        if bad or not props:
            raise UsageError("set takes rate=RATE and/or loss=PERCENT (rate=1mbit loss=5%)")
        try:
            rate = link_rate(props["rate"]) if "rate" in props else None
            loss = percent(props["loss"]) if "loss" in props else None
        except ValueError as err:
            raise UsageError(str(err)) from None
        for k, end in enumerate(ends):
            if rate is not None:
                out[end.name] = replace(out.get(end.name) or end, rate_bps=rate)
            peer = peers[k] if k < len(peers) else None
            if loss is not None and peer is not None:
                out[peer.name] = replace(out.get(peer.name) or peer, loss=loss or None)
    for name, e in out.items():
        f = files[name]
        out[name] = replace(e, changed=(e.up, e.rate_bps, e.loss) != (f.up, f.rate_bps, f.loss))
    return out


def steps_for(before: dict[str, End], after: dict[str, End],
              routes: dict[str, list[AddRoute]] | None = None) -> list[Step]:
    """The steps from `before` to `after` (ends by name); `routes`: each node's
    routes as up made them, put back on a node whose link comes up (the kernel
    drops the routes through an interface that goes down). Pure."""
    steps: list[Step] = []
    back = sorted({e.node for n, e in after.items() if e.up and not before[n].up})
    for name, new in after.items():
        old = before[name]
        if new.rate_bps != old.rate_bps:
            steps.append(SetRate(new.namespace, new.iface, new.rate_bps, replace=True)
                         if new.rate_bps else ClearRate(new.namespace, new.iface))
        if new.up != old.up:
            steps.append(SetLinkUp(new.namespace, new.iface) if new.up
                         else SetLinkDown(new.namespace, new.iface))
    for node in sorted({e.node for n, e in after.items() if e.loss != before[n].loss}):
        mine = [(e.iface, e.loss) for e in ({**before, **after}).values()
                if e.node == node and e.loss]
        ns = next(e.namespace for e in after.values() if e.node == node)
        steps.append(LoadNftRuleset(ns, node, loss_ruleset(mine, fresh=True)))
    for node in back:
        steps += (routes or {}).get(node, [])
    return steps


def recorded_routes(lab: str) -> dict[str, list[AddRoute]]:
    """Each node's routes as `up` made them (lab.json), as steps that replace."""
    data = Journal(lab).read_file("lab.json") or {}
    return {n["name"]: [AddRoute(n["namespace"], ip_network(r["dst"]), tuple(
        Nexthop(ip_address(h["via"]) if h["via"] else None, h["dev"])
        for h in r["nexthops"]), replace=True) for r in n["routes"]]
        for n in data.get("nodes", [])}


def change(lab: str, names: list[str], action: str, props: dict[str, str] | None = None,
           kernel: Kernel | None = None) -> LinkView:
    """Make the change: journaled first, then the steps, under the lab's lock."""
    if action not in ACTIONS:
        raise UsageError(f"no link action '{action}' (actions: {', '.join(ACTIONS)})")
    ends, peers = find(lab, names)
    if action == "show":
        return LinkView(lab, tuple(ends), tuple(peers))
    require_root()
    k = kernel or RealKernel()
    with locked(lab):
        Journal(lab).read_intact()  # a damaged journal cannot say what to change
        before = _ends(lab)
        ends = [before[e.name] for e in ends]
        peers = [before[p.name] for p in peers]
        after = wanted(lab, ends, peers, action, props or {})
        steps = steps_for(before, after, recorded_routes(lab))
        journal = Journal(lab)
        journal.open()
        ex = Executor(journal, None, k)
        try:
            for e in after.values():
                journal.write(t="linkend", end=e.name, up=e.up, rate_bps=e.rate_bps,
                              loss=e.loss, changed=e.changed)
            ex.adopt(sorted({e.namespace for e in after.values()}))
            ex.run(Plan(lab, tuple(steps)))
        finally:
            ex.close()
            journal.close()
        now = _ends(lab)
        return LinkView(lab, tuple(now[e.name] for e in ends),
                        tuple(now[p.name] for p in peers), tuple(s.as_shell() for s in steps))


def flap(lab: str, names: list[str], period: float, count: int,
         on_change: Callable[[LinkView], None] | None = None,
         kernel: Kernel | None = None) -> LinkView:
    """Down for half of `period`, up for the other half, `count` times."""
    view = change(lab, names, "show")
    for _ in range(count):
        for action in ("down", "up"):
            view = change(lab, names, action, kernel=kernel)
            if on_change:
                on_change(view)
            time.sleep(period / 2)
    return view


def changed(lab: str) -> list[End]:
    """The link ends a running lab has that differ from its file."""
    return [e for e in _ends(lab).values() if e.changed]
