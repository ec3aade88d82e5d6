"""BIRD 2's configuration for a router (bird.conf): the writer of
nslab.model.routers.Writer for the suite `bird`. nslab writes OSPF for BIRD; a
router with BGP gives its own config. Pure."""

from __future__ import annotations

from nslab.errors import Problem
from nslab.model.routers import BACKBONE, Router, area_word, l3_members, speaks


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
        if r.bgp is not None or r.isis is not None:
            return [Problem((*r.where, "bird"), "nslab writes BIRD configs for OSPF only",
                            "give bird: {config: FILE} for BGP, or use FRR"
                            if r.isis is None else "BIRD has no IS-IS: use FRR")]
        o = r.ospf
        unwritten = [k for k, v in (("auth", o.md5), ("default_originate", o.default_originate),
                                    ("redistribute", o.redistribute)) if v]
        return [Problem((*r.where, "ospf", k), f"nslab writes ospf.{k} for FRR only",
                        "give bird: {config: FILE}, or use FRR") for k in unwritten]


def _config(r: Router) -> str:
    """bird.conf (BIRD 2) for a router in a `routing: ospf` lab: OSPFv2 with the
    same timers as the FRR routers, its routes exported to the kernel; each
    interface in its area."""
    o = r.ospf
    out = [f"router id {r.router_id};", "protocol device { scan time 2; }",
           "protocol kernel { ipv4 { import none; export all; }; merge paths on; }",
           "protocol ospf v2 {", "  ecmp yes;", "  ipv4 { import all; export none; };"]
    areas: dict[str, list[str]] = {o.area: ['    interface "lo" { stub yes; };']}
    for p in r.ports:
        cost = f" cost {p.ospf.cost};" if p.ospf.cost is not None else ""
        if not p.routers or p.ospf.passive:
            line = f'    interface "{p.name}" {{ stub yes;{cost} }};'
        else:
            kind = {"point-to-point": "ptp", "broadcast": "broadcast"}.get(
                p.ospf.network or "", "ptp" if l3_members(p.segment, r.lab) == 2 else "broadcast")
            prio = f" priority {o.priority};" if o.priority is not None else ""
            line = (f'    interface "{p.name}" {{ type {kind}; hello {o.hello}; '
                    f"dead {o.dead}; retransmit 2;{cost}{prio} }};")
        areas.setdefault(p.ospf.area, []).append(line)
    for area in sorted(areas, key=lambda a: (a != BACKBONE, a)):
        out += [f"  area {area_word(area)} {{", *areas[area], "  };"]
    out += ["}"]
    return "\n".join(out) + "\n"
