"""netlab topologies (tests/netlab/*.yml) up with the real FRR, in a sandbox
(tests/helpers/sandbox.py); prints one JSON line of what it saw for
tests/test_netlab.py to judge.

    python -m tests.helpers.netlab labs     (inside the sandbox)
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from tests.helpers.policy import answer, vtysh
from tests.helpers.sandbox import ROOT, enter, nslab, ping, sh

HERE = ROOT / "tests" / "netlab"


def until(check: Any, seconds: float = 30) -> Any:
    """`check()` once it is truthy, or its last answer after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


def up(name: str) -> dict[str, Any]:
    r = nslab("up", str(HERE / f"{name}.yml"))
    return {"up": r.returncode, "err": r.stderr[-500:],
            "report": answer(["test", name, "--json", "--no-matrix", "--converge", "auto",
                                "--converge-within", "40"])}


def full(lab: str, node: str) -> list[str]:
    got = vtysh(lab, node, "show ip ospf neighbor json").get("neighbors", {})
    return sorted(rid for rid, n in got.items()
                  if any("Full" in str(x.get("nbrState", x.get("converged", ""))) for x in n))


def established(lab: str, node: str) -> list[str]:
    peers = vtysh(lab, node, "show bgp ipv4 unicast summary json").get("peers", {})
    return sorted(a for a, p in peers.items() if p.get("state") == "Established")


def scenario_labs() -> dict[str, Any]:
    tri = up("triangle")
    tri["r1_full"] = until(lambda: len(full("triangle", "r1")) == 2 and full("triangle", "r1"))
    tri["ping_stub"] = until(lambda: ping("triangle-r3", "172.16.0.1"))
    nslab("down", "triangle")
    two = up("two-as")
    two["r2_established"] = until(lambda: len(established("two-as", "r2")) == 2
                                  and established("two-as", "r2"), 40)
    two["x1_has_lan"] = until(lambda: "172.16.0.0/24" in sh(
        "ip -n two-as-x1 route").stdout, 40)
    two["h1_to_x1"] = until(lambda: ping("two-as-h1", "10.0.0.3"), 30)
    nslab("down", "two-as")
    return {"triangle": tri, "two-as": two, "left": sh("ip netns list").stdout.split()}


if __name__ == "__main__":
    enter()
    print(json.dumps(globals()[f"scenario_{sys.argv[1]}"]()))
