"""BGP relations, policy and route reflection with the real FRR, in a
sandbox (see tests/helpers/sandbox.py):

    python -m tests.helpers.policy SCENARIO     (inside the sandbox: tests.helpers.sandbox.run)

Each scenario prints one JSON line of what it saw; tests/test_bgp_policy.py judges.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers.routing import traces
from tests.helpers.sandbox import enter, nslab, sh

# a tier-1 above two transit providers, and a customer multihomed to both: the
# customer prefers t1 (local_pref), prepends and tags toward t2, and lets only
# its own prefix and the lab's addresses out to t2
RELATIONS = """
name: gr
routing: bgp
addressing: {pool: 10.60.0.0/16}
nodes:
  top: {kind: router, bgp: {asn: 64500, announce: [198.18.0.0/24]}}
  t1:
    kind: router
    bgp:
      asn: 64501
      neighbors: [{peer: top, relation: provider}, {peer: cust}]
  t2:
    kind: router
    bgp:
      asn: 64502
      neighbors: [{peer: top, relation: provider}, {peer: cust}]
  cust:
    kind: router
    bgp:
      asn: 64700
      announce: [203.0.113.0/24]
      neighbors:
        - {peer: t1, relation: provider, local_pref: 120, bfd: true}
        - peer: t2
          relation: provider
          prepend: 2
          communities: {export: ["64502:80"]}
          export: [{allow: 203.0.113.0/24}, {allow: 10.60.0.0/16, le: 32}]
  h1: {}
  h2: {}
  hc: {}
links:
  - [top, t1]
  - [top, t2]
  - [t1, cust]
  - [t2, cust]
  - [h1, t1]
  - [h2, t2]
  - endpoints: [hc, cust]
    addresses: [203.0.113.10/24, 203.0.113.1/24]
test:
  converge: auto
  expect:
    - {from: hc, to: h1}
    - {from: h1, to: h2}
    - {node: cust, session: t2, state: established}
"""

# one route reflector between two clients of AS 65000, each with an upstream
REFLECTOR = """
name: rr
routing: bgp
addressing: {pool: 10.61.0.0/16}
nodes:
  rr: {kind: router, bgp: {asn: 65000, rr: true, cluster_id: 10.61.255.1}}
  c1: {kind: router, bgp: {asn: 65000}}
  c2: {kind: router, bgp: {asn: 65000}}
  e1: {kind: router, bgp: {asn: 64601, announce: [198.18.1.0/24]}}
  e2: {kind: router, bgp: {asn: 64602, announce: [198.18.2.0/24]}}
links: [[c1, rr], [rr, c2], [c1, e1], [c2, e2]]
test:
  converge: auto
  expect:
    - {node: c1, session: rr, state: established}
    - {node: c1, session: e1, state: established}
"""


def answer(args: list[str]) -> Any:
    """What an nslab command prints as JSON (or what it said, when not JSON)."""
    r = nslab(*args)
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {"raw": r.stdout, "err": r.stderr}


def vtysh(lab: str, node: str, command: str) -> Any:
    return answer(["vtysh", lab, node, "--", command])


def started(lab: str, text: str) -> dict[str, Any]:
    """The lab written to /run, up, and tested (routing converged first)."""
    Path(f"/run/{lab}.yaml").write_text(text)
    up = nslab("up", f"/run/{lab}.yaml")
    return {"up": up.returncode, "up_err": up.stderr,
            "report": answer(["test", lab, "--json", "--no-matrix", "--converge-within", "30"])}


def loopback(ns: str) -> str:
    """A router's loopback address (its router id)."""
    addrs = json.loads(sh(f"ip -n {ns} -j -4 addr show dev lo").stdout)[0]["addr_info"]
    return str(next(a["local"] for a in addrs if a["local"] != "127.0.0.1"))


def bfd_up(lab: str, node: str, within: float = 20) -> Any:
    """The router's BFD peers once one is up (or what they are when time runs out)."""
    deadline = time.monotonic() + within
    while True:
        peers = vtysh(lab, node, "show bfd peers json")
        if any(isinstance(p, dict) and p.get("status") == "up" for p in peers or ()) or \
                time.monotonic() > deadline:
            return peers
        time.sleep(0.2)


