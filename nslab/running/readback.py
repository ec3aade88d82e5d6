"""A running lab read back from the kernel and compared with what its file
and journal say should be there (the plan it was made from, as `nslab link`
and `nslab node` changed it since): the steps the kernel satisfies, the
addresses and routes it holds beyond them, and each difference, with who
probably made it and whether nslab may put it back. Used by `check`, by
`apply` after a change cut short, and by rollbacks.

What is compared: every node's namespace (the one the lab made), its links and
their state, MTU, bridge ports, addresses, routes (those a person or nslab adds,
not the kernel's own nor a routing daemon's), root qdiscs and a tbf's rate,
nftables tables and how many rules each holds, IPv4 forwarding, the files nslab
wrote, services and routing daemons alive. Addresses and routes that are there
and not in the file are differences too; links nobody asked for are named, and
left alone (they go at down).
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass, field, replace
from ipaddress import ip_address, ip_interface, ip_network
from typing import Any, assert_never

from nslab.kernel.seam import MACHINE, Kernel
from nslab.model.lab import Nexthop
from nslab.plan.build import carries_mark
from nslab.plan.kinds import LINK_STEPS, LinkStep
from nslab.plan.nft import rule_counts, tables
from nslab.plan.steps import (
    RELAY,
    WIRE_NODE,
    AddAddress,
    AddBridge,
    AddNamespace,
    AddRoute,
    AddVeth,
    AddVxlan,
    ClearRate,
    ClearWire,
    DelAddress,
    DelLink,
    DelRoute,
    LoadNftRuleset,
    ReloadDaemons,
    RemoveFile,
    RemoveNamespace,
    RunCommand,
    SetLinkDown,
    SetLinkUp,
    SetMaster,
    SetMtu,
    SetNeighbourLimits,
    SetNetem,
    SetRate,
    SetSysctl,
    SetWire,
    StartDaemons,
    StartService,
    StartWire,
    Step,
    StopDaemons,
    StopService,
    WriteFile,
)
from nslab.records.observed import NamespaceView
from nslab.state.journal import Record
from nslab.suites import suite
from nslab.units import bits_text


@dataclass(frozen=True)
class Difference:
    node: str
    what: str  # "route 10.0.2.0/24", "link eth1", "namespace"...
    expected: str
    found: str
    cause: str  # who probably changed it
    # what repair must leave alone (the user's namespace, link or file in the
    # place of the lab's): the key of it (nslab.plan.lives), None when repairable
    blocks: tuple[str, ...] | None = None
    about: Step | None = field(default=None, compare=False)  # the step it is about

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "what": self.what, "expected": self.expected,
                "found": self.found, "cause": self.cause, "repairable": self.blocks is None}


class _Reader:
    """The lab's namespaces read once each, and its processes."""

    def __init__(self, k: Kernel, rec: Record, steps: tuple[Step, ...]) -> None:
        self.k, self.rec, self.lab = k, rec, rec.lab
        self.views: dict[str, NamespaceView | None] = {}
        self.node = {s.ns: s.node for s in steps if isinstance(s, AddNamespace)}
        mine = {ns: ino for ns, ino in rec.namespaces.items() if ns in self.node}
        nft = {s.ns for s in steps if isinstance(s, LoadNftRuleset)}
        shaped = {s.ns for s in steps if isinstance(s, SetRate | SetNetem)}
        self.inodes: dict[str, int | None] = {}
        for ns, ino in mine.items():
            now = k.namespace_inode(ns)
            self.inodes[ns] = now
            self.views[ns] = None
            if now is not None and now == ino:
                with suppress(OSError):
                    self.views[ns] = k.read_namespace(ns, ns in nft, ns in shaped)
        self.pids = k.processes_in({i for ns, i in self.inodes.items() if i is not None
                                    and self.views.get(ns) is not None})
        # the machine's ends of the lab's links, read where the lab was made from
        self.machine: NamespaceView | None = None
        if any(isinstance(s, AddVeth) and s.peer_ns is None for s in steps) \
                and rec.machine == k.inode_of(MACHINE):
            with suppress(OSError):
                self.machine = k.read_machine()

    def alive(self, ns: str, pid: int) -> bool:
        return self.pids.get(pid) == self.inodes.get(ns)


