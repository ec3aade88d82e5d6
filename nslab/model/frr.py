"""FRR's configuration for a router (frr.conf) and the daemons it runs: the
writer of nslab.model.routers.Writer for the suite `frr`. Pure."""

from __future__ import annotations

from nslab.errors import Problem
from nslab.model.frr_bgp import bgp_lines
from nslab.model.routers import DEAD, HELLO, Router, l3_members, speaks


class FrrWriter:
    def daemons(self, r: Router, asked: tuple[str, ...]) -> tuple[str, ...]:
        wanted = list(asked)
        if not wanted:
            # staticd only for the blackhole routes behind announcements (6 MB a router)
            wanted = ["zebra"] + (["staticd"] if r.bgp and r.bgp.announce else []) + \
                (["ospfd"] if r.ospf_with else []) + \
                (["ospf6d"] if r.ospf_with and r.lab.ipv6 else []) + \
                (["bfdd"] if bfd(r) else []) + (["bgpd"] if r.bgp else [])
        return ("zebra", *[d for d in wanted if d != "zebra"])

    def protocols(self, r: Router, daemons: tuple[str, ...], asked: bool) -> tuple[str, ...]:
        if not asked:
            return speaks(r)
        return tuple(p for d, p in (("ospfd", "ospf"), ("ospf6d", "ospf6"), ("bgpd", "bgp"))
                     if d in daemons)

    def config(self, r: Router) -> str:
        return _config(r)

    def problems(self, r: Router, own_config: bool) -> list[Problem]:
        return []


def bfd(r: Router) -> bool:
    """Whether a session of the router asks for BFD (bfdd then runs)."""
    return r.bgp is not None and any(s.bfd for s in r.bgp.sessions)


def _config(r: Router) -> str:
    """frr.conf for a router: OSPF with `r.ospf_with` (None: no OSPF), BGP as
    `r.bgp` says (None: no BGP)."""
    out = ["frr defaults traditional", f"hostname {r.node.name}",
           "service integrated-vtysh-config", "!"]
    ospf_with = r.ospf_with
    if ospf_with is not None:
        out += ["interface lo", " ip ospf area 0"]
        out += [" ipv6 ospf6 area 0"] if r.lab.ipv6 else []
        out += ["!"]
        for p in r.ports:
            talks = [x for x in p.routers if x in ospf_with]
            if not talks and p.routers and r.bgp is not None:
                continue  # an eBGP link: BGP advertises its subnet (a LAN: passive OSPF)
            out.append(f"interface {p.name}")
            for v, word in (("ip ospf", 4), ("ipv6 ospf6", 6)):
                if word == 6 and not r.lab.ipv6:
                    continue
                out.append(f" {v} area 0")
                if not talks:
                    out.append(f" {v} passive")
                    continue
                if l3_members(p.segment, r.lab) == 2:
                    out.append(f" {v} network point-to-point")
                out += [f" {v} hello-interval {HELLO}", f" {v} dead-interval {DEAD}",
                        f" {v} retransmit-interval 1"]
            out.append("!")
        out += ["router ospf", f" ospf router-id {r.router_id}",
                " timers throttle spf 0 50 500", " timers throttle lsa all 0",
                " timers lsa min-arrival 0", " maximum-paths 64", "!"]
        if r.lab.ipv6:
            out += ["router ospf6", f" ospf6 router-id {r.router_id}",
                    " timers throttle spf 0 50 500", "!"]
    if r.bgp is not None:
        out += bgp_lines(r.bgp, r.router_id, ospf_with is not None)
    return "\n".join(out) + "\n"
