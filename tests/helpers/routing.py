"""Routing daemons in a sandbox (see tests/helpers/sandbox.py): the examples come up
with real FRR and BIRD, converge, pass `nslab test`, react to a link going down,
and go down leaving no process, mount or file; a daemon that rejects its
configuration fails `up`, and a killed `up` is cleaned by `down`.

    python -m tests.helpers.routing SCENARIO     (inside the sandbox: tests.helpers.sandbox.run)

Each scenario prints one JSON line of what it saw; tests/test_routing.py judges.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.helpers import sandbox
from tests.helpers.sandbox import ROOT, enter, nslab, ping, sh, snapshot


def daemons_running(reap: bool = True) -> list[str]:
    """Every routing daemon in the sandbox, as pid:name (the ones nslab ended
    reaped first, unless a child of ours must stay unreaped)."""
    if reap:
        sandbox.reap()
    return [f"{pid}:{name}" for pid, name in sorted(sandbox.routing_daemons().items())]


def traces() -> dict[str, Any]:
    """What a lab may not leave: daemons, mounts of theirs, files under the
    state folder, /var/run/frr, /etc/frr (the overlay's writes) and /var/tmp."""
    return {"daemons": daemons_running(),
            "mounts": [ln for ln in Path("/proc/self/mounts").read_text().splitlines()
                       if " /var/run/frr " in ln or " /run/frr " in ln or " /var/tmp " in ln],
            "state": sorted(os.listdir("/run/nslab")) if os.path.isdir("/run/nslab") else [],
            "run_frr": sorted(os.listdir("/run/frr")) if os.path.isdir("/run/frr") else None,
            "etc_frr_written": os.path.exists("/run/.etc/upper/frr"),
            "var_tmp": sorted(os.listdir("/var/tmp"))}


def _json(args: list[str]) -> Any:
    r = nslab(*args)
    return json.loads(r.stdout) if r.stdout.strip().startswith("{") else {"raw": r.stdout,
                                                                           "err": r.stderr}


def ospf_ring() -> dict[str, Any]:
    before, traces_before = snapshot(), traces()
    t0 = time.monotonic()
    up = nslab("up", str(ROOT / "examples/ospf-ring.yaml"))
    up_s = time.monotonic() - t0
    report = _json(["test", "ospfring", "--json", "--no-matrix"])
    neighbours = _json(["vtysh", "ospfring", "r1", "--", "show ip ospf neighbor json"])
    h3 = json.loads(sh("ip -n ospfring-h3 -j -4 addr show eth0").stdout)[0]["addr_info"][0]
    h3_net = sh("ip -n ospfring-h3 -j -4 route show dev eth0 scope link").stdout
    subnet = json.loads(h3_net)[0]["dst"]
    route = sh(f"ip -n ospfring-r1 -j route show {subnet}", check=False).stdout
    # r1's link to r2 goes down: h1 -> h3 must go the other way round (via r6, r5, r4)
    sh("ip -n ospfring-r1 link set eth0 down")
    t1 = time.monotonic()
    rerouted = None
    while time.monotonic() - t1 < 20:
        if ping("ospfring-h1", h3["local"]):
            rerouted = round(time.monotonic() - t1, 2)
            break
    after_route = sh(f"ip -n ospfring-r1 -j route show {subnet}", check=False).stdout
    running = daemons_running()
    t2 = time.monotonic()
    down = nslab("down", "ospfring")
    return {"up": up.returncode, "up_err": up.stderr, "up_seconds": round(up_s, 2),
            "report": report, "neighbours": neighbours, "route": json.loads(route or "[]"),
            "rerouted": rerouted, "after_route": json.loads(after_route or "[]"),
            "running": running, "down": down.returncode, "down_out": down.stdout,
            "down_seconds": round(time.monotonic() - t2, 2), "traces_before": traces_before,
            "traces": traces(), "changed": [k for k, v in snapshot().items()
                                            if before[k] != v]}


def bgp_internet() -> dict[str, Any]:
    up = nslab("up", str(ROOT / "examples/bgp-internet.yaml"))
    report = _json(["test", "internet", "--json", "--no-matrix"])
    # customer 2's prefix, as transit 1 sees it: from c2, and from t2 over the exchange
    seen = _json(["vtysh", "internet", "t1", "--", "show bgp ipv4 unicast 203.0.113.0/24 json"])
    sessions = _json(["vtysh", "internet", "t1", "--", "show bgp summary json"])
    # customer 1's prefix, as transit 2 sees it: the multihomed c2 is no transit
    leak = _json(["vtysh", "internet", "t2", "--", "show bgp ipv4 unicast 198.51.100.0/24 json"])
    # c2 reaches t2's loopback through t1 (local_pref 120), the longer way
    t2_loop = json.loads(sh("ip -n internet-t2 -j -4 addr show dev lo").stdout)[0]["addr_info"]
    up_way = _json(["vtysh", "internet", "c2", "--", "show bgp ipv4 unicast "
                    f"{next(a for a in t2_loop if a['local'] != '127.0.0.1')['local']}/32 json"])
    page = subprocess.run(["ip", "netns", "exec", "internet-alice", "curl", "-s", "-m", "5",
                           "http://www.cust2.lab:8080/"], capture_output=True, text=True)
    inspect = _json(["inspect", "internet", "c2", "--only", "routing", "--json"])
    # c1's announced prefix is its LAN: the connected route wins over the floating
    # blackhole; with the LAN gone, the blackhole (distance 254) takes its place
    def c1_route() -> str:
        return sh("ip -n internet-c1 route show 198.51.100.0/24", check=False).stdout.strip()

    lan = c1_route()
    nslab("link", "internet", "c1", "lan1", "down")
    deadline = time.monotonic() + 20
    while not c1_route().startswith("blackhole") and time.monotonic() < deadline:
        time.sleep(0.1)
    without_lan = c1_route()
    down = nslab("down", "internet")
    return {"up": up.returncode, "up_err": up.stderr, "report": report, "seen": seen,
            "sessions": sessions, "leak": leak, "up_way": up_way,
            "page": page.stdout[:200], "page_err": page.stderr,
            "inspect": inspect, "c1_lan_route": lan, "c1_route_without_lan": without_lan,
            "down": down.returncode, "traces": traces()}


EDGE = """
name: edge
nodes:
  b: {kind: router, bgp: {asn: 65000, announce: [192.0.2.0/24]}}   # the border
  i: {kind: router, bgp: {asn: 65000}}                              # the LAN is behind it
  isp: {kind: router, bgp: {asn: 65100}}
  lanhost: {}
links:
  - [isp, b]
  - [b, i]
  - {endpoints: [i, lanhost], addresses: [192.0.2.1/24, 192.0.2.10/24]}
"""


ISP = """
name: isp
routing: bgp
addressing: {pool: 10.70.0.0/16}
nodes:
  p1: {kind: router, bgp: {asn: 65000}}
  p2: {kind: router, bgp: {asn: 65000}}
  p3: {kind: router, bgp: {asn: 65000}}
  up1: {kind: router, bgp: {asn: 64601, announce: [198.18.1.0/24]}}
  up2: {kind: router, bgp: {asn: 64602, announce: [198.18.2.0/24]}}
  c1: {kind: router, bgp: {asn: 64700, announce: [203.0.113.0/24]}}
  c2: {kind: router, bgp: {asn: 64700}}
  h: {}
  u1h: {}
links:
  - [p1, p2]
  - [p2, p3]
  - [p1, p3]
  - [p1, up1]
  - [p2, up2]
  - [p3, c1]
  - [c1, c2]
  - endpoints: [h, c2]
    addresses: [203.0.113.10/24, 203.0.113.1/24]
  - endpoints: [u1h, up1]
    addresses: [198.18.1.10/24, 198.18.1.1/24]
test:
  converge: auto
  expect:
    - {from: h, to: u1h}
    - {node: p1, session: p2, state: established}
    - {node: p1, session: up1, state: established}
"""

LEAF_SPINE = """
name: ls
routing: bgp
addressing: {pool: 10.80.0.0/16}
nodes:
  s1: {kind: router, bgp: {asn: 65000}}
  s2: {kind: router, bgp: {asn: 65000}}
  l1: {kind: router, bgp: {asn: 65001}}
  l2: {kind: router, bgp: {asn: 65002}}
  h1: {}
  h2: {}
links:
  - [s1, l1]
  - [s1, l2]
  - [s2, l1]
  - [s2, l2]
  - [h1, l1]
  - [h2, l2]
test:
  converge: auto
  expect:
    - {from: h1, to: h2}
"""


def floating_blackhole() -> dict[str, Any]:
    """The border announces the AS's prefix, which lives behind another router
    of the AS: the border's route to it must be that router (OSPF inside the
    AS), not the blackhole that backs the announcement."""
    Path("/run/edge.yaml").write_text(EDGE)
    up = nslab("up", "/run/edge.yaml")
    deadline = time.monotonic() + 30
    route = ""
    while time.monotonic() < deadline:
        route = sh("ip -n edge-b route show 192.0.2.0/24", check=False).stdout.strip()
        if route and not route.startswith("blackhole"):
            break
        time.sleep(0.2)
    down = nslab("down", "edge")
    return {"up": up.returncode, "up_err": up.stderr, "route": route, "down": down.returncode,
            "traces": traces()}


def designs() -> dict[str, Any]:
    """The two designs a network engineer writes first: a small ISP (three
    routers of one AS, OSPF + iBGP, two upstreams, a customer AS of two
    routers) and an RFC 7938 leaf-spine (the spines share an AS); each up,
    tested with convergence (every router holds what the design can deliver)."""
    out: dict[str, Any] = {}
    # the ISP again with IS-IS inside its AS (igp: isis) in place of OSPF
    isis = ISP.replace("name: isp\n", "name: ispis\n").replace("routing: bgp\n",
                                                              "routing: bgp\nigp: isis\n")
    for name, text in (("isp", ISP), ("ls", LEAF_SPINE), ("ispis", isis)):
        Path(f"/run/{name}.yaml").write_text(text)
        up = nslab("up", f"/run/{name}.yaml")
        report = _json(["test", name, "--json", "--no-matrix", "--converge-within", "30"])
        out[name] = {"up": up.returncode, "up_err": up.stderr, "report": report,
                     "down": nslab("down", name).returncode}
    out["traces"] = traces()
    return out


def bird_frr() -> dict[str, Any]:
    up = nslab("up", str(ROOT / "examples/ospf-bird-frr.yaml"))
    report = _json(["test", "mixed", "--json", "--no-matrix"])
    bird = nslab("birdc", "mixed", "r2", "--", "show", "ospf", "neighbors")
    inspect = _json(["inspect", "mixed", "r2", "--only", "routing", "--json"])
    kernel = sh("ip -n mixed-r2 route", check=False).stdout
    down = nslab("down", "mixed")
    return {"up": up.returncode, "up_err": up.stderr, "report": report,
            "bird": bird.stdout, "kernel": kernel, "down": down.returncode,
            "inspect": inspect,
            "traces": traces()}


BAD = """name: badfrr
nodes:
  r1:
    kind: router
    frr:
      daemons: [ospfd]
      config: |
        router ospf
         this is not a command
  r2: {kind: router}
links: [[r1, r2]]
"""


def rejected_config() -> dict[str, Any]:
    before, traces_before = snapshot(), traces()
    Path("/run/bad.yaml").write_text(BAD)
    up = nslab("up", "/run/bad.yaml")
    return {"up": up.returncode, "err": up.stderr, "traces_before": traces_before,
            "traces": traces(), "namespaces": sh("ip netns list").stdout,
            "changed": [k for k, v in snapshot().items() if before[k] != v]}


def killed_up() -> dict[str, Any]:
    """SIGKILL `up` once the daemons of its first router run, then `down`."""
    before, traces_before = snapshot(), traces()
    p = subprocess.Popen([sys.executable, "-m", "nslab", "up",
                          str(ROOT / "examples/ospf-ring.yaml")], cwd=ROOT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and p.poll() is None:
        if len(daemons_running(reap=False)) >= 2:  # some routers' daemons, not all
            break
        time.sleep(0.005)
    killed = p.poll() is None
    if killed:
        os.kill(p.pid, signal.SIGKILL)
    p.wait()
    running = daemons_running()
    down = nslab("down", "ospfring")
    return {"killed": killed, "running": running, "down": down.returncode,
            "down_out": down.stdout + down.stderr, "traces_before": traces_before,
            "traces": traces(), "namespaces": sh("ip netns list").stdout,
            "changed": [k for k, v in snapshot().items() if before[k] != v]}


LINE = """name: line
routing: ospf
nodes:
  r1: {kind: router}
  r2: {kind: router}
  r3: {kind: router}
  h1: {}
  h3: {}
links:
  - [h1, r1]
  - [r1, r2]
  - [r2, r3]
  - endpoints: [h3, r3]
    addresses: [10.77.0.10/24, 10.77.0.1/24]
test:
  converge: auto
  converge_within: 5
  expect:
    - {from: h1, to: h3}
    - {node: r2, neighbour: r3, within: 1}
"""


def why_adjacency() -> dict[str, Any]:
    """OSPF between r2 and r3 blocked (their links stay up): h1 cannot reach h3,
    and `nslab why` names the adjacency that is down."""
    Path("/run/line.yaml").write_text(LINE)
    up = nslab("up", "/run/line.yaml")
    before = _json(["test", "line", "--json", "--no-matrix"])
    # r3 drops OSPF packets: the adjacency dies after the dead interval (4 s)
    sh("ip netns exec line-r3 nft add table inet t && ip netns exec line-r3 nft add chain "
       "inet t in '{ type filter hook input priority 0; }' && ip netns exec line-r3 nft add "
       "rule inet t in ip protocol 89 drop")
    t0 = time.monotonic()
    while time.monotonic() - t0 < 15 and ping("line-h1", "10.77.0.10"):
        time.sleep(0.2)
    why = _json(["why", "line", "h1", "h3", "--json"])
    after = _json(["test", "line", "--json", "--no-matrix"])
    down = nslab("down", "line")
    return {"up": up.returncode, "up_err": up.stderr, "before": before, "why": why,
            "after": after, "down": down.returncode, "traces": traces()}


def python_api() -> dict[str, Any]:
    """nslab.Lab: converge(), vtysh(), birdc() on the mixed FRR/BIRD area."""
    from nslab import Lab

    with Lab(ROOT / "examples/ospf-bird-frr.yaml") as lab:
        conv = lab.converge(30)
        frr = json.loads(lab.vtysh("r1", "show ip ospf neighbor json"))
        bird = lab.birdc("r2", "show", "ospf", "neighbors")
        try:
            lab.vtysh("r2", "show version")
            wrong = ""
        except Exception as e:
            wrong = f"{type(e).__name__}: {e}"
    return {"complete": conv.complete, "seconds": conv.seconds, "routers": conv.routers,
            "frr": frr, "bird": bird, "wrong": wrong, "traces": traces()}


DUAL = """name: dual
routing: ospf
addressing: {pool: 10.40.0.0/16, ipv6_pool: "fd00:40::/48"}
nodes:
  r1: {kind: router}
  r2: {kind: router}
  r3: {kind: router}
  h1: {}
  h3: {}
links: [[r1, r2], [r2, r3], [h1, r1], [h3, r3]]
"""


def dual_stack() -> dict[str, Any]:
    """OSPFv2 and OSPFv3 side by side: every pair reaches in both families."""
    Path("/run/dual.yaml").write_text(DUAL)
    up = nslab("up", "/run/dual.yaml")
    report = _json(["test", "dual", "--json", "--converge", "auto", "--converge-within", "30"])
    routes6 = sh("ip -n dual-r1 -6 -j route", check=False).stdout
    down = nslab("down", "dual")
    return {"up": up.returncode, "up_err": up.stderr, "report": report,
            "routes6": json.loads(routes6 or "[]"), "down": down.returncode,
            "traces": traces()}


def unnumbered() -> dict[str, Any]:
    """examples/bgp-unnumbered.yaml: a leaf-spine whose fabric links have no
    addresses; eBGP over link-local addresses, IPv4 through IPv6 next hops."""
    up = nslab("up", str(ROOT / "examples/bgp-unnumbered.yaml"))
    report = _json(["test", "bgp-unnumbered", "--json"])
    why = _json(["why", "bgp-unnumbered", "h1", "h2", "--json"])
    inspect = _json(["inspect", "bgp-unnumbered", "l1", "--only", "routes", "--json"])
    addrs = sh("ip -n bgp-unnumbered-s1 -j addr show", check=False).stdout
    summary = nslab("vtysh", "bgp-unnumbered", "s1", "show bgp summary json").stdout
    down = nslab("down", "bgp-unnumbered")
    return {"up": up.returncode, "up_err": up.stderr, "report": report, "why": why,
            "inspect": inspect, "addrs": json.loads(addrs or "[]"),
            "summary": json.loads(summary or "{}"), "down": down.returncode,
            "traces": traces()}


def ipv6_core() -> dict[str, Any]:
    """examples/ipv6-core.yaml: IPv4 customers across a core of IPv6-only links;
    eBGP over their IPv6 addresses carries IPv4 through IPv6 next hops."""
    return _ipv6_core(ROOT / "examples/ipv6-core.yaml")


def ipv6_core_bird() -> dict[str, Any]:
    """The same core with p1 on BIRD (its IPv4 channel with the extended next
    hop) between FRR routers."""
    text = (ROOT / "examples/ipv6-core.yaml").read_text()
    Path("/run/ipv6-core.yaml").write_text(text.replace(
        "p1: {kind: router, bgp:", "p1: {kind: router, bird: {}, bgp:"))
    return _ipv6_core(Path("/run/ipv6-core.yaml"))


def _ipv6_core(path: Path) -> dict[str, Any]:
    up = nslab("up", str(path))
    report = _json(["test", "ipv6-core", "--json"])
    why = _json(["why", "ipv6-core", "h1", "h2", "--json"])
    addrs = sh("ip -n ipv6-core-p1 -j addr show", check=False).stdout
    routes = sh("ip -n ipv6-core-ce1 -4 -j route show proto bgp", check=False).stdout
    summary = nslab("vtysh", "ipv6-core", "p2", "show bgp ipv4 unicast summary json").stdout
    # a name stands for a core router's loopback in IPv4 (hosts files): ping -4 p2
    by_name = sh("ip netns exec ipv6-core-h1 ping -4 -c1 -W2 p2", check=False).returncode
    down = nslab("down", "ipv6-core")
    return {"up": up.returncode, "up_err": up.stderr, "report": report, "why": why,
            "addrs": json.loads(addrs or "[]"), "routes": json.loads(routes or "[]"),
            "summary": json.loads(summary or "{}"), "by_name": by_name,
            "down": down.returncode, "traces": traces()}


SCENARIOS = {f.__name__: f for f in (ospf_ring, bgp_internet, bird_frr, rejected_config,
                                     killed_up, why_adjacency, python_api, dual_stack,
                                     floating_blackhole, designs, unnumbered, ipv6_core,
                                     ipv6_core_bird)}

if __name__ == "__main__":
    enter()
    print(json.dumps(SCENARIOS[sys.argv[1]]()))
