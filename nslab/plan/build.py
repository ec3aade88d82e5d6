"""`plan(lab, host) -> Plan`: the ordered kernel steps that build a lab. Pure.

Steps come in phases (namespaces, sysctls, links, bridges, ports, addresses,
links up, routes, commands, services). Within a phase no step depends on
another, so the kernel layer may batch a phase per namespace; between phases it
waits for the kernel to acknowledge everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nslab.model.lab import Lab, Node
from nslab.plan import nft
from nslab.plan.steps import (
    AddAddress,
    AddBridge,
    AddNamespace,
    AddRoute,
    AddVeth,
    LoadNftRuleset,
    RunCommand,
    SetLinkUp,
    SetMaster,
    SetMtu,
    SetNeighbourLimits,
    SetNetem,
    SetRate,
    SetSysctl,
    StartDaemons,
    StartService,
    Step,
    WriteFile,
    loss_ruleset,
)
from nslab.suites import SUITES, suite
from nslab.units import NETEM_SETTINGS

STATE_ROOT = "/run/nslab"
ECMP_SYSCTLS = ("net.ipv4.fib_multipath_hash_policy", "net.ipv6.fib_multipath_hash_policy")
ECMP_POLICY = {"l3": "0", "l4": "1"}


@dataclass(frozen=True)
class MachineFacts:
    """What the plan needs to know of the machine: the neighbour table limits
    (gc_thresh1..3) of IPv4 and IPv6 as they are now, and its uplink."""

    # None: not visible here (outside the machine's first namespace the
    # limits are not shown, and cannot be changed either)
    arp_thresh: tuple[int, int, int] | None = (128, 512, 1024)
    ndisc_thresh: tuple[int, int, int] | None = (128, 512, 1024)
    uplink: str | None = None  # the interface of the machine's default route
    # neighbour entries the labs already up can need (the tables are shared)
    arp_in_use: int = 0
    ndisc_in_use: int = 0
    # the suites' optional daemons this machine has (FRR 9 and later: mgmtd)
    daemons: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Plan:
    lab: str
    steps: tuple[Step, ...]

    def touches_machine(self) -> bool:
        return any(getattr(s, "ns", "") is None or getattr(s, "peer_ns", "") is None
                   for s in self.steps)

    def as_shell(self) -> str:
        head = ["#!/bin/bash", f"# nslab plan for lab '{self.lab}': the same lab, by hand.",
                "set -e"]
        return "\n".join(head + [s.as_shell() for s in self.steps]) + "\n"


def marker(lab: str, node: str, instance: str) -> str:
    return f"nslab lab={lab} node={node} id={instance}"


def neighbour_limits(need: int, now: tuple[int, int, int]) -> tuple[int, int, int] | None:
    """New gc_thresh1..3 when `need` entries do not fit under the hard limit
    with room to spare for the host's own; None when they do."""
    if need + 256 <= now[2]:
        return None
    t3 = 1024
    while t3 < 2 * need + 256:
        t3 *= 2
    return (now[0], max(now[1], t3 // 2), t3)


NETNS_ETC = "/etc/netns"


def file_mark(lab: str) -> str:
    """The first line of every file nslab writes under /etc/netns: its claim."""
    return f"# nslab lab={lab}: written by nslab up, removed by nslab down"


def carries_mark(text: str | None, lab: str) -> bool:
    """Whether a file nslab recorded is still its own to rewrite or remove:
    its text begins with lab `lab`'s claim (file_mark), or it is empty (made,
    and cut short before its one write). Anything else is someone else's."""
    return text is not None and (text == "" or text.startswith(f"# nslab lab={lab}:"))


def name_files(lab: Lab) -> list[WriteFile]:
    """/etc/netns/<namespace>/hosts (every node's names) and resolv.conf (a
    node's own resolver), which `ip netns exec` mounts over /etc."""
    out = []
    hosts = ""
    if lab.hosts:
        hosts = f"# the nodes of lab {lab.name} (nslab)\n"
        hosts += "".join(f"{addr}\t{name} {name}.{lab.name}\n" for addr, name in lab.hosts)
    mark = file_mark(lab.name)
    for n in lab.nodes:
        if n.kind == "switch":
            continue
        if hosts:
            out.append(WriteFile(n.name, f"{NETNS_ETC}/{n.namespace}/hosts", hosts,
                                 "/etc/hosts", mark))
        if n.resolver:
            text = "".join(f"nameserver {a}\n" for a in n.resolver.nameservers)
            text += f"search {' '.join(n.resolver.search)}\n" if n.resolver.search else ""
            out.append(WriteFile(n.name, f"{NETNS_ETC}/{n.namespace}/resolv.conf", text,
                                 None, mark))
    return out


# the kernel features a topology file can use (what `needs` names; nslab doctor
# probes these, not every link kind the kernel might have)
KERNEL_FEATURES = ("veth", "bridge", "tbf", "netem", "nft-nat")


def in_use(steps: Iterable[Step]) -> set[str]:
    """The features (as `needs` names them) that a running lab made of `steps`
    shows this machine has: what apply need not probe again."""
    out: set[str] = set()
    for s in steps:
        if isinstance(s, AddVeth):
            out.add("veth")
        elif isinstance(s, AddBridge):
            out.add("bridge")
        elif isinstance(s, SetRate):
            out.add("tbf")
        elif isinstance(s, StartDaemons):
            out.add(s.suite)
    return out


def needs(lab: Lab) -> dict[str, str]:
    """The kernel features the lab uses -> what for (names as `nslab doctor` uses:
    KERNEL_FEATURES and the routing suites)."""
    out: dict[str, str] = {}
    if lab.links:
        out["veth"] = f"its {len(lab.links)} links"
    switches = [n.name for n in lab.nodes if n.kind == "switch"]
    if switches:
        out["bridge"] = f"switch '{switches[0]}'" + (f" and {len(switches) - 1} more"
                                                     if len(switches) > 1 else "")
    for name in SUITES:
        runs = [n.name for n in lab.nodes if n.daemons and n.daemons.suite == name]
        if runs:
            out[name] = f"router '{runs[0]}'" + (f" and {len(runs) - 1} more"
                                                  if len(runs) > 1 else "")
    netem = [f"{i.node}:{i.name}" for n in lab.nodes for i in n.interfaces if i.netem]
    netem += [f"the timeline's event '{e.name}'" for e in (lab.timeline.events
                                                           if lab.timeline else ())
              if any(k in NETEM_SETTINGS for k, _ in e.props)]
    if netem:
        out["netem"] = f"the delay (or jitter, duplication, reordering, corruption) of " \
            f"{netem[0]}" + (f" and {len(netem) - 1} more" if len(netem) > 1 else "")
    rated = [f"{i.node}:{i.name}" for n in lab.nodes for i in n.interfaces
             if i.rate_bps and not i.netem]
    if rated:
        out["tbf"] = f"the rate of {rated[0]}" + (f" and {len(rated) - 1} more"
                                                  if len(rated) > 1 else "")
    nat = [n.name for n in lab.nodes if n.policy and (n.policy.masquerade or n.policy.forwards)]
    if nat:
        out["nft-nat"] = f"the NAT of node '{nat[0]}'"
    return out


def daemon_dir(lab: str, node: str) -> str:
    """Where a router's daemons keep their sockets, pid files, logs, configs."""
    return f"{STATE_ROOT}/{lab}/routing/{node}"


def _daemons(lab: str, n: Node, installed: frozenset[str]) -> StartDaemons:
    assert n.daemons is not None
    started = suite(n.daemons.suite).started(n.daemons.daemons, installed)
    return StartDaemons(n.namespace, n.name, n.daemons.suite, daemon_dir(lab, n.name), started,
                        n.daemons.config)


def plan(lab: Lab, host: MachineFacts | None = None, instance: str = "0") -> Plan:
    host = host or MachineFacts()
    steps: list[Step] = []
    for fam, need, now in ((4, lab.neighbours.arp + host.arp_in_use, host.arp_thresh),
                           (6, lab.neighbours.ndisc + host.ndisc_in_use, host.ndisc_thresh)):
        limits = neighbour_limits(need, now) if now is not None else None
        if now is not None and limits is not None:
            steps.append(SetNeighbourLimits(fam, limits, now))
    unnumbered = {m[0] for s in lab.segments if s.unnumbered for m in s.members}
    steps += [AddNamespace(n.namespace, marker(lab.name, n.name, instance),
                           lab.ipv6 or n.name in unnumbered,  # (link-local addresses)
                           n.forwarding, n.name) for n in lab.nodes]
    side = lab.machine
    ends = side.ends if side else ()
    if side and side.forwarding:
        steps.append(SetSysctl(None, "net.ipv4.ip_forward", "1"))
        if lab.ipv6:
            steps.append(SetSysctl(None, "net.ipv6.conf.all.forwarding", "1"))
    # l4: addresses and ports (fib_multipath_hash_policy 1), for IPv4 and IPv6
    steps += [SetSysctl(n.namespace, key, ECMP_POLICY[n.ecmp_hash]) for n in lab.nodes
              if n.ecmp_hash for key in ECMP_SYSCTLS[:2 if lab.ipv6 else 1]]
    ns = {n.name: n.namespace for n in lab.nodes}
    steps += [AddVeth(ns[a[0]], a[1], ns[b[0]], b[1]) for a, b in
              ((link.a, link.b) for link in lab.links)]
    steps += [AddVeth(ns[e.node], e.iface, None, e.machine_ifname, e.alias) for e in ends]
    steps += [AddBridge(n.namespace, n.bridge) for n in lab.nodes if n.bridge]
    bridge = side.bridge if side else None
    if bridge:
        steps.append(AddBridge(None, bridge.name, f"{bridge.alias} {instance}"))
    steps += [SetMaster(n.namespace, i.name, i.master)
              for n in lab.nodes for i in n.interfaces if i.master]
    if bridge:
        steps += [SetMaster(None, p.machine_ifname, bridge.name) for p in bridge.ports]
    steps += [SetMtu(n.namespace, i.name, i.mtu) for n in lab.nodes for i in n.interfaces
              if i.mtu is not None]
    steps += [AddAddress(n.namespace, i.name, a)
              for n in lab.nodes for i in n.interfaces for a in i.addresses]
    steps += [AddAddress(n.namespace, "lo", a) for n in lab.nodes
              for a in (n.loopback, n.loopback6) if a]
    steps += [AddAddress(None, e.machine_ifname, a) for e in ends for a in e.host_addresses]
    if bridge:
        steps += [AddAddress(None, bridge.name, a) for a in bridge.addresses]
    steps += [SetLinkUp(n.namespace, n.bridge) for n in lab.nodes if n.bridge]
    if bridge:
        steps.append(SetLinkUp(None, bridge.name))
    steps += [SetLinkUp(n.namespace, i.name) for n in lab.nodes for i in n.interfaces]
    steps += [SetLinkUp(None, e.machine_ifname) for e in ends]
    steps += [SetRate(n.namespace, i.name, i.rate_bps) for n in lab.nodes for i in n.interfaces
              if i.rate_bps and not i.netem]
    steps += [SetNetem(n.namespace, i.name, i.netem, i.rate_bps) for n in lab.nodes
              for i in n.interfaces if i.netem]
    steps += [LoadNftRuleset(n.namespace, n.name, loss_ruleset(
        [(i.name, i.loss) for i in n.interfaces if i.loss])) for n in lab.nodes
        if any(i.loss for i in n.interfaces)]
    steps += [AddRoute(n.namespace, r.dst, r.nexthops) for n in lab.nodes for r in n.routes]
    if side:
        steps += [AddRoute(None, r.dst, r.nexthops) for r in side.routes]
    steps += name_files(lab)
    steps += [LoadNftRuleset(n.namespace, n.name, nft.node_text(n.policy))
              for n in lab.nodes if n.policy and nft.node_text(n.policy)]
    if side and (side.egress or side.forwards):
        uplink = host.uplink if side.egress == "auto" else side.egress
        steps.append(LoadNftRuleset(None, "machine", nft.host_ruleset(lab.name, side, uplink)))
    steps += [_daemons(lab.name, n, host.daemons) for n in lab.nodes if n.daemons]
    steps += [RunCommand(n.namespace, n.name, argv) for n in lab.nodes for argv in n.exec]
    steps += [StartService(n.namespace, n.name, s.name, s.argv,
                           f"{STATE_ROOT}/{lab.name}/services/{n.name}.{s.name}.log")
              for n in lab.nodes for s in n.services]
    return Plan(lab.name, tuple(steps))
