"""The BGP part of a router's frr.conf: `router bgp` with its sessions, and
the route maps, prefix lists and community lists its policy needs. Pure.

Each session with policy gets a route map per direction, named after the
neighbour (`from-t1`, `to-t1`; `-v6` in IPv6: the IPv6 session of a dual-stack
pair, or the IPv6 family of a session carrying both, over an unnumbered or an
IPv6-only link): one entry per rule (a prefix list and a community list
matched), the sets (local preference, MED, prepending, communities) on each
entry that permits, and nothing after the last rule (a route map ends in deny,
as a prefix list does). A relation is also the session's RFC 9234 role.
"""

from __future__ import annotations

from ipaddress import ip_address, ip_network

from nslab.model.bgp import INVERSE, Rule, Session
from nslab.model.routers import BFD_PROFILE, Bgp
from nslab.spec.bgp import WELL_KNOWN, is_large


def bgp_lines(b: Bgp, router_id: str, igp: str | None = None) -> list[str]:
    """The BGP part; `igp` (ospf, isis): the router runs it with the other routers of its
    ASN, whose loopbacks and subnets it then also originates into BGP (their own
    copies reach it over iBGP with themselves as next hop: a loopback's route
    whose next hop is inside it never resolves, so no border could pass the
    AS's loopbacks on to its eBGP peers)."""
    out = [f"router bgp {b.asn}", f" bgp router-id {router_id}",
           " no bgp ebgp-requires-policy", " no bgp network import-check",
           " bgp bestpath as-path multipath-relax", " timers bgp 1 3"]
    if b.cluster_id is not None:
        out.append(f" bgp cluster-id {b.cluster_id}")
    for s in b.sessions:
        out += _session(b, s)
    maps: list[str] = []
    for fam in ("ipv4", "ipv6") if b.ipv6 else ("ipv4",):
        version = int(fam[-1])
        out.append(f" address-family {fam} unicast")
        if b.connected:
            out.append("  redistribute connected")
        if igp is not None and b.connected:
            out.append(f"  redistribute {igp}" if igp == "isis" or fam == "ipv4"
                       else "  redistribute ospf6")
        out += ["  maximum-paths 64", "  maximum-paths ibgp 64"]
        out += [f"  network {n}" for n in b.announce if ip_network(n).version == version]
        for s in b.sessions:
            if not s.both_families and ip_address(s.address).version != version:
                out.append(f"  no neighbor {s.address} activate")
                continue
            if version == 6:  # FRR's defaults activate a session in IPv4 only
                out.append(f"  neighbor {s.address} activate")
            out += [f"  neighbor {s.address} {line}" for line in _family(b, s)]
            for direction in ("in", "out"):
                name = map_name(s, direction, version)
                lines = route_map(b, s, direction, name, version)
                if lines:
                    out.append(f"  neighbor {s.address} route-map {name} {direction}")
                    maps += lines
        out.append(" exit-address-family")
    out.append("!")
    out += maps
    # an announced prefix is backed by a blackhole route (staticd), as on a real edge: a
    # floating one (distance 254), so that any other route to it (connected, OSPF, iBGP
    # to where the prefix lives in the AS) wins, and the blackhole only ends what has none
    out += [f"{'ip' if ip_network(n).version == 4 else 'ipv6'} route {n} blackhole 254"
            for n in b.announce]
    return [*out, "!"]


def _session(b: Bgp, s: Session) -> list[str]:
    """The session's own lines under `router bgp`."""
    a = s.address
    # over an unnumbered link: the neighbour is the interface (IPv6 link-local,
    # IPv4 through IPv6 next hops: FRR offers the extended next hop itself)
    out = [f" neighbor {a}{' interface' if s.interface else ''} remote-as {s.asn}",
           f" neighbor {a} timers connect 1",
           f" neighbor {a} advertisement-interval 0"]
    if s.ipv4_over_ipv6:  # IPv4 with IPv6 next hops (over an interface: FRR's own)
        out.append(f" neighbor {a} capability extended-nexthop")
    if s.relation is not None:
        out.append(f" neighbor {a} local-role {INVERSE[s.relation]}")
    if s.loop:
        out.append(f" neighbor {a} update-source lo")
    if s.multihop is not None:
        out.append(f" neighbor {a} ebgp-multihop {s.multihop}")
    elif s.loop and s.asn != b.asn:
        out.append(f" neighbor {a} ebgp-multihop 8")
    if s.local_as is not None:
        out.append(f" neighbor {a} local-as {s.local_as}")
    if s.password is not None:
        out.append(f" neighbor {a} password {s.password}")
    if s.timers is not None:
        out.append(f" neighbor {a} timers {s.timers[0]} {s.timers[1]}")
    if s.passive:
        out.append(f" neighbor {a} passive")
    if s.bfd:
        out += [f" neighbor {a} bfd", f" neighbor {a} bfd profile {BFD_PROFILE}"]
    return out


