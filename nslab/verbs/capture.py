"""nslab capture: packets from interfaces of several nodes of a running lab,
merged in time order into one pcapng (an interface block per `node:iface`,
named so in Wireshark), or one line each."""

from __future__ import annotations

import json
import socket
import sys
import time
from dataclasses import dataclass

from nslab.errors import NotFoundError, UsageError, require_root
from nslab.kernel import capture
from nslab.kernel.capture_file import Sink, Stalled
from nslab.running.record import lab_record


@dataclass(frozen=True)
class Where:
    namespace: str
    iface: str
    name: str  # node:iface


def targets(lab: str, words: list[str]) -> list[Where]:
    """NODE (every interface it has; a switch: its ports), NODE:IFACE, or A/B
    (both ends of the link between nodes A and B)."""
    rec = lab_record(lab)
    out: list[Where] = []

    def end(node: str, iface: str) -> Where:
        n = rec.node(node)
        return Where(n.namespace, n.interface(iface).name, f"{node}:{iface}")

    for w in words:
        if "/" in w:
            a, b = w.split("/", 1)
            ends = [i for i in rec.node(a).interfaces if i.peer_node == b] \
                if rec.has(a) else []
            if not ends:
                raise NotFoundError(f"lab '{lab}' has no link between {a} and {b}")
            for i in ends:
                out += [end(a, i.name), end(*i.peer_end)]
        elif ":" in w:
            out.append(end(*w.split(":", 1)))
        else:
            out += [end(w, i.name) for i in rec.node(w).interfaces]
    unique = list(dict.fromkeys(out))
    if not unique:
        raise UsageError("nothing to capture on: name a node, NODE:IFACE or A/B")
    return unique


def capture_to(lab: str, words: list[str], write: str | None, filter_expr: str | None,
               count: int | None, duration: float | None, as_json: bool = False) -> int:
    """Capture; `write`: a pcapng file (nslab.kernel.capture_file: put in place
    when the capture ends; `-`: standard output), or None for a line per
    packet on stdout (`as_json`: a JSON object per line). Everything is
    checked before anything is written. Ctrl-C (or SIGTERM) ends it like
    --count: what was captured is written. Returns the packets captured."""
    require_root()
    deadline = time.monotonic() + duration if duration is not None else None
    where = targets(lab, words)
    program = capture.compile_filter(filter_expr) if filter_expr else None
    socks = [capture.open_socket(w.namespace, w.iface, program) for w in where]
    sink = Sink(write, deadline) if write is not None else None
    try:
        # every socket is open: from here no packet is missed (a script may wait for this)
        print(f"nslab: capturing on {', '.join(w.name for w in where)}", file=sys.stderr,
              flush=True)
        return _capture(socks, [w.name for w in where], sink, count, deadline, as_json)
    finally:
        for s in socks:
            s.close()


def _capture(socks: list[socket.socket], names: list[str], sink: Sink | None,
             count: int | None, deadline: float | None, as_json: bool) -> int:
    kept = False
    n = 0
    try:
        if sink is not None:
            sink.open()
            writer = capture.PcapngWriter(sink, names)
            emit = writer.write
        elif as_json:
            def emit(p: capture.Packet) -> None:
                print(json.dumps({"version": 1, "time_ns": p.ts_ns, "interface": names[p.iface],
                                  "direction": "out" if p.outgoing else "in",
                                  "length": p.length, "summary": capture.describe(p.data)}),
                      flush=True)
        else:
            def emit(p: capture.Packet) -> None:
                print(capture.summary(p, names[p.iface]), flush=True)
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            n = capture.run(socks, emit, count, left)
        except KeyboardInterrupt:
            n = -1
        except BrokenPipeError:  # the reader (wireshark, head) went away
            sys.stderr.close()
            n = -1
        kept = True
        return n
    except Stalled:  # nobody read the FIFO or pipe until the deadline
        kept = True
        return n
    finally:
        if sink is not None:
            sink.close(kept)
