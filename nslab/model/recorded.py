"""A running lab as `up` recorded it (lab.json), typed: the one reader of that
record (`lab_from_dict`), so that no verb picks fields out of its JSON. Pure:
`nslab.running.record.lab_record` reads the file and names it when damaged."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nslab.errors import NotFoundError
from nslab.model.lab import LabTests, Netem, Timeline
from nslab.model.serialize import tests_from_dict, timeline_from_dict


@dataclass(frozen=True)
class RecordedInterface:
    name: str
    peer: str  # "NODE:IFACE" at the other end of its link
    addresses: tuple[str, ...]  # with their prefix lengths
    master: str | None
    mtu: int | None
    rate_bps: int | None
    loss: float | None
    netem: Netem | None = None  # delay, jitter... on what it sends

    @property
    def peer_node(self) -> str:
        return self.peer.split(":", 1)[0]

    @property
    def peer_end(self) -> tuple[str, str]:
        node, _, iface = self.peer.partition(":")
        return node, iface


@dataclass(frozen=True)
class RecordedDaemons:
    suite: str
    daemons: tuple[str, ...]  # as the file asked (a suite may start more: mgmtd)
    protocols: tuple[str, ...]
    router_id: str | None
    asn: int | None
    peers: tuple[tuple[str | None, str], ...]  # BGP: (node or None, address)
    ospf_neighbours: tuple[str, ...]  # nodes


@dataclass(frozen=True)
class RecordedNode:
    name: str
    kind: str
    namespace: str
    interfaces: tuple[RecordedInterface, ...]
    loopback: str | None
    daemons: RecordedDaemons | None
    expected: tuple[str, ...]  # prefixes its table must hold once routing converged
    loopback6: str | None = None  # beside an IPv4 loopback (dual stack)

    def interface(self, name: str) -> RecordedInterface:
        for i in self.interfaces:
            if i.name == name:
                return i
        have = ", ".join(i.name for i in self.interfaces) or "none"
        raise NotFoundError(f"node '{self.name}' has no interface '{name}' (it has {have})")

    def addresses(self) -> set[str]:
        """Every address of the node (its interfaces' and its loopback's), bare."""
        out = {a.split("/")[0] for i in self.interfaces for a in i.addresses}
        out |= {a.split("/")[0] for a in self.loopbacks()}
        return out

    def loopbacks(self) -> list[str]:
        """Its loopback's addresses (address/prefix)."""
        return [a for a in (self.loopback, self.loopback6) if a]


@dataclass(frozen=True)
class RecordedLab:
    name: str
    nodes: tuple[RecordedNode, ...]
    uplink: str | None  # the machine's interface `egress: auto` found at up
    tests: LabTests
    timeline: Timeline | None
    data: Mapping[str, Any]  # the record itself: what graph and the web page draw

    def node(self, name: str) -> RecordedNode:
        for n in self.nodes:
            if n.name == name:
                return n
        raise NotFoundError(f"lab '{self.name}' has no node '{name}' (nodes: "
                            f"{', '.join(n.name for n in self.nodes)})")

    def has(self, name: str) -> bool:
        return any(n.name == name for n in self.nodes)


def netem_from_dict(d: Mapping[str, Any] | None) -> Netem | None:
    """A netem setting as lab.json and the journal hold it (None: none)."""
    if not d:
        return None
    return Netem(float(d["delay_ms"]), float(d["jitter_ms"]), float(d["duplicate"]),
                 float(d["reorder"]), float(d["corrupt"]), str(d.get("distribution", "uniform")))


def _interface(d: Mapping[str, Any]) -> RecordedInterface:
    return RecordedInterface(d["name"], d["peer"], tuple(d["addresses"]), d.get("master"),
                             d.get("mtu"), d.get("rate_bps"), d.get("loss"),
                             netem_from_dict(d.get("netem")))


def _daemons(d: Mapping[str, Any] | None) -> RecordedDaemons | None:
    if not d:
        return None
    return RecordedDaemons(d["suite"], tuple(d["daemons"]), tuple(d.get("protocols", ())),
                           d.get("router_id"), d.get("asn"),
                           tuple((p.get("node"), p["address"]) for p in d.get("bgp_peers", ())),
                           tuple(d.get("ospf_neighbours", ())))


def _node(d: Mapping[str, Any]) -> RecordedNode:
    return RecordedNode(d["name"], d["kind"], d["namespace"],
                        tuple(_interface(i) for i in d["interfaces"]), d.get("loopback"),
                        _daemons(d.get("daemons")), tuple(d.get("expected") or ()),
                        d.get("loopback6"))


def lab_from_dict(data: Mapping[str, Any]) -> RecordedLab:
    """lab.json (`nslab.model.serialize.lab_to_dict` plus what up found) as a
    typed record. A record not of that shape raises KeyError, TypeError or
    ValueError (the reader names the file as damaged)."""
    machine = data.get("machine") or {}
    return RecordedLab(data["name"], tuple(_node(n) for n in data["nodes"]),
                       machine.get("uplink"), tests_from_dict(data.get("test")),
                       timeline_from_dict(data.get("timeline")), data)
