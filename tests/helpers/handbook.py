"""The handbook's chapters 03-07, run inside a sandbox (tests.helpers.sandbox) two
ways: as the chapter types them (`byhand`), and as nslab builds
examples/handbook/chNN-*.yaml (`nslab`). Each prints what the kernel then
holds (namespaces, their links, IPv4 addresses and routes, forwarding, the
machine's links and routes) and what the chapter's pings and fetches saw, so
that tests/test_handbook.py can compare the two.

    python -m tests.helpers.handbook byhand|nslab CHAPTER     (inside the sandbox)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.helpers.sandbox import ROOT, enter, fetch, nslab, ping, sh, snapshot, web

EXAMPLES = ROOT / "examples" / "handbook"
NSLAB = [sys.executable, "-m", "nslab"]
UPLINK = "203.0.113.1"  # the machine's address on its stand-in uplink
WEB = "203.0.113.10"  # a web server on the stand-in internet

# chapter -> (file, the commands it types (sudo left out), its checks:
# (namespace or "" for the machine, "ping" or "fetch", address))
CHAPTERS: dict[str, tuple[str, list[str], list[tuple[str, str, str]]]] = {
    "ch03": ("ch03-veth-to-host.yaml", [
        "ip netns add ns1",
        "ip link add veth-host type veth peer name veth-ns",
        "ip link set veth-ns netns ns1",
        "ip addr add 10.0.0.1/24 dev veth-host",
        "ip link set veth-host up",
        "ip netns exec ns1 ip addr add 10.0.0.2/24 dev veth-ns",
        "ip netns exec ns1 ip link set veth-ns up",
        "ip netns exec ns1 ip link set lo up",
        "ip netns exec ns1 ip route add default via 10.0.0.1",
    ], [("", "ping", "10.0.0.2"), ("ns1", "ping", "10.0.0.1"), ("ns1", "ping", UPLINK)]),
    "ch04": ("ch04-bridge-to-root.yaml", [
        "ip link add br0 type bridge",
        "ip link set br0 up",
        "ip addr add 192.168.100.1/16 dev br0",
        "ip netns add ns1",
        "ip link add veth-ns1 type veth peer name veth-br1",
        "ip link set veth-ns1 netns ns1",
        "ip link set veth-br1 master br0",
        "ip link set veth-br1 up",
        "ip netns exec ns1 ip link set lo up",
        "ip netns exec ns1 ip addr add 192.168.100.2/16 dev veth-ns1",
        "ip netns exec ns1 ip link set veth-ns1 up",
        "ip netns exec ns1 ip route add default via 192.168.100.1",
    ], [("ns1", "ping", "192.168.100.1"), ("ns1", "ping", UPLINK),
        ("", "ping", "192.168.100.2")]),
    "ch05": ("ch05-egress.yaml", [
        "ip netns add ns1",
        "ip link add br0 type bridge",
        "ip addr add 192.168.100.1/16 dev br0",
        "ip link set br0 up",
        "ip link add veth-ns1 type veth peer name veth-br1",
        "ip link set veth-ns1 netns ns1",
        "ip link set veth-br1 master br0",
        "ip link set veth-br1 up",
        "ip netns exec ns1 ip addr add 192.168.100.2/16 dev veth-ns1",
        "ip netns exec ns1 ip link set veth-ns1 up",
        "ip netns exec ns1 ip link set lo up",
        "ip netns exec ns1 ip route add default via 192.168.100.1",
        "sysctl -w net.ipv4.ip_forward=1",
        "iptables -t nat -A POSTROUTING -s 192.168.100.0/16 -o up0 -j MASQUERADE",
    ], [("ns1", "ping", WEB), ("ns1", "fetch", f"http://{WEB}/")]),
    "ch06a": ("ch06-veth-pair.yaml", [
        "ip netns add ns1",
        "ip netns add ns2",
        "ip link add veth1 type veth peer name veth2",
        "ip link set veth1 netns ns1",
        "ip link set veth2 netns ns2",
        "ip netns exec ns1 ip addr add 10.200.10.1/16 dev veth1",
        "ip netns exec ns2 ip addr add 10.200.10.2/16 dev veth2",
        "ip netns exec ns1 ip link set veth1 up",
        "ip netns exec ns2 ip link set veth2 up",
        "ip netns exec ns1 ip link set lo up",
        "ip netns exec ns2 ip link set lo up",
    ], [("ns1", "ping", "10.200.10.2"), ("ns2", "ping", "10.200.10.1")]),
    "ch06b": ("ch06-bridge.yaml", [
        "ip netns add ns1",
        "ip netns add ns2",
        "ip link add br0 type bridge",
        "ip link set br0 up",
        "ip addr add 192.168.50.1/16 dev br0",
        "ip link add veth-ns1 type veth peer name veth-br1",
        "ip link add veth-ns2 type veth peer name veth-br2",
        "ip link set veth-ns1 netns ns1",
        "ip link set veth-ns2 netns ns2",
        "ip link set veth-br1 master br0",
        "ip link set veth-br2 master br0",
        "ip link set veth-br1 up",
        "ip link set veth-br2 up",
        "ip netns exec ns1 ip addr add 192.168.50.2/16 dev veth-ns1",
        "ip netns exec ns2 ip addr add 192.168.50.3/16 dev veth-ns2",
        "ip netns exec ns1 ip link set veth-ns1 up",
        "ip netns exec ns2 ip link set veth-ns2 up",
        "ip netns exec ns1 ip link set lo up",
        "ip netns exec ns2 ip link set lo up",
        "ip netns exec ns1 ip route add default via 192.168.50.1",
        "ip netns exec ns2 ip route add default via 192.168.50.1",
    ], [("ns1", "ping", "192.168.50.3"), ("ns2", "ping", "192.168.50.2"),
        ("ns1", "ping", "192.168.50.1")]),
    "ch07": ("ch07-bridge-three.yaml", [
        "ip link add br0 type bridge",
        "ip addr add 172.18.0.1/24 dev br0",
        "ip link set br0 up",
        "ip netns add ns1",
        "ip netns add ns2",
        "ip netns add ns3",
        "ip link add veth-ns1 type veth peer name veth-br1",
        "ip link add veth-ns2 type veth peer name veth-br2",
        "ip link add veth-ns3 type veth peer name veth-br3",
        "ip link set veth-ns1 netns ns1",
        "ip link set veth-ns2 netns ns2",
        "ip link set veth-ns3 netns ns3",
        "ip link set veth-br1 master br0",
        "ip link set veth-br2 master br0",
        "ip link set veth-br3 master br0",
        "ip link set veth-br1 up",
        "ip link set veth-br2 up",
        "ip link set veth-br3 up",
        "ip netns exec ns1 ip link set lo up",
        "ip netns exec ns2 ip link set lo up",
        "ip netns exec ns3 ip link set lo up",
        "ip netns exec ns1 ip addr add 172.18.0.2/24 dev veth-ns1",
        "ip netns exec ns2 ip addr add 172.18.0.3/24 dev veth-ns2",
        "ip netns exec ns3 ip addr add 172.18.0.4/24 dev veth-ns3",
        "ip netns exec ns1 ip link set veth-ns1 up",
        "ip netns exec ns2 ip link set veth-ns2 up",
        "ip netns exec ns3 ip link set veth-ns3 up",
    ], [("ns1", "ping", "172.18.0.3"), ("ns2", "ping", "172.18.0.4"),
        ("ns3", "ping", "172.18.0.2"), ("ns1", "ping", "172.18.0.1")]),
}


def internet() -> subprocess.Popen[bytes]:
    """The stand-in internet behind the machine's uplink up0 (its default
    route), with a web server that logs who connects."""
    sh("ip netns add inet")
    sh("ip link add up0 type veth peer name eth0 netns inet")
    sh(f"ip addr add {UPLINK}/24 dev up0 && ip link set up0 up")
    sh(f"ip -n inet addr add {WEB}/24 dev eth0 && ip -n inet link set eth0 up "
       "&& ip -n inet link set lo up")
    sh(f"ip route add default via {WEB}")
    return web("inet", 80, Path("/run/web.log"), WEB)


def links(ns: str | None) -> dict[str, dict[str, Any]]:
    pre = f"ip -n {ns} " if ns else "ip "
    out = {}
    for li in json.loads(sh(pre + "-j -d addr show").stdout):
        out[li["ifname"]] = {
            "kind": li.get("linkinfo", {}).get("info_kind", ""),
            "master": li.get("master"), "up": "UP" in li.get("flags", []),
            "addresses": sorted(f"{a['local']}/{a['prefixlen']}"
                                for a in li.get("addr_info", []) if a["family"] == "inet")}
    return out


def routes(ns: str | None) -> list[list[str]]:
    pre = f"ip -n {ns} " if ns else "ip "
    return sorted([r["dst"], r.get("gateway", ""), r.get("dev", ""), r.get("scope", "")]
                  for r in json.loads(sh(pre + "-j -4 route show table main").stdout))


def forwarding(ns: str | None) -> str:
    pre = f"ip netns exec {ns} " if ns else ""
    return sh(pre + "sysctl -n net.ipv4.ip_forward").stdout.strip()


def namespaces() -> list[str]:
    """The named namespaces but the stand-in internet (`ip netns list` adds
    "(id: N)" to some lines)."""
    return sorted(line.split()[0] for line in sh("ip netns list").stdout.splitlines()
                  if line.split()[0] != "inet")


def state() -> dict[str, Any]:
    return {"namespaces": {ns: {"links": links(ns), "routes": routes(ns),
                                "forwarding": forwarding(ns)} for ns in namespaces()},
            "machine": {"links": {k: v for k, v in links(None).items()
                                  if k not in ("lo", "up0")},
                        "routes": routes(None), "forwarding": forwarding(None)}}


def check(ns: str, how: str, target: str) -> str:
    if how == "ping":
        return "ok" if ping(ns or None, target) else "no reply"
    got = fetch(ns or None, target)
    seen = [ln.split()[0] for ln in Path("/run/web.log").read_text().splitlines()
            if "GET / " in ln]
    return f"{got} seen from {seen[-1] if seen else 'nobody'}"


def checks(chapter: str) -> dict[str, str]:
    return {f"{ns or 'machine'} {how} {target}": check(ns, how, target)
            for ns, how, target in CHAPTERS[chapter][2]}


def byhand(chapter: str) -> dict[str, Any]:
    for cmd in CHAPTERS[chapter][1]:
        r = sh(cmd, check=False)
        assert r.returncode == 0, f"{cmd}: {r.stderr}"
    return {"state": state(), "checks": checks(chapter), "fdb": fdb()}


def fdb() -> list[str]:
    """The MAC addresses br0 learned from the namespaces (chapter 07's
    `bridge fdb show br0`), as the namespaces' interfaces they belong to."""
    if "br0" not in sh("ip -o link show").stdout:
        return []
    learned = {e["mac"] for e in json.loads(sh("bridge -j fdb show br br0").stdout)
               if "permanent" not in e.get("state", "") and "self" not in e.get("flags", [])}
    out = []
    for ns in namespaces():
        for li in json.loads(sh(f"ip -n {ns} -j link show").stdout):
            if li.get("address") in learned:
                out.append(f"{ns}:{li['ifname']}")
    return out


