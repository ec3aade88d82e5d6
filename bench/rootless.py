#!/usr/bin/env python3
"""A chain of N routers built and removed through the `nslab` command two
ways in one run, inside a sandbox that plays the machine, and the ratio:

  machine   nslab up FILE / nslab down NAME, as root on the machine
  rootless  nslab up --rootless FILE / nslab down NAME: the lab in a holder's
            user, mount, network and PID namespaces (what an ordinary user
            gets; root asks for it with --rootless)

Target (issue 25): rootless within 1.3x of the machine for N = 100.

Usage (root):  .venv/bin/python bench/rootless.py [-n 100] [--repeat 3]
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

from bench.chain import chain_yaml  # noqa: E402
from tests.helpers import sandbox  # noqa: E402

NSLAB = [sys.executable, "-m", "nslab"]


def _timed(*args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([*NSLAB, *args], check=True, capture_output=True, cwd=REPO)
    return time.perf_counter() - t0


def inside(n: int, repeat: int = 3) -> None:
    sandbox.enter()
    rows = {}
    with tempfile.TemporaryDirectory() as d:
        for way, flags in (("machine", []), ("rootless", ["--rootless"])):
            best_up = best_down = float("inf")
            for k in range(repeat):
                name = f"rl{k}"
                f = Path(d) / f"{name}.yaml"
                f.write_text(chain_yaml(name, n))
                best_up = min(best_up, _timed("up", *flags, str(f)))
                best_down = min(best_down, _timed("down", name))
            rows[way] = {"up": best_up, "down": best_down, "total": best_up + best_down}
    for way, r in rows.items():
        print(f"{way:9} N={n}: up {r['up']:.3f} s, down {r['down']:.3f} s, "
              f"total {r['total']:.3f} s", file=sys.stderr)
    ratio = rows["rootless"]["total"] / rows["machine"]["total"]
    print(f"rootless / machine (up + down, N={n}): {ratio:.2f}x (target <= 1.3x)",
          file=sys.stderr)
    print(json.dumps({"rows": rows, "ratio": ratio}))


def main() -> int:
    code, _ = sandbox.bench(__file__, inside, "-n", 100, "routers in the chain")
    return code


if __name__ == "__main__":
    sys.exit(main())
