"""netlab topologies (tests/netlab/*.yml) up with the real FRR, in a sandbox
(tests/helpers/sandbox.py); prints one JSON line of what it saw for
tests/test_netlab.py to judge.

    python -m tests.helpers.netlab validate     (inside the sandbox)
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from tests.helpers.policy import vtysh
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


def full(lab: str, node: str) -> list[str]:
    got = vtysh(lab, node, "show ip ospf neighbor json").get("neighbors", {})
    return sorted(rid for rid, n in got.items()
                  if any("Full" in str(x.get("nbrState", x.get("converged", ""))) for x in n))


def established(lab: str, node: str) -> list[str]:
    peers = vtysh(lab, node, "show bgp ipv4 unicast summary json").get("peers", {})
    return sorted(a for a, p in peers.items() if p.get("state") == "Established")


def triangle() -> dict[str, Any]:
    return {"r1_full": until(lambda: len(full("triangle", "r1")) == 2 and full("triangle", "r1")),
            "ping_stub": until(lambda: ping("triangle-r3", "172.16.0.1"))}


def two_as() -> dict[str, Any]:
    return {"r2_established": until(lambda: len(established("two-as", "r2")) == 2
                                    and established("two-as", "r2"), 40),
            "x1_has_lan": until(lambda: "172.16.0.0/24" in sh("ip -n two-as-x1 route").stdout,
                                40),
            "h1_to_x1": until(lambda: ping("two-as-h1", "10.0.0.3"), 30)}


def dual_stack() -> dict[str, Any]:
    def established6() -> list[str]:
        peers = vtysh("dual-stack", "r2", "show bgp ipv6 unicast summary json").get("peers", {})
        return sorted(a for a, p in peers.items() if p.get("state") == "Established")

    return {"r2_established6": until(lambda: len(established6()) == 2 and established6(), 40),
            "x1_has_lan6": until(lambda: "2001:db8:2::/64" in sh(
                "ip -6 -n dual-stack-x1 route").stdout, 40),
            "h1_to_x1_v6": until(lambda: ping("dual-stack-h1", "2001:db8:1:3::1"), 30)}


THEIR_OWN = {"triangle.yml": triangle, "two-as.yml": two_as, "dual-stack.yml": dual_stack}


def scenario_validate(*paths: str) -> dict[str, Any]:
    """Each file (under tests/netlab) up, `nslab test` (netlab's validate by
    its plugins), down."""
    out: dict[str, Any] = {}
    for path in paths:
        r = nslab("up", str(HERE / path))
        if r.returncode != 0:
            out[path] = {"up": r.returncode, "err": r.stderr[-500:]}
            continue
        lab = r.stdout.split()[1]
        test = nslab("test", lab, "--no-matrix", "--json")
        report: dict[str, Any] = json.loads(test.stdout) if test.stdout.startswith("{") \
            else {"raw": test.stdout + test.stderr}
        out[path] = {"lab": lab, "exit": test.returncode, "ok": report.get("ok"),
                     "netlab": {e["text"].split(":")[0]: [e["status"], e["detail"]]
                                for e in report.get("expectations", [])
                                if e["kind"] == "netlab"}}
        out[path].update(THEIR_OWN.get(path, dict)())  # what the mapping must have kept
        nslab("down", lab)
    out["left"] = sh("ip netns list").stdout.split()
    return out


if __name__ == "__main__":
    enter()
    print(json.dumps(globals()[f"scenario_{sys.argv[1]}"](*sys.argv[2:])))
