"""The resolved lab: every name, address and route decided. Frozen records, pure.

A `Lab` is what `nslab.model.resolve` makes of a `LabSpec`. Nothing in it is
optional any more: the plan layer turns it into kernel steps without guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from typing import Literal

NodeKind = Literal["host", "router", "switch"]
IPInterface = IPv4Interface | IPv6Interface
IPNetwork = IPv4Network | IPv6Network
IPAddress = IPv4Address | IPv6Address

BRIDGE_NAME = "br0"


@dataclass(frozen=True)
class Netem:
    """What netem does to what an end sends."""

    delay_ms: float
    jitter_ms: float
    duplicate: float  # shares, 0 to 1
    reorder: float
    corrupt: float
    distribution: str = "uniform"  # the jitter's: uniform or normal

    def to_dict(self) -> dict[str, float | str]:
        """As records hold it (dataclasses.asdict, without its deep copy: a
        thousand delayed links are recorded at every up)."""
        return {"delay_ms": self.delay_ms, "jitter_ms": self.jitter_ms,
                "duplicate": self.duplicate, "reorder": self.reorder, "corrupt": self.corrupt,
                "distribution": self.distribution}

    @property
    def active(self) -> bool:
        """Whether it does anything (a distribution alone does not)."""
        return any((self.delay_ms, self.jitter_ms, self.duplicate, self.reorder, self.corrupt))


@dataclass(frozen=True)
class Interface:
    """One end of a veth pair, inside `node`."""

    node: str
    name: str
    peer_node: str
    peer_name: str
    segment: int
    addresses: tuple[IPInterface, ...]
    master: str | None  # the bridge a switch port is enslaved to
    mtu: int | None = None  # the link's (both ends), None: the kernel's 1500
    rate_bps: float | None = None  # what this end sends, at most (tbf on its egress)
    loss: float | None = None  # the share of what the peer sends that is lost (dropped here)
    netem: Netem | None = None  # delay, jitter... on what this end sends (kernels with netem)


@dataclass(frozen=True)
class Nexthop:
    via: IPAddress | None
    dev: str | None


@dataclass(frozen=True)
class Route:
    dst: IPNetwork
    nexthops: tuple[Nexthop, ...]
    origin: Literal["auto", "file"]


@dataclass(frozen=True)
class Service:
    name: str
    argv: tuple[str, ...]


@dataclass(frozen=True)
class FilterRule:
    """One firewall rule, resolved: node names became their addresses."""

    index: int  # its place in the file's rules, for the nft comment
    action: Literal["accept", "drop", "reject"]
    chains: tuple[Literal["input", "forward", "output"], ...]
    src: tuple[IPNetwork, ...]  # empty: any
    dst: tuple[IPNetwork, ...]
    proto: Literal["tcp", "udp", "icmp"] | None
    port: str | None
    iif: str | None
    oif: str | None


@dataclass(frozen=True)
class PortForward:
    proto: Literal["tcp", "udp"]
    port: int
    address: IPAddress
    to_port: int
    iif: str | None


@dataclass(frozen=True)
class Policy:
    """What a node lets through (its firewall) and rewrites (NAT)."""

    default: Literal["accept", "drop"]
    rules: tuple[FilterRule, ...]
    masquerade: tuple[str, ...]  # interfaces
    forwards: tuple[PortForward, ...]
    raw: str | None  # the file's own nftables text


@dataclass(frozen=True)
class Resolver:
    nameservers: tuple[str, ...]
    search: tuple[str, ...]


@dataclass(frozen=True)
class Daemons:
    """The routing daemons a router runs, with their configuration decided:
    FRR (`daemons` in start order, zebra first) or BIRD."""

    suite: str  # a name of nslab.suites.SUITES
    daemons: tuple[str, ...]
    config: str  # frr.conf or bird.conf, generated or the file's own
    generated: bool
    protocols: tuple[str, ...]  # ospf, ospf6, bgp: what it speaks
    router_id: str
    asn: int | None = None
    peers: tuple[tuple[str, str], ...] = ()  # BGP sessions: (peer node or "", address)
    ospf_neighbours: tuple[str, ...] = ()  # routers it should reach Full with


@dataclass(frozen=True)
class Node:
    name: str
    kind: NodeKind
    namespace: str
    interfaces: tuple[Interface, ...]
    routes: tuple[Route, ...]
    bridge: str | None
    forwarding: bool
    exec: tuple[tuple[str, ...], ...]
    services: tuple[Service, ...]
    policy: Policy | None = None
    resolver: Resolver | None = None
    loopback: IPInterface | None = None
    daemons: Daemons | None = None
    # what a protocol must put in the kernel's table before the lab is converged
    expected: tuple[IPNetwork, ...] = ()
    ecmp_hash: Literal["l3", "l4"] | None = None  # None: the kernel's (l3)
    loopback6: IPv6Interface | None = None  # beside an IPv4 `loopback` (dual stack)

    def interface(self, name: str) -> Interface:
        for i in self.interfaces:
            if i.name == name:
                return i
        raise KeyError(f"{self.name} has no interface {name}")

    @property
    def standing(self) -> tuple[IPInterface, ...]:
        """The addresses that stand for the node (nslab test, why, a file's
        `to:`, hosts files): those of its links, in order; in a family it has
        none of on its links (a spine of unnumbered links, a router whose links
        are IPv6-only): its loopback's. Each once (a loopback that unnumbered
        links borrow is on each of them)."""
        links = tuple(dict.fromkeys(a for i in self.interfaces for a in i.addresses))
        return links + tuple(a for a in (self.loopback, self.loopback6) if a is not None
                             and not any(x.version == a.version for x in links))


@dataclass(frozen=True)
class Link:
    a: tuple[str, str]  # (node, interface)
    b: tuple[str, str]


@dataclass(frozen=True)
class Segment:
    """One layer-2 domain: a point-to-point link, or switches and all linked to them."""

    index: int
    subnet4: IPv4Network | None
    subnet6: IPv6Network | None
    members: tuple[tuple[str, str], ...]  # layer-3 ends: (node, interface)
    switches: tuple[str, ...]
    unnumbered: bool = False  # a link between two routers without addresses (eBGP over LLA)

    @property
    def ipv6_only(self) -> bool:
        """An IPv6-only link (ipv4: false): IPv4 crosses it in BGP only (RFC 8950)."""
        return self.subnet4 is None and self.subnet6 is not None


@dataclass(frozen=True)
class NeighbourNeed:
    """Worst-case neighbour entries the lab can need, per kernel table."""

    arp: int
    ndisc: int


Kind = Literal["reach", "path", "listens", "throughput", "route", "session", "neighbour"]


@dataclass(frozen=True)
class Expectation:
    """One thing that must hold, resolved: node names checked, the destination
    address decided. `kind`: reach (with `reach` False: must not), path (the
    packet passes `via`), listens (a socket on `port` at `dst`), throughput."""

    index: int
    text: str  # for people: "h1 reaches h3", "h3 does not reach h1 on tcp/22"...
    kind: Kind
    src: str | None
    dst: str | None  # node, None when `to` was an address
    address: str | None
    proto: str  # icmp, tcp, udp; for a route its origin (ospf, bgp...) or "" for any
    port: int | None
    reach: bool
    via: str | None
    rate_bps: float | None
    state: str | None = None  # session, neighbour: the state it must be in
    within: float | None = None  # seconds it may take to hold (else test.converge)
    after: str | None = None  # a timeline event: judged by nslab run, `within` of it


@dataclass(frozen=True)
class LabTests:
    timeout: float = 1.0
    converge: float = 0.0  # seconds failing probes are tried again
    settle: float = 0.0  # converge: auto: at most this long for the routers' tables first
    expectations: tuple[Expectation, ...] = ()


EventAction = Literal["down", "up", "set", "clear", "stop", "start"]


@dataclass(frozen=True)
class TimelineEvent:
    """One fault (or its end) at `at` seconds from the start: on a link
    (`target`: its two nodes, or one end NODE:IFACE) or a node."""

    name: str
    at: float
    kind: Literal["link", "node"]
    target: tuple[str, ...]
    action: EventAction
    props: tuple[tuple[str, str], ...] = ()  # set: rate, loss as written
    ends: str | None = None  # the event whose `for:` this one ends

    @property
    def text(self) -> str:
        what = " ".join(self.target)
        if self.action == "set":
            return f"{what}: " + ", ".join(f"{k} {v}" for k, v in self.props)
        words = {"down": "down", "up": "up", "clear": "as the file says", "stop": "stopped",
                 "start": "started"}
        return f"{what} {words[self.action]}"


@dataclass(frozen=True)
class Timeline:
    events: tuple[TimelineEvent, ...]  # in time order, `for:` expanded into ending events
    probes: tuple[tuple[str, str], ...]  # node pairs probed while it plays
    every: float  # seconds between probe rounds
    tail: float  # seconds probed after the last event
    cut_after: int = 3  # probes lost in a row that make an outage


MACHINE = "machine"  # the peer_node of an interface that leads to the machine


@dataclass(frozen=True)
class MachineEnd:
    """A node's veth to the machine: its end in the node, and the machine's."""

    node: str
    iface: str
    machine_ifname: str  # short and hashed: the machine's names are shared by everyone
    alias: str  # the long name, on the machine's end (and nslab's claim to it)
    node_addresses: tuple[IPInterface, ...]
    host_addresses: tuple[IPInterface, ...]  # () for a bridge port


@dataclass(frozen=True)
class MachineBridge:
    name: str
    alias: str
    addresses: tuple[IPInterface, ...]  # the machine's: the gateway of the bridge's nodes
    ports: tuple[MachineEnd, ...]


@dataclass(frozen=True)
class MachineSide:
    """What the lab puts on the machine nslab runs on."""

    links: tuple[MachineEnd, ...]
    bridge: MachineBridge | None
    routes: tuple[Route, ...]  # on the machine, to the lab's other subnets
    egress: str | None  # "auto" or the uplink interface
    forwards: tuple[PortForward, ...]  # ports of the machine -> nodes
    subnets: tuple[IPNetwork, ...]  # every subnet of the lab (what egress masquerades)
    forwarding: bool  # the machine must forward (net.ipv4.ip_forward=1)

    @property
    def ends(self) -> tuple[MachineEnd, ...]:
        return self.links + (self.bridge.ports if self.bridge else ())


@dataclass(frozen=True)
class Machine:
    """A machine the lab spans, as the file reaches it (transport: ssh,
    kubectl or command; `target` what that transport is given)."""

    name: str
    transport: str
    target: str
    underlay: str | None  # its address between the machines (None: ssh's host, resolved)


@dataclass(frozen=True)
class Spread:
    """How a lab spans machines: which, and how links between them are carried."""

    machines: tuple[Machine, ...]
    placed: tuple[tuple[str, str], ...]  # (node, machine), every node
    port: int  # the VXLANs' UDP port
    mtu: int | None  # the cross links' MTU; None: from the underlays (auto)
    vni: int  # the first VXLAN id of the lab's cross links


@dataclass(frozen=True)
class Lab:
    name: str
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    segments: tuple[Segment, ...]
    ipv6: bool
    routing: Literal["auto", "static", "ospf", "isis", "bgp"]
    neighbours: NeighbourNeed
    tests: LabTests = LabTests()
    hosts: tuple[tuple[str, str], ...] = ()  # (address, name): every node's hosts file
    machine: MachineSide | None = None
    timeline: Timeline | None = None
    spread: Spread | None = None  # the machines it spans (None: this one)

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def primary_address(self, node: str, family: int | None = None) -> str | None:
        """The address that stands for a node: the first one of its first
        interface that has one (IPv4 first unless `family` says), else its
        loopback's in that family (Node.standing)."""
        own = self.node(node).standing
        for fam in ((family,) if family else (4, 6)):
            for a in own:
                if a.version == fam:
                    return str(a.ip)
        return None

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(n.namespace for n in self.nodes)
