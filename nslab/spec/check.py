"""Checks that need the whole file: references between nodes and links, names
that must fit the kernel's limits. Pure; returns every problem found."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nslab.errors import Problem
from nslab.names import LAB_NAME, NODE_NAME
from nslab.spec.schema import LabSpec

IFNAMSIZ = 15  # usable characters of an interface name (16 with the NUL)
_IFNAME = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
_NAMESPACE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class Endpoint:
    node: str
    ifname: str | None


def parse_endpoint(text: str) -> Endpoint:
    node, _, ifname = text.partition(":")
    return Endpoint(node, ifname or None)


def ifname_problem(name: str) -> str | None:
    """Why `name` cannot be an interface name, or None when it can."""
    if len(name) > IFNAMSIZ:
        return f"interface name '{name}' is {len(name)} characters; the kernel allows {IFNAMSIZ}"
    if not _IFNAME.fullmatch(name) or name in (".", ".."):
        return f"interface name '{name}' may use only letters, digits, '_', '.', '-'"
    if name == "lo":
        return "'lo' is the loopback interface every node already has"
    if name in ("all", "default"):
        return f"'{name}' names every interface in /proc/sys/net: the kernel refuses it"
    return None


def check(spec: LabSpec) -> list[Problem]:
    problems: list[Problem] = []
    if not re.fullmatch(LAB_NAME, spec.name):
        problems.append(Problem(("name",), f"lab name '{spec.name}' is not allowed",
                                "lowercase letters, digits and '-', start with a letter, "
                                "at most 20 characters, such as 'demo'"))
    _check_nodes(spec, problems)
    _check_namespaces(spec, problems)
    _check_machine_names(spec, problems)
    _check_spread(spec, problems)
    names = list(spec.nodes)
    known = ", ".join(names) if len(names) <= 12 else ", ".join(names[:12]) + ", ..."
    used: dict[tuple[str, str], tuple[str | int, ...]] = {}
    for i, link in enumerate(spec.links):
        ends = [parse_endpoint(e) for e in link.endpoints]
        for j, end in enumerate(ends):
            _check_end(spec, i, j, end, known, used, problems)
        for sender in link.impair or {}:
            if sender not in {e.node for e in ends}:
                problems.append(Problem(("links", i, "impair", sender),
                                        f"'{sender}' is not an end of this link",
                                        f"impair is keyed by the sending end: "
                                        f"{' or '.join(e.node for e in ends)}"))
        if link.unnumbered:
            _check_unnumbered(spec, i, ends, problems)
        elif not link.ipv4:
            _check_ipv6_only(spec, i, ends, problems)
        if len(ends) == 2 and ends[0].node == ends[1].node:
            problems.append(Problem(("links", i), f"link from '{ends[0].node}' to itself",
                                    "a link joins two different nodes"))
    return problems


def _check_unnumbered(spec: LabSpec, i: int, ends: list[Endpoint], problems: list[Problem]
                      ) -> None:
    """An unnumbered link joins two routers and has no addresses."""
    where: tuple[str | int, ...] = ("links", i, "unnumbered")
    if spec.links[i].addresses is not None:
        problems.append(Problem(("links", i, "addresses"), "an unnumbered link has no "
                                "addresses", "leave out addresses: or unnumbered:"))
    _routers_only(spec, ends, where, "an unnumbered link", "BGP runs over its IPv6 "
                  "link-local addresses, OSPF and IS-IS on its routers' loopbacks; hosts and "
                  "switches need addresses", problems)


def _check_ipv6_only(spec: LabSpec, i: int, ends: list[Endpoint], problems: list[Problem]
                     ) -> None:
    """An IPv6-only link joins two routers and has IPv6 addresses, given or from
    the lab's IPv6 pool, and no IPv4 one."""
    link = spec.links[i]
    given = [a for j in (0, 1) for a in link.end_addresses(j)]
    if any(":" not in a for a in given):
        problems.append(Problem(("links", i, "addresses"), "an IPv6-only link (ipv4: false) "
                                "has no IPv4 address", "give its ends IPv6 addresses only"))
    elif not given and spec.addressing.ipv6_pool is None:
        problems.append(Problem(("links", i, "ipv4"), "an IPv6-only link needs IPv6 addresses",
                                "give the lab addressing: {ipv6_pool: ...}, or the link "
                                "IPv6 addresses"))
    _routers_only(spec, ends, ("links", i, "ipv4"), "an IPv6-only link", "IPv4 crosses it "
                  "only in BGP (RFC 8950); hosts and switches need IPv4 on their links",
                  problems)


def _routers_only(spec: LabSpec, ends: list[Endpoint], where: tuple[str | int, ...],
                  what: str, hint: str, problems: list[Problem]) -> None:
    others = [e.node for e in ends if e.node in spec.nodes
              and spec.nodes[e.node].kind != "router"]
    if others:
        problems.append(Problem(where, f"{what} joins two routers: "
                                f"'{others[0]}' is a {spec.nodes[others[0]].kind}", hint))


