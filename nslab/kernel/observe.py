"""Read a namespace back from the kernel: links, addresses, routes, in-process."""

from __future__ import annotations

import os
from dataclasses import dataclass

from nslab.kernel import netlink as nl
from nslab.kernel import netns


@dataclass(frozen=True)
class Snapshot:
    links: list[nl.LinkInfo]
    addresses: list[nl.AddrInfo]
    routes: list[nl.RouteInfo]

    def link(self, name: str) -> nl.LinkInfo | None:
        return next((li for li in self.links if li.name == name), None)

    def addresses_of(self, index: int) -> list[str]:
        return [f"{a.address}/{a.prefixlen}" for a in self.addresses if a.index == index]


def snapshot(name: str, with_routes: bool = False) -> Snapshot:
    """What the kernel holds in the named namespace `name`."""
    fd = netns.open_fd(name)
    try:
        with netns.entered(fd):
            sock = nl.Socket()
    finally:
        os.close(fd)
    with sock:
        return Snapshot(nl.links(sock), nl.addresses(sock),
                        nl.routes(sock) if with_routes else [])


def lo_alias(name: str) -> str | None:
    """The alias of `lo` in namespace `name`: nslab's ownership marker."""
    snap = snapshot(name)
    lo = next((li for li in snap.links if li.index == 1), None)
    return lo.alias if lo else None


def machine_snapshot() -> Snapshot:
    """The same, of the namespace nslab runs in (the machine)."""
    with nl.Socket() as sock:
        return Snapshot(nl.links(sock), nl.addresses(sock), [])
