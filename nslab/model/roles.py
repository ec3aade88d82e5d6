"""Which routers run routing daemons and speak BGP, and the file's routing
keys that need the daemons' resolution (nslab.model.daemons, loaded only for
a lab that has them: it brings the BGP, OSPF and IS-IS writers). Pure."""

from __future__ import annotations

from ipaddress import ip_interface

from nslab.errors import Problem
from nslab.model.lab import Lab
from nslab.spec.check import parse_endpoint
from nslab.spec.schema import LabSpec, LinkSpec, NodeSpec

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


def bgp_only_link_problems(spec: LabSpec) -> list[Problem]:
    """An unnumbered link is an eBGP session over IPv6 link-local addresses (FRR's
    `neighbor IFACE interface`: FRR at both ends), an IPv6-only link (ipv4:
    false) carries IPv4 in BGP (RFC 8950; FRR or BIRD) or, between two plain
    routers (routing: auto), in computed routes through IPv6 next hops: the
    routers of either speak BGP if one runs daemons. An unnumbered link in an
    OSPF or IS-IS lab carries the IGP on borrowed loopbacks (FRR; in a BGP lab,
    two routers of one AS do so too); an IPv6-only link carries no IGP (OSPFv2
    and IS-IS as nslab writes them need IPv4: in an OSPF lab its ends are
    passive). Two routers of one AS are told by the daemons' resolution, which
    knows the ASes."""
    out = []
    for i, link in enumerate(spec.links):
        if link.unnumbered:
            key, what = "unnumbered", "an unnumbered link"
        elif not link.ipv4:
            key, what = "ipv4", "an IPv6-only link"
        else:
            continue
        where: tuple[str | int, ...] = ("links", i, key)
        nodes = [parse_endpoint(e).node for e in link.endpoints]
        routers = [n for n in nodes if n in spec.nodes and spec.nodes[n].kind == "router"]
        if len(routers) < 2:
            continue  # said by the spec's checks
        if not link.unnumbered and spec.routing in ("auto", "static") and \
                not any(runs_daemons(spec.routing, spec.nodes[n]) for n in routers):
            continue  # plain routers: computed routes go through IPv6 next hops
        silent = [n for n in routers if not speaks_bgp(spec.routing, spec.nodes[n])]
        bird = any(spec.nodes[n].bird is not None for n in routers)
        if link.unnumbered:
            if spec.routing in ("ospf", "isis") and not igp_passive(spec.routing, link):
                if bird:  # the IGP, each end on its router's loopback (ip unnumbered)
                    igp = "OSPF" if spec.routing == "ospf" else "IS-IS"
                    out.append(Problem(where, f"{what} carries {igp} on borrowed loopbacks "
                                       "as nslab writes it for FRR only", "run FRR on its "
                                       "routers (leave out bird:)"))
            elif silent:
                out.append(Problem(where, f"{what} carries an eBGP session or the IGP: "
                                   f"'{silent[0]}' does not speak BGP", "give its routers "
                                   "bgp: (or routing: bgp), or run OSPF or IS-IS over it "
                                   "(routing: ospf or isis, the link not passive); or give "
                                   "the link addresses"))
            elif bird:
                out.append(Problem(where, f"{what}'s BGP session is written for FRR only",
                                   "run FRR on its routers (leave out bird:)"))
        elif (spec.routing in ("ospf", "isis") and not igp_passive("ospf", link)) or silent:
            why = f"with routing: {spec.routing}" if not silent else \
                f"'{silent[0]}' does not speak BGP"
            out.append(Problem(where, f"{what} carries IPv4 in BGP only (RFC 8950): {why}",
                               "give its routers bgp: (or routing: bgp; with routing: ospf, "
                               "the link ospf: {passive: true}); or leave out ipv4: false"))
    return out


def igp_passive(igp: str, link: LinkSpec) -> bool:
    """Whether the IGP (`ospf` or `isis`) keeps to itself on the link (its ends
    passive)."""
    own = link.ospf if igp == "ospf" else link.isis if igp == "isis" else None
    return own is not None and bool(own.passive)


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
