"""The BGP part of a router's bird.conf (BIRD 2): a `protocol bgp` per
session, with its policy as inline filters, and the static routes behind what
the router announces. Pure; what FRR is given for the same sessions is
nslab.model.frr_bgp, and both follow nslab.model.bgp.

Each session is a protocol named after the neighbour (`bgp-t1`; `-v6` for the
IPv6 session of a dual-stack pair). What it exports: the router's connected
subnets (protocol direct), its announced prefixes, what BGP learnt (and its
IGP's routes, as FRR's `redistribute ospf`), through the export rules in
order, the sets (MED, prepending, communities) on each rule that allows. What
it imports: through the import rules, with the local preference of the
relation and the communities set. A relation is also the session's RFC 9234
role: BIRD marks what came from a provider or a peer with the OTC attribute
and exports it to customers only.
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import ip_address, ip_network

from nslab.model.bgp import INVERSE, Rule, Session
from nslab.model.routers import Bgp, Router
from nslab.spec.bgp import is_large

# well-known communities (RFC 1997, 7999, 8326) as BIRD's pairs
WELL_KNOWN = {"no-export": "(65535, 65281)", "no-advertise": "(65535, 65282)",
              "local-as": "(65535, 65283)", "blackhole": "(65535, 666)",
              "graceful-shutdown": "(65535, 0)"}
ANNOUNCED, ORIGINATED = "announced", "originate"  # the static protocols' names
# never into BGP: the loopback's 127/8 and ::1, link-local addresses
NOT_EXPORTED = {4: "127.0.0.0/8+", 6: "::1/128, fe80::/10+"}


def _family(version: int) -> str:
    return f"ipv{version}"


def _proto(name: str, version: int) -> str:
    return f"{name}{version}"


def _families(s: Session) -> tuple[int, ...]:
    """The families a session carries: its address's, or both (IPv4 through IPv6
    next hops over an IPv6-only link)."""
    return (4, 6) if s.ipv4_over_ipv6 else (ip_address(s.address).version,)


def originates_default(b: Bgp, version: int) -> bool:
    return any(s.default_originate and version in _families(s) for s in b.sessions)


def bgp_sections(r: Router, b: Bgp, igp: bool) -> list[str]:
    """The BGP part; `igp`: the router runs OSPF with its ASN's routers, whose
    routes it then exports to BGP too (as FRR's `redistribute ospf`). A session
    over an unnumbered link is FRR's only (nslab.model.roles says so); one over
    an IPv6-only link has an IPv4 channel too, with the extended next hop."""
    b = replace(b, sessions=tuple(s for s in b.sessions if not s.interface))
    out = []
    for version in (4, 6) if b.ipv6 else (4,):
        fam = _family(version)
        nets = [n for n in b.announce if ip_network(n).version == version]
        if nets:  # a blackhole under all else (preference 1): any other route to it wins
            out += [f"protocol static {_proto(ANNOUNCED, version)} {{",
                    f"  {fam} {{ preference 1; }};",
                    *[f"  route {n} blackhole;" for n in nets], "}"]
        if originates_default(b, version):  # sent to the sessions that ask, nowhere else
            out += [f"protocol static {_proto(ORIGINATED, version)} {{",
                    f"  {fam} {{ preference 1; }};",
                    f"  route {'0.0.0.0/0' if version == 4 else '::/0'} blackhole;", "}"]
    for s in b.sessions:
        out += _session(r, b, s, igp)
    return out


def protocol_name(s: Session) -> str:
    who = s.peer or s.address.replace(":", "-").replace(".", "-")
    v6 = "-v6" if s.peer and ip_address(s.address).version == 6 else ""
    return f"bgp-{who}{v6}"


def _session(r: Router, b: Bgp, s: Session, igp: bool) -> list[str]:
    version = ip_address(s.address).version
    ibgp = s.asn == b.asn
    local = ""
    if s.loop:
        loop = r.node.loopback
        local = f" {loop.ip if loop is not None else r.router_id}"
    out = [f"protocol bgp '{protocol_name(s)}' {{", f"  local{local} as {s.local_as or b.asn};",
           f"  neighbor {s.address} as {s.asn};"]
    if s.relation is not None:
        out.append(f"  local role {INVERSE[s.relation]};")
    keepalive, hold = s.timers or (1, 3)
    out += [f"  hold time {hold};", f"  keepalive time {keepalive};",
            "  connect retry time 1;", "  connect delay time 1;", "  error wait time 1, 4;"]
    if s.multihop is not None:
        out.append(f"  multihop {s.multihop};")
    elif s.loop and not ibgp:
        out.append("  multihop 8;")
    if s.password is not None:
        out.append(f'  password "{s.password}";')
    if s.passive:
        out.append("  passive on;")
    if s.bfd:
        out.append("  bfd on;")
    if s.allowas_in is not None:
        out.append(f"  allow local as {s.allowas_in};")
    if s.rr_client:
        out.append("  rr client;")
        if b.cluster_id is not None:
            out.append(f"  rr cluster id {b.cluster_id};")
    for fam in _families(s):
        out += [f"  {_family(fam)} {{", "    import filter {",
                *_import(s, fam), "    };", "    export filter {", *_export(b, s, fam, igp),
                "    };"]
        if fam != version:  # IPv4 over the IPv6 session (RFC 8950)
            out.append("    extended next hop on;")
        if ibgp or s.next_hop_self:
            out.append("    next hop self;")
        out.append("  };")
    return [*out, "}"]


def _pair(c: str) -> str:
    if c in WELL_KNOWN:
        return WELL_KNOWN[c]
    return "(" + ", ".join(c.split(":")) + ")"


def _adds(communities: tuple[str, ...]) -> list[str]:
    return [f"bgp_large_community.add({_pair(c)});" if is_large(c) else
            f"bgp_community.add({_pair(c)});" for c in communities]


def _rules(rules: tuple[Rule, ...] | None, version: int, sets: list[str]) -> list[str]:
    """The filter's body: rules in order, the first that matches deciding;
    none matching rejects (rules of the other family are never met)."""
    body = " ".join([*sets, "accept;"])
    if rules is None:
        return [f"      {body}"]
    out: list[str] = []
    for r in rules:
        if r.prefix is not None and r.prefix.version != version:
            continue
        conds = []
        if r.prefix is not None:
            low = r.ge if r.ge is not None else r.prefix.prefixlen
            high = r.le if r.le is not None else \
                (r.prefix.max_prefixlen if r.ge is not None else r.prefix.prefixlen)
            bounds = "" if low == high == r.prefix.prefixlen else f"{{{low},{high}}}"
            conds.append(f"net ~ [ {r.prefix}{bounds} ]")
        if r.community is not None:
            kind = "bgp_large_community" if is_large(r.community) else "bgp_community"
            conds.append(f"{_pair(r.community)} ~ {kind}")
        then = body if r.allow else "reject;"
        if not conds:  # a rule for anything: none after it is met
            return [*out, f"      {then}"]
        out.append(f"      if {' && '.join(conds)} then {{ {then} }}")
    return [*out, "      reject;"]


def _import(s: Session, version: int) -> list[str]:
    pref = s.preference
    sets = [f"bgp_local_pref = {pref};"] if pref is not None else []
    return _rules(s.import_rules, version, sets + _adds(s.communities_in))


def _export(b: Bgp, s: Session, version: int, igp: bool) -> list[str]:
    sources = ["RTS_DEVICE", "RTS_STATIC", "RTS_BGP"] + \
        (["RTS_OSPF", "RTS_OSPF_IA", "RTS_OSPF_EXT1", "RTS_OSPF_EXT2"] if igp else [])
    out = []
    if s.default_originate:  # as FRR's default-originate: past the session's rules
        out.append(f'      if proto = "{_proto(ORIGINATED, version)}" then accept;')
    elif originates_default(b, version):
        out.append(f'      if proto = "{_proto(ORIGINATED, version)}" then reject;')
    if b.connected:
        out.append(f"      if source !~ [ {', '.join(sources)} ] then reject;")
    else:  # what BGP learnt, and the announced prefixes whatever route has them
        nets = [n for n in b.announce if ip_network(n).version == version]
        mine = f" && !(net ~ [ {', '.join(nets)} ])" if nets else ""
        out.append(f"      if source != RTS_BGP{mine} then reject;")
    out.append(f"      if net ~ [ {NOT_EXPORTED[version]} ] then reject;")
    sets = [f"bgp_med = {s.med};"] if s.med is not None else []
    sets += [f"bgp_path.prepend({s.local_as or b.asn});"] * s.prepend
    return out + _rules(s.export_rules, version, sets + _adds(s.communities_out))
