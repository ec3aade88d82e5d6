"""The topology file as the user writes it (version 1). Pure: no kernel access.

Pydantic models with `extra="forbid"`, so an unknown key is an error that names
the key. Cross-references (links to nodes, addresses in subnets) are checked
later, in `nslab.spec.check` and `nslab.model.resolve`, which know the whole file.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from nslab.spec.base import Strict, ip_address_or_none
from nslab.spec.daemons import BgpSpec, BirdSpec, FrrSpec
from nslab.spec.igp import IsisSpec, LinkIsisSpec, LinkOspfSpec, OspfSpec
from nslab.spec.machines import CrossSpec, MachineSpec
from nslab.spec.policy import (
    DnsSpec,
    FirewallSpec,
    HostSpec,
    LabDnsSpec,
    NatSpec,
    unusable,
    with_prefix,
)
from nslab.spec.timeline import TimelineSpec, seconds, timeline_form
from nslab.spec.typed import ConfigDict, Field, ValidationInfo, field_validator, model_validator
from nslab.units import MTU_MAX, MTU_MIN, duration_ms, link_rate, percent, rate

DEFAULT_POOL = "10.128.0.0/16"


class RouteSpec(Strict):
    """A static route: `{to: 10.0.0.0/8, via: 10.0.9.1}`; `dev` is optional."""

    to: str
    via: str | None = None
    dev: str | None = None

    @field_validator("to")
    @classmethod
    def _network(cls, v: str) -> str:
        if v == "default":
            return v
        try:
            ipaddress.ip_network(v, strict=True)
        except ValueError as e:
            raise ValueError(f"'{v}' is not a network such as 10.0.0.0/8 or default ({e})") from e
        return v

    _address = field_validator("via")(classmethod(lambda _cls, v: ip_address_or_none(v)))

    @model_validator(mode="after")
    def _via_or_dev(self) -> RouteSpec:
        if self.via is None and self.dev is None:
            raise ValueError("a route needs 'via' (a gateway address) or 'dev' (an interface)")
        return self


def _command(v: str | list[str]) -> str | list[str]:
    """A command to run: a non-empty string (run by sh -c) or argv, no NUL."""
    parts = [v] if isinstance(v, str) else v
    if not parts or not parts[0].strip():
        raise ValueError("the command is empty")
    if any("\0" in p for p in parts):
        raise ValueError("a command cannot hold a NUL byte")
    return v


class ServiceSpec(Strict):
    """A background process kept running while the lab is up."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    cmd: str | list[str]

    @field_validator("cmd")
    @classmethod
    def _cmd(cls, v: str | list[str]) -> str | list[str]:
        return _command(v)


Command = str | list[str]


class NodeSpec(Strict):
    kind: Literal["host", "router", "switch"] = "host"
    namespace: str | None = None  # the namespace's exact name (default: <lab>-<node>)
    routes: list[RouteSpec] = []
    exec: list[Command] = []
    services: list[ServiceSpec] = []
    firewall: FirewallSpec | None = None
    nat: NatSpec | None = None
    dns: DnsSpec | None = None
    # a /32 (or /128) on lo: the router-id, a stable address; or one of each family
    loopback: str | list[str] | None = None
    # how the node spreads flows over equal-cost routes: by addresses (l3, the
    # kernel's default) or by addresses and ports (l4: one host's flows spread too)
    ecmp_hash: Literal["l3", "l4"] | None = None
    # a router that sends IPv6 router advertisements (every 5 s) on each of its
    # interfaces with IPv6: the hosts there take their default route from it
    ra: bool = False
    # the machine the node runs on (a name under machines:; default: the first)
    machine: str | None = None
    bgp: BgpSpec | None = None
    ospf: OspfSpec | None = None
    isis: IsisSpec | None = None
    frr: FrrSpec | None = None
    bird: BirdSpec | None = None

    @field_validator("loopback")
    @classmethod
    def _loopback(cls, v: str | list[str] | None) -> str | list[str] | None:
        if v is None:
            return v
        texts = [a if "/" in a else f"{a}/{128 if ':' in a else 32}"
                 for a in ([v] if isinstance(v, str) else v)]
        for text in texts:
            with_prefix(text)
        one_per_family(texts, "a loopback")
        return texts[0] if isinstance(v, str) else texts

    @property
    def loopbacks(self) -> list[str]:
        """The loopback's addresses (address/prefix), IPv4 first."""
        v = self.loopback
        return sorted([v] if isinstance(v, str) else v or [], key=lambda a: ":" in a)

    @model_validator(mode="after")
    def _one_suite(self) -> NodeSpec:
        if self.frr is not None and self.bird is not None:
            raise ValueError("a node runs FRR or BIRD, not both: keep 'frr' or 'bird'")
        if self.kind != "router" and (self.bgp or self.frr or self.bird or self.loopback
                                      or self.ospf or self.isis or self.ra):
            raise ValueError("routing daemons, loopbacks and router advertisements are for "
                             "kind: router")
        return self

    @field_validator("exec")
    @classmethod
    def _exec(cls, v: list[Command]) -> list[Command]:
        return [_command(c) for c in v]


