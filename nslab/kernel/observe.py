"""Read a namespace back from the kernel: links, addresses, in-process (the
records of nslab.observed, decoded by nslab.kernel.netstate)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from nslab.kernel import netlink as nl
from nslab.kernel import netns, netstate
from nslab.records import observed as ob


@dataclass(frozen=True)
class Snapshot:
    links: list[ob.Interface]
    addresses: list[ob.Address]

    def link(self, name: str) -> ob.Interface | None:
        return next((li for li in self.links if li.name == name), None)

    def addresses_of(self, name: str) -> list[str]:
        return [f"{a.address}/{a.prefixlen}" for a in self.addresses if a.interface == name]


def _read(sock: nl.Socket) -> Snapshot:
    links = netstate.interfaces(sock)
    return Snapshot(links, netstate.addresses(sock, {li.index: li.name for li in links}))


def socket_in(name: str) -> nl.Socket:
    """A netlink socket bound to the named namespace `name` (it stays there)."""
    fd = netns.open_fd(name)
    try:
        with netns.entered(fd):
            return nl.Socket()
    finally:
        os.close(fd)


def snapshot(name: str) -> Snapshot:
    """What the kernel holds in the named namespace `name`."""
    with socket_in(name) as sock:
        return _read(sock)


def lo_alias(name: str) -> str | None:
    """The alias of `lo` in namespace `name`: nslab's ownership marker."""
    snap = snapshot(name)
    lo = next((li for li in snap.links if li.index == 1), None)
    return lo.alias if lo else None


def machine_snapshot() -> Snapshot:
    """The same, of the namespace nslab runs in (the machine)."""
    with nl.Socket() as sock:
        return _read(sock)
