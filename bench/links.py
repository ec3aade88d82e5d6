#!/usr/bin/env python3
"""Link properties, measured in a sandbox that plays the machine (tests/helpers/sandbox.py):

  rate     iperf3 through `rate: 10mbit` (target: within 10 %)
  loss     2,000 pings through `loss: 20%` one way (target: 17 % to 23 % lost)
  cost     `up` of a chain of N routers with a rate on every link, as a ratio
           to the same chain without (the tbf qdiscs go in the netlink batches)
  delay    (on a kernel without netem: the wire, nslab.wire.relay)
           ping through `delay: 10ms` (target: least RTT >= 20 ms, mean <= 22 ms),
           `jitter: 5ms` (target: mdev within 30 % of the expected 4.08 ms),
           iperf3 through a 10 ms link (target >= 500 Mbit/s), the relay's CPU
           with 100 delayed links idle for 10 s (target < 1 %), and `up` of the
           N-router chain with a delay on every link (target <= 1.5x plain)

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


def chain(n: int, rate: str | None, delay: str | None = None) -> str:
    props = (f", rate: {rate}" if rate else "") + (f", delay: {delay}" if delay else "")
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
    delays(n)


def _ping(ns: str, to: str, count: int, every: float) -> dict[str, float]:
    subprocess.run(["ip", "netns", "exec", ns, "ping", "-c1", "-W3", "-q", to],
                   capture_output=True)  # the neighbour resolved first
    out = subprocess.run(["ip", "netns", "exec", ns, "ping", "-c", str(count), "-i", str(every),
                          "-W", "3", "-q", to], capture_output=True, text=True).stdout
    nums = out.rsplit("=", 1)[1].split()[0].split("/")
    return dict(zip(("min", "avg", "max", "mdev"), map(float, nums), strict=True))


def _iperf(ns: str, server_ns: str, to: str, seconds: int) -> float:
    server = subprocess.Popen(["ip", "netns", "exec", server_ns, "iperf3", "-s", "-1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while ":5201" not in subprocess.run(["ip", "netns", "exec", server_ns, "ss", "-ltn"],
                                        capture_output=True, text=True).stdout \
            and time.monotonic() < deadline:
        time.sleep(0.02)
    out = subprocess.run(["ip", "netns", "exec", ns, "iperf3", "-c", to, "-t", str(seconds),
                          "-J"], capture_output=True, text=True).stdout
    server.wait()
    return float(json.loads(out)["end"]["sum_received"]["bits_per_second"])


def _cpu(pid: int) -> float:
    """Seconds of CPU process `pid` has used."""
    import os
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def delays(n: int) -> None:
    from nslab.kernel.features import missing
    backend = "netem" if not missing(["netem"]) else "the wire"
    Path("/run/far.yaml").write_text("name: far\nnodes: {a: {}, b: {}, c: {}, d: {}, e: {}, "
                                     "f: {}}\nlinks:\n  - {endpoints: [a, b], delay: 10ms}\n"
                                     "  - {endpoints: [c, d], delay: 10ms, jitter: 5ms}\n"
                                     "  - {endpoints: [e, f], delay: 20ms, jitter: 5ms, "
                                     "distribution: normal}\n")
    assert nslab("up", "/run/far.yaml").returncode == 0
    plain = _ping("far-a", "b", 100, 0.05)
    jitter = _ping("far-c", "d", 200, 0.1)
    normal = _ping("far-e", "f", 200, 0.1)
    bps = _iperf("far-a", "far-b", "b", 5)
    nslab("down", "far")
    hosts = "".join(f"  h{i}: {{}}\n" for i in range(100))
    star = "".join(f"  - {{endpoints: [s, h{i}], delay: 5ms}}\n" for i in range(100))
    Path("/run/star.yaml").write_text(f"name: star\nnodes:\n  s: {{kind: switch}}\n{hosts}"
                                      f"links:\n{star}")
    assert nslab("up", "/run/star.yaml").returncode == 0
    pids = subprocess.run(["ip", "netns", "pids", "star~wire"], capture_output=True,
                          text=True).stdout.split()
    idle = None
    if pids:
        before, t0 = _cpu(int(pids[0])), time.monotonic()
        time.sleep(10)
        idle = (_cpu(int(pids[0])) - before) / (time.monotonic() - t0) * 100
    nslab("down", "star")
    expected = (2 * 5 ** 2 / 3) ** 0.5  # two uniform ±5 ms draws a round trip
    print(f"delay ({backend}): ping through delay: 10ms: least {plain['min']:.2f} ms, mean "
          f"{plain['avg']:.2f} ms (targets >= 20, <= 22)")
    print(f"jitter ({backend}): 10ms ± 5ms: mdev {jitter['mdev']:.2f} ms against "
          f"{expected:.2f} expected ({(jitter['mdev'] / expected - 1) * 100:+.0f} %, target "
          "within 30 %)")
    print(f"normal ({backend}): 20ms ± 5ms normal: mdev {normal['mdev']:.2f} ms against "
          f"{2 ** 0.5 * 5:.2f} expected ({(normal['mdev'] / 2 ** 0.5 / 5 - 1) * 100:+.0f} %, "
          "target within 30 %)")
    print(f"tcp ({backend}): iperf3 through a 10 ms link: {bps / 1e6:.0f} Mbit/s "
          "(target >= 500)")
    if idle is not None:
        print(f"idle ({backend}): the relay of 100 delayed links, 10 s idle: {idle:.2f} % "
              "of a CPU (target < 1 %)")
    # taken in turns: the kernel goes on freeing a lab's namespaces after its down,
    # and the runs that come later pay for it
    runs: dict[str, list[float]] = {"plain": [], "delayed": []}
    for _ in range(3):
        runs["plain"].append(up_seconds(chain(n, None)))
        runs["delayed"].append(up_seconds(chain(n, None, "1ms")))
    plain_up, delayed_up = min(runs["plain"]), min(runs["delayed"])
    print(f"cost ({backend}): up of a {n}-router chain: {plain_up:.2f} s plain, "
          f"{delayed_up:.2f} s with a delay on each of its {n - 1} links: "
          f"{delayed_up / plain_up:.2f}x (best of 3 taken in turns, target <= 1.5x)")


def main() -> int:
    return bench(__file__, inside, "-n", 1000, "routers in the chain")[0]

if __name__ == "__main__":
    sys.exit(main())
