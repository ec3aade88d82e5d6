"""Routing daemons, decided: which routers run FRR or BIRD, their router-ids and
ASNs, their BGP sessions, and the configuration each one starts with. Pure.

`routing: ospf`: every router runs OSPFv2 (and OSPFv3 when the lab has IPv6) on
all its links: point-to-point on a segment of two, passive where no other
router is, timers for a lab (hello 1 s, dead 4 s, no LSA or SPF hold-down), so
that a lab converges in about a second per few hops. `routing: bgp`, or `bgp:`
on a router: BGP with an ASN per router (given, or 4200000000 + its position),
eBGP on each segment shared with a router of another ASN, iBGP over loopbacks
between the routers of one ASN (which then also run OSPF among themselves, to
reach each other's loopbacks), connected subnets and `announce` prefixes
advertised. A router's own `frr:` or `bird:` config replaces the generated one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Interface, ip_network

from nslab.errors import Problem
from nslab.model import igp
from nslab.model.bgp import Declared, Session, edges, reach, settle, shapes_reach
from nslab.model.bird import BirdWriter
from nslab.model.frr import FrrWriter
from nslab.model.lab import Daemons, IPInterface, IPNetwork, Lab, Node, Segment
from nslab.model.roles import EXTRA, igp_passive, runs_daemons, speaks_bgp
from nslab.model.routers import Bgp, Isis, IsisPort, Ospf, OspfPort, Port, Router, Writer
from nslab.model.segments import Groups
from nslab.spec.daemons import BgpNeighborSpec, is_inline
from nslab.spec.schema import LabSpec, NodeSpec

PRIVATE_ASN = 4_200_000_000  # 4200000000-4294967294: private 4-byte ASNs (RFC 6996)
DEFAULT_SUITE = "frr"  # a router that names no suite
# each routing suite's configuration writer (nslab.suites.SUITES has the same names)
WRITERS: dict[str, Writer] = {"frr": FrrWriter(), "bird": BirdWriter()}


def suite_of(node: NodeSpec) -> str:
    """The routing suite a router runs: the one whose key it has (frr:, bird:)."""
    return next((name for name in WRITERS if getattr(node, name, None) is not None),
                DEFAULT_SUITE)


def _ports(node: Node, lab: Lab, daemon_routers: set[str],
           ospf: dict[tuple[str, str], OspfPort], bfd: set[tuple[str, str]],
           isis: dict[tuple[str, str], IsisPort]) -> list[Port]:
    out = []
    for i in node.interfaces:
        seg = lab.segments[i.segment]
        others = tuple(dict.fromkeys(n for n, _ in seg.members
                                     if n != node.name and n in daemon_routers))
        out.append(Port(i.name, i.addresses, seg, others,
                        ospf.get((node.name, i.name), OspfPort()), (node.name, i.name) in bfd,
                        isis.get((node.name, i.name), IsisPort())))
    return out


def _bfd_ends(spec: LabSpec, lab: Lab, daemon_routers: set[str], problems: list[Problem]
              ) -> set[tuple[str, str]]:
    """The router ends of links that say `bfd: true`, and of the other links of
    their segment (BFD runs between the routers of a switch's segment)."""
    out: set[tuple[str, str]] = set()
    segment_of = {(n.name, i.name): i.segment for n in lab.nodes for i in n.interfaces}
    for k, link in enumerate(lab.links):
        if not spec.links[k].bfd:
            continue
        seg = lab.segments[segment_of[link.a]]
        ends = {e for e in seg.members if e[0] in daemon_routers}
        if len({n for n, _ in ends}) < 2:
            problems.append(Problem(("links", k, "bfd"), "BFD runs between two routers with "
                                    "daemons, and this link's segment has fewer",
                                    "bfd: true goes on a link between routers (or to a switch "
                                    "they share)"))
        out |= ends
    return out


def islands(lab: Lab, asn: dict[str, int]) -> dict[str, str]:
    """Each BGP router -> its island: the routers of its ASN it reaches over
    the ASN's own links (where its IGP runs and iBGP sessions can come up). Two
    spines of one ASN joined only through leaves of other ASNs are two islands:
    no session between them, and neither learns what only the other originates
    (eBGP drops a path that holds its own ASN)."""
    g = Groups(asn)
    for seg in lab.segments:
        members = [n for n, _ in seg.members if n in asn]
        for a in members:
            for b in members:
                if asn[a] == asn[b]:
                    g.join(a, b)
    return {r: g.root(r) for r in asn}


def _bgp_only_links_in_an_as(spec: LabSpec, lab: Lab, asn: dict[str, int],
                             link_of: dict[tuple[str, str], int]) -> list[Problem]:
    """A link without IPv4 of its own between two routers of one ASN carries
    their IGP or nothing: an IPv6-only link cannot (OSPFv2 and IS-IS as nslab
    writes them need IPv4), an unnumbered one can on borrowed loopbacks
    (`_borrow_loopbacks`) unless the IGP is passive there (nslab.model.roles
    says the rest)."""
    out = []
    igp = _igp(spec)
    for seg in lab.segments:
        if not (seg.unnumbered or seg.ipv6_only) or len(seg.members) != 2:
            continue
        (a, _), (b, _) = seg.members
        if a not in asn or b not in asn or asn[a] != asn[b]:
            continue
        k = link_of[seg.members[0]]
        if seg.ipv6_only:
            out.append(Problem(("links", k, "ipv4"),
                               f"'{a}' and '{b}' are both in AS {asn[a]}: an IPv6-only link "
                               "carries eBGP sessions (the IGP inside an AS needs IPv4 "
                               "addresses)", "make it unnumbered: true, which carries the IGP "
                               "on borrowed loopbacks; or leave out ipv4: false, or give its "
                               "routers different ASNs"))
        elif igp_passive(igp, spec.links[k]):
            out.append(Problem(("links", k, "unnumbered"),
                               f"'{a}' and '{b}' are both in AS {asn[a]}: an unnumbered link "
                               f"whose {igp.upper().replace('ISIS', 'IS-IS')} is passive "
                               "carries nothing", "leave out passive, so that the IGP runs "
                               "on borrowed loopbacks; or give the link addresses, or give "
                               "its routers different ASNs"))
    return out


def _igp(spec: LabSpec) -> str:
    """The IGP the lab's routers run with each other: IS-IS or OSPF."""
    return "isis" if "isis" in (spec.routing, spec.igp) else "ospf"


def _links_by_end(lab: Lab) -> dict[tuple[str, str], int]:
    """Each link end's link (its position in the file): once, not a scan per
    segment (a fabric of thousands of unnumbered links)."""
    return {end: k for k, link in enumerate(lab.links) for end in (link.a, link.b)}


def _borrow_loopbacks(spec: LabSpec, lab: Lab, loopbacks: dict[str, IPInterface],
                      igp_with: dict[str, frozenset[str] | None],
                      link_of: dict[tuple[str, str], int]) -> Lab:
    """An unnumbered link between two routers that run their IGP with each other
    carries it as `ip unnumbered` does: each end borrows its router's IPv4
    loopback (a /32 on the interface; OSPFv2 and IS-IS point-to-point reach the
    other end's through it, `onlink`), IPv6 over the link-local addresses."""
    borrowed: dict[tuple[str, str], IPInterface] = {}
    lent: dict[str, IPInterface] = {}
    igp = _igp(spec)
    for seg in lab.segments:
        if not seg.unnumbered or len(seg.members) != 2:
            continue
        (a, ia), (b, ib) = seg.members
        if b not in (igp_with.get(a) or ()) or igp_passive(igp, spec.links[link_of[(a, ia)]]):
            continue
        for n, i in ((a, ia), (b, ib)):
            if loopbacks[n].version == 4:
                if n not in lent:  # one /32 per router, whatever the links that borrow it
                    lent[n] = IPv4Interface((loopbacks[n].ip, 32))
                borrowed[(n, i)] = lent[n]
    if not borrowed:
        return lab
    return replace(lab, nodes=tuple(
        replace(n, interfaces=tuple(
            replace(i, addresses=(borrowed[(n.name, i.name)], *i.addresses))
            if (n.name, i.name) in borrowed else i for i in n.interfaces))
        if n.name in lent else n for n in lab.nodes))


def _address_on(lab: Lab, node: str, seg: Segment, version: int) -> str | None:
    for n, ifname in seg.members:
        if n == node:
            for a in lab.node(n).interface(ifname).addresses:
                if a.version == version:
                    return str(a.ip)
    return None


def resolve_daemons(spec: LabSpec, lab: Lab, loopbacks: dict[str, IPInterface],
                    configs: dict[str, str], problems: list[Problem]) -> Lab:
    """Each router that runs daemons gets its `Daemons`, its loopback and what
    its kernel table must hold once the protocol has converged (`expected`:
    the routes `routing: auto` computes, without the hosts' defaults, and every
    other router's loopback). `configs`: the file's own configs, read."""
    daemon_routers = {n for n, s in spec.nodes.items() if runs_daemons(spec.routing, s)}
    if not daemon_routers:
        igp.ports(spec, lab, set(), igp.routers(spec, set(), problems), problems)
        igp.isis_routers(spec, set(), {}, problems)
        igp.isis_ports(spec, lab, set(), problems)
        _bfd_ends(spec, lab, set(), problems)
        return lab
    asn = {n: _asn(spec, n, k) for k, n in enumerate(spec.nodes)
           if speaks_bgp(spec.routing, spec.nodes[n])}
    link_of = _links_by_end(lab)
    problems += _bgp_only_links_in_an_as(spec, lab, asn, link_of)
    island = islands(lab, asn)
    ospf_with = {n: _ospf_with(spec, n, daemon_routers, asn) for n in daemon_routers}
    lab = _borrow_loopbacks(spec, lab, loopbacks, ospf_with, link_of)
    runs_igp = {n for n, w in ospf_with.items() if w is not None}
    runs_ospf, runs_isis = (set(), runs_igp) if _igp(spec) == "isis" else (runs_igp, set())
    ospf = igp.routers(spec, runs_ospf, problems)
    ospf_ports = igp.ports(spec, lab, runs_ospf, ospf, problems)
    router_ids = {n.name: _router_id(spec, n, loopbacks[n.name]) for n in lab.nodes
                  if n.name in daemon_routers}
    isis = igp.isis_routers(spec, runs_isis, router_ids, problems)
    isis_ports = igp.isis_ports(spec, lab, runs_isis, problems)
    bfd = _bfd_ends(spec, lab, daemon_routers, problems)
    ports = {n.name: _ports(n, lab, daemon_routers, ospf_ports, bfd, isis_ports)
             for n in lab.nodes if n.name in daemon_routers}
    sessions = _sessions(spec, lab, ports, asn, island, loopbacks, problems)
    origins = _origins(lab, loopbacks, spec)
    reaches = _reach(origins, asn, island, sessions)
    carry = Carry.of(_announce_only(spec, lab, asn, sessions, loopbacks),
                     _joined(sessions, asn, island), _domains(ports, ospf_with), asn, island)
    # what every router may be expected to hold but its own (once: a 1,000-router lab)
    others = [(name, loop.network) for name, loop in loopbacks.items()] + \
        [(n.name, n.loopback6.network) for n in lab.nodes if n.loopback6 is not None] + \
        [(name, ip_network(n)) for name, ns in spec.nodes.items() if ns.bgp is not None
         for n in ns.bgp.announce]
    nodes = []
    for node in lab.nodes:
        if node.name not in daemon_routers:
            nodes.append(node)
            continue
        ns = spec.nodes[node.name]
        where: tuple[str | int, ...] = ("nodes", node.name)
        loop = loopbacks[node.name]
        router_id = router_ids[node.name]
        mine = ports[node.name]
        talks = ospf_with[node.name]
        bgp = None
        if node.name in asn:
            b = ns.bgp
            # a session over an unnumbered link carries IPv6 too (link-local: it is there)
            bgp = Bgp(asn[node.name], sessions[node.name], tuple(b.announce if b else ()),
                      lab.ipv6 or any(s.interface for s in sessions[node.name]),
                      bool(b and b.rr),
                      str(b.cluster_id) if b and b.cluster_id else None,
                      b is None or b.originate == "connected")
        router = Router(node, lab, tuple(mine), router_id, talks, bgp, where,
                        ospf.get(node.name, Ospf()), isis.get(node.name), ns.ra)
        suite = suite_of(ns)
        writer = WRITERS[suite]
        problems += writer.problems(router, node.name in configs)
        own = getattr(ns, suite, None)
        asked = tuple(getattr(own, "daemons", None) or ())
        if getattr(own, "extra", None) is not None:  # with nslab's config: more daemons
            daemons = writer.daemons(router, ())
            daemons += tuple(d for d in asked if d not in daemons)
            protocols = writer.protocols(router, daemons, False)
        else:  # the file's own config: its daemons, or nslab's
            daemons = writer.daemons(router, asked)
            protocols = writer.protocols(router, daemons, bool(asked))
        text = configs.get(node.name) or writer.config(router)
        if node.name + EXTRA in configs:  # the file's extra, after what nslab writes
            text = text.rstrip("\n") + "\n" + configs[node.name + EXTRA]
        neighbours = tuple(sorted({r for p in mine for r in p.routers
                                   if talks and r in talks
                                   and not (p.ospf.passive or p.isis.passive)}))
        nodes.append(replace(
            node, loopback=loop, routes=tuple(r for r in node.routes if r.origin == "file"),
            daemons=Daemons(suite, daemons, text, node.name not in configs, protocols,
                            router_id, bgp.asn if bgp else None,
                            tuple((s.peer or _peer_name(lab, s.address, loopbacks), s.address)
                                  for s in bgp.sessions)
                            if bgp else (), neighbours),
            expected=_expected(node, others, origins, asn, island, reaches,
                               _level1(node.name, isis), carry)))
    return replace(lab, nodes=tuple(nodes))


def _router_id(spec: LabSpec, node: Node, loop: IPInterface) -> str:
    ns = spec.nodes[node.name]
    return (ns.ospf.router_id if ns.ospf and ns.ospf.router_id else None) or \
        (str(loop.ip) if loop.version == 4 else _first_v4(node) or "0.0.0.1")


def _ospf_with(spec: LabSpec, name: str, daemon_routers: set[str], asn: dict[str, int]
               ) -> frozenset[str] | None:
    """The routers a router runs its IGP with: all of them (routing: ospf or
    isis), the routers of its ASN (routing: bgp, an AS of several routers:
    OSPF), or none."""
    if spec.routing in ("ospf", "isis"):
        return frozenset(daemon_routers)
    if name not in asn:
        return None
    same = frozenset(r for r in daemon_routers if asn.get(r) == asn[name])
    return None if same == {name} else same


def _asn(spec: LabSpec, name: str, position: int) -> int:
    b = spec.nodes[name].bgp
    return b.asn if b is not None and b.asn is not None else PRIVATE_ASN + position


def _first_v4(node: Node) -> str | None:
    for i in node.interfaces:
        for a in i.addresses:
            if a.version == 4:
                return str(a.ip)
    return None


def _loopback_addresses(n: Node) -> set[str]:
    return {str(a.ip) for a in (n.loopback, n.loopback6) if a is not None}


def _peer_name(lab: Lab, address: str, loopbacks: dict[str, IPInterface]) -> str:
    for name, loop in loopbacks.items():  # an iBGP peer, by its loopback
        if str(loop.ip) == address:
            return name
    for n in lab.nodes:
        if address in _loopback_addresses(n):
            return n.name
        for i in n.interfaces:
            if any(str(a.ip) == address for a in i.addresses):
                return n.name
    return ""


def _sessions(spec: LabSpec, lab: Lab, ports: dict[str, list[Port]], asn: dict[str, int],
              island: dict[str, str], loopbacks: dict[str, IPInterface],
              problems: list[Problem]) -> dict[str, tuple[Session, ...]]:
    """Each BGP router's sessions, both sides of each settled (nslab.model.bgp)."""
    listed = {n: (b.neighbors or []) if (b := spec.nodes[n].bgp) else [] for n in asn}
    declared: Declared = {(n, nb.peer): nb for n, entries in listed.items()
                          for nb in entries if nb.peer is not None}
    rr = {n for n in asn if (b := spec.nodes[n].bgp) is not None and b.rr}
    # every router's loopback addresses, once (a listed address among them: loop to loop)
    loops = frozenset(str(lo.ip) for lo in loopbacks.values()) | \
        frozenset(a for n in lab.nodes for a in _loopback_addresses(n))
    out = {}
    for n in asn:
        # a session over a link with bfd: true runs BFD too
        bfd = {a for p in ports[n] if p.bfd for r in p.routers
               for a in (_address_on(lab, r, p.segment, 4), _address_on(lab, r, p.segment, 6))
               if a} | {p.name for p in ports[n] if p.bfd and p.segment.unnumbered}
        # a session to a router's address on an IPv6-only link carries IPv4 too (RFC 8950)
        v6_only = {a for p in ports[n] if p.segment.ipv6_only for r in p.routers
                   if (a := _address_on(lab, r, p.segment, 6))}
        out[n] = tuple(
            _over(settle(n, peer, addr, peer_asn, loop,
                             n in rr and peer in asn and peer not in rr and asn[peer] == asn[n],
                             own, where, declared, peer in asn and asn[peer] == asn[n], problems),
                  bfd, v6_only)
            for addr, peer_asn, loop, peer, own, where in
            _neighbours(spec, lab, lab.node(n), ports[n], asn, island, rr, loopbacks, loops,
                        problems))
    return out


def _over(s: Session, bfd: set[str], v6_only: set[str]) -> Session:
    """The session with what the link it goes over adds: BFD (the link's bfd:
    true), IPv4 through IPv6 next hops (an IPv6-only link)."""
    if s.address in bfd and not s.bfd:
        s = replace(s, bfd=True)
    return replace(s, ipv4_over_ipv6=True) if s.address in v6_only else s


Listed = tuple[str, int, bool, str, BgpNeighborSpec | None, tuple[str | int, ...]]


def _neighbours(spec: LabSpec, lab: Lab, node: Node, ports: list[Port], asn: dict[str, int],
                island: dict[str, str], rr: set[str], loopbacks: dict[str, IPInterface],
                loops: frozenset[str], problems: list[Problem]) -> Iterable[Listed]:
    """(address, its ASN, over loopbacks, peer node, the file's entry, where)
    for each session of a router."""
    mine = asn[node.name]
    b = spec.nodes[node.name].bgp
    listed = b.neighbors if b is not None else None
    here: tuple[str | int, ...] = ("nodes", node.name, "bgp")
    if listed is None:  # auto
        seen: set[str] = set()
        for p in ports:  # eBGP with every router of another ASN on a shared segment
            for r in p.routers:
                if r in asn and asn[r] != mine and p.segment.unnumbered:
                    yield p.name, asn[r], False, r, None, here  # over the interface
                elif r in asn and asn[r] != mine:
                    for version in (4, 6) if lab.ipv6 else (4,):
                        addr = _address_on(lab, r, p.segment, version)
                        if addr and addr not in seen:
                            seen.add(addr)
                            yield addr, asn[r], False, r, None, here
        # iBGP over loopbacks inside the ASN's island: a full mesh, or every
        # router with the island's route reflectors (which mesh among themselves)
        peers = [r for r in sorted(asn) if r != node.name and asn[r] == mine
                 and island[r] == island[node.name]]
        reflectors = {r for r in peers if r in rr}
        for r in peers:
            if node.name in rr or not reflectors or r in reflectors:
                yield str(loopbacks[r].ip), mine, True, r, None, here
                six = lab.node(r).loopback6
                if six is not None and node.loopback6 is not None:  # and one for IPv6
                    yield str(six.ip), mine, True, r, None, here
        return
    for k, nb in enumerate(listed):
        where = (*here, "neighbors", k)
        for addr, peer_asn, loop in _listed(spec, lab, node, ports, asn, loopbacks, loops, nb,
                                            where, problems):
            # an address of a lab router names it (its route-reflector client
            # status, its side of the session), as `peer` would
            yield addr, peer_asn, loop, nb.peer or _peer_name(lab, addr, loopbacks), nb, where


def _listed(spec: LabSpec, lab: Lab, node: Node, ports: list[Port], asn: dict[str, int],
            loopbacks: dict[str, IPInterface], loops: frozenset[str], nb: BgpNeighborSpec,
            where: tuple[str | int, ...], problems: list[Problem]
            ) -> Iterable[tuple[str, int, bool]]:
    if nb.address is not None:
        assert nb.asn is not None
        # a lab router's loopback: the session goes between loopbacks (this
        # router's own as its source), as one to `peer` that shares no segment
        yield nb.address, nb.asn, nb.address in loops
        return
    peer = nb.peer or ""
    if peer not in spec.nodes:
        problems.append(Problem((*where, "peer"), f"node '{peer}' is not defined"))
        return
    if peer not in asn:
        problems.append(Problem((*where, "peer"), f"'{peer}' does not run BGP",
                                "a peer is a router with bgp: (or routing: bgp)"))
        return
    for p in ports:  # on a shared segment: a session per family (dual stack: two)
        if peer in p.routers and p.segment.unnumbered:
            yield p.name, nb.asn or asn[peer], False  # one, over the interface: both families
            return
        if peer in p.routers:
            addrs = [_address_on(lab, peer, p.segment, v) for v in ((4, 6) if lab.ipv6 else (4,))]
            if any(addrs):
                for addr in addrs:
                    if addr:
                        yield addr, nb.asn or asn[peer], False
                return
    yield str(loopbacks[peer].ip), nb.asn or asn[peer], True


def _origins(lab: Lab, loopbacks: dict[str, IPInterface], spec: LabSpec
             ) -> dict[IPNetwork, set[str]]:
    """Each prefix of the lab -> the nodes that hold it (on a segment, as a
    loopback, or announced)."""
    origins: dict[IPNetwork, set[str]] = {}
    for seg in lab.segments:
        for subnet in (seg.subnet4, seg.subnet6):
            if subnet is not None:
                origins.setdefault(subnet, set()).update(n for n, _ in seg.members)
    for name, loop in loopbacks.items():
        origins.setdefault(loop.network, set()).add(name)
    for node in lab.nodes:
        if node.loopback6 is not None:
            origins.setdefault(node.loopback6.network, set()).add(node.name)
    for name, s in spec.nodes.items():
        for n in s.bgp.announce if s.bgp is not None else ():
            origins.setdefault(ip_network(n), set()).add(name)
    return origins


def _reach(origins: dict[IPNetwork, set[str]], asn: dict[str, int], island: dict[str, str],
           sessions: dict[str, tuple[Session, ...]]) -> dict[IPNetwork, set[str]]:
    """Where the lab's relations and rules let each prefix go: prefix -> the
    islands certain to learn it (only for prefixes BGP routers originate, and
    only in a lab that has relations or rules; the others are everywhere)."""
    if not shapes_reach(sessions):
        return {}
    links = edges(sessions, island)
    return {p: reach(p, o & asn.keys(), island, asn, links)
            for p, o in origins.items() if o & asn.keys()}


def _level1(name: str, isis: dict[str, Isis]) -> set[str] | None:
    """The IS-IS routers whose prefixes a router learns, in a lab with level-1
    routers (None otherwise, or for a router that is not IS-IS's): level 1,
    the routers of its area that take part in level 1 (the rest it reaches by
    the default route toward an L1-2 router); level 2, the routers that take
    part in level 2 (FRR's isisd does not pass level-1 prefixes on into level
    2: FRR issues 6966, 9033); level 1-2, both."""
    mine = isis.get(name)
    if mine is None or all(i.level != "1" for i in isis.values()):
        return None
    out: set[str] = set()
    if mine.level in ("1", "1-2"):
        out |= {r for r, i in isis.items() if i.area == mine.area and i.level in ("1", "1-2")}
    if mine.level in ("2", "1-2"):
        out |= {r for r, i in isis.items() if i.level in ("2", "1-2")}
    return out


@dataclass(frozen=True)
class Carry:
    """What BGP carries from one AS to another, for what routers expect."""

    quiet: dict[str, set[IPNetwork]]  # announce-only routers -> what of it leaves their AS
    joined: dict[str, str]  # island -> the group of islands its sessions join
    domain: dict[str, str]  # router -> its IGP domain (adjacencies, not passive ports)
    # IGP domain -> the groups of islands its routers that put the IGP in BGP reach
    carriers: dict[str, set[str]] = field(default_factory=dict)

    @staticmethod
    def of(quiet: dict[str, set[IPNetwork]], joined: dict[str, str], domain: dict[str, str],
           asn: dict[str, int], island: dict[str, str]) -> Carry:
        carriers: dict[str, set[str]] = {}
        for r in asn:
            if r not in quiet and r in domain:
                carriers.setdefault(domain[r], set()).add(joined.get(island[r], ""))
        return Carry(quiet, joined, domain, carriers)

    def sent(self, o: str, prefix: IPNetwork) -> bool:
        """Whether BGP router `o` puts `prefix` (one it holds) in BGP toward other ASes."""
        return o not in self.quiet or prefix in self.quiet[o]

    def linked(self, a: str, b: str) -> bool:
        """Whether sessions that come up join islands `a` and `b`."""
        return self.joined.get(a) == self.joined.get(b)

    def from_igp(self, o: str, node: str, island: dict[str, str]) -> bool:
        """Whether BGP router `node` learns what `o` (no BGP) holds: in o's IGP
        domain, or through a router there that puts the IGP in BGP (where
        every BGP router does, as nslab's own do by default: always)."""
        if not self.quiet or o not in self.domain:
            return True
        d = self.domain[o]
        return self.domain.get(node) == d or \
            self.joined.get(island[node], "") in self.carriers.get(d, set())


def _domains(ports: dict[str, list[Port]], ospf_with: dict[str, frozenset[str] | None]
             ) -> dict[str, str]:
    """Each router that runs daemons -> its IGP domain: joined to the routers
    it has an IGP adjacency with (a port that is not passive)."""
    g = Groups(ports)
    for name, mine in ports.items():
        talks = ospf_with.get(name) or frozenset()
        for p in mine:
            if not (p.ospf.passive or p.isis.passive):
                for r in p.routers:
                    if r in talks and r in ports:
                        g.join(name, r)
    return {n: g.root(n) for n in ports}


def _joined(sessions: dict[str, tuple[Session, ...]], asn: dict[str, int],
            island: dict[str, str]) -> dict[str, str]:
    """Each island -> the group of islands its BGP sessions join it to. A
    session comes up when both routers have it and one of them is not passive:
    an island whose every session is passive on both sides learns nothing
    from the others. A session to an address that is no lab router joins
    nothing."""
    g = Groups(set(island.values()))
    for name, mine in sessions.items():
        for s in mine:
            theirs = [t for t in sessions.get(s.peer, ()) if t.peer == name]
            if s.peer in asn and theirs and not (s.passive and all(t.passive for t in theirs)):
                g.join(island[name], island[s.peer])
    return {i: g.root(i) for i in set(island.values())}


def _announce_only(spec: LabSpec, lab: Lab, asn: dict[str, int],
                   sessions: dict[str, tuple[Session, ...]], loopbacks: dict[str, IPInterface]
                   ) -> dict[str, set[IPNetwork]]:
    """The BGP routers that originate only what they announce -> what of it
    leaves their AS: a router with no eBGP session sends it over iBGP with its
    loopback as the next hop, and a border cannot resolve a next hop through
    the prefix itself (FRR and BIRD alike): its own loopback's prefix stays in."""
    out = {}
    six_of = {n.name: n.loopback6 for n in lab.nodes}
    for name in asn:
        b = spec.nodes[name].bgp
        if b is None or b.originate != "announce":
            continue
        border = any(s.asn != asn[name] for s in sessions.get(name, ()))
        own = [loopbacks[name].ip] if name in loopbacks else []
        six = six_of[name]
        own += [six.ip] if six is not None else []
        out[name] = {net for net in map(ip_network, b.announce)
                     if border or not any(a in net for a in own)}
    return out


def _expected(node: Node, others: list[tuple[str, IPNetwork]],
              origins: dict[IPNetwork, set[str]], asn: dict[str, int], island: dict[str, str],
              reaches: dict[IPNetwork, set[str]], level1: set[str] | None = None,
              carry: Carry | None = None) -> tuple[IPNetwork, ...]:
    """What the router's table holds once the protocols converged: every
    subnet, loopback and announced prefix (`others`: the loopbacks and
    announced prefixes, by router), but those that only routers it cannot
    learn them from originate (its own ASN, another island of it), those the
    lab's relations and rules keep from it (`reaches`), and, with IS-IS
    levels, those from outside its level's domain (`level1`); from another
    AS, only what its origin puts in BGP, over sessions that come up (`carry`)."""
    c = carry or Carry({}, {}, {})
    own = {a.network for i in node.interfaces for a in i.addresses}
    mine = node.name in asn

    def learnt(prefix: IPNetwork) -> bool:
        if level1 is not None and not origins.get(prefix, set()) & level1:
            return False
        if not mine:  # no BGP here: an IGP carries everything
            return True
        if prefix in reaches and island[node.name] not in reaches[prefix]:
            return False
        where = origins.get(prefix)
        if not where:
            return True
        # a prefix of a segment whose BGP routers (of another island) all keep it out
        speakers = [o for o in where if o in asn] if c.quiet else []
        hidden = bool(speakers) and all(not c.sent(o, prefix) and island[o] != island[node.name]
                                        for o in speakers)
        return any(
            island[o] == island[node.name]
            or (asn[o] != asn[node.name] and c.sent(o, prefix)
                and c.linked(island[o], island[node.name]))
            if o in asn else not hidden and c.from_igp(o, node.name, island) for o in where)

    out: dict[IPNetwork, None] = {}
    for r in node.routes:
        if r.origin == "auto" and r.dst.prefixlen > 0:
            out[r.dst] = None
    for name, prefix in others:
        if name != node.name:
            out[prefix] = None
    if not mine and level1 is None:
        return tuple(n for n in out if n not in own)
    return tuple(n for n in out if n not in own and learnt(n))


def config_path(spec_node: NodeSpec) -> str | None:
    """The file a node's own config is in, when the file names one."""
    for own in (getattr(spec_node, name, None) for name in WRITERS):
        path = getattr(own, "config", None)
        if isinstance(path, str) and not is_inline(path):
            return path
    return None
