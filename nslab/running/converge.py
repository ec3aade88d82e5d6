"""Wait for a lab's routing protocols to converge: every router that runs
daemons holds, in its kernel's main table, every prefix the topology says it
should reach (`Node.expected`: what `routing: auto` would compute, plus the
other routers' loopbacks and announced prefixes). Reads the kernel only."""

from __future__ import annotations

import time
from collections.abc import Callable

from nslab.kernel.seam import Kernel, RealKernel
from nslab.records.verdicts import Convergence
from nslab.running.record import lab_record

POLL = 0.1


def expected(lab: str) -> dict[str, tuple[str, set[str]]]:
    """node -> (namespace, prefixes it must hold), from the lab's record."""
    return {n.name: (n.namespace, set(n.expected)) for n in lab_record(lab).nodes
            if n.expected}


def missing(want: dict[str, tuple[str, set[str]]], kernel: Kernel) -> dict[str, list[str]]:
    """node -> the prefixes its table lacks (none: it holds all it should)."""
    out: dict[str, list[str]] = {}
    for node, (ns, prefixes) in want.items():
        have = {r.dst for r in kernel.read_routes(ns)}
        lacking = sorted(prefixes - have)
        if lacking:
            out[node] = lacking
    return out


def wait(lab: str, within: float, kernel: Kernel | None = None,
         sleep: Callable[[float], None] = time.sleep) -> Convergence:
    """Poll until every router's table is complete, or `within` seconds pass."""
    k = kernel or RealKernel()
    t0 = time.monotonic()
    want = expected(lab)
    while True:
        lacking = missing(want, k)
        seconds = time.monotonic() - t0
        if not lacking or seconds >= within:
            return Convergence(not lacking, round(seconds, 3), len(want), lacking)
        sleep(POLL)
