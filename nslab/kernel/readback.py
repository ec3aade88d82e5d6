"""One namespace read back for `nslab check`: links, addresses, the routes
people and nslab add, root qdiscs, nftables tables, forwarding; in-process
(netlink and nfnetlink from inside the namespace, no subprocess)."""

from __future__ import annotations

import os

from nslab.kernel import firewall, netns, netstate
from nslab.kernel import netlink as nl
from nslab.records.observed import NamespaceView

ADDED = {"boot", "static"}  # route protocols of `ip route add` (and nslab's)


def read(name: str) -> NamespaceView:
    fd = netns.open_fd(name)
    try:
        with netns.entered(fd):
            sock = nl.Socket()
            tables = frozenset(f"{t.family} {t.name}" for t in firewall.tables())
            with open("/proc/sys/net/ipv4/ip_forward") as f:
                forwarding = f.read().strip() == "1"
    finally:
        os.close(fd)
    with sock:
        raw = netstate.links(sock)
        names = {r.record.index: r.record.name for r in raw}
        addresses = frozenset((a.interface, f"{a.address}/{a.prefixlen}")
                              for a in netstate.addresses(sock, names)
                              if (a.scope != "link" and a.interface != "lo")
                              or (a.interface == "lo" and not a.address.startswith(("127.",
                                                                                  "::1"))))
        routes = {_dst(r.dst, r.family): r.nexthops for r in netstate.routes(sock, names)
                  if r.table == "main" and r.protocol in ADDED}
        qdiscs = {q.interface: q.kind for q in netstate.qdiscs(sock, names)
                  if q.parent == "root"}
    return NamespaceView({r.record.name: r.record for r in raw},
                         {r.record.name: r.peer_index for r in raw if r.peer_index},
                         addresses, routes, qdiscs, tables, forwarding)


def _dst(dst: str, family: int) -> str:
    """A destination as `ipaddress` writes it (the default routes apart)."""
    return dst if dst != "default" else ("0.0.0.0/0" if family == 4 else "::/0")
