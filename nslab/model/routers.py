"""What the configuration of a router's daemons is written from, whatever
their suite: its ports (each interface and the routers on its segment), its
router-id, whom it speaks OSPF with and its BGP settings, all decided by
nslab.model.daemons; and the protocol each suite's writer follows
(nslab.model.frr, nslab.model.bird). Pure."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Protocol

from nslab.errors import Problem
from nslab.model.bgp import Session
from nslab.model.lab import IPInterface, Lab, Node, Segment

HELLO, DEAD = 1, 4  # OSPF timers for a lab: converged in about a second per few hops
# BFD for a lab: a cut is known after 3 x 150 ms (FRR's default: 3 x 300 ms)
BFD_PROFILE, BFD_INTERVAL_MS, BFD_MULTIPLIER = "nslab", 150, 3
BACKBONE = "0.0.0.0"


@dataclass(frozen=True)
class OspfPort:
    """OSPF on one interface (nslab.model.igp decides it)."""

    area: str = BACKBONE
    cost: int | None = None
    passive: bool = False
    network: str | None = None  # point-to-point, broadcast; None: by the segment's routers


@dataclass(frozen=True)
class Ospf:
    """A router's OSPF settings."""

    area: str = BACKBONE  # its loopback's
    priority: int | None = None
    hello: int = HELLO
    dead: int = DEAD
    md5: str | None = None
    default_originate: bool = False
    redistribute: tuple[str, ...] = ()


@dataclass(frozen=True)
class IsisPort:
    metric: int | None = None
    passive: bool = False


@dataclass(frozen=True)
class Isis:
    """A router's IS-IS: its NET and level (1, 2, or 1-2)."""

    net: str
    level: str = "2"

    @property
    def area(self) -> str:
        return self.net.rsplit(".", 4)[0]


def net_of(router_id: str, area: str = "49.0001") -> str:
    """A NET whose system id spells the router id: 10.20.255.254 ->
    49.0001.0100.2025.5254.00."""
    digits = "".join(f"{int(o):03d}" for o in router_id.split("."))
    return f"{area}.{digits[:4]}.{digits[4:8]}.{digits[8:]}.00"


def area_word(area: str) -> str:
    """An area as a config and a message say it: a number (0.0.0.1 is 1)."""
    return str(int(ipaddress.IPv4Address(area)))


@dataclass(frozen=True)
class Port:
    """One interface of a router, and what is on its segment."""

    name: str
    addresses: tuple[IPInterface, ...]
    segment: Segment
    routers: tuple[str, ...]  # the other routers on the segment that run daemons
    ospf: OspfPort = OspfPort()
    bfd: bool = False  # the link says bfd: true
    isis: IsisPort = IsisPort()


@dataclass(frozen=True)
class Bgp:
    asn: int
    sessions: tuple[Session, ...]
    announce: tuple[str, ...]
    ipv6: bool
    rr: bool = False  # a route reflector (its iBGP sessions to non-reflectors: clients)
    cluster_id: str | None = None
    connected: bool = True  # originates its connected subnets and IGP's routes (else announce)


@dataclass(frozen=True)
class Router:
    """A router's daemons, decided: what its configuration is written from."""

    node: Node
    lab: Lab
    ports: tuple[Port, ...]
    router_id: str
    ospf_with: frozenset[str] | None  # the routers it runs OSPF with (None: no OSPF)
    bgp: Bgp | None
    where: tuple[str | int, ...]  # the node in the file, for problems
    ospf: Ospf = Ospf()
    isis: Isis | None = None  # set: the interior protocol is IS-IS, not OSPF
    ra: bool = False  # it sends IPv6 router advertisements on its ports with IPv6


class Writer(Protocol):
    """What a routing suite's configuration writer decides for a router."""

    def daemons(self, r: Router, asked: tuple[str, ...]) -> tuple[str, ...]:
        """The daemons it runs, in start order (`asked`: the file's list, if any)."""
        ...

    def protocols(self, r: Router, daemons: tuple[str, ...], asked: bool) -> tuple[str, ...]:
        """What it speaks (ospf, ospf6, bgp); `asked`: the file chose its daemons."""
        ...

    def config(self, r: Router) -> str:
        """The configuration it starts with, unless the file gives its own."""
        ...

    def problems(self, r: Router, own_config: bool) -> list[Problem]:
        """What this suite cannot write for the router (`own_config`: the file gives one)."""
        ...


def l3_members(seg: Segment, lab: Lab) -> int:
    return len({n for n, _ in seg.members if lab.node(n).kind != "switch"})



def speaks(r: Router) -> tuple[str, ...]:
    """The protocols decided for a router: OSPF (and OSPFv3 with IPv6) or
    IS-IS, BGP."""
    out: tuple[str, ...] = ()
    if r.ospf_with:
        out = ("isis",) if r.isis is not None else \
            ("ospf", "ospf6") if r.lab.ipv6 else ("ospf",)
    return out + (("bgp",) if r.bgp else ())
