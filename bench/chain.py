#!/usr/bin/env python3
"""Build and remove chains of N routers several ways, in one run, in a sandbox
that plays the machine, and print ratios against the floor.

  floor   ../shared/bench/netlink_floor.py --method raw --no-settle: the same
          chain built the fastest known way (raw netlink, batched)
  cli     `nslab up FILE` then `nslab down LAB`, each a fresh process, as a
          person runs them (start-up, reading the file and the journal
          included); its peak memory is the `up` process's maximum RSS
  nslab   nslab's API in-process: load + resolve + plan + up; then down
  shell   `nslab plan --shell` run by bash: one ip/sysctl process per operation,
          the way the commands are typed by hand; torn down with `ip netns del`
          (N <= 1000 only: it takes half a minute there)

Usage (root):  .venv/bin/python bench/chain.py [-n 10 100 1000] [--repeat 3]
               .venv/bin/python bench/chain.py --curve [--plot docs/scale.svg]
--curve measures floor and cli at 100 ... 10,000 once each and, with --plot,
draws time against N. Targets (issue 27): cli up <= 1.5x floor at 5,000;
nslab up <= 2x floor and down < 1 s at 1,000; shell >= 5x nslab.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.sandbox import UNSHARE, enter, user_env  # noqa: E402

FLOOR = REPO.parent / "shared" / "bench" / "netlink_floor.py"
CURVE = [100, 500, 1000, 2000, 5000, 10000]
# The floor as it is, with two things a sandbox needs: its closing note reads
# /proc/net/stat/arp_cache, which only the machine's first namespace has, and
# it holds two files per namespace: its soft limit is raised to the hard one
# (at 10,000 it needs more than a usual hard limit of 20,000: reported as such).
FLOOR_RUNNER = (
    "import importlib.util, resource, sys\n"
    "spec = importlib.util.spec_from_file_location('floor', sys.argv[1])\n"
    "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
    "m.arp_cache_stat = lambda: {}\n"
    "hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]\n"
    "resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))\n"
    "sys.argv = sys.argv[1:]; m.main()\n")


def chain_yaml(name: str, n: int) -> str:
    nodes = "\n".join(f"  n{i}: {{kind: router}}" for i in range(n))
    links = "\n".join(f"  - [n{i}, n{i + 1}]" for i in range(n - 1))
    return (f"name: {name}\nrouting: static\naddressing: {{pool: 10.200.0.0/16}}\n"
            "dns: {hosts: false}\n"
            f"nodes:\n{nodes}\nlinks:\n{links}\n")


Run = tuple[float, float, int]  # up s, down s, peak KiB (0: not measured)


def run_floor(n: int) -> Run | None:
    """None: the floor could not build it here (it says why on stderr)."""
    r = subprocess.run([sys.executable, "-c", FLOOR_RUNNER, str(FLOOR), "--method", "raw",
                        "-n", str(n), "--no-settle"], capture_output=True, text=True)
    if r.returncode != 0:
        why = (r.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"floor at {n}: failed ({why}); soft/hard open-file limits "
              f"{resource.getrlimit(resource.RLIMIT_NOFILE)}", file=sys.stderr)
        return None
    data = json.loads(r.stdout.strip().splitlines()[-1])
    return float(data["create"]), float(data["teardown"]), 0


USER_ENV: list[dict[str, str]] = []  # the command's, once in the sandbox


def _timed(argv: list[str]) -> tuple[float, int]:
    """Run a command; its wall time and maximum RSS (KiB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=USER_ENV[0])
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}\n{err.decode()}")
    return took, int(usage.ru_maxrss)


def run_cli(path: str, name: str) -> Run:
    nslab = [sys.executable, "-m", "nslab"]
    took_up, peak = _timed([*nslab, "up", path])
    took_down, _ = _timed([*nslab, "down", name])
    return took_up, took_down, peak


def run_nslab(path: str, name: str) -> Run:
    from nslab.model.compile import compile_file
    from nslab.verbs.down import down
    from nslab.verbs.up import up

    t0 = time.perf_counter()
    up(compile_file(path), path)
    took_up = time.perf_counter() - t0
    t0 = time.perf_counter()
    down(name)
    return took_up, time.perf_counter() - t0, 0


def run_shell(path: str, n: int, name: str) -> Run:
    from nslab.model.compile import compile_file
    from nslab.verbs.up import build_plan

    script = build_plan(compile_file(path)).as_shell()
    t0 = time.perf_counter()
    subprocess.run(["bash", "-s"], input=script, text=True, check=True,
                   stdout=subprocess.DEVNULL)
    took_up = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run(["bash", "-s"], input="".join(f"ip netns del {name}-n{i}\n" for i in range(n)),
                   text=True, check=True)
    return took_up, time.perf_counter() - t0, 0


def run(method: str, n: int, path: str, name: str) -> Run | None:
    if method == "floor":
        return run_floor(n)
    if method == "cli":
        return run_cli(path, name)
    return run_nslab(path, name) if method == "nslab" else run_shell(path, n, name)


def best(runs: list[Run | None]) -> Run | None:
    done = [r for r in runs if r is not None]
    if not done:
        return None
    return min(r[0] for r in done), min(r[1] for r in done), max(r[2] for r in done)


