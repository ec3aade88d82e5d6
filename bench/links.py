#!/usr/bin/env python3
"""Link properties, measured in a sandbox that plays the machine (tests/helpers/sandbox.py):

  rate     iperf3 through `rate: 10mbit` (target: within 10 %)
  loss     2,000 pings through `loss: 20%` one way (target: 17 % to 23 % lost)
  cost     `up` of a chain of N routers with a rate on every link, as a ratio
           to the same chain without (the tbf qdiscs go in the netlink batches)

Usage (root):  .venv/bin/python bench/links.py [-n 1000]
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.sandbox import bench, enter, nslab  # noqa: E402

PAIR = """name: pair
nodes: {a: {}, b: {}}
links:
  - endpoints: [a, b]
    impair:
      a: {loss: 20%}     # pings from a: a fifth lost, the replies not
"""
SHAPED = """name: shaped
nodes: {a: {}, b: {}}
links:
  - {endpoints: [a, b], rate: 10mbit}
"""


def chain(n: int, rate: str | None) -> str:
    props = f", rate: {rate}" if rate else ""
    nodes = "".join(f"  r{i}: {{kind: router}}\n" for i in range(n))
    links = "".join(f"  - {{endpoints: [r{i}, r{i + 1}]{props}}}\n" for i in range(n - 1))
    return f"name: chain\nrouting: static\nnodes:\n{nodes}links:\n{links}"


def up_seconds(text: str) -> float:
    path = Path("/run/chain.yaml")
    path.write_text(text)
    t0 = time.monotonic()
    r = nslab("up", str(path))
    seconds = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert nslab("down", "chain").returncode == 0
    return seconds


def inside(n: int) -> None:
    enter()
    Path("/run/pair.yaml").write_text(PAIR)
    assert nslab("up", "/run/pair.yaml").returncode == 0
    r = subprocess.run(["ip", "netns", "exec", "pair-a", "ping", "-c", "2000", "-i", "0.002",
                        "-W", "1", "-q", "10.128.0.2"], capture_output=True, text=True)
    lost = float(r.stdout.split("% packet loss")[0].rsplit(" ", 1)[1])
    nslab("down", "pair")
    Path("/run/shaped.yaml").write_text(SHAPED)
    assert nslab("up", "/run/shaped.yaml").returncode == 0
    server = subprocess.Popen(["ip", "netns", "exec", "shaped-b", "iperf3", "-s", "-1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    out = subprocess.run(["ip", "netns", "exec", "shaped-a", "iperf3", "-c", "10.128.0.2",
                          "-t", "5", "-J"], capture_output=True, text=True).stdout
    server.wait()
    bps = json.loads(out)["end"]["sum_received"]["bits_per_second"]
    nslab("down", "shaped")
    print(f"loss: 2000 pings through loss: 20% one way: {lost:.1f} % lost (target 17-23)")
    print(f"rate: iperf3 through rate: 10mbit: {bps / 1e6:.2f} Mbit/s received "
          f"({(bps / 1e7 - 1) * 100:+.1f} %, target within 10 %)")
    plain = min(up_seconds(chain(n, None)) for _ in range(2))
    shaped = min(up_seconds(chain(n, "100mbit")) for _ in range(2))
    print(f"cost: up of a {n}-router chain: {plain:.2f} s plain, {shaped:.2f} s with a rate "
          f"on each of its {n - 1} links: {shaped / plain:.2f}x (best of 2)")


def main() -> int:
    return bench(__file__, inside, "-n", 1000, "routers in the chain")[0]

if __name__ == "__main__":
    sys.exit(main())
