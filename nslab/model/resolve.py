"""`resolve(spec) -> Lab`: decide every name, address and route. Pure.

Raises `ResolveError` holding every problem (each with its path in the file),
which the caller renders with the file's `SourceMap`.
"""

from __future__ import annotations

import functools
import ipaddress
import zlib
from collections.abc import Mapping
from dataclasses import replace
from ipaddress import IPv4Network, IPv6Interface, IPv6Network

from nslab.errors import ExitCode, NslabError, Problem
from nslab.model import addressing, roles, routing, segments
from nslab.model.expectations import resolve_tests
from nslab.model.lab import (
    BRIDGE_NAME,
    Interface,
    IPAddress,
    IPInterface,
    IPNetwork,
    Lab,
    Link,
    Machine,
    NeighbourNeed,
    Netem,
    Nexthop,
    Node,
    Route,
    Segment,
    Service,
    Spread,
)
from nslab.model.machine import resolve_machine
from nslab.model.naming import interface_names, namespace_name
from nslab.model.policy import resolve_policies
from nslab.model.timeline import resolve_timeline
from nslab.spec.check import parse_endpoint
from nslab.spec.schema import (
    NETEM_KEYS,
    Command,
    ImpairSpec,
    LabSpec,
    NodeSpec,
)
from nslab.units import duration_ms, link_rate, percent

MAX_AUTO_ROUTES = 1_000_000  # nodes x subnets: a 1,000-router chain is 999,000 (7 s)


class ResolveError(NslabError):
    exit_code = ExitCode.SPEC

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


def _argv(cmd: Command) -> tuple[str, ...]:
    return ("sh", "-c", cmd) if isinstance(cmd, str) else tuple(cmd)


def _name_interfaces(spec: LabSpec) -> list[tuple[str, str]]:
    """(node, interface) for each end of each link, in file order."""
    explicit: dict[str, set[str]] = {}
    for link in spec.links:
        for e in map(parse_endpoint, link.endpoints):
            if e.ifname:
                explicit.setdefault(e.node, set()).add(e.ifname)
    gens = {n: interface_names(explicit.get(n, set())) for n in spec.nodes}
    out = []
    for link in spec.links:
        for e in map(parse_endpoint, link.endpoints):
            out.append((e.node, e.ifname or next(gens[e.node])))
    return out


_address = functools.lru_cache(maxsize=4096)(ipaddress.ip_address)  # gateways repeat


def _network(text: str) -> IPNetwork:
    """A network the spec already checked, read without ipaddress's slow text
    parsing when it is IPv4 (a node may have 100,000 routes)."""
    if ":" in text:
        return ipaddress.ip_network(text)
    addr, _, plen = text.partition("/")
    a, b, c, d = (int(x) for x in addr.split("."))
    return IPv4Network(((a << 24) | (b << 16) | (c << 8) | d, int(plen or 32)))


