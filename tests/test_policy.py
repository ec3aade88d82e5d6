"""Firewall, NAT and DNS inside lab nodes, proven with real packets: what the
examples promise (their expectations), the source address a server outside
sees, the rule `why` names, the hosts and resolver files, and that nothing of
it is left on the host after down."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from tests.conftest import ROOT, Labs, nslab


def fetch(ns: str, url: str) -> subprocess.CompletedProcess[str]:
    code = f"import urllib.request; print(urllib.request.urlopen({url!r}, timeout=3).status)"
    return subprocess.run(["ip", "netns", "exec", ns, "python3", "-c", code],
                          capture_output=True, text=True)


def test_masquerade_and_port_forward(labs: Labs) -> None:
    name, path = labs.example("router-nat-portforward")
    nslab("up", str(path), check=True)
    assert nslab("test", name, "--no-matrix").returncode == 0
    # the server outside sees the router's outside address, never the LAN's
    assert fetch(f"{name}-h2", "http://203.0.113.10/").stdout.strip() == "200"
    log = Path(f"/run/nslab/{name}/services/inet.web.log")
    deadline = time.monotonic() + 30
    while "GET / " not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    seen = [line.split()[0] for line in log.read_text().splitlines() if "GET / " in line]
    assert seen == ["203.0.113.1"]
    # the way in: through the port forward only
    assert fetch(f"{name}-inet", "http://203.0.113.1:8080/").stdout.strip() == "200"
    r = nslab("why", name, "inet", "203.0.113.1", "--proto", "tcp", "--port", "8080", "--json")
    d = json.loads(r.stdout)
    assert r.returncode == 0 and d["reached"]
    assert any("dnat ip to 10.128.0.2:8000" in n and n.startswith("NAT in r1:")
               for n in d["notes"]), d["notes"]
    r = nslab("why", name, "inet", "h1", "--json", "--timeout", "0.5")
    d = json.loads(r.stdout)
    assert r.returncode == 10 and d["at"] == "r1"
    assert d["reason"] == ("the firewall of r1 drops it: the policy drop in chain forward of "
                           "table inet nslab")


def test_firewall_rules_name_themselves(labs: Labs) -> None:
    name, path = labs.example("firewall")
    nslab("up", str(path), check=True)
    assert nslab("test", name, "--no-matrix").returncode == 0
    r = nslab("why", name, "h2", "h3", "--proto", "tcp", "--port", "8080", "--json")
    d = json.loads(r.stdout)
    assert r.returncode == 10 and d["at"] == "r1"
    assert d["reason"].startswith("the firewall of r1 rejects it: rule '")
    assert 'reject with tcp reset comment "rule 3"' in d["reason"]
    ruleset = subprocess.run(["ip", "netns", "exec", f"{name}-r1", "nft", "list", "table",
                              "inet", "nslab"], capture_output=True, text=True, check=True)
    assert "policy drop" in ruleset.stdout
    assert subprocess.run(["ip", "netns", "exec", f"{name}-h1", "nft", "list", "tables"],
                          capture_output=True, text=True).stdout == ""  # only where asked


def test_hosts_files_resolvers_and_their_removal(labs: Labs, tmp_path: Path) -> None:
    demo = (ROOT / "examples" / "demo.yaml").read_text()
    text = demo.replace("  h2: {kind: host}\n", "  h2:\n    dns: {nameservers: [192.0.2.53], "
                                                  "search: [example.test]}\n")
    name, path = labs.file(text)
    existed = os.path.isdir("/etc/netns")
    nslab("up", str(path), check=True)
    h1 = f"{name}-h1"
    got = subprocess.run(["ip", "netns", "exec", h1, "getent", "hosts", "h3"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert got[:2] == ["10.0.9.2", "h3"]
    fqdn = subprocess.run(["ip", "netns", "exec", h1, "getent", "hosts", f"r1.{name}"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert fqdn[0] == "10.128.0.1"
    mark = f"# nslab lab={name}: written by nslab up, removed by nslab down\n"
    assert nslab("exec", name, "h2", "--", "cat", "/etc/resolv.conf").stdout == \
        mark + "nameserver 192.0.2.53\nsearch example.test\n"
    host_hosts = Path("/etc/hosts").read_text()
    assert Path(f"/etc/netns/{h1}/hosts").read_text().startswith(mark + host_hosts)
    nslab("down", name, check=True)
    assert not os.path.exists(f"/etc/netns/{h1}")
    assert os.path.isdir("/etc/netns") == existed  # made for the lab: gone with it
    assert Path("/etc/hosts").read_text() == host_hosts


def test_a_hosts_file_that_is_not_ours_is_kept(labs: Labs) -> None:
    name, path = labs.example("two-namespaces")
    mine = Path(f"/etc/netns/{name}-b")
    etc_netns = mine.parent.is_dir()
    mine.mkdir(parents=True)
    try:
        (mine / "hosts").write_text("192.0.2.1 keep-me\n")
        r = nslab("up", str(path))
        assert r.returncode == 7 and f"/etc/netns/{name}-b/hosts already exists" in r.stderr
        assert (mine / "hosts").read_text() == "192.0.2.1 keep-me\n"
        assert not os.path.exists(f"/etc/netns/{name}-a")  # rolled back
    finally:
        subprocess.run(["rm", "-rf", str(mine)])
        if not etc_netns:
            mine.parent.rmdir()


def test_policy_errors_point_at_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nnodes:\n  a: {}\n  r:\n    kind: router\n    firewall:\n"
                   "      rules:\n        - {action: allow, from: nope}\n"
                   "        - {action: deny, port: 22}\n    nat:\n      masquerade: [eth9]\n"
                   "links: [[a, r]]\n")
    r = nslab("validate", str(bad))
    assert r.returncode == 3
    assert f"{bad}:9:11: nodes.r.firewall.rules[1]: 'port' needs proto tcp or udp" in r.stderr
    bad.write_text(bad.read_text().replace("        - {action: deny, port: 22}\n", ""))
    r = nslab("validate", str(bad))
    lines = r.stderr.splitlines()
    assert lines[0] == (f"{bad}:8:27: nodes.r.firewall.rules[0].from: 'nope' is not a node, an "
                        "address or a network (nodes: a, r)")
    assert lines[1] == (f"{bad}:10:20: nodes.r.nat.masquerade[0]: 'r' has no interface 'eth9' "
                        "(its interfaces: eth0)")
