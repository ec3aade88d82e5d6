"""Computed routes (`routing: auto`). Pure.

Every node gets a route to every subnet of the lab it is not attached to (a
plain router's loopback is one, on that router alone), along a shortest path
counted in router hops; equal-cost first hops become one
multipath route (over an IPv6-only link, an IPv4 route goes through the next
router's IPv6 address: `via inet6`). Only routers carry transit traffic. A
host also gets a default route via the first router on its segments; the
specific routes that would go the same way as the default are left out, so a
plain host shows just its default route, as a person would set it up.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from dataclasses import dataclass

from nslab.model.lab import IPInterface, IPNetwork, Nexthop, Route


@dataclass(frozen=True)
class Attachment:
    node: str
    ifname: str
    addresses: tuple[IPInterface, ...]


@dataclass(frozen=True)
class RoutedSegment:
    subnets: tuple[IPNetwork, ...]
    attached: tuple[Attachment, ...]


def _address(att: Attachment, version: int) -> IPInterface | None:
    for a in att.addresses:
        if a.version == version:
            return a
    return None


def _distances(segments: list[RoutedSegment], routers: set[str], on: dict[str, list[int]],
               target: int) -> dict[str, int]:
    """Router hops from each router to segment `target` (0 when attached);
    `on`: the segments each router is on."""
    dist: dict[str, int] = {}
    queue: deque[str] = deque()
    for att in segments[target].attached:
        if att.node in routers and att.node not in dist:
            dist[att.node] = 0
            queue.append(att.node)
    seen_segments = {target}
    while queue:
        r = queue.popleft()
        for s in on.get(r, []):
            if s in seen_segments:
                continue
            seen_segments.add(s)
            for att in segments[s].attached:
                if att.node in routers and att.node not in dist:
                    dist[att.node] = dist[r] + 1
                    queue.append(att.node)
    return dist


def compute(segments: list[RoutedSegment], nodes: list[str],
            routers: set[str]) -> dict[str, list[Route]]:
    routes: dict[str, list[Route]] = {n: [] for n in nodes}
    mine: dict[str, list[int]] = {n: [] for n in nodes}
    for s, seg in enumerate(segments):
        for att in seg.attached:
            mine[att.node].append(s)
    defaults = _defaults(segments, nodes, routers, mine)
    on: dict[str, list[int]] = {}
    for s, seg in enumerate(segments):
        for att in seg.attached:
            if att.node in routers:
                on.setdefault(att.node, []).append(s)
    gateways: dict[tuple[str, int], list[tuple[str, Nexthop]]] = {}
    # one tuple per node and set of gateways picked: a thousand routers share few
    hop_sets: dict[tuple[str, int], dict[tuple[int, ...], tuple[Nexthop, ...]]] = {}
    for target, seg in enumerate(segments):
        if not seg.subnets or not on:
            continue
        dist = _distances(segments, routers, on, target)
        # only a neighbour of a router that reaches the target can get a route to it
        near = {att.node for r in dist for s in on[r] for att in segments[s].attached}
        for n in near:
            if target in mine[n]:
                continue
            for subnet in seg.subnets:
                key = (n, subnet.version)
                if key not in gateways:
                    gateways[key] = _gateways(segments, mine[n], n, routers, subnet.version)
                    hop_sets[key] = {}
                hops = _hops(gateways[key], dist, hop_sets[key])
                if hops and defaults.get(key) != hops:
                    routes[n].append(Route(subnet, hops, "auto"))
    for (n, version), hops in defaults.items():
        dst = ipaddress.ip_network("0.0.0.0/0" if version == 4 else "::/0")
        routes[n].append(Route(dst, hops, "auto"))
    return routes


def _hops(gws: list[tuple[str, Nexthop]], dist: dict[str, int],
          known: dict[tuple[int, ...], tuple[Nexthop, ...]]) -> tuple[Nexthop, ...]:
    """The next hops through the closest gateways (one tuple per set picked)."""
    picked = _closest(gws, dist)
    hops = known.get(picked)
    if hops is None:
        hops = known[picked] = tuple(gws[i][1] for i in picked)
    return hops


def _defaults(segments: list[RoutedSegment], nodes: list[str], routers: set[str],
              mine: dict[str, list[int]]) -> dict[tuple[str, int], tuple[Nexthop, ...]]:
    """Each host's default route, per family: through the first router on its
    first segment that has one."""
    defaults: dict[tuple[str, int], tuple[Nexthop, ...]] = {}
    for n in nodes:
        if n in routers:
            continue
        for version in (4, 6):
            for s in mine[n]:
                gw = next((a for a in segments[s].attached if a.node in routers
                           and _address(a, version) is not None
                           and _own(segments[s], n, version) is not None), None)
                if gw is not None:
                    own = _own(segments[s], n, version)
                    addr = _address(gw, version)
                    assert own is not None and addr is not None
                    defaults[(n, version)] = (Nexthop(addr.ip, own.ifname),)
                    break
    return defaults


def _own(seg: RoutedSegment, node: str, version: int) -> Attachment | None:
    for a in seg.attached:
        if a.node == node and _address(a, version) is not None:
            return a
    return None


def _gateways(segments: list[RoutedSegment], attached_to: list[int], node: str,
              routers: set[str], version: int) -> list[tuple[str, Nexthop]]:
    """The routers a node can hand a packet to, each with the hop it takes, in
    the order a multipath route lists them (by device, then address)."""
    out: dict[Nexthop, str] = {}
    for s in attached_to:
        seg = segments[s]
        if not seg.subnets:  # unnumbered: between routers with daemons, whose computed
            # routes are what they are expected to learn (the daemons pick the next hop)
            mine = next(a for a in seg.attached if a.node == node)
            for gw in seg.attached:
                if gw.node != node and gw.node in routers:
                    out.setdefault(Nexthop(None, mine.ifname), gw.node)
            continue
        via = version
        if version == 4 and not any(n.version == 4 for n in seg.subnets):
            via = 6  # an IPv6-only link: IPv4 through IPv6 next hops (via inet6)
        own = _own(seg, node, via)
        if own is None:
            continue
        for gw in seg.attached:
            addr = _address(gw, via)
            if gw.node != node and gw.node in routers and addr is not None:
                out.setdefault(Nexthop(addr.ip, own.ifname), gw.node)
    return sorted(((g, h) for h, g in out.items()),
                  key=lambda gh: (str(gh[1].dev), int(gh[1].via or 0)))


def _closest(gateways: list[tuple[str, Nexthop]], dist: dict[str, int]) -> tuple[int, ...]:
    """Which gateways are closest to the target (all of them: ECMP), by position."""
    best: int | None = None
    picked: tuple[int, ...] = ()
    for i, (g, _) in enumerate(gateways):
        cost = dist.get(g)
        if cost is None:
            continue
        if best is None or cost < best:
            best, picked = cost, (i,)
        elif cost == best:
            picked += (i,)
    return picked