def _file_routes(name: str, node: NodeSpec, ifaces: dict[str, list[IPInterface]],
                 ipv6: bool, problems: list[Problem]) -> list[Route]:
    out = []
    # each subnet of the node, as (version, first address, length): its interfaces
    subnets: dict[tuple[int, int, int], set[str]] = {}
    nets: set[IPNetwork] = set()
    own: set[IPAddress] = set()
    for ifname, addrs in ifaces.items():
        for a in addrs:
            n = a.network
            subnets.setdefault((n.version, int(n.network_address), n.prefixlen),
                               set()).add(ifname)
            nets.add(n)
            own.add(a.ip)
    prefixes = {(n.version, n.max_prefixlen - n.prefixlen, n.prefixlen) for n in nets}
    for k, r in enumerate(node.routes):
        where: tuple[str | int, ...] = ("nodes", name, "routes", k)
        via = _address(r.via) if r.via else None
        if r.dev is not None and r.dev not in ifaces:
            problems.append(Problem((*where, "dev"), f"'{name}' has no interface '{r.dev}'",
                                    f"its interfaces: {', '.join(ifaces) or 'none'}"))
            continue
        if via is not None:
            candidates = set() if via in own else {  # a subnet lookup per prefix length
                i for version, host_bits, length in prefixes if version == via.version
                for i in subnets.get((version, int(via) >> host_bits << host_bits, length), ())}
            if not candidates or (r.dev is not None and r.dev not in candidates):
                on = f"{r.dev} of '{name}'" if r.dev else f"any subnet of '{name}'"
                problems.append(Problem((*where, "via"), f"gateway {via} is not on {on}",
                                        "a gateway must be a neighbour"))
                continue
        if r.to == "default":
            version = via.version if via else 4
            dst = ipaddress.ip_network("0.0.0.0/0" if version == 4 else "::/0")
        else:
            dst = _network(r.to)
        if via is not None and via.version != dst.version:
            problems.append(Problem((*where, "via"), f"gateway {via} and destination {dst} "
                                    "are of different IP versions"))
            continue
        if dst.version == 6 and not ipv6:
            problems.append(Problem((*where, "to"), f"{dst} is IPv6 and the lab has no IPv6",
                                    "set addressing.ipv6_pool, or give IPv6 addresses"))
            continue
        if dst in nets:
            problems.append(Problem((*where, "to"), f"{dst} is a subnet '{name}' is on: the "
                                    "kernel adds that route itself", "leave it out"))
            continue
        out.append(Route(dst, (Nexthop(via, r.dev),), "file"))
    return out


def _request(spec: LabSpec, seg: segments.RawSegment, names: list[tuple[str, str]],
             kinds: Mapping[str, str]) -> addressing.SegmentRequest:
    """What a segment asks of the addressing: its members, its routers, the
    addresses the file gives (an unnumbered link: nothing)."""
    if any(spec.links[i].unnumbered for i in seg.links):
        return addressing.SegmentRequest([], set(), {})
    explicit: dict[addressing.Member, list[IPInterface]] = {}
    for i, j in seg.members:
        given = spec.links[i].end_addresses(j)
        if given:
            explicit[(i, j)] = [ipaddress.ip_interface(a) for a in given]
    routers = {m for m in seg.members if kinds[names[2 * m[0] + m[1]][0]] == "router"}
    return addressing.SegmentRequest(list(seg.members), routers, explicit,
                                     all(spec.links[i].ipv4 for i in seg.links))


def _auto_routes(spec: LabSpec, kinds: Mapping[str, str], routed: list[routing.RoutedSegment],
                 problems: list[Problem]) -> dict[str, list[Route]]:
    """The computed routes (routing: auto), unless they would be too many."""
    l3 = [n for n, k in kinds.items() if k != "switch"]
    router_nodes = {n for n in l3 if kinds[n] == "router"}
    if spec.routing == "static" or not router_nodes:
        return {}
    most = len(l3) * sum(len(seg.subnets) for seg in routed)
    if most > MAX_AUTO_ROUTES:
        problems.append(Problem(("routing",), f"auto could need {most:,} routes "
                                f"({len(l3):,} nodes by {len(routed):,} subnets), more "
                                f"than nslab computes ({MAX_AUTO_ROUTES:,})",
                                "use routing: static with routes of your own (a default "
                                "route per node), or a smaller lab"))
        return {}
    return routing.compute(routed, l3, router_nodes)


def _plain_loopbacks(spec: LabSpec, kinds: Mapping[str, str],
                     given: Mapping[str, list[IPInterface]],
                     with_daemons: list[str]) -> list[routing.RoutedSegment]:
    """Under routing: auto, the loopback the file gives a router without daemons:
    a subnet on that router alone, routed to as its links are."""
    if spec.routing != "auto":
        return []
    return [routing.RoutedSegment(tuple(a.network for a in addrs),
                                  (routing.Attachment(n, "lo", tuple(addrs)),))
            for n, addrs in given.items() if kinds[n] == "router" and n not in with_daemons]