def measure(sizes: list[int], repeat: int, methods: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            name = f"bench{n}"
            path = os.path.join(tmp, f"{name}.yaml")
            Path(path).write_text(chain_yaml(name, n))
            res = {m: best([run(m, n, path, name) for _ in range(repeat)]) for m in methods
                   if m != "shell" or n <= 1000}
            floor = res.pop("floor")
            if floor is not None:
                res = {"floor": floor, **res}
            for method, got in res.items():
                assert got is not None
                took_up, took_down, peak = got
                row = {"n": n, "method": method, "up_s": round(took_up, 4),
                       "down_s": round(took_down, 4),
                       "up_vs_floor": round(took_up / floor[0], 2) if floor else None}
                if peak:
                    row["peak_mib"] = round(peak / 1024, 1)
                rows.append(row)
            print(json.dumps(rows[-len(res):]), file=sys.stderr, flush=True)
    return rows


def plot(rows: list[dict[str, Any]], out: Path) -> None:
    """Time to build against N, one line per method, as an SVG (log-log)."""
    width, height, left, bottom, top, right = 640, 400, 70, 50, 30, 110
    sizes = sorted({r["n"] for r in rows})
    times = [r["up_s"] for r in rows]
    tlo = 10 ** math.floor(math.log10(min(times)))
    thi = 10 ** math.ceil(math.log10(max(times)))

    def xy(n: float, t: float) -> tuple[float, float]:
        fx = math.log10(n / sizes[0]) / math.log10(sizes[-1] / sizes[0])
        fy = math.log10(t / tlo) / math.log10(thi / tlo)
        return (left + (width - left - right) * fx, height - bottom - (height - bottom - top) * fy)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{left}" y="18">chain of N routers: seconds to build (log-log), '
             'nslab up through the command vs the raw-netlink floor</text>']
    x0, y0 = xy(sizes[0], tlo)
    x1, y1 = xy(sizes[-1], thi)
    parts.append(f'<path d="M{x0},{y1} V{y0} H{x1}" stroke="black" fill="none"/>')
    for n in sizes:
        x, _ = xy(n, tlo)
        parts.append(f'<text x="{x:.0f}" y="{y0 + 16:.0f}" text-anchor="middle">{n}</text>')
    t = tlo
    while t <= thi:
        _, y = xy(sizes[0], t)
        parts.append(f'<text x="{x0 - 8:.0f}" y="{y + 4:.0f}" text-anchor="end">{t:g}</text>')
        parts.append(f'<path d="M{x0},{y:.1f} H{x1}" stroke="#dddddd"/>')
        t *= 10
    colours = {"floor": "#888888", "cli": "#d04010", "nslab": "#1060c0", "shell": "#20a040"}
    for method, colour in colours.items():
        pts = sorted((r["n"], r["up_s"]) for r in rows if r["method"] == method)
        if not pts:
            continue
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(n, t) for n, t in pts))
        parts.append(f'<polyline points="{coords}" stroke="{colour}" fill="none" '
                     'stroke-width="2"/>')
        for n, t in pts:
            x, y = xy(n, t)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        x, y = xy(*pts[-1])
        label = {"cli": "nslab up", "floor": "floor"}.get(method, method)
        parts.append(f'<text x="{x + 8:.0f}" y="{y + 4:.0f}" fill="{colour}">{label}</text>')
    parts.append(f'<text x="{(x0 + x1) / 2:.0f}" y="{height - 12}" text-anchor="middle">'
                 'N (routers)</text></svg>\n')
    out.write_text("\n".join(parts))


def inside(args: argparse.Namespace) -> int:
    enter()
    USER_ENV.append(user_env())
    sizes = CURVE if args.curve else args.n
    methods = ["floor", "cli"] if args.curve else ["floor", "cli", "nslab", "shell"]
    rows = measure(sizes, 1 if args.curve else args.repeat, methods)
    if args.plot:
        plot(rows, Path(args.plot))
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'N':>6} {'method':<6} {'up s':>8} {'down s':>8} {'up/floor':>9} {'peak MiB':>9}")
    for r in rows:
        ratio = "n/a" if r["up_vs_floor"] is None else f"{r['up_vs_floor']:.2f}"
        print(f"{r['n']:>6} {r['method']:<6} {r['up_s']:>8.3f} {r['down_s']:>8.3f} "
              f"{ratio:>9} {r.get('peak_mib', ''):>9}")
    print("targets: cli up/floor <= 1.5 at 5,000; nslab up/floor <= 2.0 and down < 1 s "
          "at 1,000; shell/nslab >= 5")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--curve", action="store_true", help=f"floor and cli at {CURVE}, once")
    ap.add_argument("--plot", help="with --curve: write the curve as an SVG here")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench/chain.py needs root", file=sys.stderr)
        return 6
    if not FLOOR.exists():
        print(f"missing {FLOOR} (the shared netlink floor benchmark)", file=sys.stderr)
        return 2
    if args.inside:
        return inside(args)
    argv = ["-n", *map(str, args.n), "--repeat", str(args.repeat)]
    argv += (["--curve"] if args.curve else []) + (["--json"] if args.json else [])
    if args.plot:  # the sandbox's working directory is the repository's
        argv += ["--plot", str(Path(args.plot).resolve())]
    return subprocess.run([*UNSHARE, sys.executable, str(Path(__file__).resolve()), "--inside",
                           *argv], cwd=REPO).returncode


if __name__ == "__main__":
    sys.exit(main())
