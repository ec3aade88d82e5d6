"""FRR's configuration for a router (frr.conf) and the daemons it runs: the
writer of nslab.model.routers.Writer for the suite `frr`. Pure."""

from __future__ import annotations

from nslab.errors import Problem
from nslab.model.frr_bgp import bgp_lines
from nslab.model.routers import (
    BFD_INTERVAL_MS,
    BFD_MULTIPLIER,
    BFD_PROFILE,
    Isis,
    Router,
    area_word,
    l3_members,
    speaks,
)


class FrrWriter:
    def daemons(self, r: Router, asked: tuple[str, ...]) -> tuple[str, ...]:
        wanted = list(asked)
        if not wanted:
            # staticd only for the blackhole routes behind announcements (6 MB a router)
            igp = ["isisd"] if r.isis is not None else \
                ["ospfd", "ospf6d"] if r.lab.ipv6 else ["ospfd"]
            wanted = ["zebra"] + (["staticd"] if r.bgp and r.bgp.announce else []) + \
                (igp if r.ospf_with else []) + \
                (["bfdd"] if bfd(r) else []) + (["bgpd"] if r.bgp else [])
        return ("zebra", *[d for d in wanted if d != "zebra"])

    def protocols(self, r: Router, daemons: tuple[str, ...], asked: bool) -> tuple[str, ...]:
        if not asked:
            return speaks(r)
        return tuple(p for d, p in (("ospfd", "ospf"), ("ospf6d", "ospf6"), ("isisd", "isis"),
                                    ("bgpd", "bgp")) if d in daemons)

    def config(self, r: Router) -> str:
        return _config(r)

    def problems(self, r: Router, own_config: bool) -> list[Problem]:
        return []


def bfd(r: Router) -> bool:
    """Whether a session or an OSPF or IS-IS link of the router asks for BFD (bfdd then
    runs, with nslab's profile)."""
    return (r.bgp is not None and any(s.bfd for s in r.bgp.sessions)) or \
        (r.ospf_with is not None and any(p.bfd for p in r.ports))


def _config(r: Router) -> str:
    """frr.conf for a router: OSPF with `r.ospf_with` (None: no OSPF), BGP as
    `r.bgp` says (None: no BGP)."""
    out = ["frr defaults traditional", f"hostname {r.node.name}",
           "service integrated-vtysh-config", "!"]
    # first: after `router ospf6`, FRR 8.4 takes `interface X` as its own command
    out += _ra(r)
    ospf_with = r.ospf_with
    if ospf_with is not None:
        out += _isis(r, ospf_with, r.isis) if r.isis is not None else _ospf(r, ospf_with)
    if r.bgp is not None:
        igp = None if ospf_with is None else "isis" if r.isis is not None else "ospf"
        out += bgp_lines(r.bgp, r.router_id, igp)
    if bfd(r):
        out += ["bfd", f" profile {BFD_PROFILE}", f"  transmit-interval {BFD_INTERVAL_MS}",
                f"  receive-interval {BFD_INTERVAL_MS}", f"  detect-multiplier {BFD_MULTIPLIER}",
                " !", "!"]
    return "\n".join(out) + "\n"


RA_INTERVAL_S = 5  # as netlab's routers send them
UNNUMBERED_RA_S = 1  # how soon a BGP session over an unnumbered link learns its peer


def _ra(r: Router) -> list[str]:
    """Router advertisements on each port with IPv6 (zebra sends them); on a
    BGP session's unnumbered link, every second: they carry the link-local
    address the session goes to (bgpd learns it from zebra, which hears them)."""
    out: list[str] = []
    over = {s.address for s in r.bgp.sessions if s.interface} if r.bgp is not None else set()
    for p in r.ports:
        every = UNNUMBERED_RA_S if p.name in over else \
            RA_INTERVAL_S if r.ra and any(a.version == 6 for a in p.addresses) else None
        if every is not None:
            out += [f"interface {p.name}", f" ipv6 nd ra-interval {every}",
                    " no ipv6 nd suppress-ra", "!"]
    return out


