"""A router's BGP as the file says it: its ASN, what it announces, its
neighbours (auto, or a list) with their relation and policy, route reflection.
Pure; what a session becomes (both sides of it) is decided in nslab.model.bgp.

    bgp:
      asn: 64700
      neighbors:
        - {peer: t1, relation: provider, local_pref: 200}
        - peer: t2
          relation: provider
          prepend: 2
          export: [{allow: 203.0.113.0/24}]
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from nslab.spec.base import Strict, ip_address_or_none
from nslab.spec.typed import Field, ValidationInfo, field_validator, model_validator

ASN_MAX = 4_294_967_295
U32 = 4_294_967_295
Relation = Literal["customer", "provider", "peer"]
# well-known communities (RFC 1997, 7999, 8326) by the name FRR reads
WELL_KNOWN = {"no-export": "no-export", "no-advertise": "no-advertise", "local-as": "local-AS",
              "blackhole": "blackhole", "graceful-shutdown": "graceful-shutdown"}


def network(v: str) -> str:
    try:
        ipaddress.ip_network(v, strict=True)
    except ValueError as e:
        raise ValueError(f"'{v}' is not a network such as 198.51.100.0/24 ({e})") from e
    return v


def community(v: str) -> str:
    """A standard community `65000:100` (two 16-bit numbers), a large one
    `4200000001:1:2` (three 32-bit numbers), or a well-known name."""
    if v.lower() in WELL_KNOWN:
        return v.lower()
    parts = v.split(":")
    limit = 65_535 if len(parts) == 2 else U32
    if len(parts) not in (2, 3) or not all(p.isdigit() and int(p) <= limit for p in parts):
        raise ValueError(f"'{v}' is not a community: 65000:100 (standard), 4200000001:1:2 "
                         f"(large) or {', '.join(WELL_KNOWN)}")
    return v


def is_large(c: str) -> bool:
    return c.count(":") == 2


class RuleSpec(Strict):
    """One rule of an import or export list, tried in order, the first that
    matches deciding: `{allow: 10.1.0.0/16, le: 24}`, `{deny: any, community:
    65000:666}`. A prefix alone matches itself exactly; `ge`/`le` widen it to
    the longer prefixes inside it (as a router's prefix list does)."""

    allow: str | None = None
    deny: str | None = None
    ge: int | None = Field(default=None, ge=0, le=128)
    le: int | None = Field(default=None, ge=0, le=128)
    community: str | None = None

    @field_validator("allow", "deny")
    @classmethod
    def _prefix(cls, v: str | None) -> str | None:
        return v if v is None or v == "any" else network(v)

    _community = field_validator("community")(
        classmethod(lambda _cls, v: v if v is None else community(v)))

    @model_validator(mode="after")
    def _shape(self) -> RuleSpec:
        if (self.allow is None) == (self.deny is None):
            raise ValueError("a rule is {allow: PREFIX|any} or {deny: PREFIX|any} "
                             "(with ge, le, community)")
        prefix = self.prefix
        if prefix is None:
            if self.ge is not None or self.le is not None:
                raise ValueError("ge and le need a prefix (not any)")
            return self
        net = ipaddress.ip_network(prefix)
        low = self.ge if self.ge is not None else net.prefixlen
        high = self.le if self.le is not None else (net.max_prefixlen if self.ge is not None
                                                     else net.prefixlen)
        if not net.prefixlen <= low <= high <= net.max_prefixlen:
            raise ValueError(f"ge and le must satisfy {net.prefixlen} <= ge <= le <= "
                             f"{net.max_prefixlen} for {prefix}")
        return self

    @property
    def prefix(self) -> str | None:
        p = self.allow if self.allow is not None else self.deny
        return None if p == "any" else p


class CommunitiesSpec(Strict):
    """Communities added to the routes received from (`import`) or sent to
    (`export`) a neighbour."""

    import_: list[str] = Field(default=[], alias="import")
    export: list[str] = []

    @field_validator("import_", "export")
    @classmethod
    def _each(cls, v: list[str]) -> list[str]:
        return [community(c) for c in v]


class TimersSpec(Strict):
    keepalive: int = Field(ge=1, le=65_535)
    hold: int = Field(ge=3, le=65_535)

    @model_validator(mode="after")
    def _order(self) -> TimersSpec:
        if self.hold < self.keepalive:
            raise ValueError("hold must be at least keepalive (3 times it, usually)")
        return self


class BgpNeighborSpec(Strict):
    """`{peer: r2}` (a router of the lab: its address on a shared segment, or its
    loopback when the two share none), or `{address: 10.0.0.2, asn: 65002}`;
    with what the neighbour is to this router (`relation`) and the policy
    toward it. Session keys (`password`, `timers`, `bfd`, `multihop`) and the
    relation hold on both sides: the other router need not say them."""

    peer: str | None = None
    address: str | None = None
    asn: int | None = Field(default=None, ge=1, le=ASN_MAX)
    relation: Relation | None = None
    local_pref: int | None = Field(default=None, ge=0, le=U32)
    med: int | None = Field(default=None, ge=0, le=U32)
    prepend: int | None = Field(default=None, ge=1, le=16)
    communities: CommunitiesSpec | None = None
    import_: list[RuleSpec] | None = Field(default=None, alias="import")
    export: list[RuleSpec] | None = None
    default_originate: bool = False
    next_hop_self: bool = False
    password: str | None = None
    timers: TimersSpec | None = None
    passive: bool = False
    multihop: int | None = Field(default=None, ge=1, le=255)
    allowas_in: int | bool | None = None
    local_as: int | None = Field(default=None, ge=1, le=ASN_MAX)
    bfd: bool = False

    _address = field_validator("address")(classmethod(lambda _cls, v: ip_address_or_none(v)))

    @field_validator("password")
    @classmethod
    def _password(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[!-~]{1,80}", v):
            raise ValueError("a password is 1 to 80 printable characters, no spaces "
                             "(TCP MD5, RFC 2385)")
        return v

    @field_validator("allowas_in")
    @classmethod
    def _allowas(cls, v: int | bool | None) -> int | bool | None:
        if v is not None and not isinstance(v, bool) and not 1 <= v <= 10:
            raise ValueError("allowas_in is true (3) or how many times, 1 to 10")
        return v

    @field_validator("import_", "export")
    @classmethod
    def _not_only_deny(cls, v: list[RuleSpec] | None) -> list[RuleSpec] | None:
        if v and all(r.deny is not None for r in v) and v[-1].deny != "any":
            raise ValueError("a list ends in an implicit deny: with only deny rules it denies "
                             "everything; end it with {allow: any}")
        return v

    @model_validator(mode="after")
    def _shape(self) -> BgpNeighborSpec:
        if (self.peer is None) == (self.address is None):
            raise ValueError("a neighbor is {peer: NODE} or {address: IP, asn: N}")
        if self.address is not None and self.asn is None:
            raise ValueError("a neighbor given by address needs its 'asn'")
        return self

    @property
    def allowas(self) -> int | None:
        v = self.allowas_in
        return None if v is None or v is False else 3 if v is True else int(v)


class BgpSpec(Strict):
    """A router's BGP: its ASN (default: a private one of its own), the
    prefixes it announces, its neighbours (auto: every router of another ASN
    on a shared segment and its AS's iBGP mesh), route reflection."""

    asn: int | None = Field(default=None, ge=1, le=ASN_MAX)
    announce: list[str] = []
    neighbors: list[BgpNeighborSpec] | None = None  # None: auto
    rr: bool = False  # a route reflector: the AS's other routers are its clients
    cluster_id: str | int | None = None
    # what the router originates into BGP: every connected subnet (its loopback
    # too) and its IGP's routes, with `announce`; or `announce` alone, as a
    # router configured with network statements (netlab's way)
    originate: Literal["connected", "announce"] = "connected"

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
        return [network(n) for n in v]

    @field_validator("cluster_id")
    @classmethod
    def _cluster(cls, v: str | int | None, info: ValidationInfo) -> str | None:
        """An IPv4 address, or a number (written as the address it stands for),
        on a route reflector."""
        if v is None:
            return None
        if not info.data.get("rr"):
            raise ValueError("cluster_id is for a route reflector: add rr: true")
        try:
            return str(ipaddress.IPv4Address(v if isinstance(v, int) else v.strip()))
        except ValueError as e:
            raise ValueError(f"'{v}' is not a cluster id: an IPv4 address or a number "
                             f"up to {U32}") from e
