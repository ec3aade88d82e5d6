"""What a node lets through and rewrites (firewall, NAT) and how it resolves
names (DNS), as the user writes it. Pure."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from nslab.spec.base import Strict
from nslab.spec.typed import ConfigDict, Field, field_validator, model_validator

PORTS = re.compile(r"\d{1,5}(-\d{1,5})?")  # whole strings: re.fullmatch
_LABEL = r"[A-Za-z0-9_][A-Za-z0-9_-]{0,62}"
DOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*\.?")  # and at most 253 characters


class FirewallRuleSpec(Strict):
    """`{action: allow, from: h1, to: 10.0.0.0/8, proto: tcp, port: 22}`; `from`
    and `to` take a node, node:interface, an address or a network; `in` and
    `out` an interface of this node; `chain` input, forward or output (default:
    input and forward, what reaches or crosses the node)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    action: Literal["allow", "deny", "reject"]
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    proto: Literal["tcp", "udp", "icmp"] | None = None
    port: int | str | None = None
    in_: str | None = Field(default=None, alias="in")
    out: str | None = None
    chain: Literal["input", "forward", "output"] | None = None

    @field_validator("port")
    @classmethod
    def _port(cls, v: int | str | None) -> int | str | None:
        if v is None:
            return v
        text = str(v)
        ends = [int(p) for p in text.split("-")] if PORTS.fullmatch(text) else []
        if not ends or not all(1 <= p <= 65535 for p in ends) or ends != sorted(ends):
            raise ValueError(f"'{v}' is not a port (1-65535) or a range such as 8000-8100")
        return v

    @model_validator(mode="after")
    def _port_needs_proto(self) -> FirewallRuleSpec:
        if self.port is not None and self.proto not in ("tcp", "udp"):
            raise ValueError("'port' needs proto tcp or udp")
        return self


class FirewallSpec(Strict):
    """The node's nftables firewall: nslab's own table `inet nslab`."""

    policy: Literal["accept", "drop"] = "accept"
    rules: list[FirewallRuleSpec] = []
    nft: str | None = None  # raw nftables text, loaded after nslab's table


class PortForwardSpec(Strict):
    """Connections to `port` on this node go to `to` (node, node:port, address
    or address:port)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    port: int = Field(ge=1, le=65535)
    to: str
    proto: Literal["tcp", "udp"] = "tcp"
    in_: str | None = Field(default=None, alias="in")


class NatSpec(Strict):
    masquerade: list[str] = []  # interfaces facing outside: what leaves gets their address
    forward: list[PortForwardSpec] = []


class DnsSpec(Strict):
    """The node's resolver (its own resolv.conf); names of lab nodes resolve
    through the lab's hosts file either way."""

    nameservers: list[str] = []
    search: list[str] = []

    @field_validator("nameservers")
    @classmethod
    def _addresses(cls, v: list[str]) -> list[str]:
        for a in v:
            try:
                ipaddress.ip_address(a)
            except ValueError as e:
                raise ValueError(f"'{a}' is not an IP address") from e
        return v

    @field_validator("search")
    @classmethod
    def _domains(cls, v: list[str]) -> list[str]:
        for d in v:
            if len(d) > 253 or not DOMAIN.fullmatch(d):
                raise ValueError(f"{d!r} is not a domain name (letters, digits, '-', '_', "
                                 "dots between labels)")
        return v


class LabDnsSpec(Strict):
    """`hosts`: give every node a hosts file naming every node (in
    /etc/netns/<namespace>/hosts, which `ip netns exec` puts in place of
    /etc/hosts); auto: for labs of up to 256 nodes. `names`: what a node's
    name stands for there: the addresses of its links (`links`; a router's
    loopback in a family its links have none of), or a router's loopback
    first (`loopback`, as netlab's hosts files have it: `ping r2` then goes to
    r2's loopback, which routing carries)."""

    hosts: bool | Literal["auto"] = "auto"
    names: Literal["links", "loopback"] = "links"


class HostLinkSpec(Strict):
    """A veth pair from a node to the machine nslab runs on: `node` (or
    `node:iface`), optionally `addresses: [node end, machine end]` and
    `host_iface`, the name of the machine's end (default: a short hash)."""

    node: str
    addresses: Annotated[list[str], Field(min_length=2, max_length=2)] | None = None
    host_iface: str | None = None

    @field_validator("addresses")
    @classmethod
    def _interfaces(cls, v: list[str] | None) -> list[str] | None:
        for a in v or []:
            with_prefix(a)
        return v


class BridgeMemberSpec(Strict):
    """A node on the machine's bridge: `node` (or `node:iface`), its own
    `address` (default: counting up from the gateway) and `host_iface`, the
    name of the machine's end (default: a short hash)."""

    node: str
    address: str | None = None
    host_iface: str | None = None

    @field_validator("address")
    @classmethod
    def _address(cls, v: str | None) -> str | None:
        if v is not None:
            with_prefix(v)
        return v


def _member_short_form(v: object) -> object:
    return {"node": v} if isinstance(v, str) else v


class HostBridgeSpec(Strict):
    """A bridge on the machine (docker0-style) that `nodes` plug into; the
    machine's `address` on it is their gateway (default: the subnet's first);
    `name` is the bridge's name on the machine (default: a short hash)."""

    nodes: list[BridgeMemberSpec] = Field(min_length=1)
    address: str | None = None
    name: str | None = None

    @field_validator("nodes", mode="before")
    @classmethod
    def _short_members(cls, v: object) -> object:
        return [_member_short_form(x) for x in v] if isinstance(v, list) else v

    @field_validator("address")
    @classmethod
    def _gateway(cls, v: str | None) -> str | None:
        if v is not None:
            with_prefix(v)
        return v


class HostSpec(Strict):
    """The machine nslab runs on (the network namespace it runs in)."""

    links: list[HostLinkSpec] = []
    bridge: HostBridgeSpec | None = None
    egress: str | None = None  # "auto" or the uplink's name: masquerade the lab out of it
    forward: list[PortForwardSpec] = []  # a port of the machine -> a node's port


SPECIAL = [(ipaddress.ip_network(n), why) for n, why in (
    ("0.0.0.0/8", "'this network' (0.0.0.0/8)"), ("127.0.0.0/8", "loopback"),
    ("224.0.0.0/4", "multicast"), ("255.255.255.255/32", "broadcast"),
    ("::/128", "the unspecified address"), ("::1/128", "loopback"),
    ("ff00::/8", "multicast"))]


def unusable(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str | None:
    """What special range (loopback, multicast...) `net` falls in or holds,
    where no interface of a lab can have an address; None when clear."""
    for special, why in SPECIAL:
        if special.version == net.version and special.overlaps(net):
            return why
    return None


def with_prefix(a: str) -> None:
    """An interface address as the file writes it: address/prefix, usable."""
    if "/" not in a:
        raise ValueError(f"'{a}' needs a prefix length, such as {a}/24")
    try:
        iface = ipaddress.ip_interface(a)
    except ValueError as e:
        raise ValueError(f"'{a}' is not an address with prefix ({e})") from e
    why = unusable(ipaddress.ip_network(iface.ip))
    if why:
        raise ValueError(f"'{a}' is {why}: no interface can have it")