def _family(b: Bgp, s: Session) -> list[str]:
    """The session's lines in its address family."""
    out = []
    if s.asn == b.asn or s.next_hop_self:
        out.append("next-hop-self")
    if s.rr_client:
        out.append("route-reflector-client")
    if s.default_originate:
        out.append("default-originate")
    if s.allowas_in is not None:
        out.append(f"allowas-in {s.allowas_in}")
    return out


def map_name(s: Session, direction: str, version: int) -> str:
    """The route map of a session's direction in one family: `-v6` in IPv6, so
    that a session carrying both (over an unnumbered or an IPv6-only link) gets
    a map per family, as a dual-stack pair of sessions does (one name written
    twice would be one map, matching both families' prefix lists at once:
    nothing)."""
    who = s.peer or s.address
    v6 = "-v6" if s.peer and version == 6 else ""
    return f"{'from' if direction == 'in' else 'to'}-{who}{v6}"


def _sets(b: Bgp, s: Session, direction: str) -> list[str]:
    if direction == "in":
        pref = s.preference
        out = [f" set local-preference {pref}"] if pref is not None else []
        communities = s.communities_in
    else:
        out = [f" set metric {s.med}"] if s.med is not None else []
        if s.prepend:
            out.append(" set as-path prepend " + " ".join([str(s.local_as or b.asn)] * s.prepend))
        communities = s.communities_out
    std = [WELL_KNOWN.get(c, c) for c in communities if not is_large(c)]
    large = [c for c in communities if is_large(c)]
    out += [f" set community {' '.join(std)} additive"] if std else []
    out += [f" set large-community {' '.join(large)} additive"] if large else []
    return out


def route_map(b: Bgp, s: Session, direction: str, name: str, version: int) -> list[str]:
    """The route map (and its lists) for one direction of a session; none when
    the session has no policy that way."""
    rules = s.import_rules if direction == "in" else s.export_rules
    sets = _sets(b, s, direction)
    if rules is None:
        return [f"route-map {name} permit 10", *sets, "!"] if sets else []
    out: list[str] = []
    lists: list[str] = []
    seq = 0
    for k, r in enumerate(rules, 1):
        if r.prefix is not None and r.prefix.version != version:
            continue  # a rule of the other family: never met on this session
        seq += 10
        out.append(f"route-map {name} {'permit' if r.allow else 'deny'} {seq}")
        out += _matches(r, f"{name}-{k}", version, lists)
        out += sets if r.allow else []
        out.append("!")
    if not out:  # every rule is of the other family: nothing passes
        out = [f"route-map {name} deny 10", "!"]
    return lists + out


def _matches(r: Rule, name: str, version: int, lists: list[str]) -> list[str]:
    out = []
    if r.prefix is not None:
        bounds = (f" ge {r.ge}" if r.ge is not None else "") + \
            (f" le {r.le}" if r.le is not None else "")
        ip = "ip" if version == 4 else "ipv6"
        lists.append(f"{ip} prefix-list {name} seq 5 permit {r.prefix}{bounds}")
        out.append(f" match {ip} address prefix-list {name}")
    if r.community is not None:
        kind = "large-community" if is_large(r.community) else "community"
        value = WELL_KNOWN.get(r.community, r.community)
        lists.append(f"bgp {kind}-list standard {name} seq 5 permit {value}")
        out.append(f" match {kind} {name}")
    return out

