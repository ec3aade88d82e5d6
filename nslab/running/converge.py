"""Wait for a lab's routing protocols to converge: every router that runs
daemons holds, in its kernel's main table, every prefix the topology says it
should reach (`Node.expected`: what `routing: auto` would compute, plus the
other routers' loopbacks and announced prefixes), and no table has changed
for a moment (SETTLE). Reads the kernel only."""

from __future__ import annotations

import time
from collections.abc import Callable
from ipaddress import ip_network
from typing import Any

from nslab.kernel.seam import Kernel, RealKernel, Ref
from nslab.model.lab import IPNetwork
from nslab.model.recorded import RecordedLab, RecordedNode
from nslab.model.segments import Groups
from nslab.records.verdicts import Convergence
from nslab.running.record import ends, lab_record

POLL = 0.1


def expected(lab: str) -> dict[str, tuple[str, set[str]]]:
    """node -> (namespace, prefixes it must hold), from the lab's record and
    as the lab is now: `nslab link` may have cut links, `nslab node` stopped
    routers (nslab.running.record)."""
    from nslab.state.journal import Journal

    down = {(e.node, e.iface) for e in ends(lab) if not e.up}
    return within_reach(lab_record(lab), down, set(Journal(lab).read().stopped))


def _held(n: RecordedNode, live: set[tuple[str, str]]) -> list[IPNetwork]:
    out = [ip_network(a, strict=False) for i in n.interfaces if (n.name, i.name) in live
           for a in i.addresses]
    return out + [ip_network(a, strict=False) for a in n.loopbacks()]


def within_reach(rec: RecordedLab, down: set[tuple[str, str]], stopped: set[str]
                 ) -> dict[str, tuple[str, set[str]]]:
    """What each running router must hold given the ends that are `down` (a
    veth end down takes its peer's carrier too) and the nodes `stopped`: a
    prefix that some node of the lab holds is expected only where a node
    holding it can still be reached over links that are up. Prefixes no
    node's interface or loopback holds (announced ones) stay expected. Pure."""
    dead = set(down) | {(n.name, i.name) for n in rec.nodes if n.name in stopped
                        for i in n.interfaces}
    dead |= {rec.node(n).interface(i).peer_end for n, i in list(dead) if rec.has(n)}
    live = {(n.name, i.name) for n in rec.nodes for i in n.interfaces} - dead
    joined = Groups(n.name for n in rec.nodes)
    for n in rec.nodes:
        for i in n.interfaces:
            if (n.name, i.name) in live and rec.has(i.peer_node):
                joined.join(n.name, i.peer_node)
    find = joined.root
    holds: dict[str, list[IPNetwork]] = {}
    for n in rec.nodes:
        if n.name not in stopped:
            holds.setdefault(find(n.name), []).extend(_held(n, live))
    everywhere = [h for n in rec.nodes for h in _held(n, live | dead)]

    def reachable(p: IPNetwork, mine: list[IPNetwork]) -> bool:
        def held(among: list[IPNetwork]) -> bool:
            return any(h.version == p.version and h.overlaps(p) for h in among)
        return held(mine) or not held(everywhere)

    return {n.name: (n.namespace, {p for p in n.expected
                                   if reachable(ip_network(p), holds.get(find(n.name), []))})
            for n in rec.nodes if n.expected and n.name not in stopped}


Opened = dict[str, tuple[Ref, set[str]]]  # node -> (its namespace, opened; what it must hold)


def opened(want: dict[str, tuple[str, set[str]]], kernel: Kernel) -> Opened:
    """Each router's namespace opened once for the polls (a socket bound
    inside: no namespace is entered again per poll)."""
    out: Opened = {}
    try:
        for node, (ns, prefixes) in want.items():
            out[node] = (kernel.open_namespace(ns), prefixes)
    except BaseException:
        close(out, kernel)
        raise
    return out


def close(refs: Opened, kernel: Kernel) -> None:
    for ref, _ in refs.values():
        kernel.release(ref)


Tables = dict[str, frozenset[Any]]  # node -> its routes (destination and next hops)


def read(refs: Opened, kernel: Kernel) -> tuple[dict[str, list[str]], Tables]:
    """node -> the prefixes its table lacks (none: it holds all it should),
    and every router's routes as read."""
    out: dict[str, list[str]] = {}
    tables: Tables = {}
    for node, (ref, prefixes) in refs.items():
        routes = kernel.read_routes(ref, devices=False)
        tables[node] = frozenset((r.dst, r.nexthops) for r in routes)
        lacking = sorted(prefixes - {r.dst for r in routes})
        if lacking:
            out[node] = lacking
    return out, tables


def missing(refs: Opened, kernel: Kernel) -> dict[str, list[str]]:
    return read(refs, kernel)[0]


REASONS_FOR = 10  # routers whose daemons are asked why, when routing did not converge


def reasons(lab: str, lacking: dict[str, list[str]]) -> dict[str, str]:
    """Why each router (the first few) lacks its first missing prefix, as its
    daemons tell it (nslab.running.daemons.why_lacking)."""
    from nslab.running.daemons import why_lacking

    out = {}
    for node, prefixes in list(lacking.items())[:REASONS_FOR]:
        said = why_lacking(lab, node, prefixes[0])
        if said:
            out[node] = said
    return out


# routing is final once every table is complete and none has changed for this long:
# a prefix is often first learnt the long way round, before the last adjacency
# (an OSPF hello apart) gives the best path
SETTLE = 1.0


def wait(lab: str, within: float, kernel: Kernel | None = None,
         sleep: Callable[[float], None] = time.sleep,
         clock: Callable[[], float] = time.monotonic, settle: float = SETTLE) -> Convergence:
    """Poll until every router's table is complete and has stayed the same
    for `settle` seconds, or `within` seconds pass; the time given is when
    the tables last changed."""
    k = kernel or RealKernel()
    t0 = clock()
    refs = opened(expected(lab), k)
    last: Tables | None = None
    changed = t0
    try:
        while True:
            lacking, tables = read(refs, k)
            now = clock()
            if tables != last:
                last, changed = tables, now
            if (not lacking and now - changed >= settle) or now - t0 >= within:
                seconds = (changed if not lacking else now) - t0
                return Convergence(not lacking, round(seconds, 3), len(refs), lacking,
                                   reasons(lab, lacking))
            sleep(POLL)
    finally:
        close(refs, k)