def observe(steps: tuple[Step, ...], rec: Record, k: Kernel, quiet: set[str] | None = None
            ) -> tuple[list[Step], list[Difference], list[Step]]:
    """The steps of `steps` the kernel satisfies, with the addresses and routes
    it holds beyond them (as steps, so that a diff removes them); each
    difference; and the daemons to stop before a repair starts them again
    (some of a router's daemons died, not all)."""
    r = _Reader(k, rec, steps)
    quiet = quiet or set()
    have: list[Step] = []
    diffs: list[Difference] = []
    stop: list[Step] = []
    for s in steps:
        ns = getattr(s, "ns", None)
        if isinstance(s, WriteFile):
            text = k.read_text(s.path)
            if text is not None and text.startswith(s.mark) and text.endswith(s.text):
                have.append(s)
            elif text is not None and not carries_mark(text, r.lab):
                diffs.append(Difference(s.node, f"file {s.path}", "as nslab wrote it",
                                        "a file without nslab's mark", "put in its place by "
                                        "someone else: nslab leaves it alone", ("file", s.path)))
            else:
                diffs.append(Difference(s.node, f"file {s.path}", "as nslab wrote it",
                                        "missing" if text is None else "changed",
                                        "removed or edited by hand, or cut short while written"))
                if text is not None and s.path in rec.files:  # ours, to be written again
                    have.append(replace(s, text=text))
            continue
        if ns is None:
            have.append(s)
            continue
        view = r.views.get(ns)
        node = r.node.get(ns, ns)
        if isinstance(s, AddNamespace):
            if view is None:
                diffs.append(replace(_namespace_gone(node, ns, r), about=s))
                continue
            have.append(s if view.forwarding == s.forwarding else
                        replace(s, forwarding=view.forwarding))
            if view.forwarding != s.forwarding:
                diffs.append(Difference(node, "net.ipv4.ip_forward", str(int(s.forwarding)),
                                        str(int(view.forwarding)),
                                        "set by hand (sysctl net.ipv4.ip_forward)"))
            continue
        if view is None:
            continue  # the namespace is gone: said once, above
        found = _satisfied(s, view, r)
        if found is True:
            have.append(s)
        elif isinstance(found, Difference):
            diffs.append(replace(found, about=s))
            rate = view.rates.get(s.name) if isinstance(s, SetRate) else None
            if isinstance(s, SetRate) and rate is not None and view.qdiscs.get(s.name) == "tbf":
                have.append(replace(s, rate_bps=rate))  # there, at another rate: updated
        elif isinstance(found, tuple):  # some of a router's daemons died
            assert isinstance(s, StartDaemons)
            stop.append(StopDaemons(s.ns, s.node, s.suite, s.dir, s.daemons))
            diffs.append(Difference(node, f"{s.suite} daemons", ", ".join(s.daemons),
                                    f"{found[1]} not running",
                                    "it died (it exited or was killed); the others are "
                                    "restarted with it"))
    extra, extra_diffs = _extras(steps, r, quiet)
    return have + extra, diffs + extra_diffs, stop


def _namespace_gone(node: str, ns: str, r: _Reader) -> Difference:
    now = r.inodes.get(ns)
    if now is None:
        return Difference(node, "namespace", ns, "missing",
                          f"deleted by hand (ip netns del {ns}) or by another program")
    return Difference(node, "namespace", f"{ns} (inode {r.rec.namespaces.get(ns)})",
                      f"another namespace (inode {now})",
                      "deleted, and another one made with its name: nslab leaves it alone",
                      ("ns", ns))


Found = bool | tuple[str, str] | Difference