def _lan(ns: str) -> str:
    """The subnet of a host's only link."""
    return str(json.loads(sh(f"ip -n {ns} -j -4 route show dev eth0 scope link").stdout)[0]
               ["dst"])


def _settled(lab: str, node: str, prefix: str, first_as: int, within: float = 20) -> Any:
    """What BGP holds of `prefix` once its best path starts with `first_as` (or
    when time runs out): convergence waits for a route, not for the best one,
    and a path through the preferred upstream may come in a moment later."""
    deadline = time.monotonic() + within
    while True:
        got = vtysh(lab, node, f"show bgp ipv4 unicast {prefix} json")
        best = [p for p in got.get("paths", []) if p.get("bestpath", {}).get("overall")] \
            if isinstance(got, dict) else []
        if any(b.get("aspath", {}).get("string", "").split()[:1] == [str(first_as)]
               for b in best) or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


# the same internet, the multihomed customer running BIRD
BIRD_CUSTOMER = RELATIONS.replace("  cust:\n    kind: router\n",
                                  "  cust:\n    kind: router\n    bird: {}\n")


def birdc(lab: str, node: str, *words: str) -> str:
    return nslab("birdc", lab, node, "--", *words).stdout


def _bird_best(lab: str, node: str, prefix: str, session: str, within: float = 20) -> str:
    """What BIRD holds of `prefix` once its best route comes from `session`
    (or when time runs out)."""
    deadline = time.monotonic() + within
    while True:
        got = birdc(lab, node, "show", "route", prefix, "all")
        if f"[{session} " in next((ln for ln in got.splitlines() if " * " in ln), "") or \
                time.monotonic() > deadline:
            return got
        time.sleep(0.2)


def _internet(text: str, cust_up: Callable[[], Any],
              more: Callable[[], dict[str, Any]] = dict) -> dict[str, Any]:
    """The internet of RELATIONS up and tested; what the routers hold of it
    (`cust_up`: the customer's best way up, once settled), then down."""
    out = started("gr", text)
    h2_lan = _lan("gr-h2")
    # BFD on the customer's session with t1 (said on the customer's side only)
    out |= {"t1_bfd": bfd_up("gr", "t1"),
            # t1's every path to t2's LAN (the customer must not be one)
            "t1_to_h2": vtysh("gr", "t1", f"show bgp ipv4 unicast {h2_lan} json"),
            # the customer's best way up: through t1 (local_pref 120 over 100)
            "cust_to_top": cust_up(),
            # t2 sees the customer's prefix prepended and tagged, and still prefers it
            "t2_to_cust": _settled("gr", "t2", "203.0.113.0/24", 64700), **more(),
            "down": nslab("down", "gr").returncode}
    return {**out, "traces": traces()}


def relations() -> dict[str, Any]:
    return _internet(RELATIONS, lambda: _settled("gr", "cust", "198.18.0.0/24", 64501))


def bird_relations() -> dict[str, Any]:
    return _internet(BIRD_CUSTOMER, lambda: _bird_best("gr", "cust", "198.18.0.0/24", "bgp-t1"),
                     lambda: {"cust_status": answer(["inspect", "gr", "cust", "--only",
                                                     "routing", "--json"])})


def _dev(ns: str, prefix: str, dev: str, within: float = 15) -> str:
    """The kernel's route to `prefix` once it goes out of `dev` (or when time runs out)."""
    deadline = time.monotonic() + within
    while True:
        got = sh(f"ip -n {ns} {'-6' if ':' in prefix else '-4'} route show {prefix}").stdout
        if f" dev {dev} " in got or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


