"""Watch running labs' namespaces: their links' state as the kernel announces
it (an rtnetlink socket subscribed to RTNLGRP_LINK inside each namespace, no
polling), and their interface counters read once a second (netstate, the
reader `inspect` uses). For `nslab web`."""

from __future__ import annotations

import os
import selectors
import socket
from collections.abc import Iterator
from dataclasses import dataclass

from nslab.kernel import netlink as nl
from nslab.kernel import netns, netstate

RTNLGRP_LINK = 1
RTMGRP_LINK = 1 << (RTNLGRP_LINK - 1)
_IFLA_OPERSTATE = 16


@dataclass(frozen=True)
class LinkEvent:
    namespace: str
    iface: str
    up: bool  # administratively
    state: str  # operstate: up, down, lowerlayerdown...
    gone: bool = False  # deleted


@dataclass(frozen=True)
class Counters:
    tx_bytes: int
    tx_packets: int
    rx_bytes: int
    rx_packets: int


class Watcher:
    """Link events and counters of a set of named namespaces (which may change)."""

    def __init__(self) -> None:
        self.sel = selectors.DefaultSelector()
        self.events: dict[str, socket.socket] = {}  # namespace -> subscribed socket
        self.dumps: dict[str, nl.Socket] = {}  # namespace -> socket for the counters

    def watch(self, namespaces: set[str]) -> None:
        """Follow exactly `namespaces` from now on (opened inside each)."""
        for ns in [n for n in self.events if n not in namespaces]:
            self._forget(ns)
        for ns in namespaces - set(self.events):
            try:
                fd = netns.open_fd(ns)
            except OSError:
                continue  # gone already
            try:
                with netns.entered(fd):
                    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
                    s.bind((0, RTMGRP_LINK))
                    self.dumps[ns] = nl.Socket()
            finally:
                os.close(fd)
            s.setblocking(False)
            self.events[ns] = s
            self.sel.register(s, selectors.EVENT_READ, ns)

    def _forget(self, ns: str) -> None:
        s = self.events.pop(ns)
        self.sel.unregister(s)
        s.close()
        d = self.dumps.pop(ns, None)
        if d is not None:
            d.close()

    def close(self) -> None:
        for ns in list(self.events):
            self._forget(ns)
        self.sel.close()

    def wait(self, timeout: float) -> Iterator[LinkEvent]:
        """The link changes announced within `timeout` seconds."""
        for key, _mask in self.sel.select(timeout):
            s, ns = key.fileobj, key.data
            assert isinstance(s, socket.socket)
            while True:
                try:
                    data = s.recv(1 << 16)
                except BlockingIOError:
                    break
                except OSError:  # the namespace went: the socket reads nothing more
                    break
                yield from _link_events(ns, data)

    def counters(self) -> dict[tuple[str, str], Counters]:
        """(namespace, interface) -> counters, for every namespace watched."""
        out = {}
        for ns, sock in list(self.dumps.items()):
            try:
                links = netstate.interfaces(sock)
            except OSError:
                continue
            for li in links:
                c = li.counters
                if c is not None and li.kind != "loopback":
                    out[(ns, li.name)] = Counters(c.tx_bytes, c.tx_packets, c.rx_bytes,
                                                  c.rx_packets)
        return out


def _link_events(ns: str, data: bytes) -> Iterator[LinkEvent]:
    for msg in nl.messages(data):
        if msg.kind not in (nl.RTM_NEWLINK, nl.RTM_DELLINK):
            continue
        _fam, _t, _index, flags, _ch = nl._IFINFO.unpack_from(msg.payload)
        a = nl.attrs(msg.payload, nl._IFINFO.size)
        name = a.get(nl.IFLA_IFNAME, b"").split(b"\0", 1)[0].decode()
        oper = a.get(_IFLA_OPERSTATE, b"\0")[0]
        state = nl.OPERSTATES[oper] if oper < len(nl.OPERSTATES) else str(oper)
        yield LinkEvent(ns, name, bool(flags & nl.IFF_UP), state, msg.kind == nl.RTM_DELLINK)


def rates(before: dict[tuple[str, str], Counters], after: dict[tuple[str, str], Counters],
          seconds: float) -> dict[tuple[str, str], tuple[float, float]]:
    """(namespace, interface) -> (bits/s, packets/s) sent, between two readings."""
    out = {}
    for key, now in after.items():
        was = before.get(key)
        if was is None or seconds <= 0:
            continue
        out[key] = (max(0, now.tx_bytes - was.tx_bytes) * 8 / seconds,
                    max(0, now.tx_packets - was.tx_packets) / seconds)
    return out

