"""Scenarios run inside a sandbox that plays the machine (tests.helpers.sandbox), so
that nothing of the real host is touched: a stand-in
internet (203.0.113.0/24, a namespace of the test's own) behind an uplink
`up0` with the default route. Each prints one JSON object of what it saw.

    python -m tests.helpers.fakehost SCENARIO LAB FILE      (in the sandbox: tests/test_host.py)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.helpers.sandbox import NSLAB, ROOT, changed, fetch, nslab, ping, sh, snapshot, web


def internet(lab: str) -> str:
    """The stand-in internet: namespace <lab>-net behind up0, a web server on
    203.0.113.10 that logs who connects."""
    ns = f"inet-{lab}"
    sh("ip link set lo up")
    # no IPv6 autoconfiguration: its addresses arrive late and would blur the before/after
    sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")
    sh(f"ip netns add {ns}")
    sh(f"ip link add up0 type veth peer name eth0 netns {ns}")
    sh("ip addr add 203.0.113.1/24 dev up0 && ip link set up0 up")
    sh(f"ip -n {ns} addr add 203.0.113.10/24 dev eth0 && ip -n {ns} link set eth0 up "
       f"&& ip -n {ns} link set lo up")
    sh("ip route add default via 203.0.113.10")
    return ns


def up_down(lab: str, path: str, inside: Any) -> dict[str, Any]:
    """Bring the lab up, let `inside(out)` look around, bring it down, and
    compare the machine with before."""
    before = snapshot()
    out: dict[str, Any] = {}
    r = nslab("up", path)
    out["up"] = (r.returncode, r.stderr)
    try:
        if r.returncode == 0:
            inside(out)
    finally:
        d = nslab("down", lab)
        out["down"] = (d.returncode, d.stderr)
    out["changed"] = changed(before, snapshot())
    out["left"] = sorted(n for n in sh("ip netns list").stdout.split() if n.startswith(lab))
    return out


def scenario_to_host(lab: str, path: str) -> dict[str, Any]:
    sh("ip link set lo up")

    def inside(out: dict[str, Any]) -> None:
        out["host_to_node"] = ping(None, "10.77.0.2")
        out["node_to_host"] = ping(f"{lab}-app", "10.77.0.1")
        out["test"] = nslab("test", lab, "--no-matrix").returncode
        me = json.loads(nslab("inspect", "host", "--json", "--only", "interfaces").stdout)
        out["aliases"] = [i["alias"] for i in me["interfaces"] if i["alias"]]
    return up_down(lab, path, inside)


def scenario_bridge(lab: str, path: str) -> dict[str, Any]:
    sh("ip link set lo up")
    nodes = {"web": "10.78.0.2", "db": "10.78.0.3", "cache": "10.78.0.4"}

    def inside(out: dict[str, Any]) -> None:
        out["to_gateway"] = {n: ping(f"{lab}-{n}", "10.78.0.1") for n in nodes}
        out["each_other"] = {f"{a}>{b}": ping(f"{lab}-{a}", addr) for a in nodes
                             for b, addr in nodes.items() if a != b}
        out["host_to_each"] = {n: ping(None, addr) for n, addr in nodes.items()}
        out["default_route"] = sh(f"ip -n {lab}-web route show default").stdout.strip()
        out["test"] = nslab("test", lab).returncode
    return up_down(lab, path, inside)


def scenario_egress(lab: str, path: str) -> dict[str, Any]:
    net = internet(lab)
    log = Path(f"/tmp/inet-{lab}.log")
    server = web(net, 80, log)
    try:
        def inside(out: dict[str, Any]) -> None:
            out["forward_on"] = sh("sysctl -n net.ipv4.ip_forward").stdout.strip()
            out["h2_out"] = fetch(f"{lab}-h2", "http://203.0.113.10/")
            out["seen"] = [ln.split()[0] for ln in log.read_text().splitlines()
                           if "GET / " in ln]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # the web service of h1 starts
                out["port_forward"] = fetch(net, "http://203.0.113.1:8080/")
                if out["port_forward"] == "200":
                    break
                time.sleep(0.2)
            out["table"] = f"inet nslab_{lab}" in sh("nft list tables").stdout
            out["test"] = nslab("test", lab, "--no-matrix").returncode
        out = up_down(lab, path, inside)
    finally:
        server.kill()
        server.wait()
        sh(f"ip netns del {net}", check=False)
        log.unlink(missing_ok=True)
    return out


def scenario_forward_drop(lab: str, path: str) -> dict[str, Any]:
    """Someone else's table drops forwarded packets: up says so, and down
    leaves that table exactly as it was."""
    net = internet(lab)
    sh("nft 'add table inet theirs; add chain inet theirs fw { type filter hook forward "
       "priority 0; policy drop; }'")
    try:
        out = up_down(lab, path, lambda out: None)
        out["theirs"] = "table inet theirs" in sh("nft list ruleset").stdout
    finally:
        sh(f"ip netns del {net}", check=False)
    return out


def scenario_conflict(lab: str, path: str) -> dict[str, Any]:
    """A link named as nslab would name its end on the machine: up refuses."""
    sh("ip link set lo up")
    from nslab.model.machine import machine_ifname

    name = machine_ifname(lab, "app", "eth0")
    sh(f"ip link add {name} type veth peer name {name}p")
    out = up_down(lab, path, lambda out: None)
    out["kept"] = name in sh("ip -o link").stdout
    return out


def scenario_egress_errors(lab: str, path: str) -> dict[str, Any]:
    """egress: auto on a machine without a default route; egress naming an
    interface the machine does not have. Neither leaves anything behind."""
    sh("ip link set lo up")
    out: dict[str, Any] = {}
    before = snapshot()
    r = nslab("up", path)
    out["auto"] = (r.returncode, r.stderr)
    named = Path(path).with_name("named.yaml")
    named.write_text(Path(path).read_text().replace("egress: auto", "egress: nosuch0"))
    r = nslab("up", str(named))
    out["named"] = (r.returncode, r.stderr)
    out["changed"] = changed(before, snapshot())
    out["left"] = sorted(n for n in sh("ip netns list").stdout.split() if n.startswith(lab))
    return out


def scenario_crash(lab: str, path: str) -> dict[str, Any]:
    """`up` killed (SIGKILL) once the bridge on the machine is being made:
    `down` still leaves the machine as it was."""
    sh("ip link set lo up")
    before = snapshot()
    journal = Path(f"/run/nslab/{lab}/journal.jsonl")
    proc = subprocess.Popen([*NSLAB, "up", path], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (
            journal.exists() and '"t":"machinebridge"' in journal.read_text()):
        time.sleep(0.0005)
    proc.kill()
    proc.wait()
    out: dict[str, Any] = {"journal": journal.exists()}
    d = nslab("down", lab)
    out["down"] = (d.returncode, d.stderr)
    out["changed"] = changed(before, snapshot())
    out["left"] = sorted(n for n in sh("ip netns list").stdout.split() if n.startswith(lab))
    return out


if __name__ == "__main__":
    from tests.helpers.sandbox import enter

    enter()
    scenario, lab, path = sys.argv[1:4]
    print(json.dumps(globals()[f"scenario_{scenario}"](lab, path)))
