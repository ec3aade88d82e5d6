#!/usr/bin/env python3
"""OSPF labs of 10, 50 and 100 FRR routers (grids, a host on two corners), in a
sandbox that plays the machine (tests/helpers/sandbox.py), compared in the same run with
the same topology under `routing: auto` (the lower bound: no daemons):

  up         wall time of `nslab up`
  converge   from `up` returning until every router's kernel table holds every
             prefix it should (nslab's own check, as `test.converge: auto`)
  MB/router  resident memory of the routing daemons, per router
  down       wall time of `nslab down`; daemons left afterwards (must be 0)

Targets (issue 11): 100 routers converged within 15 s of up returning, at most
25 MB per router, down under 3 s with no daemon left.

Usage (root):  .venv/bin/python bench/routing.py [-n 10,50,100]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.sandbox import UNSHARE, enter, nslab, reap, routing_daemons  # noqa: E402


def grid(n: int, routing: str) -> str:
    cols = 10 if n >= 50 else 5
    rows = n // cols
    name = lambda r, c: f"r{r * cols + c}"  # noqa: E731
    nodes = [f"  {name(r, c)}: {{kind: router}}" for r in range(rows) for c in range(cols)]
    links = [f"  - [{name(r, c)}, {name(r, c + 1)}]" for r in range(rows) for c in range(cols - 1)]
    links += [f"  - [{name(r, c)}, {name(r + 1, c)}]" for r in range(rows - 1)
              for c in range(cols)]
    nodes += ["  ha: {}", "  hb: {}"]
    links += [f"  - [ha, {name(0, 0)}]", f"  - [hb, {name(rows - 1, cols - 1)}]"]
    return (f"name: grid{n}\nrouting: {routing}\naddressing: {{pool: 10.64.0.0/12}}\n"
            "nodes:\n" + "\n".join(nodes) + "\nlinks:\n" + "\n".join(links) + "\n")


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def one(n: int, routing: str) -> dict[str, float]:
    from nslab.running import converge

    path = Path(f"/run/grid{n}-{routing}.yaml")
    path.write_text(grid(n, routing))
    t0 = time.monotonic()
    r = nslab("up", str(path))
    assert r.returncode == 0, r.stderr
    up = time.monotonic() - t0
    conv = converge.wait(f"grid{n}", 120) if routing == "ospf" else None
    pids = list(routing_daemons())
    mem = rss_mb(pids) / n if pids else 0.0
    t1 = time.monotonic()
    r = nslab("down", f"grid{n}")
    assert r.returncode == 0, r.stderr
    down = time.monotonic() - t1
    reap()
    return {"up": up, "converge": conv.seconds if conv else 0.0,
            "complete": float(conv.complete) if conv else 1.0, "mb": mem, "down": down,
            "left": float(len(routing_daemons()))}


def inside(sizes: list[int]) -> None:
    enter()
    print(f"{'routers':>7} {'routing':8} {'up s':>6} {'converge s':>10} {'MB/router':>9} "
          f"{'down s':>6} {'left':>4}", flush=True)
    for n in sizes:
        for routing in ("auto", "ospf"):
            m = one(n, routing)
            conv = f"{m['converge']:.2f}" + ("" if m["complete"] else " (incomplete)")
            print(f"{n:7} {routing:8} {m['up']:6.2f} {conv:>10} {m['mb']:9.1f} "
                  f"{m['down']:6.2f} {int(m['left']):4}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", default="10,50,100", help="router counts, comma-separated")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    sizes = [int(x) for x in a.n.split(",")]
    if a.inside:
        inside(sizes)
        return 0
    return subprocess.run([*UNSHARE, sys.executable, __file__, "--inside", "-n", a.n],
                          cwd=REPO).returncode


if __name__ == "__main__":
    sys.exit(main())