def _reorder_needs_delay(mine: ImpairSpec, link: int, node: str) -> list[Problem]:
    if mine.reorder and not mine.delay:
        return [Problem(("links", link), f"reorder on what {node} sends needs a delay",
                        "netem reorders by sending some packets at once and delaying the "
                        "rest")]
    if mine.distribution and not mine.jitter:
        return [Problem(("links", link), f"a distribution on what {node} sends needs a "
                        "jitter", "it is how the jitter spreads: add jitter: 5ms")]
    return []


def resolve(spec: LabSpec, configs: dict[str, str] | None = None) -> Lab:
    """The lab the file describes. `configs`: the routers' own daemon configs
    (node -> text), read by the caller from the files the spec names."""
    problems: list[Problem] = []
    names = _name_interfaces(spec)
    kinds = {n: s.kind for n, s in spec.nodes.items()}
    ends: list[tuple[segments.End, segments.End]] = []
    for i in range(len(spec.links)):
        a, b = names[2 * i], names[2 * i + 1]
        ends.append((segments.End(a[0], a[1], kinds[a[0]] == "switch"),
                     segments.End(b[0], b[1], kinds[b[0]] == "switch")))
    raw = segments.group(ends)
    requests = [_request(spec, seg, names, kinds) for seg in raw]
    pool6 = spec.addressing.ipv6_pool
    with_daemons = [n for n, s in spec.nodes.items() if roles.runs_daemons(spec.routing, s)]
    # a router's own loopback is on its lo whatever its routing (static routes may
    # lead to it); those that run daemons and have none get one from the pool
    given = {n: [ipaddress.ip_interface(a) for a in s.loopbacks]
             for n, s in spec.nodes.items() if s.loopback is not None}
    fixed = {n: a[0] for n, a in given.items()}  # its IPv4 one, if it has both
    also6 = {n: a[1] for n, a in given.items() if len(a) > 1 and isinstance(a[1], IPv6Interface)}
    # in a dual-stack lab, one of each family (iBGP carries IPv6 between IPv6 loopbacks)
    need6 = [n for n in with_daemons if n not in given] if pool6 else []
    assigned = addressing.assign(
        requests, IPv4Network(spec.addressing.pool),
        IPv6Network(pool6) if pool6 else None,
        loopbacks=sum(n not in fixed for n in with_daemons),
        taken=tuple(i.network for a in given.values() for i in a), loopbacks6=len(need6))
    also6 |= dict(zip(need6, assigned.loopbacks6, strict=False))
    handed = iter(assigned.loopbacks)
    loopbacks: dict[str, IPInterface] = {}
    for n in with_daemons:  # the pool may have run out: assign said so
        loop = fixed.get(n) or next(handed, None)
        if loop is not None:
            loopbacks[n] = loop
    problems += assigned.problems

    seg_of_link = {i: s for s, seg in enumerate(raw) for i in seg.links}
    iface_addrs: dict[str, dict[str, list[IPInterface]]] = {n: {} for n in spec.nodes}
    for i in range(len(spec.links)):
        for j in (0, 1):
            node, ifname = names[2 * i + j]
            iface_addrs[node][ifname] = assigned.addresses.get((i, j), [])

    model_segments = []
    routed = []
    for s, seg in enumerate(raw):
        members = tuple(names[2 * i + j] for i, j in seg.members)
        model_segments.append(Segment(s, assigned.subnets4[s], assigned.subnets6[s],
                                      members, seg.switches,
                                      any(spec.links[i].unnumbered for i in seg.links)))
        subnets = tuple(n for n in (assigned.subnets4[s], assigned.subnets6[s]) if n)
        routed.append(routing.RoutedSegment(subnets, tuple(
            routing.Attachment(n, f, tuple(iface_addrs[n][f])) for n, f in members)))

    routed += _plain_loopbacks(spec, kinds, given, with_daemons)
    auto = _auto_routes(spec, kinds, routed, problems)
    ends_of: dict[str, list[tuple[int, int]]] = {n: [] for n in spec.nodes}
    for i in range(len(spec.links)):  # each node's link ends, in file order
        for j in (0, 1):
            ends_of[names[2 * i + j][0]].append((i, j))
    nodes = []
    plain = not spec.defaults.link.model_fields_set & _IMPAIR  # no impairment by default
    for name, ns in spec.nodes.items():
        routes = auto.get(name, [])
        ifaces = []
        for i, j in ends_of[name]:
            node, ifname = names[2 * i + j]
            peer = names[2 * i + 1 - j]
            if plain and not spec.links[i].impair and \
                    not spec.links[i].model_fields_set & _IMPAIR:
                mine = theirs = _NONE  # the common link (20,000 of them: no time)
            else:
                mine, theirs = _impair(spec, i, node), _impair(spec, i, peer[0])
                problems += _reorder_needs_delay(mine, i, node)
            ifaces.append(Interface(
                node, ifname, peer[0], peer[1], seg_of_link[i],
                tuple(iface_addrs[node][ifname]),
                BRIDGE_NAME if ns.kind == "switch" else None,
                spec.links[i].mtu or spec.defaults.link.mtu,
                link_rate(mine.rate) if mine.rate else None,
                percent(theirs.loss) if theirs.loss else None,
                _netem(mine)))
        nodes.append(Node(
            name=name, kind=ns.kind, namespace=namespace_name(spec.name, name, ns.namespace),
            interfaces=tuple(ifaces), routes=tuple(routes),
            bridge=BRIDGE_NAME if ns.kind == "switch" else None,
            forwarding=ns.kind == "router",
            exec=tuple(_argv(c) for c in ns.exec),
            services=tuple(Service(s.name, _argv(s.cmd)) for s in ns.services),
            ecmp_hash=ns.ecmp_hash, loopback=fixed.get(name), loopback6=also6.get(name)))
    _check_services(spec, problems)
    ipv6 = any(s.subnet6 is not None for s in model_segments) or bool(also6)
    _check_mtu(spec, ipv6, problems)
    lab = Lab(
        name=spec.name, nodes=tuple(nodes),
        links=tuple(Link(names[2 * i], names[2 * i + 1]) for i in range(len(spec.links))),
        segments=tuple(model_segments), ipv6=ipv6, routing=spec.routing,
        neighbours=_neighbour_need(model_segments, ipv6))
    lab = resolve_machine(spec, lab, problems)
    lab = replace(lab, nodes=tuple(_with_file_routes(n, spec.nodes[n.name], lab.ipv6, problems)
                                   for n in lab.nodes))
    problems += roles.loopback_problems(spec, lab) + roles.bgp_only_link_problems(spec)
    if len(loopbacks) == len(with_daemons) and roles.needs_daemons(spec):
        from nslab.model import daemons  # the writers: only for a lab with routing daemons

        lab = daemons.resolve_daemons(spec, lab, loopbacks, configs or {}, problems)
    lab = resolve_policies(spec, lab, problems)
    lab = replace(lab, timeline=resolve_timeline(spec, lab, problems))
    lab = replace(lab, tests=resolve_tests(spec.test, lab, problems))
    if spec.machines:
        lab = replace(lab, spread=_spread(spec))
    if problems:
        raise ResolveError(problems)
    return lab