def _ospf(r: Router, ospf_with: frozenset[str]) -> list[str]:
    """OSPFv2 (and OSPFv3 in a lab with IPv6): each interface in its area,
    point-to-point between two routers, passive where no other router is."""
    o = r.ospf
    fams = (("ip ospf", 4), ("ipv6 ospf6", 6)) if r.lab.ipv6 else (("ip ospf", 4),)
    out = ["interface lo", *[f" {v} area {area_word(o.area)}" for v, _ in fams], "!"]
    for p in r.ports:
        talks = [x for x in p.routers if x in ospf_with]
        if not talks and p.routers and r.bgp is not None:
            continue  # an eBGP link: BGP advertises its subnet (a LAN: passive OSPF)
        out.append(f"interface {p.name}")
        for v, version in fams:
            out.append(f" {v} area {area_word(p.ospf.area)}")
            if p.ospf.cost is not None:
                out.append(f" {v} cost {p.ospf.cost}")
            if not talks or p.ospf.passive:
                out.append(f" {v} passive")
                continue
            network = p.ospf.network or \
                ("point-to-point" if l3_members(p.segment, r.lab) == 2 else None)
            if network is not None:
                out.append(f" {v} network {network}")
            if o.priority is not None:
                out.append(f" {v} priority {o.priority}")
            out += [f" {v} hello-interval {o.hello}", f" {v} dead-interval {o.dead}",
                    f" {v} retransmit-interval 1"]
            if p.bfd:  # FRR 8.4's ospfd takes the profile once BFD is on
                out += [f" {v} bfd"] * (version == 4) + [f" {v} bfd profile {BFD_PROFILE}"]
            if o.md5 is not None and version == 4:
                out += [" ip ospf authentication message-digest",
                        f" ip ospf message-digest-key 1 md5 {o.md5}"]
        out.append("!")
    originate = [" default-information originate always"] if o.default_originate else []
    out += ["router ospf", f" ospf router-id {r.router_id}",
            " timers throttle spf 0 50 500", " timers throttle lsa all 0",
            " timers lsa min-arrival 0", " maximum-paths 64", *originate,
            *_redistribute(o.redistribute), "!"]
    if r.lab.ipv6:
        out += ["router ospf6", f" ospf6 router-id {r.router_id}",
                " timers throttle spf 0 50 500", *originate,
                *_redistribute(o.redistribute), "!"]
    return out


def _redistribute(what: tuple[str, ...]) -> list[str]:
    """`static` is the file's `routes:` too, which nslab puts in the kernel's
    table (FRR calls them kernel routes), beside FRR's own static routes."""
    return [f" redistribute {w}" for w in what] + \
        [" redistribute kernel"] * ("static" in what)


ISIS_TAG = "nslab"  # the IS-IS instance's name
IS_TYPE = {"1": "level-1", "2": "level-2-only", "1-2": "level-1-2"}


def _isis(r: Router, talks_with: frozenset[str], isis: Isis) -> list[str]:
    """IS-IS (FRR's isisd): every interface in the instance, point-to-point
    between two routers, passive where no other router is, hellos every
    second (held 3 s), wide metrics, no SPF or LSP hold-down to speak of."""
    fams = ("ip", "ipv6") if r.lab.ipv6 else ("ip",)
    # the instance first: isisd takes an interface's settings once it knows the area
    out = [f"router isis {ISIS_TAG}", f" net {isis.net}", f" is-type {IS_TYPE[isis.level]}",
           " metric-style wide", " lsp-gen-interval 1",
           " spf-delay-ietf init-delay 0 short-delay 0 long-delay 200 holddown 200 "
           "time-to-learn 200", "!",
           "interface lo", *[f" {f} router isis {ISIS_TAG}" for f in fams], " isis passive", "!"]
    for p in r.ports:
        talks = [x for x in p.routers if x in talks_with]
        if not talks and p.routers and r.bgp is not None:
            continue  # an eBGP link: BGP advertises its subnet (a LAN: passive IS-IS)
        out += [f"interface {p.name}", *[f" {f} router isis {ISIS_TAG}" for f in fams]]
        if p.isis.metric is not None:
            out.append(f" isis metric {p.isis.metric}")
        if not talks or p.isis.passive:
            out += [" isis passive", "!"]
            continue
        if l3_members(p.segment, r.lab) == 2:
            out.append(" isis network point-to-point")
        out += [" isis hello-interval 1", " isis hello-multiplier 3"]
        if p.bfd:
            out += [" isis bfd", f" isis bfd profile {BFD_PROFILE}"]
        out.append("!")
    return out
