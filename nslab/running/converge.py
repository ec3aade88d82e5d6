"""Wait for a lab's routing protocols to converge: every router that runs
daemons holds, in its kernel's main table, every prefix the topology says it
should reach (`Node.expected`: what `routing: auto` would compute, plus the
other routers' loopbacks and announced prefixes). Reads the kernel only."""

from __future__ import annotations

import time

from nslab.kernel import netstate
from nslab.kernel.observe import socket_in
from nslab.records.verdicts import Convergence
from nslab.running.record import lab_record

POLL = 0.1


def expected(lab: str) -> dict[str, tuple[str, set[str]]]:
    """node -> (namespace, prefixes it must hold), from the lab's record."""
    return {n.name: (n.namespace, set(n.expected)) for n in lab_record(lab).nodes
            if n.expected}


def wait(lab: str, within: float) -> Convergence:
    """Poll until every router's table is complete, or `within` seconds pass."""
    t0 = time.monotonic()
    want = expected(lab)
    socks = {node: socket_in(ns) for node, (ns, _) in want.items()}
    try:
        while True:
            missing: dict[str, list[str]] = {}
            for node, (_ns, prefixes) in want.items():
                have = {r.dst for r in netstate.routes(socks[node], {}) if r.table == "main"}
                lacking = sorted(prefixes - have)
                if lacking:
                    missing[node] = lacking
            seconds = time.monotonic() - t0
            if not missing or seconds >= within:
                return Convergence(not missing, round(seconds, 3), len(want), missing)
            time.sleep(POLL)
    finally:
        for s in socks.values():
            s.close()