IPV6_MIN_MTU = 1280
VNI_BLOCK = 4096  # VXLAN ids per lab: its first one is a multiple of this (from its name)


def _spread(spec: LabSpec) -> Spread:
    """The machines the lab spans, and every node's (the first machine unless told)."""
    first = next(iter(spec.machines))
    machines = tuple(Machine(name, m.transport, str(getattr(m, m.transport)), m.underlay)
                     for name, m in spec.machines.items())
    vni = spec.cross.vni or VNI_BLOCK * (1 + zlib.crc32(spec.name.encode()) % 4000)
    return Spread(machines, tuple((n, s.machine or first) for n, s in spec.nodes.items()),
                  spec.cross.port, None if spec.cross.mtu == "auto" else int(spec.cross.mtu),
                  vni)



def _impair(spec: LabSpec, link: int, sender: str) -> ImpairSpec:
    """What the end of link `link` at node `sender` sends: its own `impair`
    entry, else the link's, else the lab's defaults, property by property."""
    ls = spec.links[link]
    own = (ls.impair or {}).get(sender, _NONE)
    d = spec.defaults.link
    if own is _NONE and not ls.model_fields_set & _IMPAIR and not d.model_fields_set & _IMPAIR:
        return _NONE  # the common link: nothing to merge (20,000 links: no time)
    return ImpairSpec.model_construct(**{k: getattr(own, k) or getattr(ls, k) or getattr(d, k)
                                         for k in _IMPAIR})


