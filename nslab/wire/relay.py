"""nslab's wire relay: delay, jitter, duplication, reordering and corruption
for the links of one lab, on a kernel without netem.

It runs in the lab's wire namespace (nslab.plan.wire), one process per lab.
Each file FOLDER/<into>.json is one direction of one link: the frames that
arrive on the wire end `into` (what a node end sends) leave by the wire end
`out` after `delay_ms` (± `jitter_ms`), in the order they came unless
`reorder` sends a share of them at once; `duplicate` sends a share twice,
`corrupt` flips one bit in a share. Frames are read and written with one
AF_PACKET socket and their virtio-net header (PACKET_VNET_HDR), so TCP's large
segments cross whole and the kernel finishes their checksums.

Control: a Unix socket FOLDER/control takes one line per connection:
`reload` (every file again), `reload INTO` (that file only; gone: that
direction goes), `stats` (JSON: per direction what passed, was held, dropped...);
the answer is one line. SIGHUP reloads too, SIGTERM ends it. It ends by itself
when none of its interfaces has existed for a few seconds (the lab went), or
its folder went.

Standard library only: it starts in a few milliseconds and needs nothing
else from nslab.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

SOL_PACKET = 263
PACKET_VNET_HDR = 15
PACKET_IGNORE_OUTGOING = 23
ETH_P_ALL = 0x0003
VNET = struct.Struct("=BBHHHH")  # flags, gso_type, hdr_len, gso_size, csum_start, csum_offset
NEEDS_CSUM = 1
ETH_HEADER = 14
BUFFER = 1 << 18  # a whole GSO frame, with room
QUEUE_FRAMES = 20_000  # held at most per direction (netem's limit is 1,000 by default)
QUEUE_BYTES = 64 << 20
SOCKET_BUFFER = 8 << 20
SO_SNDBUFFORCE, SO_RCVBUFFORCE = 32, 33  # Linux; beyond rmem_max (root)
GONE_FOR = 3.0  # seconds without any interface before it ends
TICK = 1.0


@dataclass
class Direction:
    into: str
    out: str
    end: str
    delay: float = 0.0  # seconds
    jitter: float = 0.0
    normal: bool = False  # jitter's distribution: normal (else uniform)
    duplicate: float = 0.0
    reorder: float = 0.0
    corrupt: float = 0.0
    queue: deque[tuple[float, bytes]] = field(default_factory=deque)
    queued_bytes: int = 0
    last: float = 0.0  # when the newest held frame leaves (none leaves before it)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("passed", "bytes", "dropped", "duplicated", "reordered", "corrupted"), 0))

    @property
    def plain(self) -> bool:
        return not (self.delay or self.jitter or self.duplicate or self.reorder
                    or self.corrupt)

    def take(self, cfg: dict[str, Any]) -> None:
        self.out, self.end = str(cfg["out"]), str(cfg.get("end", ""))
        self.delay = float(cfg.get("delay_ms", 0)) / 1000
        self.jitter = float(cfg.get("jitter_ms", 0)) / 1000
        self.normal = cfg.get("distribution") == "normal"
        self.duplicate = float(cfg.get("duplicate", 0))
        self.reorder = float(cfg.get("reorder", 0))
        self.corrupt = float(cfg.get("corrupt", 0))

    def hold(self) -> float:
        """How long the next frame waits."""
        if not self.jitter:
            return self.delay
        spread = random.gauss(0.0, self.jitter) if self.normal else \
            random.uniform(-self.jitter, self.jitter)
        return max(0.0, self.delay + spread)


def checksummed(frame: bytearray) -> bool:
    """Finish a frame's partial checksum (its header says the kernel was to
    compute it): a bit flipped afterwards is then caught by the receiver, as
    with netem. False for a large segment (GSO), whose checksums are made per
    segment later."""
    flags, gso, _h, _s, start, offset = VNET.unpack_from(frame)
    if not flags & NEEDS_CSUM:
        return True
    if gso:
        return False
    begin = VNET.size + start
    data = bytes(frame[begin:]) + (b"\0" if (len(frame) - begin) % 2 else b"")
    total = int.from_bytes(data, "big") % 0xFFFF  # the ones' complement sum of its words
    value = ~(total or 0xFFFF) & 0xFFFF
    struct.pack_into("!H", frame, begin + offset, value or 0xFFFF)
    struct.pack_into("=B", frame, 0, flags & ~NEEDS_CSUM)
    return True


def corrupted(frame: bytes) -> bytes | None:
    """`frame` with one bit flipped past its Ethernet header (None: a large
    segment, dropped whole: its checksums do not exist yet)."""
    out = bytearray(frame)
    if not checksummed(out):
        return None
    body = len(out) - VNET.size - ETH_HEADER
    if body > 0:
        out[VNET.size + ETH_HEADER + random.randrange(body)] ^= 1 << random.randrange(8)
    return bytes(out)


class Relay:
    """One packet socket for every wire end of the namespace (one to close:
    closing a packet socket waits for an RCU grace period, a thousand of them
    would hold the relay's end for seconds)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.dirs: dict[str, Direction] = {}  # by `into`
        self.busy: set[str] = set()  # directions holding frames
        self.poll = select.epoll()
        self.buf = bytearray(BUFFER)
        self.view = memoryview(self.buf)
        self.running = True
        self.reload_asked = False
        self.seen = time.monotonic()  # when one of its interfaces was last there
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
        self.sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)  # not its own sends
        for opt, fallback in ((SO_RCVBUFFORCE, socket.SO_RCVBUF),
                              (SO_SNDBUFFORCE, socket.SO_SNDBUF)):
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, opt, SOCKET_BUFFER)
            except OSError:
                self.sock.setsockopt(socket.SOL_SOCKET, fallback, SOCKET_BUFFER)
        self.sock.setblocking(False)
        self.poll.register(self.sock.fileno(), select.EPOLLIN)
        path = os.path.join(folder, "control")
        if os.path.exists(path):
            os.unlink(path)
        self.control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.control.bind(path)
        os.chmod(path, 0o600)
        self.control.listen(16)
        self.control.setblocking(False)
        self.poll.register(self.control.fileno(), select.EPOLLIN)

    # ------------------------------------------------------------ configuration
    def reload(self, only: str | None = None) -> int:
        names = [f"{only}.json"] if only else [
            f for f in os.listdir(self.folder) if f.endswith(".json")]
        seen = set()
        for fname in names:
            into = fname[:-5]
            try:
                with open(os.path.join(self.folder, fname)) as f:
                    cfg = json.load(f)
            except FileNotFoundError:
                self.dirs.pop(into, None)
                self.busy.discard(into)
                continue
            except (OSError, ValueError) as e:
                print(f"nslab wire: {fname}: {e}", file=sys.stderr, flush=True)
                continue
            d = self.dirs.get(into) or Direction(into, str(cfg["out"]), "")
            d.take(cfg)
            self.dirs[into] = d
            seen.add(into)
        if only is None:
            for gone in set(self.dirs) - seen:
                del self.dirs[gone]
                self.busy.discard(gone)
        return len(self.dirs)

    # ------------------------------------------------------------ frames
    def send(self, d: Direction, frame: bytes) -> None:
        try:
            self.sock.sendto(frame, (d.out, ETH_P_ALL))
            d.counts["passed"] += 1
            d.counts["bytes"] += len(frame) - VNET.size
        except OSError:  # the far end down or gone, its queue full: lost, as on a wire
            d.counts["dropped"] += 1

    def arrived(self, d: Direction, frame: bytes, now: float) -> None:
        if d.plain and not d.queue:
            self.send(d, frame)
            return
        if d.corrupt and random.random() < d.corrupt:
            d.counts["corrupted"] += 1
            bad = corrupted(frame)
            if bad is None:
                d.counts["dropped"] += 1
                return
            frame = bad
        copies = 1
        if d.duplicate and random.random() < d.duplicate:
            copies = 2
            d.counts["duplicated"] += 1
        for _ in range(copies):
            if d.reorder and random.random() < d.reorder:
                d.counts["reordered"] += 1
                self.send(d, frame)  # ahead of those held
                continue
            if len(d.queue) >= QUEUE_FRAMES or d.queued_bytes >= QUEUE_BYTES:
                d.counts["dropped"] += 1
                continue
            leaves = max(now + d.hold(), d.last)
            d.last = leaves
            d.queue.append((leaves, frame))
            d.queued_bytes += len(frame)
            self.busy.add(d.into)

    def readable(self, now: float) -> None:
        for _ in range(256):  # then what is due gets its turn
            try:
                n, addr = self.sock.recvfrom_into(self.buf)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # an interface went down or went: the others carry on
                continue
            d = self.dirs.get(addr[0])
            if d is not None:
                self.arrived(d, bytes(self.view[:n]), now)

    def due(self, now: float) -> float | None:
        """Send what is due; when the next frame is."""
        nearest: float | None = None
        for into in list(self.busy):
            d = self.dirs.get(into)
            if d is None:
                self.busy.discard(into)
                continue
            q = d.queue
            while q and q[0][0] <= now:
                _t, frame = q.popleft()
                d.queued_bytes -= len(frame)
                self.send(d, frame)
            if q:
                nearest = q[0][0] if nearest is None else min(nearest, q[0][0])
            else:
                self.busy.discard(into)
        return nearest

    # ------------------------------------------------------------ control
    def answer(self) -> None:
        try:
            conn, _ = self.control.accept()
        except BlockingIOError:
            return
        with conn:
            conn.settimeout(2)
            try:
                line = conn.makefile("r").readline().strip()
                conn.sendall((self.command(line) + "\n").encode())
            except (OSError, ValueError) as e:
                print(f"nslab wire: control: {e}", file=sys.stderr, flush=True)

    def command(self, line: str) -> str:
        words = line.split()
        if words[:1] == ["reload"]:
            return f"ok {self.reload(words[1] if len(words) > 1 else None)}"
        if words == ["stats"]:
            return json.dumps({"pid": os.getpid(), "directions": {
                d.end or into: {"into": into, "out": d.out, "held": len(d.queue), **d.counts}
                for into, d in sorted(self.dirs.items())}})
        return f"error: unknown command {line!r}"

    # ------------------------------------------------------------ loop
    def gone(self, now: float) -> bool:
        """Whether the lab went: its folder, or all of its interfaces for a while."""
        if not os.path.isdir(self.folder):
            return True
        try:
            here = set(os.listdir("/sys/class/net"))  # this namespace's (ip netns exec)
        except OSError:
            return False
        if here & set(self.dirs):
            self.seen = now
        return now - self.seen > GONE_FOR

    def run(self) -> int:
        self.reload()
        tick = time.monotonic() + TICK
        while self.running:
            now = time.monotonic()
            nearest = self.due(now)
            wait = min(tick, nearest) - now if nearest is not None else tick - now
            try:
                events = self.poll.poll(max(0.0, wait))
            except InterruptedError:
                events = []
            now = time.monotonic()
            for fd, _mask in events:
                if fd == self.control.fileno():
                    self.answer()
                else:
                    self.readable(now)
            if self.reload_asked:
                self.reload_asked = False
                self.reload()
            if now >= tick:
                tick = now + TICK
                if self.gone(now):
                    return 0
        return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python3 -m nslab.wire FOLDER", file=sys.stderr)
        return 2
    relay = Relay(argv[0])

    def stop(_sig: int, _frame: object) -> None:
        relay.running = False

    def again(_sig: int, _frame: object) -> None:
        relay.reload_asked = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, again)
    return relay.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
