"""Reachability probes, in-process and in parallel: ICMP echo through one raw
socket per source namespace and family, TCP connects and UDP datagrams through
a socket per probe, every socket opened inside its source namespace; one
event loop waits for all of them. No `ping` process per probe.

Outcomes (`Result.outcome`):
  icmp: reply | unreachable (an ICMP error came back, `detail` says which and
        from where) | blocked (the source's own firewall refused to send) |
        timeout
  tcp:  open (connected) | refused (the host answered: no listener) |
        unreachable | blocked | timeout (no answer: dropped on the way)
  udp:  open (a datagram came back) | refused (ICMP port unreachable) |
        unreachable | blocked | timeout (no answer: dropped, or a silent service)
`Result.reached` is True for reply/open.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import random
import selectors
import socket
import struct
import time
from collections import deque
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Literal

from nslab.errors import UsageError
from nslab.kernel import netns

Proto = Literal["icmp", "tcp", "udp"]
PAYLOAD = b"nslab-probe"
_ICMP4_ERR = {3: {0: "network unreachable", 1: "host unreachable", 2: "protocol unreachable",
                  3: "port unreachable", 9: "network prohibited", 10: "host prohibited",
                  13: "administratively prohibited (a firewall rejects it)"},
              11: {0: "TTL exceeded in transit (a routing loop?)"}}
_ICMP6_ERR = {1: {0: "no route to destination", 1: "administratively prohibited (a firewall "
                  "rejects it)", 3: "address unreachable (no neighbour answered)",
                  4: "port unreachable", 6: "reject route"},
              3: {0: "hop limit exceeded in transit (a routing loop?)"}}
_ERRNO = {errno.ENETUNREACH: ("unreachable", "no route in the source"),
          errno.EHOSTUNREACH: ("unreachable", "host unreachable"),
          errno.ECONNREFUSED: ("refused", "connection refused"),
          errno.EPERM: ("blocked", "the source's firewall refuses to send it"),
          errno.EACCES: ("blocked", "the source refuses to send it (a broadcast address?)")}


@dataclass(frozen=True)
class Probe:
    src: str  # namespace name
    dst: str  # address
    proto: Proto = "icmp"
    port: int | None = None

    def __post_init__(self) -> None:
        check_port(self.port)


def check_port(port: int | None) -> None:
    if port is not None and not 0 < port < 65536:
        raise UsageError(f"port {port} is not a port (1 to 65535)")


@dataclass(frozen=True)
class Result:
    probe: Probe
    outcome: str
    detail: str
    rtt_ms: float | None

    @property
    def reached(self) -> bool:
        return self.outcome in ("reply", "open")


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def _echo(v6: bool, ident: int, seq: int) -> bytes:
    kind = 128 if v6 else 8
    body = struct.pack("!BBHHH", kind, 0, 0, ident, seq) + PAYLOAD
    if v6:
        return body  # the kernel fills the ICMPv6 checksum
    return body[:2] + struct.pack("!H", _checksum(body)) + body[4:]


class _Pending:
    __slots__ = ("first", "index", "probe", "sent", "sock", "tries")

    def __init__(self, index: int, probe: Probe) -> None:
        self.index = index
        self.probe = probe
        self.sock: socket.socket | None = None
        self.sent = 0.0
        self.first = 0.0
        self.tries = 0


class Engine:
    """Runs a batch of probes; `timeout` seconds per probe, sent up to
    `tries` times (evenly spread over the timeout)."""

    def __init__(self, timeout: float = 1.0, tries: int = 3, window: int = 4096) -> None:
        self.timeout = timeout
        self.tries = max(1, tries)
        self.window = window
        self.sel = selectors.DefaultSelector()
        self.results: dict[int, Result] = {}
        self.fds: dict[str, int] = {}
        self.icmp: dict[tuple[str, int], socket.socket] = {}
        self.echo: dict[tuple[str, int, int], _Pending] = {}  # (src, ident, seq)
        self.idents: dict[str, int] = {}
        self.live: dict[int, _Pending] = {}

    def close(self) -> None:
        for s in self.icmp.values():
            self.sel.unregister(s)
            s.close()
        for fd in self.fds.values():
            os.close(fd)
        self.sel.close()

    # ------------------------------------------------------------ setup
    def _fd(self, ns: str) -> int:
        if ns not in self.fds:
            self.fds[ns] = netns.open_fd(ns)
        return self.fds[ns]

    def _icmp_socket(self, ns: str, family: int) -> socket.socket:
        key = (ns, family)
        if key not in self.icmp:
            proto = socket.IPPROTO_ICMP if family == socket.AF_INET else socket.IPPROTO_ICMPV6
            with netns.entered(self._fd(ns)):
                s = socket.socket(family, socket.SOCK_RAW, proto)
            s.setblocking(False)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            self.icmp[key] = s
            self.sel.register(s, selectors.EVENT_READ, ("icmp", ns, family))
            self.idents.setdefault(ns, (os.getpid() + len(self.idents) * 7919) & 0xFFFF)
        return self.icmp[key]

    # ------------------------------------------------------------ running
    def run(self, probes: list[Probe]) -> list[Result]:
        netns.raise_fd_limit(min(len(probes), self.window) + 4 * len({p.src for p in probes}) + 256)
        order = sorted(range(len(probes)), key=lambda k: probes[k].src)
        queue = deque(_Pending(k, probes[k]) for k in order)
        try:
            while queue or self.live:
                while queue and len(self.live) < self.window:
                    self._start_group(queue)
                self._wait()
        finally:
            for p in list(self.live.values()):
                self._finish(p, "timeout", "no answer")
            self.close()
        return [self.results[k] for k in range(len(probes))]

    def _start_group(self, queue: deque[_Pending]) -> None:
        """Open the sockets of the next probes from one source, inside it."""
        src = queue[0].probe.src
        batch: list[_Pending] = []
        while queue and queue[0].probe.src == src and len(self.live) + len(batch) < self.window:
            batch.append(queue.popleft())
        try:
            fd = self._fd(src)
        except OSError as e:
            for p in batch:
                self.results[p.index] = Result(p.probe, "error", f"source namespace: {e}", None)
            return
        with netns.entered(fd):
            for p in batch:
                if p.probe.proto != "icmp":
                    fam = socket.AF_INET6 if ":" in p.probe.dst else socket.AF_INET
                    kind = socket.SOCK_STREAM if p.probe.proto == "tcp" else socket.SOCK_DGRAM
                    p.sock = socket.socket(fam, kind)
                    p.sock.setblocking(False)
        for p in batch:
            self.live[p.index] = p
            self._send(p)

    def _send(self, p: _Pending) -> None:
        now = time.monotonic()
        p.tries += 1
        p.sent = now
        if p.tries == 1:
            p.first = now
        pr = p.probe
        try:
            if pr.proto == "icmp":
                fam = socket.AF_INET6 if ip_address(pr.dst).version == 6 else socket.AF_INET
                s = self._icmp_socket(pr.src, fam)
                seq = next(_SEQ) & 0xFFFF  # never one an earlier probe's late answer carries
                ident = self.idents[pr.src]
                self.echo[(pr.src, ident, seq)] = p
                s.sendto(_echo(fam == socket.AF_INET6, ident, seq), (pr.dst, 0))
            elif pr.proto == "tcp":
                assert p.sock is not None
                if p.tries == 1:
                    err = p.sock.connect_ex((pr.dst, pr.port or 0))
                    if err not in (0, errno.EINPROGRESS):
                        raise OSError(err, os.strerror(err))
                    self.sel.register(p.sock, selectors.EVENT_WRITE, ("tcp", p.index, 0))
            else:
                assert p.sock is not None
                if p.tries == 1:
                    p.sock.connect((pr.dst, pr.port or 0))
                    self.sel.register(p.sock, selectors.EVENT_READ, ("udp", p.index, 0))
                p.sock.send(PAYLOAD)
        except OSError as e:
            outcome, detail = _ERRNO.get(e.errno or 0, ("error", e.strerror or str(e)))
            self._finish(p, outcome, detail)

    def _finish(self, p: _Pending, outcome: str, detail: str) -> None:
        if p.index in self.results:
            return
        rtt = (time.monotonic() - p.first) * 1000 if outcome in ("reply", "open") else None
        self.results[p.index] = Result(p.probe, outcome, detail, rtt)
        self.live.pop(p.index, None)
        if p.sock is not None:
            with contextlib.suppress(KeyError, ValueError):
                self.sel.unregister(p.sock)
            p.sock.close()
            p.sock = None

    def _wait(self) -> None:
        interval = self.timeout / self.tries
        now = time.monotonic()
        due = min((p.sent + interval for p in self.live.values()), default=now)
        for key, _mask in self.sel.select(max(0.0, min(due - now, 0.05))):
            kind, a, b = key.data
            if kind == "icmp":
                self._read_icmp(key.fileobj, a, b)  # type: ignore[arg-type]
            elif kind == "tcp":
                p = self.live.get(a)
                if p is not None and p.sock is not None:
                    err = p.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err == 0:
                        self._finish(p, "open", "connected")
                    else:
                        self._finish(p, *_ERRNO.get(err, ("error", os.strerror(err))))
            else:
                p = self.live.get(a)
                if p is not None and p.sock is not None:
                    try:
                        p.sock.recv(2048)
                        self._finish(p, "open", "a datagram came back")
                    except OSError as e:
                        self._finish(p, *_ERRNO.get(e.errno or 0, ("error", str(e))))
        now = time.monotonic()
        for p in list(self.live.values()):
            if now - p.first >= self.timeout:
                self._finish(p, "timeout", f"no answer within {self.timeout:g} s "
                             f"({p.tries} {'try' if p.tries == 1 else 'tries'})")
            elif now - p.sent >= interval and p.tries < self.tries and p.probe.proto != "tcp":
                self._send(p)

    def _read_icmp(self, s: socket.socket, ns: str, family: int) -> None:
        while True:
            try:
                data, addr = s.recvfrom(4096)
            except BlockingIOError:
                return
            if family == socket.AF_INET:
                data = data[(data[0] & 0x0F) * 4:]
            self._icmp_packet(ns, family, data, addr[0])

    def _icmp_packet(self, ns: str, family: int, data: bytes, sender: str) -> None:
        if len(data) < 8:
            return
        kind, code = data[0], data[1]
        reply = 129 if family == socket.AF_INET6 else 0
        if kind == reply:
            ident, seq = struct.unpack_from("!HH", data, 4)
            p = self.echo.pop((ns, ident, seq), None)
            if p is not None and p.index in self.live:
                self._finish(p, "reply", f"echo reply from {sender}")
            return
        errors = _ICMP6_ERR if family == socket.AF_INET6 else _ICMP4_ERR
        if kind not in errors:
            return
        inner = data[8:]
        if family == socket.AF_INET:
            if len(inner) < 28 or inner[9] != socket.IPPROTO_ICMP:
                return
            inner = inner[(inner[0] & 0x0F) * 4:]
        else:
            if len(inner) < 48 or inner[6] != socket.IPPROTO_ICMPV6:
                return
            inner = inner[40:]
        ident, seq = struct.unpack_from("!HH", inner, 4)
        p = self.echo.pop((ns, ident, seq), None)
        if p is not None and p.index in self.live:
            what = errors[kind].get(code, f"ICMP error type {kind} code {code}")
            self._finish(p, "unreachable", f"{what} (reported by {sender})")


# echo sequence numbers, process-wide: a probe run after another one (a timeline's
# rounds) must not take the answer to an earlier one, come late over a slow link,
# for its own (the identifier is the process's)
_SEQ = itertools.count(random.randrange(0x10000))


def run(probes: list[Probe], timeout: float = 1.0, tries: int = 3) -> list[Result]:
    """Run every probe in parallel; results in the order of `probes`."""
    return Engine(timeout, tries).run(probes)
