"""`nslab why` against labs broken on purpose, one way at a time, each put
back before the next: the sentence must name the cause and the node."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from tests.conftest import Labs, nslab


def why(*args: str) -> tuple[int, dict[str, Any]]:
    r = nslab("why", *args, "--json", "--timeout", "0.5")
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, json.loads(r.stdout)


def sh(*commands: str) -> None:
    for c in commands:
        subprocess.run(c, shell=True, check=True)


def test_why_names_each_cause_in_the_demo(labs: Labs) -> None:
    name, path = labs.example("demo")
    nslab("up", str(path), check=True)
    r1, h1, h3 = f"{name}-r1", f"{name}-h1", f"{name}-h3"

    code, d = why(name, "h1", "h3")
    assert code == 0 and d["reached"] and d["reason"] is None
    assert [h["node"] for h in d["forward"]["hops"]] == ["h1", "sw1", "r1", "h3"]
    assert [h["node"] for h in d["back"]["hops"]] == ["h3", "r1", "sw1", "h1"]
    assert d["forward"]["hops"][2]["iif"] == "eth0" and d["forward"]["hops"][2]["oif"] == "eth1"
    # src means one thing: a node; the addresses are named as such
    assert d["src"] == d["forward"]["src"] == "h1" and d["back"]["src"] == "h3"
    assert d["forward"]["src_address"] == "10.128.0.2" and d["forward"]["dst"] == "10.0.9.2"
    text = nslab("why", name, "h1", "h3")
    assert text.returncode == 0 and "gets through" in text.stdout and "the way back:" in text.stdout

    # forwarding off on the router
    sh(f"ip netns exec {r1} sysctl -qw net.ipv4.ip_forward=0")
    code, d = why(name, "h1", "h3")
    assert code == 10 and not d["reached"] and d["at"] == "r1"
    assert d["reason"].startswith("forwarding is off on node r1 (net.ipv4.ip_forward=0)")
    sh(f"ip netns exec {r1} sysctl -qw net.ipv4.ip_forward=1")

    # a firewall rule drops it: the rule is named
    sh(f"ip netns exec {h3} nft 'add table inet guard; add chain inet guard input {{ type "
       "filter hook input priority 0; policy accept; }; add rule inet guard input icmp type "
       "echo-request drop'")
    code, d = why(name, "h1", "h3")
    assert code == 10 and d["at"] == "h3"
    assert d["reason"] == ("the firewall of h3 drops it: rule 'icmp type echo-request drop' "
                           "in chain input of table inet guard")
    sh(f"ip netns exec {h3} nft delete table inet guard")
    assert "nslab_trace" not in subprocess.run(
        ["ip", "netns", "exec", h3, "nft", "list", "tables"], capture_output=True,
        text=True).stdout  # the tracing table is gone again

    # the interface is down
    sh(f"ip -n {h3} link set eth0 down")
    code, d = why(name, "h1", "h3")
    assert d["reason"] == "eth1 of node r1 has no carrier (state down: its other end is down)"
    sh(f"ip -n {h3} link set eth0 up",  # the kernel dropped the routes through it: put back
       f"ip -n {h3} route add default via 10.0.9.1", f"ip -n {h3} route add 10.0.0.0/8 via "
       "10.0.9.1")

    # no route
    code, d = why(name, "h1", "10.99.0.1")
    assert d["reason"] == "node r1 has no route to 10.99.0.1 (add one, or a default route)"

    # a gateway nobody holds: ARP never answered
    sh(f"ip -n {h1} route replace 10.0.9.0/30 via 10.128.0.5 dev eth0")
    code, d = why(name, "h1", "h3")
    assert d["reason"] == ("nothing on the segment behind eth0 of node h1 holds 10.128.0.5, "
                           "so its ARP/NDP request is never answered") and d["at"] == "h1"
    sh(f"ip -n {h1} route del 10.0.9.0/30")

    # the answer has no way back
    sh(f"ip -n {h3} route del 10.0.0.0/8", f"ip -n {h3} route del default")
    code, d = why(name, "h1", "h3")
    assert d["reason"] == ("the packet arrives, but the answer cannot come back: node h3 has "
                           "no route to 10.128.0.2 (add one, or a default route)")
    sh(f"ip -n {h3} route add 10.0.0.0/8 via 10.0.9.1")

    # a closed port
    code, d = why(name, "h1", "h3", "--proto", "tcp", "--port", "22")
    assert d["reason"] == ("the packet arrives, but nothing on h3 listens on tcp/22 "
                           "(connection refused)")

    # NAT on the way is named
    sh(f"ip netns exec {r1} nft 'add table ip nat; add chain ip nat pre {{ type nat hook "
       "prerouting priority -100; }; add rule ip nat pre ip daddr 10.128.0.1 icmp type "
       "echo-request dnat to 10.0.9.2'")
    code, d = why(name, "h1", "10.128.0.1")
    assert code == 0 and any(n.startswith("NAT in r1: rule 'ip daddr 10.128.0.1 icmp type "
                                          "echo-request dnat to 10.0.9.2'") for n in d["notes"])


def test_why_finds_the_reverse_path_filter(labs: Labs) -> None:
    name, path = labs.example("diamond")
    nslab("up", str(path), check=True)
    # asymmetric on purpose: there through r2, back through r3
    sh(f"ip -n {name}-r1 route replace 10.20.0.20/30 via 10.20.0.6 dev eth1",
       f"ip -n {name}-r4 route replace 10.20.0.0/30 via 10.20.0.17 dev eth1",
       f"ip netns exec {name}-r4 sysctl -qw net.ipv4.conf.eth0.rp_filter=1")
    code, d = why(name, "h1", "h2")
    assert code == 10 and d["at"] == "r4"
    assert d["reason"].startswith("the reverse-path filter of node r4 drops it: it arrives on "
                                  "eth0 from 10.20.0.2, but the route back to 10.20.0.2 "
                                  "leaves through eth1 (rp_filter=1")
    sh(f"ip netns exec {name}-r4 sysctl -qw net.ipv4.conf.eth0.rp_filter=2")
    code, d = why(name, "h1", "h2")
    assert code == 0 and [h["node"] for h in d["forward"]["hops"]] == ["h1", "r1", "r2",
                                                                         "r4", "h2"]
    assert [h["node"] for h in d["back"]["hops"]] == ["h2", "r4", "r3", "r1", "h1"]
    code, d = why(name, "h1", "fd00:20:0:5::2")  # IPv6 takes the same walk
    assert code == 0 and d["forward"]["hops"][-1]["node"] == "h2"
    r = nslab("why", name, "h1", "nope")
    assert r.returncode == 4 and "has no node 'nope'" in r.stderr


def test_why_names_an_interface_deleted_behind_nslabs_back(labs: Labs) -> None:
    name, path = labs.example("demo")
    nslab("up", str(path), check=True)
    sh(f"ip -n {name}-r1 link del eth1")  # r1's link to h3, and with it h3's end
    code, d = why(name, "h1", "h3")
    assert code == 10 and not d["reached"]
    assert d["reason"].startswith("r1:eth1, h3:eth0 are gone (deleted behind nslab's back: "
                                  f"nslab status {name}), so "), d["reason"]


def test_why_names_a_blackhole_not_a_martian(labs: Labs) -> None:
    """A router whose best route to the destination is a blackhole (what backs
    a BGP announcement) drops the packet: why says so, not 'a martian source'."""
    name, path = labs.file("name: bh\nnodes: {h1: {}, r1: {kind: router}, h2: {}}\n"
                           "links: [[h1, r1], [r1, h2]]\n")
    nslab("up", str(path), check=True)
    sh(f"ip -n {name}-r1 route add blackhole 10.128.0.6/32 proto bgp")
    code, d = why(name, "h1", "h2")
    assert code == 10 and d["at"] == "r1"
    assert d["reason"] == ("node r1 drops it: its best route to 10.128.0.6 is blackhole "
                           "10.128.0.6/32 (put there by bgp)")
