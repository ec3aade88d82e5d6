"""The resolved lab as plain data (JSON-ready), for the state record and for
`--json` output. Pure."""

from __future__ import annotations

import dataclasses
from typing import Any

from nslab.model.lab import (
    Daemons,
    Expectation,
    Lab,
    LabTests,
    MachineEnd,
    MachineSide,
    Route,
    Timeline,
    TimelineEvent,
)


def route_to_dict(r: Route) -> dict[str, Any]:
    return {"dst": str(r.dst), "origin": r.origin,
            "nexthops": [{"via": str(h.via) if h.via else None, "dev": h.dev}
                         for h in r.nexthops]}


def lab_to_dict(lab: Lab) -> dict[str, Any]:
    return {
        "name": lab.name,
        "routing": lab.routing,
        "ipv6": lab.ipv6,
        "nodes": [{
            "name": n.name, "kind": n.kind, "namespace": n.namespace,
            "interfaces": [{
                "name": i.name, "peer": f"{i.peer_node}:{i.peer_name}",
                "addresses": [str(a) for a in i.addresses], "master": i.master,
                "mtu": i.mtu, "rate_bps": i.rate_bps, "loss": i.loss,
                "netem": i.netem.to_dict() if i.netem else None,
            } for i in n.interfaces],
            "routes": [route_to_dict(r) for r in n.routes],
            "services": [{"name": s.name, "argv": list(s.argv)} for s in n.services],
            "policy": _plain(dataclasses.asdict(n.policy)) if n.policy else None,
            "resolver": dataclasses.asdict(n.resolver) if n.resolver else None,
            "loopback": str(n.loopback) if n.loopback else None,
            "daemons": _daemons(n.daemons) if n.daemons else None,
            "expected": [str(p) for p in n.expected],
            "ecmp_hash": n.ecmp_hash,
        } | ({"loopback6": str(n.loopback6)} if n.loopback6 else {}) for n in lab.nodes],
        "segments": [{
            "subnets": [str(s) for s in (seg.subnet4, seg.subnet6) if s is not None],
            "members": [f"{n}:{i}" for n, i in seg.members],
            "switches": list(seg.switches),
        } | ({"unnumbered": True} if seg.unnumbered else {}) for seg in lab.segments],
        "machine": machine_to_dict(lab.machine) if lab.machine else None,
        "neighbours": {"arp": lab.neighbours.arp, "ndisc": lab.neighbours.ndisc},
        "hosts_files": bool(lab.hosts),
        "test": tests_to_dict(lab.tests),
        "timeline": _plain(dataclasses.asdict(lab.timeline)) if lab.timeline else None,
    }


def _daemons(d: Daemons) -> dict[str, Any]:
    return {"suite": d.suite, "daemons": list(d.daemons), "protocols": list(d.protocols),
            "router_id": d.router_id, "asn": d.asn, "generated": d.generated,
            "bgp_peers": [{"node": n or None, "address": a} for n, a in d.peers],
            "ospf_neighbours": list(d.ospf_neighbours)}


def _end(e: MachineEnd) -> dict[str, Any]:
    return {"node": e.node, "iface": e.iface, "host_iface": e.machine_ifname,
            "addresses": [str(a) for a in e.node_addresses],
            "host_addresses": [str(a) for a in e.host_addresses]}


def machine_to_dict(side: MachineSide) -> dict[str, Any]:
    """What the lab puts on the machine: its veths (the machine's end named),
    its bridge with the gateway addresses and ports, egress, port forwards,
    the machine's routes into the lab and whether it forwards."""
    b = side.bridge
    return {
        "links": [_end(e) for e in side.links],
        "bridge": {"name": b.name, "addresses": [str(a) for a in b.addresses],
                   "ports": [_end(e) for e in b.ports]} if b else None,
        "egress": side.egress,
        "forwards": [_plain(dataclasses.asdict(f)) for f in side.forwards],
        "routes": [route_to_dict(r) for r in side.routes],
        "forwarding": side.forwarding,
    }


def _plain(v: Any) -> Any:
    """Addresses and networks as text, tuples as lists: JSON-ready."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if v is None or isinstance(v, bool | int | float | str):
        return v
    return str(v)


def timeline_from_dict(d: dict[str, Any] | None) -> Timeline | None:
    """The `timeline` part of lab_to_dict, back (a running lab's record)."""
    if not d:
        return None
    return Timeline(tuple(TimelineEvent(e["name"], e["at"], e["kind"], tuple(e["target"]),
                                        e["action"], tuple((k, v) for k, v in e["props"]),
                                        e.get("ends")) for e in d["events"]),
                    tuple((a, b) for a, b in d["probes"]), d["every"], d["tail"],
                    int(d.get("cut_after", 3)))


def tests_to_dict(tests: LabTests) -> dict[str, Any]:
    return {"timeout": tests.timeout, "converge": tests.converge, "settle": tests.settle,
            "expect": [dataclasses.asdict(e) for e in tests.expectations]}


def tests_from_dict(d: dict[str, Any] | None) -> LabTests:
    """The `test` part of lab_to_dict, back (a running lab's record)."""
    if not d:
        return LabTests()
    return LabTests(d["timeout"], d["converge"], d.get("settle", 0.0),
                    tuple(Expectation(**e) for e in d["expect"]))
