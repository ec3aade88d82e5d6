"""Resolve the file's `host:` section: veths from nodes to the machine nslab
runs on, a bridge on the machine, egress and port forwards. Names on the
machine are short hashes (its interface names are shared by everyone), with
the long name in the interface alias. IPv4. Pure."""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import replace
from ipaddress import IPv4Interface, IPv4Network

from nslab.errors import Problem
from nslab.model.lab import (
    HOST,
    HostBridge,
    HostEnd,
    HostSide,
    Interface,
    IPInterface,
    IPNetwork,
    Lab,
    Nexthop,
    Node,
    Route,
    Segment,
)
from nslab.model.naming import interface_names
from nslab.model.policy import _forwards_of, _Where
from nslab.spec.schema import LabSpec

DEFAULT = ipaddress.ip_network("0.0.0.0/0")


def host_ifname(lab: str, node: str, iface: str) -> str:
    return "nsl" + hashlib.sha1(f"{lab}/{node}/{iface}".encode()).hexdigest()[:8]


def bridge_name(lab: str) -> str:
    return "nsb" + hashlib.sha1(lab.encode()).hexdigest()[:8]


class _Subnets:
    """Subnets for the machine's segments, from the lab's pool, clear of every
    subnet the lab already uses."""

    def __init__(self, pool: IPv4Network, used: list[IPNetwork]) -> None:
        self.pool = pool
        self.used = list(used)

    def take(self, prefix: int) -> IPv4Network | None:
        for cand in self.pool.subnets(new_prefix=prefix):
            if not any(cand.overlaps(u) for u in self.used):
                self.used.append(cand)
                return cand
        return None

    def claim(self, net: IPNetwork) -> bool:
        if any(net.overlaps(u) for u in self.used):
            return False
        self.used.append(net)
        return True


def _endpoint(text: str, nodes: dict[str, Node], where: tuple[str | int, ...],
              problems: list[Problem], names: dict[str, set[str]]) -> tuple[str, str] | None:
    node, _, iface = text.partition(":")
    if node not in nodes:
        problems.append(Problem(where, f"node '{node}' is not defined",
                                "nodes: " + ", ".join(list(nodes)[:12])))
        return None
    if nodes[node].kind == "switch":
        problems.append(Problem(where, f"'{node}' is a switch", "link a host or a router to "
                                "the machine (or put the nodes on host.bridge)"))
        return None
    taken = names[node]
    if iface and iface in taken:
        problems.append(Problem(where, f"interface {node}:{iface} is already used"))
        return None
    name = iface or next(interface_names(taken))
    taken.add(name)
    return node, name


