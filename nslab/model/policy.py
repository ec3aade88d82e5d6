"""Resolve what nodes let through and rewrite (firewall, NAT) and how they
resolve names (hosts file, resolver). Node names become their addresses;
interface names are checked against the node. Pure."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

from nslab.errors import Problem
from nslab.model.lab import (
    FilterRule,
    IPAddress,
    IPInterface,
    IPNetwork,
    Lab,
    Node,
    Policy,
    PortForward,
    Resolver,
)
from nslab.spec.policy import FirewallSpec, PortForwardSpec
from nslab.spec.schema import LabSpec

HOSTS_AUTO_LIMIT = 256
ACTIONS: dict[str, Literal["accept", "drop", "reject"]] = {
    "allow": "accept", "deny": "drop", "reject": "reject"}


class _Where:
    """Turns `from`/`to` words into networks, recording problems."""

    def __init__(self, lab: Lab, problems: list[Problem]) -> None:
        self.lab = lab
        self.nodes = {n.name: n for n in lab.nodes}
        self.problems = problems
        names = list(self.nodes)
        self.hint = "nodes: " + ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")

    def networks(self, text: str, where: tuple[str | int, ...]) -> tuple[IPNetwork, ...] | None:
        try:
            return (ipaddress.ip_network(text, strict=False),)
        except ValueError:
            pass
        node, _, iface = text.partition(":")
        n = self.nodes.get(node)
        if n is None:
            self.problems.append(Problem(where, f"'{text}' is not a node, an address or a "
                                         "network", self.hint))
            return None
        ifaces = [i for i in n.interfaces if not iface or i.name == iface]
        if iface and not ifaces:
            have = ", ".join(i.name for i in n.interfaces) or "none"
            self.problems.append(Problem(where, f"'{node}' has no interface '{iface}'",
                                         f"its interfaces: {have}"))
            return None
        nets = tuple(ipaddress.ip_network(a.ip) for i in ifaces for a in i.addresses)
        if not nets:
            self.problems.append(Problem(where, f"'{text}' has no address (a switch?)"))
            return None
        return nets

    def address(self, text: str, where: tuple[str | int, ...]) -> tuple[IPAddress, int | None] \
            | None:
        """`node`, `node:port`, `address`, `address:port`, `[v6]:port`."""
        host, port = text, None
        if text.startswith("["):
            host, _, rest = text[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
        elif text.count(":") == 1:
            host, _, p = text.partition(":")
            if not p.isdigit():
                self.problems.append(Problem(where, f"'{p}' is not a port number"))
                return None
            port = int(p)
        try:
            return ipaddress.ip_address(host), port
        except ValueError:
            pass
        addr = self.lab.primary_address(host) if host in self.nodes else None
        if addr is None:
            self.problems.append(Problem(where, f"'{host}' is not a node with an address, nor "
                                         "an address", self.hint))
            return None
        return ipaddress.ip_address(addr), port

    def interface(self, node: Node, name: str | None, where: tuple[str | int, ...]) -> bool:
        if name is None or any(i.name == name for i in node.interfaces):
            return True
        have = ", ".join(i.name for i in node.interfaces) or "none"
        self.problems.append(Problem(where, f"'{node.name}' has no interface '{name}'",
                                     f"its interfaces: {have}"))
        return False


def _rules(fw: FirewallSpec, node: Node, w: _Where,
           base: tuple[str | int, ...]) -> list[FilterRule]:
    out = []
    for k, r in enumerate(fw.rules):
        where = (*base, "rules", k)
        src = w.networks(r.from_, (*where, "from")) if r.from_ else ()
        dst = w.networks(r.to, (*where, "to")) if r.to else ()
        ok = w.interface(node, r.in_, (*where, "in")) & w.interface(node, r.out, (*where, "out"))
        if src is None or dst is None or not ok:
            continue
        chains: tuple[Literal["input", "forward", "output"], ...] = \
            (r.chain,) if r.chain else ("input", "forward")
        out.append(FilterRule(k + 1, ACTIONS[r.action], chains, src, dst, r.proto,
                              None if r.port is None else str(r.port), r.in_, r.out))
    return out


def _forwards_of(specs: Sequence[PortForwardSpec], w: _Where, base: tuple[str | int, ...],
                 node: Node | None = None) -> list[PortForward]:
    """Port forwards, resolved; `in` is checked against `node` when given."""
    out = []
    for k, f in enumerate(specs):
        where = (*base, "forward", k)
        target = w.address(f.to, (*where, "to"))
        if target is None or (node is not None and not w.interface(node, f.in_,
                                                                    (*where, "in"))):
            continue
        out.append(PortForward(f.proto, f.port, target[0], target[1] or f.port, f.in_))
    return out


def resolve_policies(spec: LabSpec, lab: Lab, problems: list[Problem]) -> Lab:
    w = _Where(lab, problems)
    nodes = []
    for node in lab.nodes:
        ns = spec.nodes[node.name]
        base: tuple[str | int, ...] = ("nodes", node.name)
        if (ns.firewall or ns.nat or ns.dns) and node.kind == "switch":
            problems.append(Problem(base, "a switch has no firewall, nat or dns",
                                    "put them on the hosts and routers"))
            nodes.append(node)
            continue
        policy = None
        if ns.firewall or ns.nat:
            fw = ns.firewall
            nat = ns.nat
            rules = _rules(fw, node, w, (*base, "firewall")) if fw else []
            masq = []
            for k, name in enumerate(nat.masquerade if nat else []):
                if w.interface(node, name, (*base, "nat", "masquerade", k)):
                    masq.append(name)
            fwd = _forwards_of(nat.forward, w, (*base, "nat"), node) if nat else []
            policy = Policy(fw.policy if fw else "accept", tuple(rules), tuple(masq),
                            tuple(fwd), fw.nft if fw else None)
        resolver = Resolver(tuple(ns.dns.nameservers), tuple(ns.dns.search)) \
            if ns.dns and (ns.dns.nameservers or ns.dns.search) else None
        same = (policy, resolver) == (node.policy, node.resolver)  # (most nodes: none)
        nodes.append(node if same else replace(node, policy=policy, resolver=resolver))
    want_hosts = spec.dns.hosts if spec.dns.hosts != "auto" else \
        len(lab.nodes) <= HOSTS_AUTO_LIMIT
    # every address of a node's links, and its loopback's in a family its links have
    # none of (a router of unnumbered or IPv6-only links): what stands for it; or
    # a router's loopback first (dns: {names: loopback})
    first = spec.dns.names == "loopback"
    hosts = tuple((str(a.ip), n.name) for n in lab.nodes for a in _named(n, first)) \
        if want_hosts else ()
    return replace(lab, nodes=tuple(nodes), hosts=hosts)


def _named(n: Node, loopback_first: bool) -> tuple[IPInterface, ...]:
    """The addresses a node's name stands for in the hosts files."""
    loops = tuple(a for a in (n.loopback, n.loopback6) if a is not None)
    if not loopback_first or not loops:
        return n.standing
    return loops + tuple(a for a in n.standing if all(x.version != a.version for x in loops))