NETEM_KEYS = ("delay", "jitter", "duplicate", "reorder", "corrupt")  # netem, or the wire


class ImpairSpec(Strict):
    """What one end of a link sends: at most `rate`, `loss` of it lost, and
    `delay` with `jitter`, `duplicate`, `reorder`, `corrupt` (netem where the
    kernel has it, else the lab's wire)."""

    rate: str | None = None
    loss: str | None = None
    delay: str | None = None
    jitter: str | None = None
    duplicate: str | None = None
    reorder: str | None = None
    corrupt: str | None = None
    distribution: Literal["uniform", "normal"] | None = None  # the jitter's (uniform)

    @field_validator("delay", "jitter")
    @classmethod
    def _time(cls, v: str | None) -> str | None:
        if v is not None:
            duration_ms(v)
        return v

    @field_validator("duplicate", "reorder", "corrupt")
    @classmethod
    def _share(cls, v: str | None) -> str | None:
        if v is not None:
            percent(v)
        return v

    @field_validator("rate")
    @classmethod
    def _rate(cls, v: str | None) -> str | None:
        if v is not None:
            link_rate(v)
        return v

    @field_validator("loss")
    @classmethod
    def _loss(cls, v: str | None) -> str | None:
        if v is not None:
            percent(v)
        return v


class LinkDefaultsSpec(ImpairSpec):
    """What every link has unless it says otherwise."""

    mtu: int | None = Field(default=None, ge=MTU_MIN, le=MTU_MAX)


class DefaultsSpec(Strict):
    link: LinkDefaultsSpec = LinkDefaultsSpec()


class LinkSpec(ImpairSpec):
    """A link between two endpoints, `node` or `node:interface`; `rate` and
    `loss` apply to each direction, `impair` to one (keyed by the sending node)."""

    endpoints: Annotated[list[str], Field(min_length=2, max_length=2)]
    # each end's address, or its IPv4 and IPv6 ([10.0.0.1/30, 2001:db8::1/64]), or null
    addresses: Annotated[list[str | list[str] | None],
                         Field(min_length=2, max_length=2)] | None = None
    mtu: int | None = Field(default=None, ge=MTU_MIN, le=MTU_MAX)  # both ends
    impair: dict[str, ImpairSpec] | None = None
    ospf: LinkOspfSpec | None = None  # at each router's end
    isis: LinkIsisSpec | None = None
    # BFD between the routers at its ends: OSPF and BGP over it learn of a cut
    # in a fraction of a second, where carrier loss does not tell them
    bfd: bool = False
    # no addresses of its own: two routers' eBGP session over IPv6 link-local
    # addresses, IPv4 routes through IPv6 next hops (RFC 8950), as FRR's BGP
    # unnumbered; or their OSPF or IS-IS, each end on its router's loopback
    unnumbered: bool = False
    # false: an IPv6-only link (its ends' IPv6 addresses, no IPv4): two routers'
    # BGP session over it carries IPv4 too, through IPv6 next hops (RFC 8950)
    ipv4: bool = True

    @field_validator("addresses")
    @classmethod
    def _interfaces(cls, v: list[str | list[str] | None] | None
                    ) -> list[str | list[str] | None] | None:
        for a in v or []:
            for text in [a] if isinstance(a, str) else a or []:
                with_prefix(text)
            if isinstance(a, list):
                one_per_family(a, "an end")
        return v

    def end_addresses(self, end: int) -> list[str]:
        """The addresses the file gives end 0 or 1 (none, one, or one per family)."""
        a = self.addresses[end] if self.addresses is not None else None
        return [a] if isinstance(a, str) else list(a or [])


def one_per_family(texts: list[str], what: str) -> None:
    """At most one IPv4 and one IPv6 address (address/prefix) in `texts`."""
    if not texts:
        raise ValueError(f"{what} needs an address (or leave it out)")
    families = [":" in t for t in texts]
    if len(texts) > 2 or len(set(families)) != len(families):
        raise ValueError(f"{what} has at most one IPv4 and one IPv6 address, not "
                         f"{', '.join(texts)}")


