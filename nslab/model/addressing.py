"""Subnets and addresses: explicit ones are kept, open ones come from the pools.

Pure. Every segment with layer-3 members gets one IPv4 subnet (and one IPv6 /64
when the lab has IPv6), but an IPv6-only one (a link's ipv4: false) and an
unnumbered one (neither). A subnet is explicit when the file writes an address
of that family on one of the segment's links; otherwise it is the next free,
aligned block of the pool, in the order the segments first appear in the file.
Within a subnet routers come first, then hosts, in file order: a router on a
LAN gets the first address (.1), the gateway people expect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv4Network, IPv6Interface, IPv6Network

from nslab.errors import Problem
from nslab.model.lab import IPInterface, IPNetwork

Member = tuple[int, int]  # (link index, end index)


@dataclass
class SegmentRequest:
    members: list[Member]
    routers: set[Member]
    explicit: dict[Member, list[IPInterface]]  # at most one of each family
    ipv4: bool = True  # False: an IPv6-only segment (no IPv4 subnet)


@dataclass
class Assignment:
    subnets4: list[IPv4Network | None] = field(default_factory=list)
    subnets6: list[IPv6Network | None] = field(default_factory=list)
    addresses: dict[Member, list[IPInterface]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    loopbacks: list[IPv4Interface] = field(default_factory=list)
    loopbacks6: list[IPv6Interface] = field(default_factory=list)


def _where(m: Member) -> tuple[str | int, ...]:
    return ("links", m[0], "addresses", m[1])


def _prefix_for(count: int) -> int:
    """Smallest IPv4 prefix whose subnet holds `count` hosts (at least a /30)."""
    prefix = 30
    while prefix > 0 and (1 << (32 - prefix)) - 2 < count:
        prefix -= 1
    return prefix


class _Pool:
    """Hands out aligned subnets of a pool, in order, avoiding reserved ones."""

    def __init__(self, pool: IPNetwork, reserved: list[IPNetwork]) -> None:
        self.pool = pool
        self.reserved = reserved
        self.next = int(pool.network_address)

    def take(self, prefix: int) -> IPNetwork | None:
        size = 1 << (self.pool.max_prefixlen - prefix)
        end = int(self.pool.broadcast_address) + 1
        start = -(-self.next // size) * size
        while start + size <= end:
            net = type(self.pool)((start, prefix))  # never ip_network(int): 1 would be IPv4
            clash = [r for r in self.reserved if r.overlaps(net)]
            if not clash:
                self.next = start + size
                return net
            start = max(int(c.broadcast_address) + 1 for c in clash)
            start = -(-start // size) * size
        return None


def _host_range(net: IPNetwork) -> range:
    """The usable addresses of `net`, as integers, lowest first (integers:
    making an address object per candidate made large labs slow)."""
    first = int(net.network_address)
    last = first + (1 << (net.max_prefixlen - net.prefixlen)) - 1
    if net.version == 4 and net.prefixlen < 31:
        return range(first + 1, last)  # not the network, nor the broadcast address
    return range(first + 1 if net.version == 6 else first, last + 1)


def _from_the_top(pool: _Pool, reserved: list[IPNetwork], count: int) -> list[IPv4Interface]:
    """`count` /32s from the top of the pool down (its last address left out),
    above what the links took: a link added to a lab does not move a router's
    loopback (its router ID), as it would if they came after the links."""
    out = []
    addr = int(pool.pool.broadcast_address) - 1
    for _ in range(count):
        while addr >= pool.next and any(
                int(r.network_address) <= addr <= int(r.broadcast_address) for r in reserved):
            addr -= 1
        if addr < pool.next:
            break
        out.append(IPv4Interface((addr, 32)))
        addr -= 1
    return out


def _from_the_top6(pool: _Pool, reserved: list[IPNetwork], count: int) -> list[IPv6Interface]:
    """`count` /128s from the IPv6 pool's last /64 (::1 up), when the links left
    it free: as the IPv4 ones, a link added later does not move them."""
    if pool.pool.prefixlen > 63:
        return []
    top = int(pool.pool.broadcast_address) - (1 << 64) + 1
    if top < pool.next:
        return []
    out = []
    addr = top + 1
    for _ in range(count):
        while any(int(r.network_address) <= addr <= int(r.broadcast_address) for r in reserved):
            addr += 1
        out.append(IPv6Interface((addr, 128)))
        addr += 1
    return out


def assign(requests: list[SegmentRequest], pool4: IPv4Network,
           pool6: IPv6Network | None, loopbacks: int = 0,
           taken: tuple[IPNetwork, ...] = (), loopbacks6: int = 0) -> Assignment:
    """Subnets and addresses for the segments, then `loopbacks` /32s from what
    the IPv4 pool has left (clear of `taken`, the loopbacks the file gives),
    and `loopbacks6` /128s from the IPv6 pool's last /64."""
    out = Assignment()
    seen: dict[tuple[int, int], Member] = {}  # (family, address) -> its end
    explicit_nets = {s: _explicit(req, seen, out) for s, req in enumerate(requests)}
    reserved = [n for nets in explicit_nets.values() for n in nets.values()]
    _no_overlap(reserved, out)
    pools: dict[int, _Pool] = {4: _Pool(pool4, reserved)}
    if pool6 is not None:
        pools[6] = _Pool(pool6, reserved)
    families = [4, 6] if pool6 is not None or any(6 in n for n in explicit_nets.values()) else [4]
    full: dict[int, int] = {}  # family -> subnets the pool had no room for
    for s, req in enumerate(requests):
        subnet: dict[int, IPNetwork | None] = {4: None, 6: None}
        for fam in families if req.members else []:
            if fam == 4 and not req.ipv4:
                continue
            net = explicit_nets[s].get(fam)
            if net is None and fam in pools:
                net = pools[fam].take(_prefix_for(len(req.members)) if fam == 4 else 64)
                full[fam] = full.get(fam, 0) + (net is None)
            if net is not None:
                subnet[fam] = net
                _addresses_in(net, fam, req, seen, out)
        s4, s6 = subnet[4], subnet[6]
        out.subnets4.append(s4 if isinstance(s4, IPv4Network) else None)
        out.subnets6.append(s6 if isinstance(s6, IPv6Network) else None)
    if loopbacks:
        out.loopbacks = _from_the_top(pools[4], [*pools[4].reserved, *taken], loopbacks)
        if len(out.loopbacks) < loopbacks:
            full[4] = full.get(4, 0) + 1
    if loopbacks6 and 6 in pools:  # none when the links left no /64: as before they came
        out.loopbacks6 = _from_the_top6(pools[6], [*pools[6].reserved, *taken], loopbacks6)
    for fam, count in full.items():  # said once, with the count
        if count:
            out.problems.append(Problem(("addressing",), f"the IPv{fam} pool "
                                        f"{pools[fam].pool} has no room left for {count} more "
                                        "subnets", "give a larger pool"))
    return out


