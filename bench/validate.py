#!/usr/bin/env python3
"""`nslab validate` on large and hostile files of up to 10 MB: wall time and peak
memory of each verdict (a lab or located errors), each in a fresh process. The
issue's bound: every file under 10 MB gets its verdict within 10 s and 500 MB.
The baseline, measured in the same run, is `python -c "import yaml; yaml.load(f,
CSafeLoader)"` on the same file: reading it as YAML at all, without marks.

Usage:  .venv/bin/python bench/validate.py [--only SHAPE] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
MB = 1_000_000
HEAD = "name: big\naddressing: {pool: 10.0.0.0/8}\n"


def _fill(line: Callable[[int], str], size: int = 9 * MB) -> str:
    """Lines line(0), line(1), ... up to about `size` characters."""
    out, total, i = [], 0, 0
    while total < size:
        text = line(i)
        out.append(text)
        total += len(text)
        i += 1
    return "".join(out)


def chain_170k() -> str:  # far more nodes than nslab builds: refused by count
    n = 170_000
    return (HEAD + "nodes:\n" + "".join(f"  host{i}: {{}}\n" for i in range(n + 1))
            + "links:\n" + "".join(f"  - endpoints: [host{i}, host{i + 1}]\n" for i in range(n)))


def at_the_limits() -> str:  # 20,000 nodes and 40,000 links: a lab nslab resolves
    n = 20_000
    return (HEAD + "nodes:\n" + "".join(f"  h{i}: {{}}\n" for i in range(n))
            + "links:\n" + "".join(f"  - [h{i}, h{(i + 1) % n}]\n  - [h{i}, h{(i + 7) % n}]\n"
                                   for i in range(n)))


def star_with_routes() -> str:  # one hub on 19,999 links, 100,000 routes via its peers
    n = 19_999
    routes = _fill(lambda i: f"      - {{to: 10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}/32,"
                             f" via: 10.0.{i % 78 * 3 // 256}.{i % 78 * 3 % 256 + 2}}}\n",
                   5 * MB)
    return (HEAD + "routing: static\nnodes:\n  hub:\n    kind: router\n    routes:\n" + routes
            + "".join(f"  h{i}: {{}}\n" for i in range(n))
            + "links:\n" + "".join(f"  - [hub, h{i}]\n" for i in range(n)))


def routers_auto() -> str:  # as many routers and subnets as routing: auto computes
    n = 1_000  # 999,000 routes, just under MAX_AUTO_ROUTES
    return (HEAD + "nodes:\n" + "".join(f"  r{i}: {{kind: router}}\n" for i in range(n))
            + "links:\n" + "".join(f"  - [r{i}, r{i + 1}]\n" for i in range(n - 1)))


def one_long_string() -> str:
    return HEAD + "nodes:\n  a:\n    exec: ['" + "x" * (9 * MB) + "']\n"


def many_commands() -> str:
    return HEAD + "nodes:\n  a:\n    exec:\n" + _fill(lambda i: f"      - [echo, '{i}']\n")


def many_expectations() -> str:
    return (HEAD + "nodes: {a: {}, b: {}}\nlinks: [[a, b]]\ntest:\n  expect:\n"
            + _fill(lambda i: f"    - {{from: a, to: b, reach: {'true' if i % 2 else 'false'}}}\n"))


def many_firewall_rules() -> str:
    return (HEAD + "nodes:\n  a:\n    firewall:\n      policy: drop\n      rules:\n"
            + _fill(lambda i: f"        - {{action: allow, proto: tcp, port: {i % 65535 + 1}}}\n")
            + "  b: {}\nlinks: [[a, b]]\n")


def deep_and_wide_errors() -> str:  # an error in every one of 100,000 links
    return (HEAD + "nodes: {a: {}}\nlinks:\n"
            + _fill(lambda i: f"  - [a, nope{i}]\n", 2 * MB))


SHAPES: dict[str, Callable[[], str]] = {f.__name__: f for f in (
    chain_170k, at_the_limits, star_with_routes, routers_auto, one_long_string,
    many_commands, many_expectations, many_firewall_rules, deep_and_wide_errors)}


def _measure(argv: list[str]) -> tuple[float, float, str]:
    """Seconds and peak MB (this process's own, from wait4) of one command, and
    its first line of output."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=REPO, text=True)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - t0
        out.seek(0)
        text = out.read().strip()
    first = text.splitlines()[0] if text else f"exit {p.returncode}"
    if "Traceback" in text:
        first = "TRACEBACK " + text.splitlines()[-1]
    return seconds, usage.ru_maxrss / 1024, first


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=sorted(SHAPES))
    ap.add_argument("--keep", type=Path, help="write the files here and keep them")
    a = ap.parse_args()
    folder = a.keep or Path(tempfile.mkdtemp(prefix="nslab-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'shape':22} {'MB':>5} {'yaml s':>7} {'nslab s':>8} {'ratio':>6} "
          f"{'peak MB':>8}  verdict")
    worst = 0.0
    for name, make in SHAPES.items():
        if a.only and name != a.only:
            continue
        path = folder / f"{name}.yaml"
        path.write_text(make())
        size = path.stat().st_size / MB
        base, _, _ = _measure([PY, "-c", "import sys, yaml; yaml.load(open(sys.argv[1]), "
                               "Loader=yaml.CSafeLoader)", str(path)])
        secs, peak, verdict = _measure([PY, "-m", "nslab", "validate", str(path)])
        worst = max(worst, secs)
        print(f"{name:22} {size:5.1f} {base:7.2f} {secs:8.2f} {secs / base:6.2f} {peak:8.0f}  "
              f"{verdict[:90]}")
        if not a.keep:
            path.unlink()
    if not a.keep:
        folder.rmdir()
    print(f"slowest verdict: {worst:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