def _satisfied(s: Step, v: NamespaceView, r: _Reader) -> Found:
    """Whether the kernel holds what `s` makes: True, a difference, or (for a
    router's daemons) the ones that died."""
    node = r.node.get(getattr(s, "ns", ""), "")
    if isinstance(s, LINK_STEPS):
        return _on_link(s, v, r, node)
    match s:
        case AddRoute():
            return _route(s, v, r, node)
        case LoadNftRuleset():
            return _nft(s, v, r, node)
        case StartService():
            return _service(s, v, r, node)
        case StartDaemons():
            return _daemons(s, v, r, node)
        case SetWire():
            return _wire(s, r, node)
        case StartWire():
            return _relay(s, r, node)
        case SetSysctl() | RunCommand() | SetNeighbourLimits():
            return True  # commands and settings that leave nothing to read back
        case (AddNamespace() | WriteFile() | DelRoute() | RemoveNamespace() | StopService()
              | StopDaemons() | ReloadDaemons() | RemoveFile() | ClearWire()):
            # compared before (namespaces, files), or changes that are never part of a
            # lab's plan: one here is a bug, not something the kernel satisfies
            raise AssertionError(f"check cannot compare a {type(s).__name__} step")
        case _:
            assert_never(s)


def _on_link(s: LinkStep, v: NamespaceView, r: _Reader, node: str) -> Found:
    match s:
        case AddVeth():
            return _veth(s, v, r, node)
        case AddBridge():
            return _bridge(s, v, r, node)
        case AddVxlan():
            return _vxlan(s, v, r, node)
        case SetMaster():
            return _master(s, v, r, node)
        case SetMtu():
            return _mtu(s, v, r, node)
        case SetLinkUp():
            return _up(s, v, r, node)
        case AddAddress():
            return _address(s, v, r, node)
        case SetRate() | SetNetem():
            return _qdisc(s, v, r, node)
        case ClearRate() | SetLinkDown() | DelLink() | DelAddress():
            raise AssertionError(f"check cannot compare a {type(s).__name__} step")
        case _:
            assert_never(s)


def _where(r: _Reader, ns: str | None) -> str:
    """A namespace as the lab calls it: its node, or the machine (None)."""
    return "the machine" if ns is None else r.node.get(ns, ns)


def _veth(s: AddVeth, v: NamespaceView, r: _Reader, node: str) -> Found:
    link = v.links.get(s.name)
    peer_view = r.machine if s.peer_ns is None else r.views.get(s.peer_ns)
    peer = peer_view.links.get(s.peer_name) if peer_view else None
    if link is not None and peer is not None and v.peers.get(s.name) == peer.index:
        return True
    other = f"{_where(r, s.peer_ns)}:{s.peer_name}"
    want = f"a veth to {other}"
    if link is None and peer is None:
        return Difference(node, f"link {s.name}", want, "missing",
                          f"deleted by hand (ip link del {s.name}), or its other end was")
    if link is None:  # one end of a veth cannot go alone
        return Difference(node, f"link {s.name}", want, f"missing, and {other} "
                          "is another link", "moved into another namespace, or "
                          "replaced by someone else's link: nslab leaves it alone",
                          ("link", s.ns, s.name))
    return Difference(node, f"link {s.name}", want, f"another {link.kind} link",
                      "made by someone else with the lab's name: nslab leaves it alone",
                      ("link", s.ns, s.name))


def _bridge(s: AddBridge, v: NamespaceView, r: _Reader, node: str) -> Found:
    return True if s.name in v.links else Difference(
        node, f"bridge {s.name}", "there", "missing",
        f"deleted by hand (ip link del {s.name})")


def _vxlan(s: AddVxlan, v: NamespaceView, r: _Reader, node: str) -> Found:
    link = v.links.get(s.name)
    if link is not None and link.kind == "vxlan":
        return True
    return Difference(node, f"link {s.name}", "a VXLAN to another machine",
                      "missing" if link is None else f"a {link.kind} link",
                      f"deleted or replaced by hand (ip link del {s.name})")


def _master(s: SetMaster, v: NamespaceView, r: _Reader, node: str) -> Found:
    link = v.links.get(s.name)
    if link is None or link.master == s.master:
        return link is not None
    return Difference(node, f"link {s.name}", f"a port of {s.master}",
                      f"master {link.master or 'none'}",
                      f"changed by hand (ip link set {s.name} nomaster)")


def _mtu(s: SetMtu, v: NamespaceView, r: _Reader, node: str) -> Found:
    link = v.links.get(s.name)
    if link is None or link.mtu == s.mtu:
        return link is not None
    return Difference(node, f"link {s.name}", f"mtu {s.mtu}", f"mtu {link.mtu}",
                      f"changed by hand (ip link set {s.name} mtu {link.mtu})")


