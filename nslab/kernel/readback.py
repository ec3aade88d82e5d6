"""One namespace read back (behind the seam: Kernel.read_namespace,
read_machine) for `check`, `status` and `gc`: links, addresses, the routes
people and nslab add, root qdiscs, nftables tables, forwarding (convergence
reads every route of the main table through an opened namespace's socket,
Kernel.read_routes); in-process (netlink and
nfnetlink from inside the namespace, no subprocess). `nslab inspect` reads
far more (sockets, processes, rules, sysctls) with its own Reader
(nslab.kernel.inspect), through the same decoders (nslab.kernel.netstate)."""

from __future__ import annotations

import os

from nslab.kernel import firewall, netns, netstate, sysctl
from nslab.kernel import netlink as nl
from nslab.records import observed as ob
from nslab.records.observed import NamespaceView

ADDED = {3, 4}  # route protocols of `ip route add` (boot, static), and nslab's
MAIN = 254


def read(name: str, tables: bool = True, qdiscs: bool = True,
         routes: bool = True) -> NamespaceView:
    """`tables`, `qdiscs`, `routes` (with forwarding): read those too (a lab
    node without nft rules or shaping need not: a third of the time on a big
    lab; status reads links and addresses alone)."""
    fd = netns.open_fd(name)
    try:
        with netns.entered(fd):
            return read_here(tables, qdiscs, routes)
    finally:
        os.close(fd)


def read_here(tables: bool = True, qdiscs: bool = True,
              routes: bool = True) -> NamespaceView:
    """The same of the namespace this thread is in (the machine, or one entered)."""
    found = frozenset(f"{t.family} {t.name}" for t in firewall.tables()) \
        if tables else frozenset()
    rules = firewall.rule_counts() if tables else {}
    forwarding = False
    if routes:  # forwarding with the routes: what status needs not (an open each)
        forwarding = sysctl.number("ipv4/ip_forward") == 1
    with nl.Socket() as sock:
        raw = netstate.links(sock)
        names = {r.record.index: r.record.name for r in raw}
        addresses = frozenset((a.interface, f"{a.address}/{a.prefixlen}")
                              for a in netstate.addresses(sock, names)
                              if (a.scope != "link" and a.interface != "lo")
                              or (a.interface == "lo" and not a.address.startswith(("127.",
                                                                                  "::1"))))
        table = _routes(sock, names) if routes else {}
        root = [q for q in netstate.qdiscs(sock, names) if q.parent == "root"] \
            if qdiscs else []
    return NamespaceView({r.record.name: r.record for r in raw},
                         {r.record.name: r.peer_index for r in raw if r.peer_index},
                         addresses, table, {q.interface: q.kind for q in root}, found,
                         forwarding, {q.interface: q.rate_bps for q in root
                                      if q.rate_bps is not None}, rules)


def socket_in(name: str) -> nl.Socket:
    """A netlink socket bound to the named namespace `name` (it stays there)."""
    fd = netns.open_fd(name)
    try:
        with netns.entered(fd):
            return nl.Socket()
    finally:
        os.close(fd)


def _dst(dst: str, family: int) -> str:
    """A destination as `ipaddress` writes it (the default routes apart)."""
    return dst if dst != "default" else ("0.0.0.0/0" if family == 4 else "::/0")


def _routes(sock: nl.Socket, names: dict[int, str]) -> dict[str, tuple[ob.Nexthop, ...]]:
    """The main table's routes people and nslab add, by destination; the
    others (the kernel's, the local table, a daemon's) are left undecoded."""
    out = {}
    for _t, p in sock.dump(nl.RTM_GETROUTE, nl._RTMSG.pack(0, 0, 0, 0, 0, 0, 0, 0, 0)):
        _f, _d, _s, _tos, table, proto, _scope, _type, _fl = nl._RTMSG.unpack_from(p)
        if table != MAIN or proto not in ADDED:
            continue
        for r in netstate.decode_route(p, names):
            out[_dst(r.dst, r.family)] = r.nexthops
    return out