def _explicit(req: SegmentRequest, seen: dict[tuple[int, int], Member], out: Assignment
              ) -> dict[int, IPNetwork]:
    """The subnets a segment's explicit addresses give it, by family; each
    address claimed (a second claim is a problem)."""
    nets: dict[int, IPNetwork] = {}
    for m, given in ((m, a) for m, addrs in req.explicit.items() for a in addrs):
        key = (given.version, int(given.ip))
        if key in seen:
            out.problems.append(Problem(_where(m), f"address {given.ip} is used twice",
                                        "every address must be unique in a lab"))
        seen[key] = m
        known = given.network
        if given.version == 4 and known.prefixlen < 31 and given.ip in (
                known.network_address, known.broadcast_address):
            out.problems.append(Problem(_where(m), f"{given} is the network or broadcast "
                                        f"address of {known}", "pick a host address"))
        have = nets.get(given.version)
        if have is None:
            nets[given.version] = known
        elif have != known:
            out.problems.append(Problem(_where(m), f"{given} is outside {have}, the subnet "
                                        "this segment already has",
                                        "addresses on one link or switch share a subnet"))
    return nets


def _no_overlap(reserved: list[IPNetwork], out: Assignment) -> None:
    for i, a in enumerate(reserved):
        for b in reserved[i + 1:]:
            if a != b and a.overlaps(b):
                out.problems.append(Problem(("links",), f"subnets {a} and {b} overlap",
                                            "two segments cannot share addresses"))


def _addresses_in(net: IPNetwork, fam: int, req: SegmentRequest,
                  seen: dict[tuple[int, int], Member], out: Assignment) -> None:
    """Each member's address of family `fam` in `net`: its explicit one, else
    the next free host address (routers first, then in order)."""
    iface = IPv4Interface if fam == 4 else IPv6Interface
    free = (iface((a, net.prefixlen)) for a in _host_range(net) if (fam, a) not in seen)
    for m in sorted(req.members, key=lambda m: (m not in req.routers, m)):
        mine = next((a for a in req.explicit.get(m, ()) if a.version == fam), None)
        if mine is not None:
            out.addresses.setdefault(m, []).append(mine)
            continue
        addr = next(free, None)
        if addr is None:
            out.problems.append(Problem(_where(m), f"subnet {net} has no free address "
                                        "left for this end", "use a shorter prefix"))
            break
        seen[(fam, int(addr))] = m
        out.addresses.setdefault(m, []).append(addr)
