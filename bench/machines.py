#!/usr/bin/env python3
"""A lab across machines, measured in a sandbox that plays the controller with
three emulated machines (tests/helpers/spread.py: each its own network and
/run, reached by the `command:` transport), against the same lab on one
machine in the same run:

  up       a ring of N routers dealt round-robin to 3 machines (every link but
           one crosses machines: a VXLAN on each side)
  pings    every link's far end pinged from its near end (inside the machines)
  down     every machine at once; then with one machine not answering (exit
           12, the others cleaned), then again once it answers

Usage (root):  .venv/bin/python bench/machines.py [-n 100]
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.sandbox import NSLAB, bench, enter, sh  # noqa: E402
from tests.helpers.spread import MACHINES, left, machine, on, transport  # noqa: E402


def ring(n: int, pids: dict[str, int] | None) -> str:
    where = list(MACHINES)
    head = ""
    if pids is not None:
        head = "machines:\n" + "".join(
            f"  {m}: {{command: {json.dumps(transport(m, pid))}, underlay: 10.99.0.{k + 1}}}\n"
            for k, (m, pid) in enumerate(pids.items()))
    nodes = "".join(f"  r{i}: {{kind: router{', machine: ' + where[i % 3] if pids else ''}}}\n"
                    for i in range(n))
    links = "".join(f"  - [r{i}, r{(i + 1) % n}]\n" for i in range(n))
    return f"name: ring\n{head}nodes:\n{nodes}links:\n{links}"


def timed(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.monotonic()
    r = subprocess.run([*NSLAB, *args], capture_output=True, text=True, cwd=REPO)
    return time.monotonic() - t0, r


def inside(n: int) -> None:
    enter()
    out: dict[str, float | int] = {}
    one = Path("/run/one.yaml")
    one.write_text(ring(n, None))
    out["one_up"], r = timed("up", str(one))
    assert r.returncode == 0, r.stderr
    out["one_down"], r = timed("down", "ring")
    sh("ip link add ul0 type bridge && ip link set ul0 up")
    pids = {m: machine(m, k + 1) for k, m in enumerate(MACHINES)}
    f = Path("/run/ring.yaml")
    f.write_text(ring(n, pids))
    out["up"], r = timed("up", str(f), "--json")
    assert r.returncode == 0, r.stderr
    up = json.loads(r.stdout)
    out["cross"] = len(up["cross"])
    _t, r = timed("status", "ring", "--json")
    nodes = {x["name"]: x for x in json.loads(r.stdout)["nodes"]}
    script: dict[str, list[str]] = {m: [] for m in MACHINES}
    for x in up["cross"]:  # each link's near end pings its far end's address
        near, far = x["ends"]
        far_node = next(n for n in nodes.values() if n["namespace"] == far["namespace"])
        addr = next(i["addresses"][0].split("/")[0] for i in far_node["interfaces"]
                    if i["name"] == far["iface"])
        script[near["machine"]].append(
            f"ip netns exec {shlex.quote(near['namespace'])} ping -c1 -W2 {addr} "
            ">/dev/null && echo ok")
    out["pinged"] = sum(on(pids[m], "; ".join(lines) or "true").split().count("ok")
                        for m, lines in script.items())
    Path("/run/m3.off").touch()
    out["down_partly"], r = timed("down", "ring")
    out["down_partly_code"] = r.returncode
    held = left(pids)
    out["left_on_others"] = len(held["m1"]) + len(held["m2"])
    Path("/run/m3.off").unlink()
    out["down_rest"], r = timed("down", "ring")
    out["down_rest_code"] = r.returncode
    out["left"] = sum(len(v) for v in left(pids).values())
    print(json.dumps(out))


def main() -> int:
    code, m = bench(__file__, inside, "-n", 100, "routers in the ring", capture=True)
    if m is None:
        return code
    print(f"a ring of {m['n']} routers on 3 machines ({m['cross']} links between machines, "
          "VXLAN), against the same ring on one machine (nslab commands, start included)")
    print(f"  up, one machine              {m['one_up']:7.2f} s   baseline")
    extra = 1000 * (m["up"] - m["one_up"]) / m["cross"]
    print(f"  up, 3 machines               {m['up']:7.2f} s   {m['up'] / m['one_up']:5.2f}x"
          f"   ({extra:+.1f} ms per link between machines over one machine)")
    print(f"  pings across                 {m['pinged']}/{m['cross']}")
    print(f"  down, one machine            {m['one_down']:7.2f} s   baseline")
    print(f"  down, one machine silent     {m['down_partly']:7.2f} s   exit "
          f"{m['down_partly_code']}, {m['left_on_others']} namespaces left on the others")
    print(f"  down again, it answers       {m['down_rest']:7.2f} s   exit "
          f"{m['down_rest_code']}, {m['left']} namespaces left anywhere")
    return 0


if __name__ == "__main__":
    sys.exit(main())
