"""Follow a packet the way the kernel would: ask each namespace's FIB which
route it takes (`ip route get`, in-process, with the arriving interface for
forwarded hops, so forwarding and reverse-path checks are the kernel's own),
cross the veth or bridge to the namespace that holds the next hop, and go on;
stop at the first thing that stops the packet and say why in a sentence.

It reads state only (routes, links, addresses, sysctls); it sends nothing.
Firewall rules are nslab.kernel.trace's part.
"""

from __future__ import annotations

import errno
import os
from collections import deque
from dataclasses import dataclass
from ipaddress import ip_address, ip_network

from nslab.kernel import netns, netstate, sysctl
from nslab.kernel.inspect import Reader
from nslab.records import observed as ob
from nslab.records import verdicts as vd

MAX_HOPS = 64


Trail = tuple[tuple[int, str], ...]  # the bridges passed: (namespace, bridge), in order


@dataclass(frozen=True)
class Leave:
    """The packet leaves this machine (a lab across machines) through one of
    these ends of links between machines ("node:iface"), for `target`, its
    next hop on the far side; `bridges`: passed on the way here."""

    ends: tuple[str, ...]
    target: str
    bridges: Trail


class Walker:
    def __init__(self, reader: Reader, nodes: dict[int, str] | None = None,
                 remote: dict[tuple[int, str], str] | None = None) -> None:
        self.r = reader
        self.nodes = nodes or {}  # inode -> lab node name
        self.remote = remote or {}  # (inode, iface) -> "node:iface": a link to another machine
        self.left: Leave | None = None  # where the last walk left this machine

    # ------------------------------------------------------------ helpers
    def _name(self, ino: int) -> str:
        node = self.nodes.get(ino)
        return f"node {node}" if node else f"namespace {self.r.label(ino)}"

    def _link(self, ino: int, index: int) -> ob.Interface | None:
        return next((x.record for x in self.r.links(ino) if x.record.index == index), None)

    def _holds(self, ino: int, index: int, address: str) -> bool:
        link = self._link(ino, index)
        return link is not None and any(
            a.interface == link.name and ip_address(a.address) == ip_address(address)
            for a in self.r.addresses(ino))

    def _sysctl(self, ino: int, path: str) -> int | None:
        with netns.entered(self.r.fd(ino)):
            return sysctl.number(path)

    def _down(self, ino: int, link: ob.Interface) -> str | None:
        if not link.up:
            return f"{link.name} of {self._name(ino)} is down (ip link set {link.name} up)"
        if link.state not in ("up", "unknown"):
            return f"{link.name} of {self._name(ino)} has no carrier (state {link.state}: " \
                   "its other end is down)"
        return None

    def across(self, ino: int, out: ob.Interface,
               target: str) -> tuple[int, int, Trail] | Leave | str:
        """From interface `out` of `ino`, the (namespace, interface) on the same
        layer-2 segment that holds `target`, with the bridges passed on the way
        ((namespace, bridge) in order); where it leaves this machine; or why
        there is none."""
        start: list[tuple[int, int, Trail]] = []
        if out.kind == "bridge":
            start = [(ino, x.record.index, ((ino, out.name),)) for x in self.r.links(ino)
                     if x.record.master == out.name]
        else:
            far = self.r.peer_of(ino, out.index)
            if far is None:
                end = self.remote.get((ino, out.name))
                if end is not None:
                    return Leave((end,), target, ())
                return (f"{out.name} of {self._name(ino)} is a {out.kind} link nslab cannot "
                        "follow")
            if self._holds(*far, target):
                return far[0], far[1], ()
            far_link = self._link(*far)
            if far_link is not None:
                why = self._down(far[0], far_link)
                if why:
                    return why
            start = [(far[0], far[1], ())]
        return self._segment(start, target, f"{out.name} of {self._name(ino)}")

    def enter(self, ino: int, index: int, target: str) -> tuple[int, int, Trail] | Leave | str:
        """A packet for `target` arriving from another machine at interface
        `index` of `ino` (its end of a link between machines): as across."""
        if self._holds(ino, index, target):
            return ino, index, ()
        link = self._link(ino, index)
        if link is None:
            return f"interface {index} of {self._name(ino)} is gone"
        return self._segment([(ino, index, ())], target, f"{link.name} of {self._name(ino)}",
                             came=self.remote.get((ino, link.name)))

    def _segment(self, start: list[tuple[int, int, Trail]], target: str, behind: str,
                 came: str | None = None) -> tuple[int, int, Trail] | Leave | str:
        """Search the segment from `start` (bridges and veths) for `target`;
        the ends that lead to other machines (not `came`, where it came from)
        are where it goes when nothing here holds it."""
        seen: set[tuple[int, int]] = set()
        leaving: list[tuple[str, Trail]] = []
        todo = deque(start)
        while todo:
            ns, idx, trail = todo.popleft()
            if (ns, idx) in seen:
                continue
            seen.add((ns, idx))
            link = self._link(ns, idx)
            if link is None:
                continue
            end = self.remote.get((ns, link.name))
            if end is not None and end != came:
                leaving.append((end, trail))
            if link.master is not None:  # a bridge port: the bridge, then its other ports
                here = trail if (ns, link.master) in trail else (*trail, (ns, link.master))
                bridge = next((x.record for x in self.r.links(ns)
                               if x.record.name == link.master), None)
                if bridge is not None and self._holds(ns, bridge.index, target):
                    return ns, bridge.index, here
                for x in self.r.links(ns):
                    if x.record.master == link.master and (ns, x.record.index) not in seen \
                            and self._down(ns, x.record) is None:
                        todo.append((ns, x.record.index, here))
            far = self.r.peer_of(ns, idx)
            if far is not None and far not in seen:
                if self._holds(*far, target):
                    return far[0], far[1], trail if link.master is None else here
                todo.append((far[0], far[1], trail if link.master is None else here))
        if leaving:
            return Leave(tuple(e for e, _ in leaving), target, leaving[0][1])
        return (f"nothing on the segment behind {behind} holds {target}, so its ARP/NDP "
                "request is never answered")

    # ------------------------------------------------------------ the walk
    def walk(self, src: int, src_addr: str | None, dst: str, iif: int | None = None) -> vd.Path:
        """The path from `src` to `dst` (`iif`: the packet comes in there, from
        another machine); where it leaves this machine, in self.left."""
        hops: list[vd.Hop] = []
        cur: int = src
        self.left = None
        family = ip_address(dst).version
        for _ in range(MAX_HOPS):
            came = self._link(cur, iif) if iif is not None else None
            iname = came.name if came is not None else None
            try:
                look = netstate.route_get(self.r.sock(cur), dst, src_addr if iif else None,
                                          iif)
            except OSError as e:
                off = self._forwarding_off(cur, iname, family) if iif is not None else None
                return self._stop(src, src_addr, dst, hops, cur, iname, off or self._lookup_error(
                    cur, iname, dst, src_addr, e))
            where = self._name(cur)
            if look.type == "local":
                hops.append(vd.Hop(self.r.label(cur), self.nodes.get(cur), iname, None, None,
                                   f"{dst} is local (table {look.table})"))
                return vd.Path(self._start(src), src_addr, dst, True, tuple(hops), None,
                               None)
            if look.type != "unicast":
                return self._stop(src, src_addr, dst, hops, cur, iname,
                                  f"{where} has a {look.type} route for {dst} "
                                  f"(table {look.table})")
            off = self._forwarding_off(cur, iname, family) if iif is not None else None
            if off:
                return self._stop(src, src_addr, dst, hops, cur, iname, off)
            out = self._link(cur, look.oif or 0)
            if out is None:
                return self._stop(src, src_addr, dst, hops, cur, iname,
                                  f"{where} routes {dst} to an interface that is gone "
                                  f"(index {look.oif})")
            nexthop = look.gateway or dst
            # a gateway of the other family as `ip route` says it (via inet6 fe80::1)
            six = look.gateway is not None and ":" in look.gateway
            other = "" if six == (":" in dst) else "inet6 " if six else "inet "
            route = f"{dst} via {other}{look.gateway} dev {out.name}" if look.gateway else \
                f"{dst} dev {out.name}"
            hops.append(vd.Hop(self.r.label(cur), self.nodes.get(cur), iname, out.name,
                               nexthop, f"{route} (table {look.table})"))
            why = self._down(cur, out)
            if why:
                return self._stop(src, src_addr, dst, hops, cur, iname, why, keep=True)
            nxt = self.across(cur, out, nexthop)
            if isinstance(nxt, str):
                return self._stop(src, src_addr, dst, hops, cur, iname, nxt, keep=True)
            if src_addr is None:
                src_addr = look.prefsrc
            if isinstance(nxt, Leave):
                self.left = nxt
                self.bridged(hops, nxt.bridges)
                return vd.Path(self._start(src), src_addr, dst, False, tuple(hops),
                               f"it leaves this machine through {', '.join(nxt.ends)}",
                               self.nodes.get(cur) or self.r.label(cur))
            cur, iif, bridges = nxt
            self.bridged(hops, bridges)
        return self._stop(src, src_addr, dst, hops, cur, None,
                          f"more than {MAX_HOPS} hops: a routing loop (the same routers "
                          "over and over)")

    def bridged(self, hops: list[vd.Hop], bridges: Trail) -> None:
        """A hop for each bridge passed (a switch), in order."""
        for ns, bridge in bridges:
            hops.append(vd.Hop(self.r.label(ns), self.nodes.get(ns), None, None, None,
                               f"bridged by {bridge}"))

    def _forwarding_off(self, ino: int, iname: str | None, family: int) -> str | None:
        key = f"ipv4/conf/{iname}/forwarding" if family == 4 else "ipv6/conf/all/forwarding"
        if self._sysctl(ino, key) != 0:
            return None
        setting = "net.ipv4.ip_forward" if family == 4 else "net.ipv6.conf.all.forwarding"
        return (f"forwarding is off on {self._name(ino)} ({setting}=0), so it does not pass "
                "packets on")

    def _reverse_path(self, ino: int, iname: str | None, src: str | None) -> str | None:
        """Why the reverse-path filter drops a packet from `src` arriving on
        `iname`, or None when it does not apply."""
        if src is None or iname is None or ip_address(src).version != 4:
            return None
        mode = max(self._sysctl(ino, "ipv4/conf/all/rp_filter") or 0,
                   self._sysctl(ino, f"ipv4/conf/{iname}/rp_filter") or 0)
        if mode == 0:
            return None
        try:
            back = netstate.route_get(self.r.sock(ino), src)
        except OSError:
            back = None
        out = self._link(ino, back.oif) if back and back.oif else None
        if mode == 1 and out is not None and out.name == iname:
            return None
        way = f"through {out.name}" if out else "nowhere (no route back)"
        return (f"the reverse-path filter of {self._name(ino)} drops it: it arrives on "
                f"{iname} from {src}, but the route back to {src} leaves {way} "
                f"(rp_filter={mode}; set net.ipv4.conf.{iname}.rp_filter=2, or route {src} "
                f"back through {iname})")

    def _dropping_route(self, ino: int, dst: str) -> str | None:
        """Why a route drops packets to `dst` in `ino` (its best match in the main
        table is a blackhole, unreachable or prohibit route), or None."""
        try:
            names = {x.record.index: x.record.name for x in self.r.links(ino)}
            routes = netstate.routes(self.r.sock(ino), names)
            addr = ip_address(dst)
        except (OSError, ValueError):
            return None
        best: tuple[int, ob.Route] | None = None
        for r in routes:
            if r.table != "main" or r.family != addr.version:
                continue
            net = ip_network("::/0" if addr.version == 6 else "0.0.0.0/0") \
                if r.dst == "default" else ip_network(r.dst, strict=False)
            if addr in net and (best is None or net.prefixlen > best[0]):
                best = (net.prefixlen, r)
        if best is None or best[1].type not in ("blackhole", "unreachable", "prohibit"):
            return None
        r = best[1]
        by = f" (put there by {r.protocol})" if r.protocol not in ("boot", "static") else ""
        return f"{self._name(ino)} drops it: its best route to {dst} is {r.type} {r.dst}{by}"

    def _lookup_error(self, ino: int, iname: str | None, dst: str, src: str | None,
                      e: OSError) -> str:
        where = self._name(ino)
        if e.errno in (errno.EXDEV, errno.EINVAL):
            dropped = self._dropping_route(ino, dst)
            if dropped:
                return dropped
            rp = self._reverse_path(ino, iname, src)
            if rp:
                return rp
            return (f"{where} refuses a packet from {src} arriving on {iname} (a martian "
                    "source: an address it does not accept on that interface)")
        if e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return f"{where} has no route to {dst} (add one, or a default route)"
        return f"{where} cannot route {dst}: {os.strerror(e.errno or 0)}"

    def _stop(self, src: int, src_addr: str | None, dst: str, hops: list[vd.Hop], ino: int,
              iname: str | None, reason: str, keep: bool = False) -> vd.Path:
        if not keep:
            hops.append(vd.Hop(self.r.label(ino), self.nodes.get(ino), iname, None, None,
                               None))
        return vd.Path(self._start(src), src_addr, dst, False, tuple(hops), reason,
                       self.nodes.get(ino) or self.r.label(ino))

    def _start(self, ino: int) -> str:
        return self.nodes.get(ino) or self.r.label(ino)
