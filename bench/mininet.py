#!/usr/bin/env python3
"""Mininet's `linear,N` against nslab's same lab, up and stopped, in one run
inside a sandbox that plays the machine, and the ratio.

  mininet  Mininet's Python API (the machine's python3 and its Mininet, as
           `mn --topo linear,N --switch lxbr --controller none` builds it):
           N Linux-bridge switches in a chain, a host on each; start + stop
  nslab    the same lab from a topology file (N switches in a chain, a host
           on each), through the `nslab` command: up + down

Target (issue 27): Mininet at least 15x slower than nslab for N = 100.
Installs nothing: without Mininet (apt install mininet) it says so and stops.

Usage (root):  .venv/bin/python bench/mininet.py [-n 100]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers import sandbox  # noqa: E402

SYSTEM_PYTHON = "/usr/bin/python3"  # where Debian's mininet package lives
MININET = """
import json, sys, time
from mininet.log import setLogLevel
from mininet.net import Mininet
from mininet.nodelib import LinuxBridge
from mininet.topo import LinearTopo
setLogLevel("error")
t0 = time.perf_counter()
net = Mininet(topo=LinearTopo(k=int(sys.argv[1]), n=1), switch=LinuxBridge, controller=None)
net.start()
up = time.perf_counter() - t0
t0 = time.perf_counter()
net.stop()
print(json.dumps({"up": up, "down": time.perf_counter() - t0}))
"""


def missing() -> str | None:
    r = subprocess.run([SYSTEM_PYTHON, "-c", "import mininet.net"], capture_output=True)
    return None if r.returncode == 0 else "Mininet is not installed (apt install mininet)"


def linear(n: int) -> str:
    """Mininet's linear,N as an nslab file."""
    nodes = "".join(f"  s{i}: {{kind: switch}}\n  h{i}: {{}}\n" for i in range(1, n + 1))
    links = "".join(f"  - [h{i}, s{i}]\n" for i in range(1, n + 1)) + \
        "".join(f"  - [s{i}, s{i + 1}]\n" for i in range(1, n))
    return f"name: linear\naddressing: {{pool: 10.0.0.0/16}}\nnodes:\n{nodes}links:\n{links}"


def _nslab(path: str) -> dict[str, float]:
    cmd = [sys.executable, "-m", "nslab"]
    env = sandbox.user_env()
    t0 = time.perf_counter()
    subprocess.run([*cmd, "up", path], check=True, capture_output=True, cwd=REPO, env=env)
    up = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run([*cmd, "down", "linear"], check=True, capture_output=True, cwd=REPO, env=env)
    return {"up": up, "down": time.perf_counter() - t0}


def _mininet(n: int) -> dict[str, float]:
    r = subprocess.run([SYSTEM_PYTHON, "-c", MININET, str(n)], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"mininet failed: {r.stderr[-2000:]}")
    out: dict[str, float] = json.loads(r.stdout.strip().splitlines()[-1])
    return out


def inside(n: int) -> None:
    sandbox.enter()
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "linear.yaml"
        f.write_text(linear(n))
        rows = {"nslab": _nslab(str(f)), "mininet": _mininet(n)}
    for way, r in rows.items():
        print(f"{way:8} linear,{n}: up {r['up']:.3f} s, stop {r['down']:.3f} s, "
              f"total {r['up'] + r['down']:.3f} s", file=sys.stderr)
    ratio = (rows["mininet"]["up"] + rows["mininet"]["down"]) / \
        (rows["nslab"]["up"] + rows["nslab"]["down"])
    print(f"mininet / nslab (up + stop, linear,{n}): {ratio:.1f}x (target >= 15x)",
          file=sys.stderr)
    print(json.dumps({"rows": rows, "ratio": ratio}))


def main() -> int:
    why = missing()
    if why is not None:
        print(f"bench/mininet.py: skipped: {why}", file=sys.stderr)
        return 0
    code, _ = sandbox.bench(__file__, inside, "-n", 100, "switches (and hosts) in the chain")
    return code


if __name__ == "__main__":
    sys.exit(main())
