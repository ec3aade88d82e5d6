"""nslab capture: packets from interfaces of several nodes of a running lab,
merged in time order into one pcapng (an interface block per `node:iface`,
named so in Wireshark), or one line each."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass

from nslab.errors import NotFoundError, UsageError, require_root
from nslab.kernel import capture
from nslab.kernel.capture_file import Sink, Stalled
from nslab.kernel.remote import Stream
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
               count: int | None, duration: float | None, as_json: bool = False,
               announce: bool = False) -> int:
    """Capture; `write`: a pcapng file (nslab.kernel.capture_file: put in place
    when the capture ends; `-`: standard output), or None for a line per
    packet on stdout (`as_json`: a JSON object per line). Everything is
    checked before anything is written. Ctrl-C (or SIGTERM) ends it like
    --count: what was captured is written (`announce`: a statistics block
    after the interfaces' in the pcapng, for a controller across machines to
    know every socket is open). Returns the packets captured."""
    require_root()
    deadline = time.monotonic() + duration if duration is not None else None
    where = targets(lab, words)
    program = capture.compile_filter(filter_expr) if filter_expr else None
    socks = [capture.open_socket(w.namespace, w.iface, program) for w in where]
    sink = Sink(write, deadline) if write is not None else None
    try:
        # every socket is open: from here no packet is missed (a script may wait for this;
        # a controller across machines knows it from the stream, and says it itself)
        if not announce:
            print(f"nslab: capturing on {', '.join(w.name for w in where)}", file=sys.stderr,
                  flush=True)
        return _capture([capture.SocketSource(s, k) for k, s in enumerate(socks)],
                        [w.name for w in where], sink, count, deadline, as_json, announce)
    finally:
        for s in socks:
            s.close()


def _capture(sources: list[capture.Source], names: list[str], sink: Sink | None,
             count: int | None, deadline: float | None, as_json: bool,
             announce: bool = False) -> int:
    kept = False
    n = 0
    try:
        if sink is not None:
            sink.open()
            writer = capture.PcapngWriter(sink, names, announce)
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
            n = capture.run(sources, emit, count, left)
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


# ---------------------------------------------------------------- across machines
START_TIMEOUT = 40.0  # seconds for every machine's capture to open its sockets


def capture_across(lab: str, words: list[str], write: str | None, filter_expr: str | None,
                   count: int | None, duration: float | None, as_json: bool = False) -> int:
    """capture_to for a lab across machines: each machine captures its nodes'
    interfaces (a link between machines: each end where it is) and streams
    pcapng here, merged as one capture. Returns the packets captured."""
    from nslab.running import spread

    require_root()
    deadline = time.monotonic() + duration if duration is not None else None
    extra = [*(["--filter", filter_expr] if filter_expr else []),
             *(["--count", str(count)] if count is not None else []),
             *(["--duration", f"{duration:g}"] if duration is not None else [])]
    jobs = spread.capture_jobs(lab, words)
    streams: list[tuple[str, Stream]] = []
    try:
        for entry, asked in jobs:
            streams.append((entry["name"], spread.stream(
                entry, ["capture", lab, *asked, "-w", "-", "--announce", *extra])))
        sources = [capture.PcapngSource(s.fd, s.early) for _, s in streams]
        _announced(streams, sources)
        names: list[str] = []
        for src in sources:
            src.base = len(names)
            names += src.names
        sink = Sink(write, deadline) if write is not None else None
        print(f"nslab: capturing on {', '.join(names)}", file=sys.stderr, flush=True)
        return _capture(list(sources), names, sink, count, deadline, as_json)
    finally:
        for _, s in streams:
            s.hangup()
        for _, s in streams:
            s.end()


def _announced(streams: list[tuple[str, Stream]],
               sources: list[capture.PcapngSource]) -> None:
    """Wait until every machine's capture has opened its sockets; one that
    ended first: its exit status (it said why on stderr)."""
    import select

    from nslab.errors import ExitCode, NslabError

    waiting = dict(zip(sources, streams, strict=True))
    end = time.monotonic() + START_TIMEOUT
    while waiting:
        for src in [x for x in waiting if x.announced()]:
            name, stream = waiting.pop(src)
            if not src.marked:
                code = stream.end()
                err = NslabError(f"machine {name}: the capture there did not start "
                                 f"(exit {code})")
                err.exit_code = ExitCode(code) if code in {int(c) for c in ExitCode} \
                    else ExitCode.ERROR
                raise err
        left = end - time.monotonic()
        if waiting and (left <= 0 or not select.select(list(waiting), [], [], left)[0]):
            raise NslabError(f"machine {next(iter(waiting.values()))[0]}: its capture "
                             f"did not start within {START_TIMEOUT:g} s")
