"""`nslab inspect` and `nslab ns` against namespaces made by hand with `ip`,
checked section by section with what `ip -j`, `bridge -j`, `ss`, `nft -j` and
/proc report."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from nslab.verbs import inspect as inspection
from tests.conftest import Handmade, Labs, netns_list, nslab

LISTENER = """
import socket, time
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("192.0.2.1", 7000)); t.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 5353))
print("ready", flush=True)
time.sleep(120)
"""


def ipj(*args: str) -> Any:
    out = subprocess.run(["ip", "-j", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout or "[]")


def in_ns(ns: str, *argv: str) -> str:
    return subprocess.run(["ip", "netns", "exec", ns, *argv], capture_output=True, text=True,
                          check=True).stdout


def inspect_json(*target: str, only: str | None = None) -> dict[str, Any]:
    args = ["inspect", *target, "--json"] + (["--only", only] if only else [])
    data: dict[str, Any] = json.loads(nslab(*args, check=True).stdout)
    assert data["version"] == 1
    return data


def norm(prefix: str) -> str:
    return "default" if prefix == "default" else str(ipaddress.ip_network(prefix, strict=False))


@pytest.fixture
def hand(handmade: Handmade) -> tuple[Handmade, str, str, subprocess.Popen[bytes]]:
    """Namespace A: a veth to B, a bridge with a veth port, addresses v4+v6,
    routes in main and table 100, a rule, a static neighbour, an nftables
    table, sysctls, and a process listening on TCP and UDP."""
    a, b = handmade.ns("a"), handmade.ns("b")
    handmade.sh(
        f"ip -n {a} link add va type veth peer name vb netns {b}",
        f"ip -n {a} link add br0 type bridge",
        f"ip -n {a} link add vp type veth peer name vq",
        f"ip -n {a} link set vp master br0",
        f"ip -n {a} addr add 192.0.2.1/24 dev va",
        f"ip -n {a} addr add 2001:db8::1/64 dev va nodad",
        f"ip -n {a} addr add 198.51.100.1/24 dev br0",
        f"ip -n {b} addr add 192.0.2.2/24 dev vb",
        *(f"ip -n {a} link set {d} up" for d in ("lo", "va", "br0", "vp", "vq")),
        f"ip -n {b} link set vb up", f"ip -n {b} link set lo up",
        f"ip -n {a} route add 203.0.113.0/24 via 192.0.2.2",
        f"ip -n {a} route add 10.9.0.0/16 via 192.0.2.2 table 100",
        f"ip -n {a} route add blackhole 10.66.0.0/16 table 100",
        f"ip -n {a} rule add from 198.51.100.0/24 lookup 100 priority 1000",
        f"ip -n {a} neigh add 192.0.2.99 lladdr 02:00:00:00:00:99 dev va",
        f"ip netns exec {a} ping -c1 -W2 -q 192.0.2.2",
        f"ip netns exec {a} nft add table inet tflt",
        f"ip netns exec {a} nft 'add chain inet tflt input {{ type filter hook input "
        f"priority 0; policy accept; }}'",
        f"ip netns exec {a} nft add rule inet tflt input tcp dport 22 drop",
        f"ip netns exec {a} sysctl -qw net.ipv4.ip_forward=1",
        f"ip netns exec {a} sysctl -qw net.ipv4.conf.va.rp_filter=2",
    )
    p = subprocess.Popen(["ip", "netns", "exec", a, sys.executable, "-c", LISTENER],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    handmade.procs.append(p)  # type: ignore[arg-type]
    assert p.stdout is not None and p.stdout.readline().strip() == b"ready"
    return handmade, a, b, p  # type: ignore[return-value]


def test_every_section_agrees_with_the_usual_tools(
        hand: tuple[Handmade, str, str, subprocess.Popen[bytes]]) -> None:
    _made, a, b, listener = hand
    ip_before = {x["ifname"]: x for x in ipj("-n", a, "-s", "-d", "link", "show")}
    got = inspect_json(a)
    ip_after = {x["ifname"]: x for x in ipj("-n", a, "-s", "-d", "link", "show")}
    assert got["where"]["namespace"] == a and got["where"]["lab"] is None

    # interfaces: kind, state, MAC, MTU, master, veth peer, counters
    ifs = {i["name"]: i for i in got["interfaces"]}
    assert set(ifs) == set(ip_after)
    for name, i in ifs.items():
        ref = ip_after[name]
        assert i["mac"] == ref["address"] and i["mtu"] == ref["mtu"]
        assert i["state"] == ref["operstate"].lower()
        assert i["master"] == ref.get("master")
        assert i["kind"] == ref.get("linkinfo", {}).get("info_kind", "loopback")
        for way in ("rx", "tx"):
            for key in ("packets", "bytes"):
                low = ip_before[name]["stats64"][way][key]
                high = ref["stats64"][way][key]
                assert low <= i["counters"][f"{way}_{key}"] <= high
    assert ifs["va"]["peer"]["namespace"] == b and ifs["va"]["peer"]["name"] == "vb"
    assert ifs["vp"]["peer"]["namespace"] == a and ifs["vp"]["peer"]["name"] == "vq"
    assert ifs["va"]["counters"]["tx_packets"] >= 1  # the ping

    # addresses, with scope and flags
    ref_addr = {(x["ifname"], y["local"], y["prefixlen"], y["scope"])
                for x in ipj("-n", a, "addr") for y in x["addr_info"]}
    assert {(x["interface"], x["address"], x["prefixlen"], x["scope"])
            for x in got["addresses"]} == ref_addr
    assert "nodad" in next(x for x in got["addresses"] if x["address"] == "2001:db8::1")["flags"]

    # routes of every table, both families
    ref_routes = {(r.get("table", "main"), r.get("type", "unicast"), norm(r["dst"]),
                   r.get("gateway"), r.get("dev"))
                  for fam in ("-4", "-6") for r in ipj(fam, "-n", a, "route", "show", "table",
                                                        "all")}
    mine = {(r["table"], r["type"], norm(r["dst"]), r["nexthops"][0]["gateway"],
             r["nexthops"][0]["dev"]) for r in got["routes"]}
    assert mine == ref_routes
    assert ("100", "blackhole", "10.66.0.0/16", None, None) in mine

    # policy rules
    ref_rules = {(r["priority"], norm(f"{r['src']}/{r['srclen']}") if "srclen" in r else None,
                  r.get("table")) for fam in ("-4", "-6") for r in ipj(fam, "-n", a, "rule")}
    assert {(r["priority"], r["src"] and norm(r["src"]), r["table"])
            for r in got["rules"]} == ref_rules

    # neighbours (ip hides NOARP entries) and the bridge's forwarding database
    ref_neigh = {(n["dst"], n["dev"], n.get("lladdr")) for n in ipj("-n", a, "neigh")}
    assert {(n["address"], n["interface"], n["mac"]) for n in got["neighbours"]
            if "NOARP" not in n["state"]} == ref_neigh
    assert ("192.0.2.99", "va", "02:00:00:00:00:99") in ref_neigh
    fdb = json.loads(subprocess.run(["bridge", "-j", "-n", a, "fdb", "show", "br", "br0"],
                                    capture_output=True, text=True, check=True).stdout)
    assert {(f["mac"], f["ifname"]) for f in fdb if f.get("master") == "br0"} == {
        (f["mac"], f["port"]) for f in got["fdb"] if f["port"] != "br0"}

    # sockets with their processes, as ss -p sees them
    ss = in_ns(a, "ss", "-Htuanp")
    ref_socks = set()
    for line in ss.splitlines():
        cols = line.split()
        local = cols[4].rsplit(":", 1)
        pids = {int(x) for x in re.findall(r"pid=(\d+)", line)}
        ref_socks.add((cols[0], local[0].strip("[]").replace("*", "0.0.0.0"), int(local[1]),
                       frozenset(pids)))
    assert {(s["protocol"], s["local"], s["local_port"],
             frozenset(o["pid"] for o in s["owners"])) for s in got["sockets"]} == ref_socks
    listen = next(s for s in got["sockets"] if s["local_port"] == 7000)
    assert listen["state"] == "LISTEN" and listen["owners"][0]["pid"] == listener.pid

    # firewall: exactly nft's own JSON (without its metainfo)
    ref_nft = [x for x in json.loads(in_ns(a, "nft", "-j", "list", "ruleset"))["nftables"]
               if "metainfo" not in x]
    assert got["firewall"]["ruleset"] == ref_nft
    assert got["firewall"]["tables"] == [{"family": "inet", "name": "tflt", "comment": None}]

    # sysctls, as /proc/sys says inside
    def proc_sys(key: str) -> int:
        return int(in_ns(a, "cat", f"/proc/sys/net/{key}").strip())

    sc = got["sysctls"]
    assert sc["ip_forward"] == proc_sys("ipv4/ip_forward") == 1
    assert sc["per_interface"]["va"]["ipv4.rp_filter"] == proc_sys("ipv4/conf/va/rp_filter") == 2
    assert sc["per_interface"]["va"]["ipv6.accept_ra"] == proc_sys("ipv6/conf/va/accept_ra")
    assert sc["per_interface"]["all"]["ipv4.proxy_arp"] == proc_sys("ipv4/conf/all/proxy_arp")

    # processes: what ip netns pids says
    ref_pids = {int(x) for x in subprocess.run(["ip", "netns", "pids", a], capture_output=True,
                                               text=True, check=True).stdout.split()}
    assert {p["pid"] for p in got["processes"]} == ref_pids
    assert listener.pid in ref_pids


def test_targets_sections_and_text(
        hand: tuple[Handmade, str, str, subprocess.Popen[bytes]]) -> None:
    _made, a, b, listener = hand
    by_pid = inspect_json(f"pid:{listener.pid}", only="interfaces")
    assert by_pid["where"]["namespace"] == a and by_pid["where"]["pid"] == listener.pid
    assert set(by_pid) == {"version", "where", "interfaces"}
    r = nslab("inspect", a)
    assert r.returncode == 0
    for title in ("INTERFACES", "ADDRESSES", "ROUTES", "RULES", "NEIGHBOURS", "BRIDGE FDB",
                  "SOCKETS", "FIREWALL", "SYSCTLS", "PROCESSES"):
        assert f"\n{title}" in r.stdout
    assert "tcp dport 22 drop" in r.stdout  # the ruleset as nft prints it
    assert f"{b}:vb" in r.stdout and "192.0.2.1:7000" in r.stdout
    r = nslab("inspect", a, "--only", "bogus")
    assert r.returncode == 2 and "no section 'bogus'" in r.stderr  # a usage error
    r = nslab("inspect", "no-such-namespace-here")
    assert r.returncode == 4 and "see nslab ns list" in r.stderr and "Traceback" not in r.stderr
    me = inspect_json("host", only="interfaces")  # the namespace nslab runs in
    assert me["where"]["inode"] == os.stat("/proc/self/ns/net").st_ino and me["where"]["host"]
    assert {i["name"] for i in me["interfaces"]} == {x["ifname"] for x in ipj("link")}
    r = nslab("inspect", "pid:999999999")
    assert r.returncode == 4 and "no process" in r.stderr


def test_one_section_alone_and_a_command_line_with_a_newline(
        hand: tuple[Handmade, str, str, subprocess.Popen[bytes]]) -> None:
    made, a, _b, _listener = hand
    r = nslab("inspect", a, "--only", "fdb")  # the table, without asking for interfaces
    assert r.returncode == 0 and "\nBRIDGE FDB\n" in r.stdout
    assert any(line.startswith("br0") and " vp " in line for line in r.stdout.splitlines())
    odd = made.start(["ip", "netns", "exec", a, "sh", "-c", "sleep 60 # first\nINJECTED"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and str(odd.pid) not in nslab(
            "inspect", a, "--only", "processes").stdout:
        time.sleep(0.05)
    r = nslab("inspect", a, "--only", "processes")
    assert "# first\\x0aINJECTED" in r.stdout
    assert not any(line.startswith("INJECTED") for line in r.stdout.splitlines())


def test_a_lab_node_and_a_whole_lab(labs: Labs) -> None:
    name, path = labs.example("demo")
    nslab("up", str(path), check=True)
    node = inspect_json(name, "r1")
    assert node["where"] == {"namespace": f"{name}-r1", "inode": node["where"]["inode"],
                             "lab": name, "node": "r1", "pid": None, "host": False}
    status = json.loads(nslab("status", name, "--json", check=True).stdout)
    want = {i["name"]: i["peer"] for n in status["nodes"] if n["name"] == "r1"
            for i in n["interfaces"]}
    peers = {i["name"]: f"{i['peer']['namespace'][len(name) + 1:]}:{i['peer']['name']}"
             for i in node["interfaces"] if i["peer"]}
    assert peers == want
    whole = inspect_json(name)
    assert [n["where"]["node"] for n in whole["nodes"]] == [n["name"] for n in status["nodes"]]
    for n in whole["nodes"]:  # every veth's far end, found the way a whole lab is read
        want = {i["name"]: i["peer"] for s in status["nodes"] if s["name"] == n["where"]["node"]
                for i in s["interfaces"]}
        assert {i["name"]: f"{i['peer']['namespace'][len(name) + 1:]}:{i['peer']['name']}"
                for i in n["interfaces"] if i["peer"]} == want
    r = nslab("inspect", name, check=True)
    assert f"lab {name}: 5/5 nodes present" in r.stdout
    # the overview's cheap counts agree with the full reading
    full = {i.where.node: i for i in inspection.inspect_lab(name)}
    for line in inspection.overview(name):
        i = full[line.node]
        assert line.routes == sum(1 for x in i.routes or () if x.table == "main"
                                  and x.protocol != "kernel" and x.type == "unicast")
        assert line.interfaces == sum(1 for x in i.interfaces or () if x.kind != "loopback")
        assert line.addresses == tuple(f"{a.address}/{a.prefixlen}" for a in i.addresses or ()
                                       if a.scope == "global")
        assert line.forwarding == (line.node == "r1")
    # ns list knows which lab and node each namespace is
    listed = json.loads(nslab("ns", "list", "--json", check=True).stdout)["namespaces"]
    mine = {e["name"]: (e["lab"], e["node"]) for e in listed if e["lab"] == name}
    assert mine == {f"{name}-{n}": (name, n) for n in ("h1", "h2", "r1", "sw1", "h3")}
    assert any(e["is_host"] for e in listed)
    r = nslab("ns", "del", f"{name}-h1")
    assert r.returncode == 7 and f"nslab down {name}" in r.stderr
    assert f"{name}-h1" in netns_list()


def test_ns_tools_are_interchangeable_with_ip_netns(handmade: Handmade) -> None:
    mine = f"{handmade.prefix}-n"
    handmade.namespaces.append(mine)  # removed at the end even if the test fails
    nslab("ns", "add", mine, check=True)
    assert mine in subprocess.run(["ip", "netns", "list"], capture_output=True,
                                  text=True).stdout
    assert in_ns(mine, "ip", "-o", "link").count("lo:") == 1  # ip netns exec works on it
    r = nslab("ns", "exec", mine, "--", "ip", "-j", "link")
    assert r.returncode == 0 and [x["ifname"] for x in json.loads(r.stdout)] == ["lo"]
    assert nslab("ns", "exec", mine, "--", "sh", "-c", "exit 3").returncode == 3
    r = nslab("ns", "add", mine)
    assert r.returncode == 7 and "already exists" in r.stderr
    theirs = handmade.ns("theirs")
    holder = handmade.start(["unshare", "--net", "sleep", "60"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        listed = json.loads(nslab("ns", "list", "--json", check=True).stdout)["namespaces"]
        if any(e["holder"] == holder.pid for e in listed):
            break
        time.sleep(0.05)
    names = {e["name"] for e in listed}
    assert {mine, theirs} <= names
    unnamed = next(e for e in listed if e["holder"] == holder.pid)
    assert unnamed["name"] is None and unnamed["holder_command"] == "sleep"
    assert unnamed["processes"] == 1 and unnamed["interfaces"] == 1
    nslab("ns", "del", theirs, check=True)  # made by ip, removed by nslab
    nslab("ns", "del", mine, check=True)
    assert not {mine, theirs} & netns_list()
    r = nslab("ns", "del", mine)
    assert r.returncode == 4 and "no namespace" in r.stderr
    r = nslab("ns", "add", "bad/name")
    assert r.returncode == 1 and "cannot name a namespace" in r.stderr


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed "
                    "(scripts/setup.sh installs it)")
def test_graph_of_a_file_and_of_a_running_lab(labs: Labs, tmp_path: Path) -> None:
    name, path = labs.example("demo")
    png = tmp_path / "demo.png"
    nslab("graph", str(path), "-o", str(png), check=True)
    assert png.read_bytes().startswith(b"\x89PNG")
    nslab("up", str(path), check=True)
    subprocess.run(["ip", "-n", f"{name}-h3", "link", "set", "eth0", "down"], check=True)
    dot = nslab("graph", name, check=True).stdout
    down = [ln for ln in dot.splitlines() if "style=dashed" in ln]
    assert len(down) == 1 and down[0].startswith('  "h3" -- "r1"')
    svg = tmp_path / "live.svg"
    nslab("graph", name, "-o", str(svg), check=True)
    text = svg.read_text()
    assert "<svg" in text and all(f">{n}<" in text for n in ("h1", "h2", "r1", "h3"))
    mermaid = nslab("graph", name, "--format", "mermaid", check=True).stdout
    assert mermaid.startswith("graph LR") and "linkStyle 3 stroke:#dc2626" in mermaid
    r = nslab("graph", "no-such-lab")
    assert r.returncode == 4 and "is not up" in r.stderr


@pytest.mark.skipif(shutil.which("iptables") is None, reason="iptables is not installed")
def test_iptables_rules_are_shown_too(handmade: Handmade) -> None:
    a = handmade.ns("ipt")
    handmade.sh(f"ip netns exec {a} iptables -A INPUT -p tcp --dport 2222 -j DROP")
    got = inspect_json(a, only="firewall")["firewall"]
    assert got["iptables"] is not None and "--dport 2222 -j DROP" in got["iptables"]
    text = nslab("inspect", a, "--only", "firewall", check=True).stdout
    assert "iptables-save:" in text and "--dport 2222 -j DROP" in text


def test_graph_without_graphviz_and_a_closed_pipe(tmp_path: Path) -> None:
    demo = str(Path(__file__).resolve().parent.parent / "examples" / "demo.yaml")
    bare = {**os.environ, "PATH": str(tmp_path)}  # no dot on it
    r = subprocess.run([sys.executable, "-m", "nslab", "graph", demo, "-o",
                        str(tmp_path / "x.svg")], capture_output=True, text=True, env=bare)
    assert r.returncode == 1 and "Graphviz is not installed (apt install graphviz)" in r.stderr
    assert nslab("graph", demo, "--format", "mermaid", check=True).stdout.startswith("graph LR")
    p = subprocess.Popen([sys.executable, "-m", "nslab", "graph", demo], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # the reader goes away first, as `| head -0` would
    err = p.stderr.read()
    assert p.wait() == 141 and err == ""