def _link_short_form(v: Any) -> Any:
    if isinstance(v, list):
        return {"endpoints": v}
    return v


class AddressingSpec(Strict):
    pool: str = DEFAULT_POOL
    ipv6_pool: str | None = None

    @field_validator("pool")
    @classmethod
    def _v4(cls, v: str) -> str:
        try:
            net = ipaddress.ip_network(v, strict=True)
        except ValueError as e:
            raise ValueError(f"'{v}' is not a network ({e})") from e
        if net.version != 4:
            raise ValueError("pool is for IPv4; put IPv6 in ipv6_pool")
        if net.prefixlen > 30:
            raise ValueError("pool must be /30 or larger")
        _clear(net)
        return v

    @field_validator("ipv6_pool")
    @classmethod
    def _v6(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            net = ipaddress.ip_network(v, strict=True)
        except ValueError as e:
            raise ValueError(f"'{v}' is not a network ({e})") from e
        if net.version != 6 or net.prefixlen > 64:
            raise ValueError("ipv6_pool must be an IPv6 network of /64 or larger")
        _clear(net)
        return v


def _clear(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> None:
    why = unusable(net)
    if why:
        raise ValueError(f"{net} holds {why}, which no interface can have; choose a pool "
                         "clear of it")


# a probe's protocol, or (with `route`) the origin of a route, as the kernel says it
ExpectProto = Literal["icmp", "tcp", "udp", "ospf", "ospf6", "isis", "bgp", "bird", "static",
                      "kernel", "boot", "zebra"]
ROUTE_PROTOS = ("ospf", "ospf6", "isis", "bgp", "bird", "static", "kernel", "boot", "zebra")
BGP_STATES = ("idle", "connect", "active", "opensent", "openconfirm", "established")
OSPF_STATES = ("down", "attempt", "init", "2-way", "exstart", "exchange", "loading", "full")
ISIS_STATES = ("up", "initializing", "down")


class ExpectSpec(Strict):
    """One thing that must hold in the running lab (docs/guide/testing.md):
    `{from: h1, to: h3}` (reaches; `reach: false` for must not),
    `proto: tcp|udp` with `port`, `via: r2` (the path passes through r2),
    `{node: h3, listens: 8080}` (a socket listens there), `throughput: 100mbit`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    proto: ExpectProto = "icmp"
    port: int | None = Field(default=None, ge=1, le=65535)
    reach: bool = True
    via: str | None = None
    node: str | None = None
    listens: int | None = Field(default=None, ge=1, le=65535)
    throughput: str | None = None
    route: str | None = None  # {node: r1, route: NETWORK, via: r2, proto: ospf}
    session: str | None = None  # {node: r1, session: r2, state: established}: BGP
    neighbour: str | None = None  # {node: r1, neighbour: r2, state: full|up}: OSPF, IS-IS
    state: str | None = None
    within: float | None = Field(default=None, ge=0, le=600)  # seconds it may take to hold
    after: str | None = None  # a timeline event: it holds (or not) within `within` of it

    _within = field_validator("within", mode="before")(seconds)

    @field_validator("route")
    @classmethod
    def _route(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                ipaddress.ip_network(v, strict=True)
            except ValueError as e:
                raise ValueError(f"'{v}' is not a network such as 10.1.0.0/24 ({e})") from e
        return v

    @field_validator("throughput")
    @classmethod
    def _rate(cls, v: str | None) -> str | None:
        if v is not None:
            rate(v)
        return v

    @model_validator(mode="after")
    def _shape(self) -> ExpectSpec:
        asked = [k for k in ("route", "session", "neighbour") if getattr(self, k) is not None]
        if asked:
            return self._daemon_shape(asked)
        if self.state is not None:
            raise ValueError("'state' goes with 'session' or 'neighbour'")
        if self.proto in ROUTE_PROTOS:
            raise ValueError(f"proto {self.proto} names a route's origin: it goes with 'route'")
        if self.listens is not None or self.node is not None:
            if self.listens is None or self.node is None:
                raise ValueError("a port check needs both 'node' and 'listens'")
            extra = [k for k in ("from_", "to", "via", "throughput", "port", "after")
                     if getattr(self, k) is not None]
            if extra:
                raise ValueError(f"'{extra[0].rstrip('_')}' does not go with 'listens'")
            if self.proto == "icmp" and "proto" in self.model_fields_set:
                raise ValueError("'listens' checks a tcp or udp port")
            return self
        if self.from_ is None or self.to is None:
            raise ValueError("an expectation needs 'from' and 'to' (or 'node' and 'listens')")
        if self.proto != "icmp" and self.port is None:
            raise ValueError(f"a {self.proto} probe needs 'port'")
        if self.proto == "icmp" and self.port is not None:
            raise ValueError("'port' goes with proto tcp or udp")
        if not self.reach and (self.via or self.throughput):
            raise ValueError("'via' and 'throughput' need reach: true")
        if self.throughput is not None and self.proto == "udp":
            raise ValueError("throughput is measured over tcp")
        if self.after is not None and (self.via or self.throughput):
            raise ValueError("'after' goes with a reach expectation (from, to, reach)")
        return self


    def _daemon_shape(self, asked: list[str]) -> ExpectSpec:
        """A route in a node's table, a BGP session, an OSPF neighbour."""
        if len(asked) > 1:
            raise ValueError(f"one of route, session, neighbour at a time, not {asked[0]} "
                             f"and {asked[1]}")
        if self.node is None:
            raise ValueError(f"'{asked[0]}' needs 'node' (the router to look at)")
        extra = [k for k in ("from_", "to", "port", "listens", "throughput", "after")
                 if getattr(self, k) is not None]
        if extra or not self.reach:
            raise ValueError(f"'{(extra or ['reach'])[0].rstrip('_')}' does not go with "
                             f"'{asked[0]}'")
        kind = asked[0]
        if kind == "route":
            if self.state is not None:
                raise ValueError("'state' goes with 'session' or 'neighbour'")
            if "proto" in self.model_fields_set and self.proto not in ROUTE_PROTOS:
                raise ValueError(f"a route's proto is one of {', '.join(ROUTE_PROTOS)}")
            return self
        if self.via is not None or "proto" in self.model_fields_set:
            raise ValueError(f"'via' and 'proto' go with 'route', not '{kind}'")
        states = BGP_STATES if kind == "session" else \
            OSPF_STATES + tuple(s for s in ISIS_STATES if s not in OSPF_STATES)
        if self.state is not None and self.state.lower() not in states:
            raise ValueError(f"{'a BGP session' if kind == 'session' else 'a neighbour'} "
                             f"state is one of {', '.join(states)}")
        return self



class LabTestsSpec(Strict):
    """How `nslab test` probes this lab, and what must hold."""

    timeout: float = Field(default=1.0, gt=0, le=30)
    # seconds failing probes are tried again, or auto: first wait (at most
    # converge_within seconds) until every router's table holds what it should
    converge: Annotated[float, Field(ge=0, le=600)] | Literal["auto"] = 0.0
    converge_within: float = Field(default=60.0, gt=0, le=600)
    expect: list[ExpectSpec] = []


class LabSpec(Strict):
    version: Literal[1] = 1
    name: str  # checked in nslab.spec.check, with the other names
    nodes: dict[str, NodeSpec]
    links: list[LinkSpec] = []
    addressing: AddressingSpec = AddressingSpec()
    routing: Literal["auto", "static", "ospf", "isis", "bgp"] = "auto"
    # the interior protocol inside an AS of several routers (routing: bgp)
    igp: Literal["ospf", "isis"] = "ospf"
    defaults: DefaultsSpec = DefaultsSpec()
    dns: LabDnsSpec = LabDnsSpec()
    host: HostSpec | None = None
    test: LabTestsSpec = LabTestsSpec()
    timeline: TimelineSpec | None = None
    # the machines the lab spans (none: this one), and how links cross them
    machines: dict[str, MachineSpec] = {}
    cross: CrossSpec = CrossSpec()

    _timeline = field_validator("timeline", mode="before")(timeline_form)

    @field_validator("igp")
    @classmethod
    def _igp(cls, v: str, info: ValidationInfo) -> str:
        routing = info.data.get("routing")
        if v == "isis" and routing in ("ospf", "isis"):
            raise ValueError(f"igp chooses the protocol inside a BGP AS (routing: bgp); "
                             f"routing: {routing} runs it everywhere already")
        return v

    @field_validator("nodes", mode="before")
    @classmethod
    def _empty_nodes(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: ({} if n is None else n) for k, n in v.items()}
        return v

    @field_validator("links", mode="before")
    @classmethod
    def _short_links(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [_link_short_form(x) for x in v]
        return v
