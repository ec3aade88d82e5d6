"""OSPF areas and details, BFD and IS-IS with the real FRR, in a sandbox
(see tests/helpers/sandbox.py):

    python -m tests.helpers.igp SCENARIO     (inside the sandbox: tests.helpers.sandbox.run)

Each scenario prints one JSON line of what it saw; tests/test_igp.py judges.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from tests.helpers.policy import answer, bfd_up, loopback, started, vtysh
from tests.helpers.routing import traces
from tests.helpers.sandbox import ROOT, enter, nslab, sh

# a backbone of three (MD5 everywhere, a costly direct link), an ABR into
# area 1, where a LAN elects r2 its designated router (priority 200; r1 never:
# priority 0); core2 originates the default route
AREAS = """
name: areas
routing: ospf
addressing: {pool: 10.63.0.0/16}
nodes:
  core1: {kind: router, ospf: {auth: {md5: k3y}}}
  core2: {kind: router, ospf: {auth: {md5: k3y}, default_originate: true}}
  abr: {kind: router, ospf: {auth: {md5: k3y}}}
  r1: {kind: router, ospf: {area: 1, auth: {md5: k3y}, priority: 0}}
  r2: {kind: router, ospf: {area: 1, auth: {md5: k3y}, priority: 200}}
  lan: {kind: switch}
  h1: {}
  h2: {}
links:
  - [core1, core2]
  - {endpoints: [core1, abr], ospf: {cost: 100}}
  - [core2, abr]
  - {endpoints: [abr, lan], ospf: {area: 1}}
  - [r1, lan]
  - [r2, lan]
  - [h1, r1]
  - [h2, core1]
test:
  converge: auto
  expect:
    - {from: h1, to: h2}
    - {node: r1, neighbour: r2}
"""


# IS-IS on a ring of four, one link made costly, BFD on another, a LAN on r3; r5, level 1 in
# r4's area, has a default route toward r4 (level 1-2); FRR passes no level-1
# prefix on into level 2, so r1-r3 never learn r5's
ISIS = """
name: isring
routing: isis
addressing: {pool: 10.64.0.0/16}
nodes:
  r1: {kind: router}
  r2: {kind: router}
  r3: {kind: router}
  r4: {kind: router, isis: {net: 49.0002.0000.0000.0004.00, level: 1-2}}
  r5: {kind: router, isis: {net: 49.0002.0000.0000.0005.00, level: 1}}
  h1: {}
  h3: {}
  h5: {}
links:
  - {endpoints: [r1, r2], isis: {metric: 100}}
  - {endpoints: [r2, r3], bfd: true}
  - [r3, r4]
  - [r4, r1]
  - [h1, r1]
  - [h3, r3]
  - [r4, r5]
  - [h5, r5]
test:
  converge: auto
  expect:
    - {from: h1, to: h3}
    - {from: h5, to: r4}
    - {node: r5, route: 0.0.0.0/0, via: r4, proto: isis}
    - {node: r1, neighbour: r4, state: up}
    - {node: r1, neighbour: r2}
"""


def _routes(ns: str, what: str) -> Any:
    return json.loads(sh(f"ip -n {ns} -j route show {what}", check=False).stdout or "[]")


def _waited(ns: str, what: str, within: float = 20) -> Any:
    """The routes to `what` once there are some (convergence does not wait for
    a default route: it expects prefixes, not defaults)."""
    deadline = time.monotonic() + within
    while not (got := _routes(ns, what)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return got


def areas() -> dict[str, Any]:
    out = started("areas", AREAS)
    loop = loopback("areas-core1")
    out |= {"r1_routes": vtysh("areas", "r1", "show ip ospf route json"),
            "r1_neighbours": vtysh("areas", "r1", "show ip ospf neighbor json"),
            "r1_default": _waited("areas-r1", "default"),
            "abr_to_core1": _routes("areas-abr", f"{loop}/32"),
            "core2_addresses": json.loads(sh("ip -n areas-core2 -j -4 addr").stdout),
            "abr_areas": vtysh("areas", "abr", "show ip ospf json"),
            "down": nslab("down", "areas").returncode}
    return {**out, "traces": traces()}


def bfd() -> dict[str, Any]:
    """examples/bfd.yaml: the timeline cuts both primaries behind a switch at
    once; BFD brings h1 -> h2 back long before OSPF's dead interval does h3 -> h4."""
    up = nslab("up", str(ROOT / "examples/bfd.yaml"))
    report = answer(["test", "bfd", "--json", "--no-matrix", "--converge-within", "30"])
    sessions = vtysh("bfd", "a1", "show bfd peers json")
    run = answer(["run", "bfd", "--json"])
    return {"up": up.returncode, "up_err": up.stderr, "report": report, "sessions": sessions,
            "run": run, "down": nslab("down", "bfd").returncode, "traces": traces()}


