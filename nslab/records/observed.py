"""What nslab reads back from a namespace: frozen records, pure.

The kernel layer (nslab.kernel.inspect) fills them; views render them; their
`to_dict` is the `nslab inspect --json` shape (docs/json.md, version 1).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SECTIONS = ("interfaces", "addresses", "routes", "rules", "neighbours", "fdb", "sockets",
            "firewall", "sysctls", "processes", "routing", "tc")


@dataclass(frozen=True)
class Counters:
    rx_packets: int
    tx_packets: int
    rx_bytes: int
    tx_bytes: int
    rx_errors: int
    tx_errors: int
    rx_dropped: int
    tx_dropped: int


@dataclass(frozen=True)
class Peer:
    """The other end of a veth: its namespace (None when nslab cannot name it,
    e.g. a namespace with no name and no process), and its interface."""

    namespace: str | None
    netnsid: int | None
    index: int
    name: str | None
    wire: bool = False  # reached through the lab's wire (nslab.plan.wire): a delayed link


@dataclass(frozen=True)
class Interface:
    index: int
    name: str
    kind: str  # loopback, veth, bridge, vxlan, macvlan, tun, device...
    state: str  # operstate: up, down, lowerlayerdown, unknown...
    up: bool  # administratively
    carrier: bool
    mac: str
    mtu: int
    master: str | None
    alias: str | None
    peer: Peer | None
    counters: Counters | None


@dataclass(frozen=True)
class Address:
    interface: str
    family: int
    address: str
    prefixlen: int
    scope: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Nexthop:
    gateway: str | None
    dev: str | None
    weight: int


@dataclass(frozen=True)
class Route:
    family: int
    table: str
    type: str
    dst: str  # "default" or address/prefix
    protocol: str
    scope: str
    metric: int | None
    prefsrc: str | None
    nexthops: tuple[Nexthop, ...]


@dataclass(frozen=True)
class Rule:
    family: int
    priority: int
    src: str | None
    dst: str | None
    iif: str | None
    oif: str | None
    fwmark: int | None
    action: str  # lookup, goto, nop, blackhole, unreachable, prohibit
    table: str | None


@dataclass(frozen=True)
class Neighbour:
    interface: str
    family: int
    address: str
    mac: str | None
    state: tuple[str, ...]
    router: bool


@dataclass(frozen=True)
class Qdisc:
    """A queueing discipline on an interface (`tc qdisc show`), with its counters."""

    interface: str
    kind: str  # tbf, noqueue, pfifo_fast, netem, clsact...
    handle: str  # "1:", or "0:" for the default one
    parent: str  # root, ingress, clsact, or the handle of its parent class
    rate_bps: float | None  # tbf: the rate it shapes to
    burst: int | None  # tbf: the bucket, bytes
    limit: int | None  # tbf: the queue, bytes
    sent_bytes: int
    sent_packets: int
    drops: int
    overlimits: int


@dataclass(frozen=True)
class FdbEntry:
    bridge: str
    port: str
    mac: str
    vlan: int | None
    state: str  # dynamic (learned), static, permanent (the port's own address)


@dataclass(frozen=True)
class Owner:
    pid: int
    command: str
    fd: int


@dataclass(frozen=True)
class Socket:
    protocol: str  # tcp, udp
    family: int
    state: str  # LISTEN, ESTAB, UNCONN, TIME-WAIT...
    local: str
    local_port: int
    remote: str
    remote_port: int
    inode: int
    owners: tuple[Owner, ...]


@dataclass(frozen=True)
class NftTable:
    family: str
    name: str
    comment: str | None = None  # nslab marks its own tables on the machine with one


@dataclass(frozen=True)
class Firewall:
    tables: tuple[NftTable, ...]
    ruleset: tuple[dict[str, Any], ...] | None  # `nft -j list ruleset`, without metainfo
    text: str | None  # `nft list ruleset`, for people
    iptables: str | None  # `iptables-save` output, when there are iptables rules
    note: str | None  # why something could not be read


@dataclass(frozen=True)
class Sysctls:
    """The switches that decide what a namespace does with packets: globals, and
    per interface (effective value = what the kernel combines, see docs)."""

    ip_forward: int | None
    ipv6_forwarding: int | None
    rp_filter: int | None  # conf.all
    per_interface: dict[str, dict[str, int | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    command: str
    cmdline: str


@dataclass(frozen=True)
class Where:
    """What is being inspected."""

    namespace: str | None  # its name under /run/netns, None when unnamed
    inode: int
    lab: str | None
    node: str | None
    pid: int | None  # when reached through a process
    host: bool = False  # the namespace nslab runs in


@dataclass(frozen=True)
class Inspection:
    where: Where
    interfaces: tuple[Interface, ...] | None = None
    addresses: tuple[Address, ...] | None = None
    routes: tuple[Route, ...] | None = None
    rules: tuple[Rule, ...] | None = None
    neighbours: tuple[Neighbour, ...] | None = None
    fdb: tuple[FdbEntry, ...] | None = None
    sockets: tuple[Socket, ...] | None = None
    firewall: Firewall | None = None
    sysctls: Sysctls | None = None
    processes: tuple[Process, ...] | None = None
    # a lab router's daemons: their state, OSPF neighbours, BGP sessions (their JSON)
    routing: dict[str, Any] | None = None
    tc: tuple[Qdisc, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: v for k, v in d.items() if v is not None or k == "where"}


@dataclass(frozen=True)
class NodeSummary:
    """One line of `nslab inspect LAB`: counts, read cheaply."""

    node: str
    namespace: str
    interfaces_up: int
    interfaces: int  # without lo
    addresses: tuple[str, ...]  # global scope
    routes: int  # main table, not the kernel's own
    neighbours: int
    listening: int
    processes: int
    forwarding: bool
    nft_tables: tuple[str, ...]


@dataclass(frozen=True)
class NamespaceEntry:
    """One line of `nslab ns list`."""

    name: str | None
    inode: int
    holder: int | None  # a pid holding it, for a namespace with no name
    holder_command: str | None
    is_host: bool
    interfaces: int
    addresses: tuple[str, ...]
    processes: int
    lab: str | None
    node: str | None


Status = Literal["ok", "missing", "warn", "info"]


@dataclass(frozen=True)
class Check:
    """One line of `nslab doctor`."""

    group: str  # access, kernel, tools, limits, host
    name: str
    status: Status
    detail: str
    fix: str | None = None


@dataclass(frozen=True)
class NamespaceView:
    """What `nslab check` compares with a lab's plan, read from one namespace:
    its links by name, addresses (interface, "ip/len"), routes of the main table
    by destination (those a person or nslab adds: not the kernel's own, not a
    routing daemon's), root qdisc kinds (and a tbf's rate), nftables tables (and
    how many rules each holds), IPv4 forwarding."""

    links: dict[str, Interface]
    peers: dict[str, int]  # veth name -> its peer's ifindex
    addresses: frozenset[tuple[str, str]]
    routes: dict[str, tuple[Nexthop, ...]]
    qdiscs: dict[str, str]
    tables: frozenset[str]  # "family name"
    forwarding: bool
    rates: dict[str, float] = field(default_factory=dict)  # link -> its root tbf's bits/s
    rules: dict[str, int] = field(default_factory=dict)  # "family name" -> its rules
