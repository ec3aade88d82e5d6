"""A lab across machines, cut into the part each machine makes. Pure.

The whole lab is resolved and planned once (addresses, routes, daemons'
configurations: every decision made for all machines at once); each step then
goes to the machine of the namespace it acts in. A veth between two nodes on
different machines becomes a VXLAN on each side (the same id, each machine's
underlay address as its local end and the other's as its remote), made in the
machine's own namespace and put into the node's, under the veth end's name:
what the nodes see (names, addresses, routes) does not change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from nslab.errors import NslabError
from nslab.model.lab import Lab, Spread
from nslab.plan.steps import (
    AddAddress,
    AddVeth,
    AddVxlan,
    RemoveFile,
    SetLinkUp,
    SetMtu,
    SetNeighbourLimits,
    Step,
    WriteFile,
)

VXLAN_OVERHEAD = {4: 50, 6: 70}  # bytes a VXLAN adds over an IPv4 or IPv6 underlay


@dataclass(frozen=True)
class Underlay:
    """What a machine's agent says of its network between the machines."""

    address: str
    mtu: int


@dataclass(frozen=True)
class Slice:
    """What one machine makes of a lab: its steps, its nodes, its cross links."""

    machine: str
    steps: tuple[Step, ...]
    nodes: tuple[str, ...]
    cross: tuple[AddVxlan, ...]


def cross_mtu(spread: Spread, underlays: dict[str, Underlay]) -> int:
    """The MTU of the links between machines: the file's, or the smallest
    underlay MTU less what a VXLAN adds over it."""
    if spread.mtu is not None:
        return spread.mtu
    return min(u.mtu - VXLAN_OVERHEAD[6 if ":" in u.address else 4]
               for u in underlays.values())


def split(lab: Lab, steps: tuple[Step, ...], underlays: dict[str, Underlay]
          ) -> dict[str, Slice]:
    """The lab's plan (`steps`), cut per machine (in the file's order of the
    machines); a machine with no node of the lab gets an empty slice."""
    spread = lab.spread
    assert spread is not None, "a lab on one machine is not split"
    where = dict(spread.placed)
    by_ns = {n.namespace: where[n.name] for n in lab.nodes}
    ns_of = {n.name: n.namespace for n in lab.nodes}
    mtu = cross_mtu(spread, underlays)
    # a layer-2 segment that spans machines (a link between them, or a switch with
    # nodes on other machines): every end in it sends frames the VXLANs carry
    narrow = {(ns_of[node], iface) for seg in lab.segments
              if len({where[n] for n, _i in seg.members} | {where[w] for w in seg.switches}) > 1
              for node, iface in seg.members}
    out: dict[str, list[Step]] = {m.name: [] for m in spread.machines}
    vni = spread.vni
    for s in _narrowed(steps, narrow, mtu, by_ns):
        if isinstance(s, AddVeth) and s.peer_ns is not None and \
                by_ns[s.ns] != by_ns[s.peer_ns]:
            if vni > 2**24 - 1:
                raise NslabError("the lab has more links between machines than VXLAN ids "
                                 "left after cross.vni: give a lower cross.vni")
            a, b = by_ns[s.ns], by_ns[s.peer_ns]
            ua, ub = underlays[a], underlays[b]
            out[a].append(AddVxlan(s.ns, s.name, vni, ua.address, ub.address, spread.port, mtu))
            out[b].append(AddVxlan(s.peer_ns, s.peer_name, vni, ub.address, ua.address,
                                   spread.port, mtu))
            vni += 1
        elif isinstance(s, SetNeighbourLimits):
            for m in out.values():  # each machine's own table
                m.append(s)
        elif isinstance(s, WriteFile | RemoveFile):
            out[where[s.node]].append(s)
        else:
            ns = getattr(s, "ns", None)
            if not isinstance(ns, str) or getattr(s, "peer_ns", "") is None:
                raise NslabError(f"a lab across machines cannot make this on a machine yet: "
                                 f"{s.as_shell().splitlines()[0]}")
            out[by_ns[ns]].append(s)
    return {m: Slice(m, tuple(ss), tuple(n for n, at in spread.placed if at == m),
                     tuple(s for s in ss if isinstance(s, AddVxlan)))
            for m, ss in out.items()}


def _narrowed(steps: tuple[Step, ...], narrow: set[tuple[str, str]], mtu: int,
              by_ns: dict[str, str]) -> list[Step]:
    """The plan with every end of a segment across machines at most `mtu`: a
    larger MTU the file gives is lowered, the others get it (before the first
    address, where the plan sets MTUs), but the VXLAN ends, made with it."""
    out: list[Step] = []
    given = set()
    for s in steps:
        if isinstance(s, SetMtu) and s.ns is not None and (s.ns, s.name) in narrow:
            given.add((s.ns, s.name))
            s = SetMtu(s.ns, s.name, min(s.mtu, mtu))
        out.append(s)
    local = [s for s in steps if isinstance(s, AddVeth) and s.peer_ns is not None
             and by_ns[s.ns] == by_ns[s.peer_ns]]
    veths = {(s.ns, s.name) for s in local} | {(str(s.peer_ns), s.peer_name) for s in local}
    more = [SetMtu(ns, name, mtu) for ns, name in sorted(narrow - given) if (ns, name) in veths]
    at = next((i for i, s in enumerate(out) if isinstance(s, AddAddress | SetLinkUp)), len(out))
    return out[:at] + more + out[at:]


def sliced(lab: Lab, machine: str) -> Lab:
    """The lab as one machine records it: its nodes only."""
    assert lab.spread is not None
    mine = {n for n, at in lab.spread.placed if at == machine}
    return replace(lab, nodes=tuple(n for n in lab.nodes if n.name in mine))


def cross_links(lab: Lab, slices: dict[str, Slice]) -> list[dict[str, Any]]:
    """Every link between machines, once: its VXLAN id, its two ends (node,
    its namespace and interface, machine, underlay address)."""
    node_of = {n.namespace: n.name for n in lab.nodes}
    seen: dict[int, dict[str, Any]] = {}
    for m, sl in slices.items():
        for x in sl.cross:
            seen.setdefault(x.vni, {"vni": x.vni, "mtu": x.mtu, "port": x.port, "ends": []})
            seen[x.vni]["ends"].append({"machine": m, "node": node_of[x.ns], "namespace": x.ns,
                                        "iface": x.name, "underlay": x.local})
    return [seen[k] for k in sorted(seen)]