def _check_nodes(spec: LabSpec, problems: list[Problem]) -> None:
    for name, node in spec.nodes.items():
        if not re.fullmatch(NODE_NAME, name):
            problems.append(Problem(("nodes", name), f"node name '{name}' is not allowed",
                                    "lowercase letters, digits, '_', '-', start with a letter, "
                                    "at most 30 characters"))
        if name == "machine":
            problems.append(Problem(("nodes", name), "'machine' names the machine nslab runs "
                                    "on (a link's peer machine:IFACE)", "choose another name"))
        if node.kind == "switch" and node.routes:
            problems.append(Problem(("nodes", name, "routes"), "a switch has no routes",
                                    "routes belong on hosts and routers"))


def _check_end(spec: LabSpec, i: int, j: int, end: Endpoint, known: str,
               used: dict[tuple[str, str], tuple[str | int, ...]],
               problems: list[Problem]) -> None:
    """End `j` of link `i`: a node that exists, an interface name that is free."""
    where: tuple[str | int, ...] = ("links", i, "endpoints", j)
    if end.node not in spec.nodes:
        problems.append(Problem(where, f"node '{end.node}' is not defined", f"nodes: {known}"))
        return
    if end.ifname is not None:
        why = ifname_problem(end.ifname)
        if why is None and end.ifname == "br0" and spec.nodes[end.node].kind == "switch":
            why = "br0 is the switch's own bridge; name its port otherwise"
        if why:
            problems.append(Problem(where, why))
        key = (end.node, end.ifname)
        if key in used:
            problems.append(Problem(where, f"interface {end.node}:{end.ifname} is used "
                                    "by two links", "give one of them another name"))
        used[key] = where
    addresses = spec.links[i].addresses
    if addresses is not None and addresses[j] is not None \
            and spec.nodes[end.node].kind == "switch":
        problems.append(Problem(("links", i, "addresses", j),
                                f"'{end.node}' is a switch: its end has no address",
                                "write null for a switch end"))


def _check_namespaces(spec: LabSpec, problems: list[Problem]) -> None:
    """`nodes.N.namespace`: a name `ip netns` accepts, one per node."""
    seen: dict[str, str] = {}
    for name, node in spec.nodes.items():
        ns = node.namespace or f"{spec.name}-{name}"  # as nslab.model.naming names it
        where: tuple[str | int, ...] = ("nodes", name, "namespace")
        if node.namespace is not None and (not _NAMESPACE.fullmatch(node.namespace)
                                           or node.namespace in (".", "..")):
            problems.append(Problem(where, f"namespace name '{node.namespace}' is not allowed",
                                    "letters, digits, '_', '.', '-', at most 64 characters"))
        elif ns in seen:
            problems.append(Problem(where, f"namespace '{ns}' is node '{seen[ns]}'s already",
                                    "every node needs a namespace of its own"))
        seen[ns] = name


def _check_machine_names(spec: LabSpec, problems: list[Problem]) -> None:
    """The names the file chooses on the machine (host.links[].host_iface,
    host.bridge.name, host.bridge.nodes[].host_iface): interface names, each
    used once."""
    h = spec.host
    if h is None:
        return
    chosen: list[tuple[tuple[str | int, ...], str]] = [
        (("host", "links", k, "host_iface"), ls.host_iface)
        for k, ls in enumerate(h.links) if ls.host_iface is not None]
    if h.bridge is not None:
        if h.bridge.name is not None:
            chosen.append((("host", "bridge", "name"), h.bridge.name))
        chosen += [(("host", "bridge", "nodes", k, "host_iface"), m.host_iface)
                   for k, m in enumerate(h.bridge.nodes) if m.host_iface is not None]
    seen: set[str] = set()
    for where, name in chosen:
        why = ifname_problem(name)
        if why:
            problems.append(Problem(where, why))
        elif name in seen:
            problems.append(Problem(where, f"'{name}' names two things on the machine",
                                    "each interface of the machine needs its own name"))
        seen.add(name)


def _check_spread(spec: LabSpec, problems: list[Problem]) -> None:
    """A lab across machines: every node on a machine the file names, and only
    what spans machines today (no machine side, no timeline)."""
    names = list(spec.machines)
    for m in names:
        if not re.fullmatch(NODE_NAME, m):
            problems.append(Problem(("machines", m), f"machine name '{m}' is not allowed",
                                    "lowercase letters, digits, '_', '-', start with a letter"))
    for name, node in spec.nodes.items():
        if node.machine is not None and node.machine not in spec.machines:
            problems.append(Problem(("nodes", name, "machine"),
                                    f"machine '{node.machine}' is not in machines:",
                                    f"one of: {', '.join(names)}" if names else
                                    "list the machines under machines: (or drop machine:)"))
    if not names:
        return
    if spec.host is not None:
        problems.append(Problem(("host",), "a lab across machines has no host: section yet "
                                "(its links, bridge, egress and forwards are on one machine)",
                                "drop host:, or run the lab on one machine"))
    if spec.timeline is not None:
        problems.append(Problem(("timeline",), "a timeline does not span machines yet",
                                "drop timeline:, or run the lab on one machine"))
    for i, link in enumerate(spec.links):
        if "machine" in (parse_endpoint(e).node for e in link.endpoints):
            problems.append(Problem(("links", i), "a link to the machine in a lab across "
                                    "machines", "join the machines' nodes by links"))