_NONE = ImpairSpec()
_IMPAIR = set(ImpairSpec.model_fields)


def _netem(sent: ImpairSpec) -> Netem | None:
    """What only netem does to what an end sends (delay, jitter, ...), or None."""
    if sent is _NONE or not any(getattr(sent, k) for k in NETEM_KEYS):
        return None
    return Netem(duration_ms(sent.delay) if sent.delay else 0.0,
                 duration_ms(sent.jitter) if sent.jitter else 0.0,
                 percent(sent.duplicate) if sent.duplicate else 0.0,
                 percent(sent.reorder) if sent.reorder else 0.0,
                 percent(sent.corrupt) if sent.corrupt else 0.0,
                 sent.distribution or "uniform")


def _check_mtu(spec: LabSpec, ipv6: bool, problems: list[Problem]) -> None:
    """IPv6 needs links of at least 1280 bytes: the kernel takes IPv6 off a
    smaller interface, and its addresses with it."""
    if not ipv6:
        return
    if (spec.defaults.link.mtu or IPV6_MIN_MTU) < IPV6_MIN_MTU:
        problems.append(Problem(("defaults", "link", "mtu"), f"{spec.defaults.link.mtu} is "
                                f"below {IPV6_MIN_MTU}, the least IPv6 works with",
                                "the lab has IPv6"))
    for k, link in enumerate(spec.links):
        if (link.mtu or IPV6_MIN_MTU) < IPV6_MIN_MTU:
            problems.append(Problem(("links", k, "mtu"), f"{link.mtu} is below "
                                    f"{IPV6_MIN_MTU}, the least IPv6 works with",
                                    "the lab has IPv6"))


def _with_file_routes(node: Node, spec: NodeSpec, ipv6: bool,
                      problems: list[Problem]) -> Node:
    """The file's routes on top of the computed ones (a file route replaces the
    computed route to the same destination); checked against every interface
    of the node, those to the machine included."""
    if not spec.routes:
        return node
    ifaces = {i.name: list(i.addresses) for i in node.interfaces}
    file_routes = _file_routes(node.name, spec, ifaces, ipv6, problems)
    overridden = {r.dst for r in file_routes}
    routes = tuple(r for r in node.routes if r.dst not in overridden) + tuple(file_routes)
    return replace(node, routes=routes)


def _check_services(spec: LabSpec, problems: list[Problem]) -> None:
    for name, ns in spec.nodes.items():
        seen: set[str] = set()
        for k, s in enumerate(ns.services):
            if s.name in seen:
                problems.append(Problem(("nodes", name, "services", k, "name"),
                                        f"service '{s.name}' is defined twice on '{name}'"))
            seen.add(s.name)


def _neighbour_need(segs: list[Segment], ipv6: bool) -> NeighbourNeed:
    """Every layer-3 member of a segment may learn every other one."""
    arp = sum(len(s.members) * (len(s.members) - 1) for s in segs)
    ndisc = 0
    if ipv6:
        # unicast neighbours plus a few multicast entries per interface
        ndisc = sum(len(s.members) * (len(s.members) - 1) + 4 * len(s.members) for s in segs)
    return NeighbourNeed(arp, ndisc)
