"""Resolve the file's `host:` section: veths from nodes to the machine nslab
runs on, a bridge on the machine, egress and port forwards. Names on the
machine are short hashes (its interface names are shared by everyone) unless
the file chooses them, with the long name in the interface alias either way.
IPv4, and IPv6 when the lab has an ipv6_pool. Pure."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import replace
from ipaddress import IPv4Network, IPv6Network

from nslab.errors import Problem
from nslab.model.lab import (
    MACHINE,
    Interface,
    IPAddress,
    IPInterface,
    IPNetwork,
    Lab,
    MachineBridge,
    MachineEnd,
    MachineSide,
    Nexthop,
    Node,
    Route,
    Segment,
)
from nslab.model.naming import interface_names
from nslab.model.policy import _forwards_of, _Where
from nslab.spec.check import ifname_problem
from nslab.spec.policy import HostBridgeSpec, HostLinkSpec
from nslab.spec.schema import LabSpec

DEFAULT = ipaddress.ip_network("0.0.0.0/0")
DEFAULT6 = ipaddress.ip_network("::/0")


def machine_ifname(lab: str, node: str, iface: str) -> str:
    import hashlib  # (~3 ms at start: only for a lab with a machine side)

    return "nsl" + hashlib.sha1(f"{lab}/{node}/{iface}".encode()).hexdigest()[:8]


def bridge_name(lab: str) -> str:
    import hashlib

    return "nsb" + hashlib.sha1(lab.encode()).hexdigest()[:8]


class _Subnets:
    """Subnets for the machine's segments, from the lab's pools (IPv4, and
    IPv6 /64s when the lab has an ipv6_pool), clear of every subnet the lab
    already uses."""

    def __init__(self, pool: IPv4Network, pool6: IPv6Network | None,
                 used: list[IPNetwork]) -> None:
        self.pools: dict[int, IPNetwork] = {4: pool}
        if pool6 is not None:
            self.pools[6] = pool6
        self.used = list(used)

    def take(self, prefix: int, family: int = 4) -> IPNetwork | None:
        for cand in self.pools[family].subnets(new_prefix=prefix):
            if not any(cand.overlaps(u) for u in self.used if u.version == family):
                self.used.append(cand)
                return cand
        return None

    def claim(self, net: IPNetwork) -> bool:
        if any(net.overlaps(u) for u in self.used if u.version == net.version):
            return False
        self.used.append(net)
        return True

    def more_families(self, given: Iterable[IPInterface]) -> list[int]:
        """The families the lab has that explicit addresses left out."""
        have = {a.version for a in given}
        return [f for f in self.pools if f not in have]


def _endpoint(text: str, nodes: dict[str, Node], where: tuple[str | int, ...],
              problems: list[Problem], names: dict[str, set[str]]) -> tuple[str, str] | None:
    node, _, iface = text.partition(":")
    if node not in nodes:
        problems.append(Problem(where, f"node '{node}' is not defined",
                                "nodes: " + ", ".join(list(nodes)[:12])))
        return None
    if nodes[node].kind == "switch":
        problems.append(Problem(where, f"'{node}' is a switch", "plug a host or a router into "
                                "the machine; a switch's members can join host.bridge"))
        return None
    taken = names[node]
    if iface:
        why = ifname_problem(iface)
        if why or iface in taken:
            problems.append(Problem(where, why or f"interface {node}:{iface} is already used"))
            return None
    name = iface or next(interface_names(taken))
    taken.add(name)
    return node, name


def _pair(net: IPNetwork) -> tuple[IPInterface, IPInterface]:
    """The machine's end (the first address) and the node's (the second)."""
    hosts = net.hosts()
    first, second = next(hosts), next(hosts)
    return (ipaddress.ip_interface(f"{first}/{net.prefixlen}"),
            ipaddress.ip_interface(f"{second}/{net.prefixlen}"))


def _link(ls: HostLinkSpec, where: tuple[str | int, ...], lab: Lab, end: tuple[str, str],
          subnets: _Subnets, problems: list[Problem]) -> MachineEnd | None:
    node, iface = end
    node_end: tuple[IPInterface, ...] = ()
    host_end: tuple[IPInterface, ...] = ()
    if ls.addresses:
        a, b = (ipaddress.ip_interface(x) for x in ls.addresses)
        if a.network != b.network or a.ip == b.ip or not subnets.claim(a.network):
            problems.append(Problem((*where, "addresses"), "the two ends need two "
                                    "addresses in one subnet that the lab does not use"))
            return None
        node_end, host_end = (a,), (b,)
    for fam in subnets.more_families(node_end):
        net = subnets.take(30 if fam == 4 else 64, fam)
        if net is None:
            problems.append(Problem(where, "the address pool is full"))
            return None
        mine, theirs = _pair(net)
        host_end, node_end = (*host_end, mine), (*node_end, theirs)
    return MachineEnd(node, iface, ls.host_iface or machine_ifname(lab.name, node, iface),
                   f"nslab {lab.name} {node}:{iface}", node_end, host_end)


def resolve_machine(spec: LabSpec, lab: Lab, problems: list[Problem]) -> Lab:
    h = spec.host
    if h is None:
        return lab
    nodes = {n.name: n for n in lab.nodes}
    names = {n.name: {i.name for i in n.interfaces} for n in lab.nodes}
    used = [s for seg in lab.segments for s in (seg.subnet4, seg.subnet6) if s is not None]
    pool6 = spec.addressing.ipv6_pool
    subnets = _Subnets(IPv4Network(spec.addressing.pool),
                       IPv6Network(pool6) if pool6 else None, used)
    links: list[MachineEnd] = []
    for k, ls in enumerate(h.links):
        where: tuple[str | int, ...] = ("host", "links", k)
        end = _endpoint(ls.node, nodes, (*where, "node"), problems, names)
        link = _link(ls, where, lab, end, subnets, problems) if end else None
        if link is not None:
            links.append(link)
    bridge = None
    if h.bridge is not None:
        bridge = _bridge(h.bridge, lab, nodes, names, subnets, problems)
    w = _Where(lab, problems)
    forwards = tuple(_forwards_of(h.forward, w, ("host",)))
    ends = tuple(links) + (bridge.ports if bridge else ())
    new_nodes = []
    for n in lab.nodes:
        mine = [e for e in ends if e.node == n.name]
        if not mine:
            new_nodes.append(n)
            continue
        ifaces = n.interfaces + tuple(
            Interface(n.name, e.iface, MACHINE, e.machine_ifname, -1, e.node_addresses, None)
            for e in mine)
        routes = n.routes
        if lab.routing == "auto":  # static: the file's routes and connected ones only
            routes += _default_routes(mine[0], bridge, routes)
        new_nodes.append(replace(n, interfaces=ifaces, routes=routes))
    machine_nets = [a.network for e in links for a in e.node_addresses] + (
        [a.network for a in bridge.addresses] if bridge else [])
    lab_subnets = tuple(used) + tuple(machine_nets)
    routes = _machine_routes(ends, used, nodes) if lab.routing == "auto" else ()
    segs = lab.segments + tuple(
        _segment(len(lab.segments) + k, e.node_addresses, ((e.node, e.iface),))
        for k, e in enumerate(links))
    if bridge is not None:
        segs += (_segment(len(segs), bridge.addresses,
                          tuple((e.node, e.iface) for e in bridge.ports)),)
    segments_on_machine = len(links) + (1 if bridge else 0)
    side = MachineSide(tuple(links), bridge, routes, h.egress, forwards, lab_subnets,
                    bool(h.egress or forwards or routes or segments_on_machine > 1))
    ipv6 = lab.ipv6 or any(seg.subnet6 is not None for seg in segs)
    return replace(lab, nodes=tuple(new_nodes), machine=side, segments=segs, ipv6=ipv6)


def _default_routes(end: MachineEnd, bridge: MachineBridge | None,
                    routes: tuple[Route, ...]) -> tuple[Route, ...]:
    """A default route per family to the machine, unless the node has one."""
    gateways = end.host_addresses or (bridge.addresses if bridge else ())
    out = []
    for gw in gateways:
        if any(r.dst.prefixlen == 0 and r.dst.version == gw.version for r in routes):
            continue
        out.append(Route(DEFAULT if gw.version == 4 else DEFAULT6,
                         (Nexthop(gw.ip, end.iface),), "auto"))
    return tuple(out)


def _segment(index: int, addresses: tuple[IPInterface, ...],
             members: tuple[tuple[str, str], ...]) -> Segment:
    v4 = next((a.network for a in addresses if isinstance(a.network, IPv4Network)), None)
    v6 = next((a.network for a in addresses if isinstance(a.network, IPv6Network)), None)
    return Segment(index, v4, v6, members, ())


def _bridge(spec: HostBridgeSpec, lab: Lab, nodes: dict[str, Node],
            names: dict[str, set[str]], subnets: _Subnets,
            problems: list[Problem]) -> MachineBridge | None:
    """The machine's bridge: its gateway addresses (the file's, or the first of
    a subnet from the pool, per family) and a port per member, each member's
    address its own choice or the next free one counting up from the gateway."""
    where: tuple[str | int, ...] = ("host", "bridge")
    ends = [_endpoint(m.node, nodes, (*where, "nodes", k, "node"), problems, names)
            for k, m in enumerate(spec.nodes)]
    gateways: list[IPInterface] = []
    if spec.address is not None:
        gw = ipaddress.ip_interface(spec.address)
        if not subnets.claim(gw.network):
            problems.append(Problem((*where, "address"), f"{spec.address} is not a subnet "
                                    "of its own (the lab uses it already)"))
            return None
        gateways.append(gw)
    for fam in subnets.more_families(gateways):
        prefix = 64
        if fam == 4:
            prefix = 30
            while 2 ** (32 - prefix) - 2 < len(spec.nodes) + 1:
                prefix -= 1
        net = subnets.take(prefix, fam)
        if net is None:
            problems.append(Problem(where, "the address pool is full"))
            return None
        gateways.append(_pair(net)[0])
    chosen = _members_chosen(spec, gateways, problems)
    if chosen is None:
        return None
    ports = []
    for k, (m, end) in enumerate(zip(spec.nodes, ends, strict=True)):
        if end is None:
            continue
        addrs = []
        for gw in gateways:
            ip = chosen.get((k, gw.version))
            if ip is None:
                ip = _next_free(gw, chosen)
                if ip is None:
                    problems.append(Problem(where, f"{gw.network} is too small for "
                                            f"{len(spec.nodes)} nodes"))
                    return None
                chosen[(k, gw.version)] = ip
            addrs.append(ipaddress.ip_interface(f"{ip}/{gw.network.prefixlen}"))
        ports.append(MachineEnd(end[0], end[1], m.host_iface or machine_ifname(lab.name, *end),
                             f"nslab {lab.name} {end[0]}:{end[1]}", tuple(addrs), ()))
    return MachineBridge(spec.name or bridge_name(lab.name), f"nslab {lab.name} bridge",
                      tuple(gateways), tuple(ports))


def _members_chosen(spec: HostBridgeSpec, gateways: list[IPInterface],
                    problems: list[Problem]) -> dict[tuple[int, int], IPAddress] | None:
    """The addresses members chose: inside the bridge's subnet, not the
    gateway, each once. (member, family) -> address."""
    out: dict[tuple[int, int], IPAddress] = {}
    ok = True
    for k, m in enumerate(spec.nodes):
        if m.address is None:
            continue
        where: tuple[str | int, ...] = ("host", "bridge", "nodes", k, "address")
        a = ipaddress.ip_interface(m.address)
        gw = next((g for g in gateways if g.version == a.version), None)
        taken = any(f == a.version and ip == a.ip for (_, f), ip in out.items())
        if gw is None or a.network != gw.network:
            net = gw.network if gw else "none of that family"
            problems.append(Problem(where, f"{m.address} is not in the bridge's subnet {net}"))
        elif a.ip == gw.ip:
            problems.append(Problem(where, f"{a.ip} is the gateway (the machine's address "
                                    "on the bridge)", "give the node another address"))
        elif taken or (k, a.version) in out:
            problems.append(Problem(where, f"{a.ip} is used twice on the bridge"))
        else:
            out[(k, a.version)] = a.ip
            continue
        ok = False
    return out if ok else None


def _next_free(gw: IPInterface, chosen: dict[tuple[int, int], IPAddress]) -> IPAddress | None:
    """The first address after the gateway (then from the subnet's start) that
    no member has, as people and Docker count."""
    taken = {ip for (_, f), ip in chosen.items() if f == gw.version} | {gw.ip}
    net = gw.network
    last = net.broadcast_address if gw.version == 4 else net[-1]
    start = int(gw.ip) + 1
    for lo, hi in ((start, int(last) - (1 if gw.version == 4 else 0)),
                   (int(net.network_address) + 1, int(gw.ip) - 1)):
        ip = lo
        while ip <= hi:
            cand = type(gw.ip)(ip)
            if cand not in taken:
                return cand
            ip += 1
    return None


def _machine_routes(ends: tuple[MachineEnd, ...], used: list[IPNetwork],
                    nodes: dict[str, Node]) -> tuple[Route, ...]:
    """The machine reaches the lab's other subnets through the first router
    plugged into it."""
    router = next((e for e in ends if nodes[e.node].kind == "router"), None)
    if router is None:
        return ()
    via = {a.version: a.ip for a in router.node_addresses}
    return tuple(Route(net, (Nexthop(via[net.version], None),), "auto")
                 for net in used if net.version in via)
