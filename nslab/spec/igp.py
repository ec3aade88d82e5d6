"""A router's interior protocol as the file says it: `nodes.N.ospf` and
`links[].ospf` (area, cost, passive, network type, timers, MD5, what it
originates); `nodes.N.isis` and `links[].isis` (`routing: isis`). Pure; the
configuration is written in nslab.model.frr/bird.

    nodes:
      abr: {kind: router, ospf: {area: 0, priority: 10}}
      r5: {kind: router, ospf: {area: 1, auth: {md5: s3cret}}}
    links:
      - {endpoints: [abr, r5], ospf: {area: 1, cost: 50}}
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from nslab.spec.base import Strict
from nslab.spec.typed import Field, field_validator, model_validator

U32 = 4_294_967_295


def area(v: int | str | None) -> str | None:
    """An OSPF area: a number (0 to 2^32-1) or dotted (0.0.0.1), kept dotted."""
    if v is None:
        return None
    try:
        return str(ipaddress.IPv4Address(v if isinstance(v, int) else v.strip()))
    except ValueError as e:
        raise ValueError(f"'{v}' is not an OSPF area: a number such as 1, or dotted such "
                         f"as 0.0.0.1") from e


class LinkOspfSpec(Strict):
    """OSPF on a link, at each router's end of it; `cost` is one for both ends,
    or a map of end node to its own cost (`{r1: 17, r2: 10}`)."""

    area: int | str | None = None
    cost: int | dict[str, int] | None = None
    passive: bool = False  # no hellos: the subnet is announced, no neighbour is made
    network: Literal["point-to-point", "broadcast"] | None = None  # default: by its routers

    _area = field_validator("area")(classmethod(lambda _cls, v: area(v)))

    @field_validator("cost", mode="before")
    @classmethod
    def _cost(cls, v: object) -> object:
        """1 to 65535, for both ends or for each end named."""
        for c in v.values() if isinstance(v, dict) else [] if v is None else [v]:
            if isinstance(c, bool) or not isinstance(c, int) or not 1 <= c <= 65_535:
                raise ValueError(f"{c!r} is not an OSPF cost: 1 to 65535, for both ends or "
                                 "for each end ({r1: 17, r2: 10})")
        return v


class OspfTimersSpec(Strict):
    hello: int = Field(ge=1, le=65_535)
    dead: int = Field(ge=1, le=65_535)

    @model_validator(mode="after")
    def _order(self) -> OspfTimersSpec:
        if self.dead <= self.hello:
            raise ValueError("dead must be longer than hello (4 times it, usually)")
        return self


class OspfAuthSpec(Strict):
    md5: str

    @field_validator("md5")
    @classmethod
    def _key(cls, v: str) -> str:
        if not re.fullmatch(r"[!-~]{1,16}", v):
            raise ValueError("an OSPF MD5 key is 1 to 16 printable characters, no spaces")
        return v


class OspfSpec(Strict):
    """A router's OSPF: its area (for its loopback and every link whose area
    is not said), router id, priority (the designated router's election on a
    broadcast segment), timers, MD5 authentication (OSPFv2), the default route
    it originates and what it redistributes."""

    area: int | str | None = None
    router_id: str | None = None
    priority: int | None = Field(default=None, ge=0, le=255)
    timers: OspfTimersSpec | None = None
    auth: OspfAuthSpec | None = None
    default_originate: bool = False
    redistribute: list[Literal["connected", "static", "bgp"]] = []

    _area = field_validator("area")(classmethod(lambda _cls, v: area(v)))

    @field_validator("router_id")
    @classmethod
    def _router_id(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                ipaddress.IPv4Address(v)
            except ValueError as e:
                raise ValueError(f"'{v}' is not a router id (an IPv4 address)") from e
        return v


NET = re.compile(r"^[0-9a-fA-F]{2}(\.[0-9a-fA-F]{4}){0,6}(\.[0-9a-fA-F]{4}){3}\.00$")


class IsisSpec(Strict):
    """A router's IS-IS (`routing: isis`): its NET (default 49.0001, a system
    id from its router id) and its level (default 2: one flat backbone)."""

    net: str | None = None
    level: Literal[1, 2, "1-2"] = 2

    @field_validator("net")
    @classmethod
    def _net(cls, v: str | None) -> str | None:
        if v is not None and not NET.match(v):
            raise ValueError(f"'{v}' is not a NET: an area, a 6-byte system id and 00, such "
                             "as 49.0001.0100.2025.5254.00")
        return v


class LinkIsisSpec(Strict):
    """IS-IS on a link, at each router's end of it."""

    metric: int | None = Field(default=None, ge=1, le=16_777_215)
    passive: bool = False