def with_nslab(chapter: str) -> dict[str, Any]:
    path = str(EXAMPLES / CHAPTERS[chapter][0])
    before = snapshot()
    r = nslab("up", path)
    out: dict[str, Any] = {"up": [r.returncode, r.stdout + r.stderr]}
    if r.returncode == 0:
        out.update(state=state(), checks=checks(chapter), fdb=fdb())
        out["status"] = json.loads(nslab("status", lab_of(path), "--json").stdout)
        out["status_text"] = nslab("status", lab_of(path)).stdout
        out["graph"] = nslab("graph", lab_of(path), "--format", "dot").stdout
        out["inspect_fdb"] = nslab("inspect", "host", "--only", "fdb").stdout
    d = nslab("down", lab_of(path))
    out["down"] = [d.returncode, d.stdout + d.stderr]
    out["changed"] = [k for k, v in snapshot().items() if before[k] != v]
    out["left"] = namespaces()
    return out


def lab_of(path: str) -> str:
    for line in Path(path).read_text().splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{path} has no name")


def overlap() -> dict[str, Any]:
    """Chapter 04 done by hand and left there, then a lab that would put the
    same subnet on another bridge of the machine: up refuses, naming br0."""
    byhand("ch04")
    text = (EXAMPLES / "ch04-bridge-to-root.yaml").read_text()
    text = text.replace("namespace: ns1", "namespace: other").replace("name: br0", "name: br9")
    text = text.replace("host_iface: veth-br1", "host_iface: veth-br9")
    Path("/run/overlap.yaml").write_text(text)
    before = snapshot()
    r = nslab("up", "/run/overlap.yaml")
    Path("/run/taken.yaml").write_text(text.replace("name: br9", "name: br0"))
    taken = nslab("up", "/run/taken.yaml")  # br0 is the learner's: never adopted
    return {"up": [r.returncode, r.stderr], "taken": [taken.returncode, taken.stderr],
            "changed": [k for k, v in snapshot().items() if before[k] != v]}


if __name__ == "__main__":
    enter()
    mode, chapter = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
    web = internet()
    try:
        result = {"byhand": byhand, "nslab": with_nslab,
                  "overlap": lambda _c: overlap()}[mode](chapter)
    finally:
        web.kill()
    print(json.dumps(result))
