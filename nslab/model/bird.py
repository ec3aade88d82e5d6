"""BIRD 2's configuration for a router (bird.conf): the writer of
nslab.model.routers.Writer for the suite `bird`: OSPF, BGP with its relations
and policy (nslab.model.bird_bgp) and BFD, as for FRR; IS-IS is FRR's only.
Pure."""

from __future__ import annotations

from nslab.errors import Problem
from nslab.model.bird_bgp import ORIGINATED, bgp_sections, originates_default
from nslab.model.routers import (
    BACKBONE,
    BFD_INTERVAL_MS,
    BFD_MULTIPLIER,
    Bgp,
    Router,
    area_word,
    l3_members,
    speaks,
)


class BirdWriter:
    def daemons(self, r: Router, asked: tuple[str, ...]) -> tuple[str, ...]:
        return ("bird",)

    def protocols(self, r: Router, daemons: tuple[str, ...], asked: bool) -> tuple[str, ...]:
        return speaks(r) or ("ospf",)

    def config(self, r: Router) -> str:
        return _config(r)

    def problems(self, r: Router, own_config: bool) -> list[Problem]:
        if own_config:
            return []
        if r.isis is not None:
            return [Problem((*r.where, "bird"), "BIRD has no IS-IS", "use FRR for IS-IS")]
        if r.ra:
            return [Problem((*r.where, "ra"), "nslab sends router advertisements with FRR, "
                            "not BIRD", "use FRR for ra: true (or leave it out)")]
        out = []
        if r.bgp is not None:
            out = [Problem((*r.where, "bgp", "neighbors"), f"the session with "
                           f"'{s.peer or s.address}' asks for local_as, and BIRD has none (a "
                           "second ASN on a session)",
                           "use FRR for this router, or give it the ASN itself")
                   for s in r.bgp.sessions if s.local_as is not None]
        o = r.ospf
        unwritten = [k for k, v in (("auth", o.md5), ("default_originate", o.default_originate),
                                    ("redistribute", o.redistribute)) if v]
        return out + [Problem((*r.where, "ospf", k), f"nslab writes ospf.{k} for FRR only",
                              "give bird: {config: FILE}, or use FRR") for k in unwritten]


def _kernel(version: int, bgp: Bgp | None) -> str:
    """The kernel protocol of a family: the best routes into the kernel's table
    (not the interfaces' own, nor the default kept for BGP sessions)."""
    fam = f"ipv{version}"
    export = "export all;"
    if bgp is not None:
        never = "source = RTS_DEVICE"
        if originates_default(bgp, version):
            never += f' || proto = "{ORIGINATED}{version}"'
        export = f"export filter {{ if {never} then reject; accept; }};"
    # IPv6: BIRD 2.0.12 on this kernel can leave the first path in the kernel's table
    # when the best one changes (seen: a customer's route via its second upstream after
    # the preferred one came up); a scan every 2 s puts the best path back
    merge = " merge paths on;" if version == 4 else " scan time 2;"
    return f"protocol kernel {{ {fam} {{ import none; {export} }};{merge} }}"


def _config(r: Router) -> str:
    """bird.conf (BIRD 2) for a router: OSPF (v2, and v3 in a lab with IPv6) with
    `r.ospf_with`, with the same timers as the FRR routers; BGP as `r.bgp`
    says; the best routes exported to the kernel."""
    b = r.bgp
    versions = (4, 6) if r.lab.ipv6 else (4,)
    out = [f"router id {r.router_id};", "protocol device { scan time 2; }"]
    if b is not None:
        out.append("protocol direct { " + " ".join(f"ipv{v};" for v in versions) + " }")
    out += [_kernel(v, b) for v in versions]
    if r.ospf_with is not None:
        for v in versions:
            out += _ospf(r, r.ospf_with, v)
    if b is not None:
        out += bgp_sections(r, b, r.ospf_with is not None)
    if any(p.bfd for p in r.ports) or (b is not None and any(s.bfd for s in b.sessions)):
        timers = f"interval {BFD_INTERVAL_MS} ms; multiplier {BFD_MULTIPLIER};"
        out += ["protocol bfd {", f'  interface "*" {{ {timers} }};',
                f"  multihop {{ {timers} }};", "}"]
    return "\n".join(out) + "\n"


def _ospf(r: Router, ospf_with: frozenset[str], version: int) -> list[str]:
    """OSPF (v2 for IPv4, v3 for IPv6): each interface in its area, point-to-point
    between two routers, a stub where no other router is; none on a link
    where only eBGP is spoken."""
    o = r.ospf
    out = [f"protocol ospf v{2 if version == 4 else 3} {{", "  ecmp yes;",
           f"  ipv{version} {{ import all; export none; }};"]
    areas: dict[str, list[str]] = {o.area: ['    interface "lo" { stub yes; };']}
    for p in r.ports:
        talks = [x for x in p.routers if x in ospf_with]
        if not talks and p.routers and r.bgp is not None:
            continue  # an eBGP link: BGP advertises its subnet
        cost = f" cost {p.ospf.cost};" if p.ospf.cost is not None else ""
        if not talks or p.ospf.passive:
            line = f'    interface "{p.name}" {{ stub yes;{cost} }};'
        else:
            kind = {"point-to-point": "ptp", "broadcast": "broadcast"}.get(
                p.ospf.network or "", "ptp" if l3_members(p.segment, r.lab) == 2 else "broadcast")
            prio = f" priority {o.priority};" if o.priority is not None else ""
            bfd = " bfd yes;" if p.bfd else ""
            line = (f'    interface "{p.name}" {{ type {kind}; hello {o.hello}; '
                    f"dead {o.dead}; retransmit 2;{cost}{prio}{bfd} }};")
        areas.setdefault(p.ospf.area, []).append(line)
    for area in sorted(areas, key=lambda a: (a != BACKBONE, a)):
        out += [f"  area {area_word(area)} {{", *areas[area], "  };"]
    return [*out, "}"]
