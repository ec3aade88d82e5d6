#!/usr/bin/env python3
"""All-pairs reachability of a lab (100 nodes with addresses: 9,900 ICMP probes), the
nslab way and the usual way, in one run:

  nslab   nslab.verbs.test.matrix(): every probe in parallel, in-process
          (a raw ICMP socket per source namespace, one event loop)
  ping    `ip netns exec SRC ping -c1 -W1 DST`, one process per probe, one
          after another (what a shell loop does); timed on a sample of pairs
          and scaled to all of them

Usage (root):  .venv/bin/python bench/probes.py [-n 100] [--sample 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nslab import Lab  # noqa: E402
from nslab.verbs import test as reachability  # noqa: E402


def lab_yaml(name: str, n: int) -> str:
    """n nodes with addresses: n/2 routers in a chain, the other half hosts on
    switches of 10, each switch on a router."""
    routers = n // 2
    nodes = [f"  r{i}: {{kind: router}}" for i in range(routers)]
    links = [f"  - [r{i}, r{i + 1}]" for i in range(routers - 1)]
    for h in range(n - routers):
        if h % 10 == 0:
            nodes.append(f"  s{h // 10}: {{kind: switch}}")
            links.append(f"  - [s{h // 10}, r{(h // 10 * 7) % routers}]")
        nodes.append(f"  h{h}: {{}}")
        links.append(f"  - [h{h}, s{h // 10}]")
    return (f"name: {name}\naddressing: {{pool: 10.202.0.0/16}}\nnodes:\n"
            + "\n".join(nodes) + "\nlinks:\n" + "\n".join(links) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    name = "bp"
    with Lab(lab_yaml(name, args.n)) as lab:  # up, and down whatever happens
        nodes = [n for n in lab.nodes if n.addresses]
        best, reached, total = float("inf"), 0, 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            (m,) = reachability.matrix(name, families=(4,))
            best = min(best, time.perf_counter() - t0)
            reached, total = sum(c.reached for c in m.cells), len(m.cells)
        pairs = [(a, b) for a in nodes for b in nodes if a is not b]
        sample = random.Random(1).sample(pairs, min(args.sample, len(pairs)))
        t0 = time.perf_counter()
        ok = 0
        for a, b in sample:
            ok += a.run(["ping", "-c1", "-W1", "-q", b.address]).ok
        per = (time.perf_counter() - t0) / len(sample)
    print(f"all pairs of a {len(nodes)}-node lab: {total} ICMP probes "
          f"(nslab best of {args.repeat})")
    print(f"{'way':<6} {'seconds':>9} {'probes/s':>10} {'reached':>9} {'ping/nslab':>11}")
    print(f"{'nslab':<6} {best:9.3f} {total / best:10.0f} {reached:>9} {per * total / best:11.1f}")
    print(f"{'ping':<6} {per * total:9.1f} {1 / per:10.0f} {f'{ok}/{len(sample)}':>9} "
          f"{1.0:11.1f}   (scaled from {len(sample)} sampled pairs)")
    return 0 if reached == total else 1


if __name__ == "__main__":
    sys.exit(main())
