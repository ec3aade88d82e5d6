"""The routing daemons a node runs, as the file says them: `loopback`, `bgp`,
`frr`, `bird` on a node, `routing: ospf|bgp` for the lab. Pure: a `config`
that names a file is read by the loader (it knows where the topology file is),
not here."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator, model_validator

from nslab.spec.base import Strict, ip_address_or_none

ASN_MAX = 4_294_967_295
# the daemons FRR 8-10 ship (watchfrr and mgmtd are started by nslab itself)
FRR_DAEMONS = ("zebra", "staticd", "ospfd", "ospf6d", "bgpd", "ripd", "ripngd", "isisd",
               "fabricd", "pimd", "pim6d", "ldpd", "nhrpd", "eigrpd", "babeld", "sharpd",
               "pbrd", "bfdd", "vrrpd", "pathd")


def _network(v: str) -> str:
    try:
        ipaddress.ip_network(v, strict=True)
    except ValueError as e:
        raise ValueError(f"'{v}' is not a network such as 198.51.100.0/24 ({e})") from e
    return v


class BgpNeighborSpec(Strict):
    """`{peer: r2}` (a router of the lab: its address on a shared segment, or its
    loopback when the two share none), or `{address: 10.0.0.2, asn: 65002}`."""

    peer: str | None = None
    address: str | None = None
    asn: int | None = Field(default=None, ge=1, le=ASN_MAX)

    _address = field_validator("address")(classmethod(lambda _cls, v: ip_address_or_none(v)))

    @model_validator(mode="after")
    def _shape(self) -> BgpNeighborSpec:
        if (self.peer is None) == (self.address is None):
            raise ValueError("a neighbor is {peer: NODE} or {address: IP, asn: N}")
        if self.address is not None and self.asn is None:
            raise ValueError("a neighbor given by address needs its 'asn'")
        return self


class BgpSpec(Strict):
    asn: int | None = Field(default=None, ge=1, le=ASN_MAX)
    announce: list[str] = []
    neighbors: list[BgpNeighborSpec] | None = None  # None: auto

    @field_validator("neighbors", mode="before")
    @classmethod
    def _auto(cls, v: object) -> object:
        if v == "auto":
            return None
        if not isinstance(v, list):
            raise ValueError("neighbors is auto, or a list of {peer: NODE} and "
                             "{address: IP, asn: N}")
        return v

    @field_validator("announce")
    @classmethod
    def _announce(cls, v: list[str]) -> list[str]:
        return [_network(n) for n in v]


class FrrSpec(Strict):
    """The node's own FRR configuration: `config` is a path (relative to the
    topology file) or, when it holds a newline, the text itself."""

    daemons: list[str] = []
    config: str

    @field_validator("daemons")
    @classmethod
    def _daemons(cls, v: list[str]) -> list[str]:
        for d in v:
            if d not in FRR_DAEMONS:
                raise ValueError(f"FRR has no daemon '{d}' (it has {', '.join(FRR_DAEMONS)})")
        return v


class BirdSpec(Strict):
    """The node's own BIRD 2 configuration (a path, or the text itself); without
    `config`, nslab writes one for the lab's `routing: ospf`."""

    config: str | None = None


def is_inline(config: str) -> bool:
    """A config with a newline is the text itself, else a file's path."""
    return "\n" in config