def _up(s: SetLinkUp, v: NamespaceView, r: _Reader, node: str) -> Found:
    link = v.links.get(s.name)
    if link is None or link.up:
        return link is not None
    return Difference(node, f"link {s.name}", "up", "down",
                      f"set down by hand (ip link set {s.name} down)")


def _address(s: AddAddress, v: NamespaceView, r: _Reader, node: str) -> Found:
    return (s.dev, str(s.address)) in v.addresses or Difference(
        node, f"address {s.address}", f"on {s.dev}", "missing",
        f"deleted or changed by hand (ip addr del {s.address} dev {s.dev})"
        if s.dev in v.links else f"its link {s.dev} is missing")


def _qdisc(s: SetRate | SetNetem, v: NamespaceView, r: _Reader, node: str) -> Found:
    kind = "tbf" if isinstance(s, SetRate) else "netem"
    found = v.qdiscs.get(s.name)
    if found != kind:
        return Difference(node, f"qdisc of {s.name}", kind, found or "none",
                          f"changed by hand (tc qdisc del dev {s.name} root)"
                          if s.name in v.links else f"its link {s.name} is missing")
    rate = v.rates.get(s.name)
    if isinstance(s, SetRate) and rate is not None and not _near(rate, s.rate_bps):
        return Difference(node, f"qdisc of {s.name}", f"tbf rate {bits_text(s.rate_bps)}",
                          f"tbf rate {bits_text(rate)}", f"changed by hand (tc qdisc "
                          f"change dev {s.name} root tbf rate ...)")
    return True


def _route(s: AddRoute, v: NamespaceView, r: _Reader, node: str) -> Found:
    hops = v.routes.get(str(s.dst))
    if hops is not None and _same_hops(s.nexthops, hops):
        return True
    devs = [h.dev for h in s.nexthops if h.dev]
    down = [d for d in devs if d in v.links and not v.links[d].up]
    cause = (f"the kernel dropped it when {down[0]} went down" if down else
             "deleted by hand (ip route del)" if hops is None else "changed by hand "
             "(ip route replace)")
    return Difference(node, f"route {s.dst}", _hops_text(s.nexthops),
                      "missing" if hops is None else _hops_text(hops), cause)


def _nft(s: LoadNftRuleset, v: NamespaceView, r: _Reader, node: str) -> Found:
    wanted = set(tables(s.text))
    missing = sorted(wanted - v.tables)
    if missing:
        return Difference(node, f"nftables table {missing[0]}", "loaded", "missing",
                          "deleted by hand (nft flush ruleset)")
    for table, count in sorted(rule_counts(s.text).items()):
        have = v.rules.get(table, 0)
        if have != count:
            return Difference(node, f"nftables table {table}", f"{count} rule(s)",
                              f"{have} rule(s)", "rules "
                              f"{'deleted' if have < count else 'added'} by hand "
                              f"(nft {'delete' if have < count else 'add'} rule ...)")
    return True


def _service(s: StartService, v: NamespaceView, r: _Reader, node: str) -> Found:
    pids = [int(e["pid"]) for e in r.rec.services
            if e.get("node") == s.node and e.get("name") == s.name]
    return (bool(pids) and r.alive(s.ns, pids[-1])) or Difference(
        node, f"service {s.name}", "running", "not running",
        "the process died (it exited or was killed)")


def _wire(s: SetWire, r: _Reader, node: str) -> Found:
    text = r.k.read_text(s.path)
    if text is not None and text == json.dumps(s.config()):
        return True
    return Difference(node, f"the wire of {s.end}", f"{s.path} as nslab wrote it",
                      "missing" if text is None else "changed",
                      "removed or edited by hand")


def _relay(s: StartWire, r: _Reader, node: str) -> Found:
    pids = [int(e["pid"]) for e in r.rec.services
            if e.get("node") == WIRE_NODE and e.get("name") == RELAY]
    if pids and r.alive(s.ns, pids[-1]) and r.k.ask_wire(s.dir, "stats") is not None:
        return True
    return Difference(node, "the wire's relay", "running", "not running",
                      "it exited or was killed; the delayed links pass nothing")