def dual_stack() -> dict[str, Any]:
    """The internet with IPv6 too, the customer on BIRD: an IPv6 session
    beside each IPv4 one, and IPv6 routes in the kernel by the best path."""
    text = BIRD_CUSTOMER.replace("addressing: {pool: 10.60.0.0/16}",
                                 "addressing: {pool: 10.60.0.0/16, ipv6_pool: 'fd00:60::/48'}")
    out = started("gr", text)
    routes = json.loads(sh("ip -n gr-h1 -j -6 route show dev eth0").stdout or "[]")
    lan = next((r["dst"] for r in routes if r["dst"].startswith("fd00:")), "")
    # the customer's eth0 is its first link, to t1 (local_pref 120)
    out |= {"h1_lan6": lan, "cust_to_h1": _dev("gr-cust", lan, "eth0") if lan else "",
            "cust_status": answer(["inspect", "gr", "cust", "--only", "routing", "--json"]),
            "t2_v6": vtysh("gr", "t2", "show bgp ipv6 unicast summary json"),
            "down": nslab("down", "gr").returncode}
    return {**out, "traces": traces()}


def reflector() -> dict[str, Any]:
    out = started("rr", REFLECTOR)
    out |= {"c1_sessions": vtysh("rr", "c1", "show bgp ipv4 unicast summary json"),
            "c1_to_e2": vtysh("rr", "c1", "show bgp ipv4 unicast 198.18.2.0/24 json"),
            "rr_config": nslab("vtysh", "rr", "rr", "--", "show running-config").stdout,
            "down": nslab("down", "rr").returncode}
    return {**out, "traces": traces()}


# a's firewall drops BGP: the session never comes up, convergence falls short
STUCK = """
name: stuck
routing: bgp
addressing: {pool: 10.65.0.0/16}
nodes:
  a:
    kind: router
    bgp: {asn: 65001}
    exec:
      - nft add table inet x
      - nft add chain inet x in '{ type filter hook input priority 0; }'
      - nft add rule inet x in tcp dport 179 drop
      - nft add rule inet x in tcp sport 179 drop
  b: {kind: router, bgp: {asn: 65002}}
links: [[a, b]]
"""


def stuck() -> dict[str, Any]:
    Path("/run/stuck.yaml").write_text(STUCK)
    up = nslab("up", "/run/stuck.yaml")
    test = nslab("test", "stuck", "--no-matrix", "--converge", "auto", "--converge-within", "4")
    report = answer(["test", "stuck", "--json", "--no-matrix", "--converge", "auto",
                     "--converge-within", "2"])
    return {"up": up.returncode, "up_err": up.stderr, "text": test.stdout, "exit": test.returncode,
            "report": report, "down": nslab("down", "stuck").returncode, "traces": traces()}


# policy on a session over an unnumbered link (both families on one session): a's
# exports and b's imports hold in each family, the IPv4 rules in IPv4, the IPv6 in IPv6
UNNUMBERED_POLICY = """
name: unpol
routing: bgp
nodes:
  a:
    kind: router
    bgp:
      asn: 65001
      announce: [192.0.2.0/24, 198.51.100.0/24, "2001:db8:9::/48", "2001:db8:7::/48"]
      neighbors:
        - {peer: b, export: [{allow: 192.0.2.0/24}, {allow: 198.51.100.0/24},
                             {allow: "2001:db8:9::/48"}]}
  b:
    kind: router
    bgp:
      asn: 65002
      neighbors:
        - {peer: a, import: [{deny: 192.0.2.0/24}, {allow: any}]}
links:
  - {endpoints: [a, b], unnumbered: true}
test: {converge: auto}
"""


def unnumbered_policy() -> dict[str, Any]:
    out = started("unpol", UNNUMBERED_POLICY)
    out |= {"b4": vtysh("unpol", "b", "show bgp ipv4 unicast json"),
            "b6": vtysh("unpol", "b", "show bgp ipv6 unicast json"),
            "down": nslab("down", "unpol").returncode}
    return {**out, "traces": traces()}


SCENARIOS = {f.__name__: f for f in (relations, bird_relations, dual_stack, reflector, stuck,
                                     unnumbered_policy)}

if __name__ == "__main__":
    enter()
    print(json.dumps(SCENARIOS[sys.argv[1]]()))
