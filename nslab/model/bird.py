"""BIRD 2's configuration for a router (bird.conf): the writer of
nslab.model.routers.Writer for the suite `bird`. nslab writes OSPF for BIRD; a
router with BGP gives its own config. Pure."""

from __future__ import annotations

from nslab.errors import Problem
from nslab.model.routers import DEAD, HELLO, Router, l3_members, speaks


class BirdWriter:
    def daemons(self, r: Router, asked: tuple[str, ...]) -> tuple[str, ...]:
        return ("bird",)

    def protocols(self, r: Router, daemons: tuple[str, ...], asked: bool) -> tuple[str, ...]:
        return speaks(r) or ("ospf",)

    def config(self, r: Router) -> str:
        return _config(r)

    def problems(self, r: Router, own_config: bool) -> list[Problem]:
        if r.bgp is not None and not own_config:
            return [Problem((*r.where, "bird"), "nslab writes BIRD configs for OSPF only",
                            "give bird: {config: FILE} for BGP, or use FRR")]
        return []


def _config(r: Router) -> str:
    """bird.conf (BIRD 2) for a router in a `routing: ospf` lab: OSPFv2 with the
    same timers as the FRR routers, its routes exported to the kernel."""
    out = [f"router id {r.router_id};", "protocol device { scan time 2; }",
           "protocol kernel { ipv4 { import none; export all; }; merge paths on; }",
           "protocol ospf v2 {", "  ecmp yes;", "  ipv4 { import all; export none; };",
           "  area 0 {", '    interface "lo" { stub yes; };']
    for p in r.ports:
        if not p.routers:
            out.append(f'    interface "{p.name}" {{ stub yes; }};')
        else:
            kind = "ptp" if l3_members(p.segment, r.lab) == 2 else "broadcast"
            out.append(f'    interface "{p.name}" {{ type {kind}; hello {HELLO}; '
                       f"dead {DEAD}; retransmit 2; }};")
    out += ["  };", "}"]
    return "\n".join(out) + "\n"


