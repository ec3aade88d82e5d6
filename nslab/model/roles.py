"""Which routers run routing daemons and speak BGP, and the file's routing
keys that need the daemons' resolution (nslab.model.daemons, loaded only for
a lab that has them: it brings the BGP, OSPF and IS-IS writers). Pure."""

from __future__ import annotations

from ipaddress import ip_interface

from nslab.errors import Problem
from nslab.model.lab import Lab
from nslab.spec.schema import LabSpec, NodeSpec

EXTRA = "+"  # configs["NODE+"]: what the file's `extra` adds to the config nslab writes

SUITE_NAMES = ("frr", "bird")  # nslab.model.daemons.WRITERS and nslab.suites.SUITES


def runs_daemons(lab_routing: str, node: NodeSpec) -> bool:
    return node.kind == "router" and (lab_routing in ("ospf", "isis", "bgp")
                                      or node.bgp is not None or node.ra
                                      or node.frr is not None or node.bird is not None)


def speaks_bgp(lab_routing: str, node: NodeSpec) -> bool:
    return node.kind == "router" and (lab_routing == "bgp" or node.bgp is not None)


def needs_daemons(spec: LabSpec) -> bool:
    """Whether the lab has routing daemons, or keys only they resolve (and say
    are misplaced when none runs)."""
    return any(runs_daemons(spec.routing, n) or n.ospf is not None or n.isis is not None
               for n in spec.nodes.values()) or \
        any(link.ospf is not None or link.isis is not None or link.bfd for link in spec.links)


def loopback_problems(spec: LabSpec, lab: Lab) -> list[Problem]:
    """A loopback the file gives may not lie in a subnet of the lab, nor be
    another router's."""
    out = []
    seen: dict[str, str] = {}
    subnets = [s for seg in lab.segments for s in (seg.subnet4, seg.subnet6) if s]
    for name, ns in spec.nodes.items():
        where: tuple[str | int, ...] = ("nodes", name, "loopback")
        for text in ns.loopbacks:
            ip = ip_interface(text).ip
            clash = next((s for s in subnets if ip in s), None)
            if clash is not None:
                out.append(Problem(where, f"{text} is inside {clash}, a subnet of the lab",
                                   "a loopback stands alone: pick one outside the pool"))
            if text in seen:
                out.append(Problem(where, f"{text} is '{seen[text]}'s loopback too"))
            seen[text] = name
    return out
