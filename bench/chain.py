#!/usr/bin/env python3
"""Build and remove chains of N routers three ways, in one run, and print ratios.

  nslab   nslab's API in-process: load + resolve + plan + up; then down
  shell   `nslab plan --shell` run by bash: one ip/sysctl process per operation,
          the way the commands are typed by hand; torn down with `ip netns del`
  floor   ../shared/bench/netlink_floor.py --method raw --no-settle: the same
          chain built the fastest known way (raw netlink, batched)

Usage (root):  .venv/bin/python bench/chain.py [-n 10 100 1000] [--repeat 3]
Prints one row per (N, method), best of --repeat runs (the shell method runs
once for N >= 1000: it takes half a minute), then the ratios the targets name.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nslab.kernel import sysctl  # noqa: E402
from nslab.model.compile import compile_file  # noqa: E402
from nslab.verbs.down import down  # noqa: E402
from nslab.verbs.up import build_plan, up  # noqa: E402

FLOOR = REPO.parent / "shared" / "bench" / "netlink_floor.py"


def chain_yaml(name: str, n: int) -> str:
    nodes = "\n".join(f"  n{i}: {{kind: router}}" for i in range(n))
    links = "\n".join(f"  - [n{i}, n{i + 1}]" for i in range(n - 1))
    return (f"name: {name}\nrouting: static\naddressing: {{pool: 10.200.0.0/16}}\n"
            "dns: {hosts: false}\n"
            f"nodes:\n{nodes}\nlinks:\n{links}\n")


def run_nslab(path: str, name: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    lab = compile_file(path)
    up(lab, path)
    took_up = time.perf_counter() - t0
    t0 = time.perf_counter()
    down(name)
    return took_up, time.perf_counter() - t0


def run_shell(path: str, n: int, name: str) -> tuple[float, float]:
    lab = compile_file(path)
    script = build_plan(lab).as_shell()
    before = sysctl.neighbour_thresh(4)
    try:
        return _timed_shell(script, n, name)
    finally:  # the script raises the machine-wide neighbour limits: put them back
        sysctl.set_neighbour_thresh(4, before)


def _timed_shell(script: str, n: int, name: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    subprocess.run(["bash", "-s"], input=script, text=True, check=True,
                   stdout=subprocess.DEVNULL)
    up = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run(["bash", "-s"], input="".join(f"ip netns del {name}-n{i}\n" for i in range(n)),
                   text=True, check=True)
    return up, time.perf_counter() - t0


def run_floor(n: int) -> tuple[float, float]:
    out = subprocess.run([sys.executable, str(FLOOR), "--method", "raw", "-n", str(n),
                          "--no-settle"], capture_output=True, text=True, check=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return float(data["create"]), float(data["teardown"])


def best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return min(r[0] for r in runs), min(r[1] for r in runs)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench/chain.py needs root", file=sys.stderr)
        return 6
    if not FLOOR.exists():
        print(f"missing {FLOOR} (the shared netlink floor benchmark)", file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.n:
            name = f"bench{n}"
            path = os.path.join(tmp, f"{name}.yaml")
            Path(path).write_text(chain_yaml(name, n))
            res = {
                "floor": best([run_floor(n) for _ in range(args.repeat)]),
                "nslab": best([run_nslab(path, name) for _ in range(args.repeat)]),
                "shell": best([run_shell(path, n, name)
                               for _ in range(1 if n >= 1000 else args.repeat)]),
            }
            floor_up = res["floor"][0]
            for method, (up, down) in res.items():
                rows.append({"n": n, "method": method, "up_s": round(up, 4),
                             "down_s": round(down, 4),
                             "up_vs_floor": round(up / floor_up, 2),
                             "shell_vs_this": round(res["shell"][0] / up, 1)})
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'N':>5} {'method':<6} {'up s':>8} {'down s':>8} {'up/floor':>9} {'shell/up':>9}")
    for r in rows:
        print(f"{r['n']:>5} {r['method']:<6} {r['up_s']:>8.3f} {r['down_s']:>8.3f} "
              f"{r['up_vs_floor']:>9.2f} {r['shell_vs_this']:>9.1f}")
    print("targets at N=1000: nslab up/floor <= 2.0, nslab down < 1 s, shell/up >= 5")
    return 0


if __name__ == "__main__":
    sys.exit(main())