def resolve_host(spec: LabSpec, lab: Lab, problems: list[Problem]) -> Lab:
    h = spec.host
    if h is None:
        return lab
    nodes = {n.name: n for n in lab.nodes}
    names = {n.name: {i.name for i in n.interfaces} for n in lab.nodes}
    used = [s for seg in lab.segments for s in (seg.subnet4, seg.subnet6) if s is not None]
    subnets = _Subnets(IPv4Network(spec.addressing.pool), used)
    links: list[HostEnd] = []
    for k, ls in enumerate(h.links):
        where: tuple[str | int, ...] = ("host", "links", k)
        end = _endpoint(ls.node, nodes, (*where, "node"), problems, names)
        if end is None:
            continue
        node, iface = end
        if ls.addresses:
            a, b = (ipaddress.ip_interface(x) for x in ls.addresses)
            if a.network != b.network or a.ip == b.ip or not subnets.claim(a.network):
                problems.append(Problem((*where, "addresses"), "the two ends need two "
                                        "addresses in one subnet that the lab does not use"))
                continue
            node_end, host_end = (a,), (b,)
        else:
            net = subnets.take(30)
            if net is None:
                problems.append(Problem(where, "the address pool is full"))
                continue
            first, second = list(net.hosts())[:2]
            host_end = (IPv4Interface(f"{first}/30"),)
            node_end = (IPv4Interface(f"{second}/30"),)
        links.append(HostEnd(node, iface, host_ifname(lab.name, node, iface),
                             f"nslab {lab.name} {node}:{iface}", node_end, host_end))
    bridge = None
    if h.bridge is not None:
        bridge = _bridge(h.bridge.nodes, h.bridge.address, lab, nodes, names, subnets, problems)
    w = _Where(lab, problems)
    forwards = tuple(_forwards_of(h.forward, w, ("host",)))
    ends = tuple(links) + (bridge.ports if bridge else ())
    gateway = {e.node: (e.host_addresses or (bridge.addresses if bridge else ()))[0]
               for e in ends}
    new_nodes = []
    for n in lab.nodes:
        mine = [e for e in ends if e.node == n.name]
        if not mine:
            new_nodes.append(n)
            continue
        ifaces = n.interfaces + tuple(
            Interface(n.name, e.iface, HOST, e.host_ifname, -1, e.node_addresses, None)
            for e in mine)
        routes = n.routes
        if not any(r.dst.prefixlen == 0 and r.dst.version == 4 for r in routes):
            routes += (Route(DEFAULT, (Nexthop(gateway[n.name].ip, mine[0].iface),), "auto"),)
        new_nodes.append(replace(n, interfaces=ifaces, routes=routes))
    lab_subnets = tuple(used) + tuple(e.node_addresses[0].network for e in links) + (
        (bridge.addresses[0].network,) if bridge else ())
    routes = _machine_routes(ends, used, nodes)
    segs = lab.segments + tuple(
        Segment(len(lab.segments) + k, IPv4Network(e.node_addresses[0].network), None,
                ((e.node, e.iface),), ()) for k, e in enumerate(links))
    if bridge is not None:
        segs += (Segment(len(segs), IPv4Network(bridge.addresses[0].network), None,
                         tuple((e.node, e.iface) for e in bridge.ports), ()),)
    segments_on_machine = len(links) + (1 if bridge else 0)
    side = HostSide(tuple(links), bridge, routes, h.egress, forwards, lab_subnets,
                    bool(h.egress or forwards or routes or segments_on_machine > 1))
    return replace(lab, nodes=tuple(new_nodes), host=side, segments=segs)


def _bridge(members: list[str], address: str | None, lab: Lab, nodes: dict[str, Node],
            names: dict[str, set[str]], subnets: _Subnets,
            problems: list[Problem]) -> HostBridge | None:
    where: tuple[str | int, ...] = ("host", "bridge")
    ends = [_endpoint(m, nodes, (*where, "nodes", k), problems, names)
            for k, m in enumerate(members)]
    if address is not None:
        gw = ipaddress.ip_interface(address)
        net = gw.network
        if not isinstance(net, IPv4Network) or not subnets.claim(net):
            problems.append(Problem((*where, "address"), f"{address} is not an IPv4 subnet "
                                    "of its own (the lab uses it, or it is IPv6)"))
            return None
    else:
        prefix = 30
        while 2 ** (32 - prefix) - 2 < len(members) + 1:
            prefix -= 1
        taken = subnets.take(prefix)
        if taken is None:
            problems.append(Problem(where, "the address pool is full"))
            return None
        net = taken
        gw = IPv4Interface(f"{next(net.hosts())}/{net.prefixlen}")
    free = (ip for ip in net.hosts() if ip != gw.ip)
    ports = []
    for end in ends:
        if end is None:
            continue
        ip = next(free, None)
        if ip is None:
            problems.append(Problem(where, f"{net} is too small for {len(members)} nodes"))
            return None
        ports.append(HostEnd(end[0], end[1], host_ifname(lab.name, *end),
                             f"nslab {lab.name} {end[0]}:{end[1]}",
                             (ipaddress.ip_interface(f"{ip}/{net.prefixlen}"),), ()))
    typed: tuple[IPInterface, ...] = (gw,)
    return HostBridge(bridge_name(lab.name), f"nslab {lab.name} bridge", typed, tuple(ports))


def _machine_routes(ends: tuple[HostEnd, ...], used: list[IPNetwork],
                    nodes: dict[str, Node]) -> tuple[Route, ...]:
    """The machine reaches the lab's other subnets through the first router
    plugged into it."""
    router = next((e for e in ends if nodes[e.node].kind == "router"), None)
    if router is None:
        return ()
    via = router.node_addresses[0].ip
    return tuple(Route(net, (Nexthop(via, None),), "auto") for net in used if net.version == 4)