def _daemons(s: StartDaemons, v: NamespaceView, r: _Reader, node: str) -> Found:
    names = suite(s.suite).processes(s.daemons)
    alive = [d for d in names if _daemon_alive(s.dir, d, s.ns, r)]
    if len(alive) == len(names):
        return True
    if alive:
        return ("partial", ", ".join(d for d in names if d not in alive))
    return Difference(node, f"{s.suite} daemons", ", ".join(names), "none running",
                      "the daemons died (they exited or were killed)")


def _near(have: float, want: float) -> bool:
    """A rate as the kernel keeps it (bytes per second, whole) against the file's."""
    return abs(have - want) <= max(8.0, want * 0.01)


def _daemon_alive(folder: str, daemon: str, ns: str, r: _Reader) -> bool:
    text = (r.k.read_text(f"{folder}/{daemon}.pid") or "").strip()
    return text.isdigit() and r.alive(ns, int(text))


def _same_hops(want: tuple[Nexthop, ...], have: tuple[Any, ...]) -> bool:
    if len(want) != len(have):
        return False
    got = sorted((h.gateway or "", h.dev or "") for h in have)
    need = sorted((str(h.via) if h.via is not None else "", h.dev or "") for h in want)
    return all(g[0] == n[0] and (not n[1] or g[1] == n[1]) for g, n in zip(got, need,
                                                                            strict=True))


def _hops_text(hops: tuple[Any, ...]) -> str:
    out = []
    for h in hops:
        via = getattr(h, "via", None) or getattr(h, "gateway", None)
        out.append(" ".join(x for x in (f"via {via}" if via else "",
                                        f"dev {h.dev}" if h.dev else "") if x))
    return ", ".join(out) or "direct"


# the devices a tunnel module puts into every namespace
FALLBACK = {"sit0", "ip6tnl0", "tunl0", "gre0", "gretap0", "erspan0", "ip_vti0", "ip6_vti0",
            "ip6gre0", "ip6erspan0"}


def _extras(steps: tuple[Step, ...], r: _Reader, quiet: set[str]
            ) -> tuple[list[Step], list[Difference]]:
    """Addresses and routes the kernel holds beyond the plan (as steps), and
    links nobody asked for."""
    out: list[Step] = []
    diffs: list[Difference] = []
    per_ns: dict[str, list[Step]] = {}
    names_in: dict[str, set[str]] = {}
    for s in steps:
        ns_of = getattr(s, "ns", None)
        if isinstance(ns_of, str):
            per_ns.setdefault(ns_of, []).append(s)
            if isinstance(name_of := getattr(s, "name", None), str):
                names_in.setdefault(ns_of, set()).add(name_of)
        if isinstance(s, AddVeth) and s.peer_ns is not None:
            names_in.setdefault(s.peer_ns, set()).add(s.peer_name)
    for ns, v in r.views.items():
        if v is None:
            continue
        node = r.node.get(ns, ns)
        mine = per_ns.get(ns, [])
        addrs = {(s.dev, str(s.address)) for s in mine if isinstance(s, AddAddress)}
        for dev, addr in sorted(v.addresses - addrs):
            if ip_interface(addr).is_link_local:
                continue
            out.append(AddAddress(ns, dev, ip_interface(addr)))
            diffs.append(Difference(node, f"address {addr}", "not in the file", f"on {dev}",
                                    f"added by hand (ip addr add {addr} dev {dev})"))
        dsts = {str(s.dst) for s in mine if isinstance(s, AddRoute)}
        for dst, hops in sorted(v.routes.items()):
            if dst in dsts or ns in quiet:
                continue
            out.append(AddRoute(ns, ip_network(dst), tuple(
                Nexthop(ip_address(h.gateway) if h.gateway else None, h.dev) for h in hops)))
            diffs.append(Difference(node, f"route {dst}", "not in the file", _hops_text(hops),
                                    "added by hand (ip route add)"))
        names = names_in.get(ns, set())
        for name, link in sorted(v.links.items()):
            if name not in names and link.kind != "loopback" and name not in FALLBACK:
                diffs.append(Difference(node, f"link {name}", "not in the file",
                                        f"a {link.kind} link", "added by hand; left alone "
                                        "(it goes with the namespace at down)",
                                        ("link", ns, name)))
    return out, diffs


