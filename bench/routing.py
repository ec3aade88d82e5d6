#!/usr/bin/env python3
"""OSPF labs of 10, 50 and 100 FRR routers (grids, a host on two corners) and a
BGP internet of 50 ASes (5 tier-1s peering in a full mesh, 15 transit ASes with two
tier-1 providers each, 30 stubs with one or two transit providers, every AS
announcing a /24, relations said: Gao-Rexford), in a sandbox that plays the
machine (tests/helpers/sandbox.py), each compared in the same run with the same
topology under `routing: auto` (the lower bound: no daemons):

  up         wall time of `nslab up`
  converge   from `up` returning until every router's kernel table holds every
             prefix it should (nslab's own check, as `test.converge: auto`)
  MB/router  memory of the routing daemons per router: their proportional set
             size (PSS: each process's private pages and its share of the
             shared libraries, so that the column times the routers is what
             the machine spends); (RSS) counts every library whole in every
             process, as ps does
  down       wall time of `nslab down`; daemons left afterwards (must be 0)

Targets (issues 11 and 21): 100 OSPF routers and the 50-AS internet converged
within 15 s of up returning, at most 25 MB per router, down under 3 s with no
daemon left.

Usage (root):  .venv/bin/python bench/routing.py [-n 10,50,100] [--ases 50]
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

    def name(r: int, c: int) -> str:
        return f"r{r * cols + c}"

    nodes = [f"  {name(r, c)}: {{kind: router}}" for r in range(rows) for c in range(cols)]
    links = [f"  - [{name(r, c)}, {name(r, c + 1)}]" for r in range(rows) for c in range(cols - 1)]
    links += [f"  - [{name(r, c)}, {name(r + 1, c)}]" for r in range(rows - 1)
              for c in range(cols)]
    nodes += ["  ha: {}", "  hb: {}"]
    links += [f"  - [ha, {name(0, 0)}]", f"  - [hb, {name(rows - 1, cols - 1)}]"]
    return (f"name: grid{n}\nrouting: {routing}\naddressing: {{pool: 10.64.0.0/12}}\n"
            "nodes:\n" + "\n".join(nodes) + "\nlinks:\n" + "\n".join(links) + "\n")


def internet(n: int, routing: str) -> str:
    """n ASes (n >= 10): a tenth tier-1s (a full mesh of peers), three tenths
    transit ASes (two tier-1 providers each), the rest stubs (one transit
    provider, every third a second one); each announces a /24 of 198.18.0.0/15."""
    t1, t2 = max(2, n // 10), max(2, 3 * n // 10)
    tier1 = [f"t{i}" for i in range(t1)]
    transit = [f"m{i}" for i in range(t2)]
    stubs = [f"s{i}" for i in range(n - t1 - t2)]
    providers: dict[str, list[str]] = {}
    for k, m in enumerate(transit):
        providers[m] = [tier1[k % t1], tier1[(k + 1) % t1]]
    for k, s in enumerate(stubs):
        providers[s] = [transit[k % t2]] + ([transit[(k + 1) % t2]] if k % 3 == 0 else [])
    lines = [f"name: as{n}", f"routing: {'bgp' if routing == 'bgp' else 'auto'}",
             "addressing: {pool: 10.96.0.0/12}", "nodes:"]
    for k, r in enumerate(tier1 + transit + stubs):
        prefix = f"198.{18 + k // 256}.{k % 256}.0/24"
        said = [f"{{peer: {t}, relation: peer}}" for t in tier1 if r in tier1 and t != r] \
            + [f"{{peer: {p}, relation: provider}}" for p in providers.get(r, [])] \
            + [f"{{peer: {c}}}" for c, ps in providers.items() if r in ps]
        bgp = f", bgp: {{asn: {64512 + k}, announce: [{prefix}], neighbors: " \
              f"[{', '.join(said)}]}}" if routing == "bgp" else ""
        lines.append(f"  {r}: {{kind: router{bgp}}}")
    lines.append("links:")
    lines += [f"  - [{a}, {b}]" for i, a in enumerate(tier1) for b in tier1[i + 1:]]
    lines += [f"  - [{r}, {p}]" for r, ps in providers.items() for p in ps]
    return "\n".join(lines) + "\n"


def memory_mb(pids: list[int], field: str) -> float:
    """The processes' memory: `Rss` (each counts the shared libraries whole) or
    `Pss` (each its share of them: the sum is what the machine spends)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def one(n: int, routing: str, lab: str = "grid") -> dict[str, float]:
    from nslab.running import converge

    name = f"{'grid' if lab == 'grid' else 'as'}{n}"
    path = Path(f"/run/{name}-{routing}.yaml")
    path.write_text(grid(n, routing) if lab == "grid" else internet(n, routing))
    t0 = time.monotonic()
    r = nslab("up", str(path))
    assert r.returncode == 0, r.stderr
    up = time.monotonic() - t0
    conv = converge.wait(name, 120) if routing != "auto" else None
    pids = list(routing_daemons())
    pss = memory_mb(pids, "Pss") / n if pids else 0.0
    rss = memory_mb(pids, "Rss") / n if pids else 0.0
    t1 = time.monotonic()
    r = nslab("down", name)
    assert r.returncode == 0, r.stderr
    down = time.monotonic() - t1
    reap()
    return {"up": up, "converge": conv.seconds if conv else 0.0,
            "complete": float(conv.complete) if conv else 1.0, "pss": pss, "rss": rss,
            "down": down,
            "left": float(len(routing_daemons()))}


def inside(sizes: list[int], ases: list[int]) -> None:
    enter()
    print(f"{'routers':>7} {'routing':8} {'up s':>6} {'converge s':>10} {'MB/router':>9} "
          f"{'(RSS)':>6} {'down s':>6} {'left':>4}", flush=True)
    runs = [(n, r, "grid") for n in sizes for r in ("auto", "ospf")] + \
        [(n, r, "internet") for n in ases for r in ("auto", "bgp")]
    for n, routing, lab in runs:
        m = one(n, routing, lab)
        conv = f"{m['converge']:.2f}" + ("" if m["complete"] else " (incomplete)")
        print(f"{n:7} {routing:8} {m['up']:6.2f} {conv:>10} {m['pss']:9.1f} "
              f"{m['rss']:6.1f} {m['down']:6.2f} {int(m['left']):4}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", default="10,50,100", help="router counts, comma-separated")
    ap.add_argument("--ases", default="50", help="BGP internets of this many ASes "
                    "(comma-separated; empty: none)")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    sizes = [int(x) for x in a.n.split(",") if x]
    ases = [int(x) for x in a.ases.split(",") if x]
    if a.inside:
        inside(sizes, ases)
        return 0
    return subprocess.run([*UNSHARE, sys.executable, __file__, "--inside", "-n", a.n,
                           "--ases", a.ases], cwd=REPO).returncode


if __name__ == "__main__":
    sys.exit(main())
