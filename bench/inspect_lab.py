#!/usr/bin/env python3
"""Inspect every node of a lab (default 100 nodes: routers in a chain, a switch
of 10 hosts hanging off each tenth router), four ways, in one run:

  lab       `nslab inspect LAB --json`: one process, every node, every section
  api       nslab.verbs.inspect.inspect() once per node, in one Python process
  cli       `nslab inspect LAB NODE --json` once per node (Python start-up included)
  tools     what a person runs per node without nslab (the baseline):
            ip -j link/addr/route/rule/neigh, bridge -j fdb, ss -tuanp,
            nft -j list ruleset, sysctl -a -r forwarding|rp_filter, ps
            through `ip netns exec`

Usage (root):  .venv/bin/python bench/inspect_lab.py [-n 100] [--repeat 3]
Prints seconds for the whole lab, per node, and each way's ratio to `tools`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nslab import Lab  # noqa: E402
from nslab.verbs import inspect as inspection  # noqa: E402

NSLAB = [sys.executable, "-m", "nslab"]
TOOLS = [["ip", "-j", "-d", "-s", "link"], ["ip", "-j", "addr"],
         ["ip", "-j", "route", "show", "table", "all"],
         ["ip", "-j", "-6", "route", "show", "table", "all"], ["ip", "-j", "rule"],
         ["ip", "-j", "neigh"], ["bridge", "-j", "fdb"], ["ss", "-Htuanp"],
         ["nft", "-j", "list", "ruleset"],
         ["sysctl", "-a", "-r", "forwarding|rp_filter|proxy_arp|accept_ra|disable_ipv6"]]


def lab_yaml(name: str, n: int) -> str:
    routers = max(1, n // 2)
    rest = n - routers
    nodes = [f"  r{i}: {{kind: router}}" for i in range(routers)]
    links = [f"  - [r{i}, r{i + 1}]" for i in range(routers - 1)]
    switches = 0
    hosts = 0
    while hosts + 1 < rest:  # a switch and up to 9 hosts on a router
        sw = f"s{switches}"
        nodes.append(f"  {sw}: {{kind: switch}}")
        links.append(f"  - [{sw}, r{(switches * 7) % routers}]")
        for _ in range(min(9, rest - hosts - 1)):
            nodes.append(f"  h{hosts}: {{}}")
            links.append(f"  - [h{hosts}, {sw}]")
            hosts += 1
        switches += 1
        rest -= 1
    return (f"name: {name}\naddressing: {{pool: 10.201.0.0/16}}\nnodes:\n"
            + "\n".join(nodes) + "\nlinks:\n" + "\n".join(links) + "\n")


def timed(fn: Callable[[], None], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   cwd=REPO)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    name = "bi"
    with Lab(lab_yaml(name, args.n)) as lab:  # up, and down whatever happens
        nodes = [(n.name, n.namespace) for n in lab.nodes]
        results = {
            "lab": timed(lambda: run([*NSLAB, "inspect", name, "--json"]), args.repeat),
            "api": timed(lambda: [inspection.inspect(name, node) for node, _ in nodes],
                         args.repeat),
            "cli": timed(lambda: [run([*NSLAB, "inspect", name, node, "--json"])
                                  for node, _ in nodes], 1),
            "tools": timed(lambda: [run(["ip", "netns", "exec", ns, *t])
                                    for _, ns in nodes for t in TOOLS], 1),
        }
    base = results["tools"]
    print(f"inspect every node of a {len(nodes)}-node lab (best of {args.repeat}; "
          "cli and tools once)")
    print(f"{'way':<6} {'total s':>8} {'per node ms':>12} {'tools/way':>10}")
    for way, secs in results.items():
        print(f"{way:<6} {secs:8.3f} {1000 * secs / len(nodes):12.2f} {base / secs:10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
