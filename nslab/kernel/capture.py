"""Packet capture on a lab's interfaces, in-process: an AF_PACKET socket opened
inside each interface's namespace (kernel timestamps, in nanoseconds), packets
from all of them merged in time order into one pcapng stream with an interface
block per `node:iface`, or summarised one line each. A filter expression is
compiled to classic BPF by `tcpdump -dd` and attached to every socket."""

from __future__ import annotations

import ctypes
import heapq
import os
import select
import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from nslab.errors import MissingFeatureError, UsageError
from nslab.kernel import netns

ETH_P_ALL = 0x0003
SO_ATTACH_FILTER, SO_TIMESTAMPNS = 26, 35
SNAPLEN = 262144
HOLD = 0.05  # seconds a packet waits for older ones from other sockets


@dataclass(frozen=True)
class Packet:
    ts_ns: int
    iface: int  # index into the capture's interfaces
    data: bytes
    length: int  # on the wire (data may be cut at SNAPLEN)
    outgoing: bool


BPF_MAXINSNS = 4096  # the kernel's limit on a classic BPF program
COMPILE_SECONDS = 10.0  # tcpdump's compiler can take minutes on long host lists


def compile_filter(expr: str, seconds: float = COMPILE_SECONDS) -> bytes:
    """A tcpdump filter expression as a classic BPF program (struct sock_filter[]).
    The expression goes after `--`: one that starts with `-` is an expression
    (and a wrong one), never tcpdump's own option."""
    if shutil.which("tcpdump") is None:
        raise MissingFeatureError("--filter compiles the expression with tcpdump, which is not "
                                  "installed (apt install tcpdump)")
    try:
        r = subprocess.run(["tcpdump", "-y", "EN10MB", "-dd", "--", expr], capture_output=True,
                           text=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        raise UsageError(f"filter '{_short(expr)}' did not compile within {seconds:g} s "
                         "(tcpdump's compiler is slow on long lists of hosts: use nets, "
                         "or fewer terms)") from None
    if r.returncode != 0:
        said = (r.stderr.strip().splitlines() or ["it does not compile"])[-1]
        raise UsageError(f"filter '{_short(expr)}': {said.removeprefix('tcpdump: ')}")
    out = b""
    for line in r.stdout.splitlines():
        parts = line.strip().strip("{},").split(",")
        if len(parts) == 4:
            code, jt, jf, k = (int(p.strip(), 0) for p in parts)
            out += struct.pack("=HBBI", code, jt, jf, k)
    if len(out) // 8 > BPF_MAXINSNS:
        raise UsageError(f"filter '{_short(expr)}' compiles to {len(out) // 8} BPF "
                         f"instructions; the kernel takes at most {BPF_MAXINSNS}: shorten it")
    return out


def _short(expr: str) -> str:
    return expr if len(expr) <= 80 else expr[:77] + "..."


def _attach(sock: socket.socket, program: bytes) -> None:
    buf = ctypes.create_string_buffer(program)
    fprog = struct.pack("=HxxxxxxQ", len(program) // 8, ctypes.addressof(buf))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)


def open_socket(namespace: str, iface: str, program: bytes | None) -> socket.socket:
    """A packet socket on `iface` inside the named namespace (it stays bound there)."""
    fd = netns.open_fd(namespace)
    try:
        with netns.entered(fd):
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            try:
                if program:
                    _attach(sock, program)
                sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                sock.bind((iface, 0))
                sock.setblocking(False)
            except BaseException:
                sock.close()
                raise
    finally:
        os.close(fd)
    return sock


def _read(sock: socket.socket, iface: int) -> Iterator[Packet]:
    while True:
        try:
            data, anc, flags, addr = sock.recvmsg(SNAPLEN, 64, socket.MSG_TRUNC)
        except BlockingIOError:
            return
        ts = time.time_ns()
        for level, kind, value in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                sec, nsec = struct.unpack("=qq", value[:16])
                ts = sec * 1_000_000_000 + nsec
        length = len(data)
        if flags & socket.MSG_TRUNC:
            length = max(length, SNAPLEN)
        yield Packet(ts, iface, data[:SNAPLEN], length, addr[2] == socket.PACKET_OUTGOING)


class Source(Protocol):
    """Where packets come from: something to poll, read until it would block."""

    done: bool  # it has ended (a stream from another machine)

    def fileno(self) -> int: ...

    def packets(self) -> Iterator[Packet]: ...


class SocketSource:
    """A packet socket: the capture's interface `iface`."""

    done = False

    def __init__(self, sock: socket.socket, iface: int) -> None:
        self.sock, self.iface = sock, iface

    def fileno(self) -> int:
        return self.sock.fileno()

    def packets(self) -> Iterator[Packet]:
        return _read(self.sock, self.iface)


def run(sources: list[Source], emit: Callable[[Packet], None], count: int | None,
        duration: float | None) -> int:
    """Read every source until `count` packets or `duration` seconds, or until
    every source has ended (or an interrupt, which is left to the caller after
    what was read is emitted); packets are emitted in time order. Returns how
    many were emitted."""
    poller = select.poll()
    for s in sources:
        poller.register(s, select.POLLIN)
    by_fd = {s.fileno(): s for s in sources}
    heap: list[tuple[int, int, Packet]] = []
    seq = emitted = 0
    end = time.monotonic() + duration if duration is not None else None

    def flush(before_ns: int | None) -> bool:
        nonlocal emitted
        while heap and (before_ns is None or heap[0][0] <= before_ns):
            emit(heapq.heappop(heap)[2])
            emitted += 1
            if count is not None and emitted >= count:
                return True
        return False

    try:
        while by_fd:
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                break
            wait = HOLD if left is None else min(HOLD, left)
            for fd, _ev in poller.poll(wait * 1000):
                source = by_fd[fd]
                for p in source.packets():
                    heapq.heappush(heap, (p.ts_ns, seq, p))
                    seq += 1
                if source.done:
                    poller.unregister(fd)
                    del by_fd[fd]
            if flush(time.time_ns() - int(HOLD * 1e9)):
                return emitted
    finally:
        if count is None or emitted < count:
            flush(None)
    return emitted


# ---------------------------------------------------------------- pcapng
def _block(kind: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    size = 12 + len(body)
    return struct.pack("=II", kind, size) + body + struct.pack("=I", size)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("=HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


class Output(Protocol):
    def write(self, data: bytes, /) -> object: ...

    def flush(self) -> object: ...


class PcapngWriter:
    """Section header, an interface description per captured interface (its
    name `node:iface`, nanosecond timestamps), then enhanced packet blocks."""

    def __init__(self, out: Output, names: list[str], announce: bool = False) -> None:
        self.out = out
        shb = struct.pack("=IHHq", 0x1A2B3C4D, 1, 0, -1) + _option(4, b"nslab") + \
            _option(0, b"")
        out.write(_block(0x0A0D0D0A, shb))
        for name in names:
            idb = struct.pack("=HHI", 1, 0, SNAPLEN) + _option(2, name.encode()) + \
                _option(9, bytes([9])) + _option(0, b"")
            out.write(_block(0x00000001, idb))
        if announce:  # a statistics block (the start's time): "all interfaces named"
            now = time.time_ns()
            out.write(_block(0x00000005, struct.pack("=III", 0, now >> 32, now & 0xFFFFFFFF)
                             + _option(0, b"")))
        out.flush()

    def write(self, p: Packet) -> None:
        epb = struct.pack("=IIIII", p.iface, p.ts_ns >> 32, p.ts_ns & 0xFFFFFFFF, len(p.data),
                          p.length) + p.data + b"\0" * (-len(p.data) % 4)
        flags = _option(2, struct.pack("=I", 2 if p.outgoing else 1)) + _option(0, b"")
        self.out.write(_block(0x00000006, epb + flags))
        self.out.flush()


class PcapngSource:
    """A pcapng stream from nslab capture on another machine (`-w -`, with
    `announce`), read as it comes: its interfaces are the capture's from
    `base` on (set once it has announced them)."""

    done = False

    def __init__(self, fd: int, early: bytes = b"") -> None:
        self.fd, self.buf = fd, early
        self.order = "<"
        self.names: list[str] = []  # its interfaces, in its order
        self.base = 0
        self.marked = False  # its statistics block: every interface named
        os.set_blocking(fd, False)

    def fileno(self) -> int:
        return self.fd

    def packets(self) -> Iterator[Packet]:
        self._fill()
        out = []
        while (p := self._take()) is not False:
            if isinstance(p, Packet):
                out.append(p)
        return iter(out)

    def announced(self) -> bool:
        """Whether the stream has named all its interfaces (every socket of the
        capture there is open), or ended; no packet is taken meanwhile."""
        self._fill()
        while not self.marked and self._take() is not False:
            pass
        return self.marked or self.done

    def _fill(self) -> None:
        while not self.done:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return
            if not chunk:
                self.done = True
            self.buf += chunk

    def _take(self) -> Packet | bool | None:
        """The next block: a packet, None (another block), False (none whole yet)."""
        if len(self.buf) < 12:
            return False
        if self.buf[:4] == b"\x0a\x0d\x0d\x0a":
            self.order = "<" if self.buf[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        kind, size = struct.unpack(self.order + "II", self.buf[:8])
        if size < 12 or len(self.buf) < size:
            return False
        body, self.buf = self.buf[8:size - 4], self.buf[size:]
        if kind == 0x00000001:
            self.names.append(_options(body[8:], self.order).get(2, b"").decode(
                errors="replace"))
        elif kind == 0x00000005:
            self.marked = True
        elif kind == 0x00000006 and len(body) >= 20:
            iface, hi, lo, cap, length = struct.unpack(self.order + "IIIII", body[:20])
            flags = _options(body[20 + cap + (-cap % 4):], self.order).get(2, b"")
            out = len(flags) == 4 and struct.unpack(self.order + "I", flags)[0] & 3 == 2
            if iface < len(self.names):
                return Packet((hi << 32) | lo, self.base + iface, body[20:20 + cap], length,
                              out)
        return None


def _options(data: bytes, order: str) -> dict[int, bytes]:
    out = {}
    while len(data) >= 4:
        code, size = struct.unpack(order + "HH", data[:4])
        if code == 0:
            break
        out[code] = data[4:4 + size]
        data = data[4 + size + (-size % 4):]
    return out


# ---------------------------------------------------------------- one line each
def summary(p: Packet, name: str) -> str:
    """tcpdump-like: time, interface, direction, what the packet is."""
    t = time.strftime("%H:%M:%S", time.localtime(p.ts_ns // 1_000_000_000))
    return (f"{t}.{p.ts_ns % 1_000_000_000 // 1000:06d} {name} "
            f"{'>' if p.outgoing else '<'} {describe(p.data)}")


def describe(frame: bytes) -> str:
    if len(frame) < 14:
        return f"short frame, {len(frame)} bytes"
    kind = struct.unpack("!H", frame[12:14])[0]
    payload = frame[14:]
    if kind == 0x0806 and len(payload) >= 28:
        op = struct.unpack("!H", payload[6:8])[0]
        spa, tpa = socket.inet_ntoa(payload[14:18]), socket.inet_ntoa(payload[24:28])
        return f"ARP who-has {tpa} tell {spa}" if op == 1 else f"ARP {spa} is-at"
    if kind == 0x0800 and len(payload) >= 20:
        ihl = (payload[0] & 0x0F) * 4
        proto, src, dst = payload[9], socket.inet_ntoa(payload[12:16]), \
            socket.inet_ntoa(payload[16:20])
        return f"IP {src} > {dst}: {_l4(proto, payload[ihl:], len(payload))}"
    if kind == 0x86DD and len(payload) >= 40:
        src = socket.inet_ntop(socket.AF_INET6, payload[8:24])
        dst = socket.inet_ntop(socket.AF_INET6, payload[24:40])
        return f"IP6 {src} > {dst}: {_l4(payload[6], payload[40:], len(payload))}"
    return f"ethertype 0x{kind:04x}, {len(frame)} bytes"


def _l4(proto: int, seg: bytes, total: int) -> str:
    if proto in (1, 58) and len(seg) >= 2:
        names = {(1, 8): "echo request", (1, 0): "echo reply", (58, 128): "echo request",
                 (58, 129): "echo reply", (58, 135): "neighbor solicitation",
                 (58, 136): "neighbor advertisement"}
        return f"ICMP{'6' if proto == 58 else ''} " + names.get((proto, seg[0]),
                                                                f"type {seg[0]}")
    if proto in (6, 17) and len(seg) >= 4:
        sport, dport = struct.unpack("!HH", seg[:4])
        what = "TCP" if proto == 6 else "UDP"
        if proto == 6 and len(seg) >= 14:
            bits = seg[13]
            flags = "".join(c for c, b in (("S", 2), ("F", 1), ("R", 4), ("P", 8), (".", 16))
                            if bits & b)
            return f"{what} {sport} > {dport} [{flags}], length {total}"
        return f"{what} {sport} > {dport}, length {total}"
    return f"protocol {proto}, length {total}"