def isis() -> dict[str, Any]:
    """IS-IS on a ring: converged, the costly link avoided, adjacencies up and
    shown by inspect; a neighbour cut off is named by `why`."""
    out = started("isring", ISIS)
    loop = loopback("isring-r2")
    out |= {"neighbours": vtysh("isring", "r1", "show isis neighbor json"),
            "r1_to_r2": _routes("isring-r1", f"{loop}/32"),
            "inspect": answer(["inspect", "isring", "r1", "--only", "routing", "--json"]),
            "inspect_text": nslab("inspect", "isring", "r1", "--only", "routing").stdout,
            "hostname": nslab("exec", "isring", "r1", "--", "hostname").stdout.strip(),
            "bfd": bfd_up("isring", "r2")}
    # the link r1-r4 goes down: the adjacency goes, and h1 reaches h3 the costly way
    nslab("link", "isring", "r1", "r4", "down")
    out["after"] = answer(["test", "isring", "--json", "--no-matrix", "--converge-within", "20"])
    # h5's LAN is level 1 only: h1 gets no further than r1, whose adjacency with r4 is gone
    out["why"] = nslab("why", "isring", "h1", "h5").stdout
    out["down"] = nslab("down", "isring").returncode
    return {**out, "traces": traces()}


def unnumbered_lab(routing: str) -> str:
    """h1 - r1 = r2 = r3 - h2, both middle links unnumbered: with routing: ospf or
    isis the IGP runs over them on borrowed loopbacks; with bgp, r1 (AS 65001)
    has an eBGP session with r2 over link-local addresses, and r2 and r3 (AS
    65002) run OSPF between them on borrowed loopbacks, and iBGP between their
    loopbacks, one session per family (r3's from the pools). r2's loopbacks,
    given, stand for it: its links have no address of their own."""
    asn = {"r1": 65001, "r2": 65002, "r3": 65002}
    bgp = (lambda r: f", bgp: {{asn: {asn[r]}}}") if routing == "bgp" else (lambda r: "")
    return f"""name: un{routing}
routing: {routing}
addressing: {{ipv6_pool: "fd00:78::/48"}}
nodes:
  h1: {{}}
  r1: {{kind: router{bgp("r1")}}}
  r2: {{kind: router, loopback: [10.200.0.2/32, "fd00:ff::2/128"]{bgp("r2")}}}
  r3: {{kind: router{bgp("r3")}}}
  h2: {{}}
links:
  - [h1, r1]
  - {{endpoints: [r1, r2], unnumbered: true}}
  - {{endpoints: [r2, r3], unnumbered: true}}
  - [r3, h2]
test: {{converge: auto}}
"""


def unnumbered(routing: str) -> dict[str, Any]:
    """Routing over unnumbered links with the real FRR: converged, every pair
    reached in each family, r1's route beyond them, check clean."""
    lab = f"un{routing}"
    Path(f"/run/{lab}.yaml").write_text(unnumbered_lab(routing))
    up = nslab("up", f"/run/{lab}.yaml")
    out = {"up": up.returncode, "up_err": up.stderr,
           "report": answer(["test", lab, "--json", "--converge-within", "30"]),
           "r1_to_h2": _routes(f"{lab}-r1", "10.128.0.4/30"),
           "r1_eth1": json.loads(sh(f"ip -n {lab}-r1 -j -4 addr show dev eth1").stdout),
           "r1_loopback": loopback(f"{lab}-r1"),
           "why": answer(["why", lab, "h1", "h2", "--json"]),
           "check": nslab("check", lab).returncode}
    out["down"] = nslab("down", lab).returncode
    return {**out, "traces": traces()}


SCENARIOS = {f.__name__: f for f in (areas, bfd, isis, unnumbered)}

if __name__ == "__main__":
    enter()
    print(json.dumps(SCENARIOS[sys.argv[1]](*sys.argv[2:])))
