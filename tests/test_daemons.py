"""Routing daemons decided from the topology (pure): which routers run what,
their router-ids, ASNs, sessions and generated configs, and the steps that
start them. The real daemons are in tests/test_routing.py."""

from __future__ import annotations

import json
from ipaddress import ip_interface
from pathlib import Path

import pytest

from nslab.errors import SpecError
from nslab.model.compile import compile_file, compile_text
from nslab.model.lab import Lab
from nslab.plan import MachineFacts, plan
from nslab.plan.steps import StartDaemons

TWO_ASES = """
name: ases
routing: bgp
addressing: {pool: 10.50.0.0/16}
nodes:
  a1: {kind: router, bgp: {asn: 65001, announce: [198.51.100.0/24]}}
  a2: {kind: router, bgp: {asn: 65001}, loopback: 192.0.2.2}
  b1: {kind: router, bgp: {asn: 65002}}
  h: {}
links:
  - [a1, a2]
  - [a2, b1]
  - [h, a1]
"""


def _config(lab: Lab, node: str) -> str:
    d = lab.node(node).daemons
    assert d is not None
    return d.config


def test_an_as_of_two_routers_meshes_over_loopbacks_and_peers_out_over_links() -> None:
    lab = compile_text(TWO_ASES)
    a1, a2, b1 = (lab.node(n) for n in ("a1", "a2", "b1"))
    assert a2.loopback is not None and str(a2.loopback) == "192.0.2.2/32"
    assert a2.daemons is not None and a2.daemons.router_id == "192.0.2.2"
    # from the top of the pool, clear of every link's subnet
    assert a1.loopback is not None and str(a1.loopback) == "10.50.255.254/32"
    assert not any(s.subnet4 is not None and a1.loopback.ip in s.subnet4 for s in lab.segments)
    conf = _config(lab, "a1")
    # iBGP to a2's loopback, from a1's own; OSPF inside the AS to reach it
    assert " neighbor 192.0.2.2 remote-as 65001" in conf
    assert " neighbor 192.0.2.2 update-source lo" in conf
    assert "  neighbor 192.0.2.2 next-hop-self" in conf
    assert "router ospf" in conf and "interface eth0\n ip ospf area 0" in conf
    # announced, and backed by a floating blackhole route (staticd, distance 254): any
    # other route to the prefix (connected, OSPF, iBGP) wins over it
    assert "  network 198.51.100.0/24" in conf
    assert "\nip route 198.51.100.0/24 blackhole 254\n" in conf
    assert a1.daemons is not None and a1.daemons.daemons == ("zebra", "staticd", "ospfd", "bgpd")
    # eBGP between a2 and b1 over their link, no OSPF there (b1 is alone in its AS)
    b1_addr = str(b1.interfaces[0].addresses[0].ip)
    assert f" neighbor {b1_addr} remote-as 65002" in _config(lab, "a2")
    assert "interface eth1" not in _config(lab, "a2").split("router bgp")[0]
    assert "router ospf" not in _config(lab, "b1")
    assert b1.daemons is not None and b1.daemons.daemons == ("zebra", "bgpd")
    assert b1.daemons.peers == (("a2", str(a2.interfaces[1].addresses[0].ip)),)
    # protocol routers carry no computed routes; the host keeps its default
    assert a1.routes == () and a2.routes == () and b1.routes == ()
    assert [str(r.dst) for r in lab.node("h").routes] == ["0.0.0.0/0"]
    assert "198.51.100.0/24" in {str(p) for p in b1.expected}
    assert "192.0.2.2/32" in {str(p) for p in b1.expected}


def test_frr_9_gets_mgmtd_right_after_zebra() -> None:
    lab = compile_text(TWO_ASES)
    for facts, want in ((MachineFacts(daemons=frozenset()), ("zebra", "bgpd")),
                        (MachineFacts(daemons=frozenset({"mgmtd"})),
                         ("zebra", "mgmtd", "bgpd"))):
        steps = [s for s in plan(lab, facts).steps if isinstance(s, StartDaemons)]
        assert [s.node for s in steps] == ["a1", "a2", "b1"]
        assert steps[2].daemons == want
        assert steps[2].dir == "/run/nslab/ases/routing/b1"
        script = steps[2].script()
        assert script.index("zebra -d") < script.index("bgpd -d")
        assert ("mgmtd -d" in script) == (want[1] == "mgmtd")
        assert script.endswith(f"vtysh --vty_socket {steps[2].dir} --config_dir "
                               f"{steps[2].dir} -b")


def test_a_routers_own_config_replaces_the_generated_one() -> None:
    text = TWO_ASES.replace("  b1: {kind: router, bgp: {asn: 65002}}",
                            "  b1: {kind: router, bgp: {asn: 65002}, frr: {daemons: [bgpd], "
                            "config: \"router bgp 65002\\n\"}}")
    lab = compile_text(text)
    d = lab.node("b1").daemons
    assert d is not None and not d.generated and d.config == "router bgp 65002\n"
    assert d.daemons == ("zebra", "bgpd") and d.protocols == ("bgp",)


def test_a_routers_extra_config_is_added_after_the_generated_one(tmp_path: Path) -> None:
    extra = "route-map LP permit 10\n set local-preference 42\n"
    text = TWO_ASES.replace("  b1: {kind: router, bgp: {asn: 65002}}",
                            "  b1: {kind: router, bgp: {asn: 65002}, frr: {extra: "
                            + json.dumps(extra) + "}}")
    generated = _config(compile_text(TWO_ASES), "b1")
    d = compile_text(text).node("b1").daemons
    assert d is not None and d.generated  # still nslab's, with the file's lines after it
    assert d.config == generated.rstrip("\n") + "\n" + extra
    # daemons beside nslab's (what the extra lines need: staticd for ip route)
    more = compile_text(text.replace("frr: {extra: ", "frr: {daemons: [staticd], extra: "))
    d2 = more.node("b1").daemons
    assert d2 is not None and d2.daemons == (*d.daemons, "staticd")
    assert d2.protocols == d.protocols
    (tmp_path / "b1.conf").write_text(extra)  # a path, relative to the topology file
    (tmp_path / "lab.yaml").write_text(text.replace(json.dumps(extra), "b1.conf"))
    assert _config(compile_file(tmp_path / "lab.yaml"), "b1").endswith(extra)
    for bad, said in (("{extra: b1.conf, config: b1.conf}", "config is the whole"),
                      ("{daemons: [bgpd]}", "needs config .the whole configuration. or extra"),
                      ("{extra: nowhere.conf}", "config file nowhere.conf does not exist")):
        (tmp_path / "bad.yaml").write_text(text.replace(
            "frr: {extra: " + json.dumps(extra) + "}", f"frr: {bad}"))
        with pytest.raises(SpecError, match=said):
            compile_file(tmp_path / "bad.yaml")


def test_ospf_links_are_point_to_point_between_two_and_passive_toward_hosts() -> None:
    lab = compile_text("""
name: o
routing: ospf
nodes:
  r1: {kind: router}
  r2: {kind: router}
  r3: {kind: router}
  sw: {kind: switch}
  h: {}
links: [[r1, r2], [r1, sw], [r2, sw], [r3, sw], [h, r3]]
""")
    conf = _config(lab, "r3")
    lan, stub = conf.split("interface eth0\n")[1], conf.split("interface eth1\n")[1]
    assert lan.startswith(" ip ospf area 0\n ip ospf hello-interval 1")  # broadcast, 3 routers
    assert stub.startswith(" ip ospf area 0\n ip ospf passive\n")
    assert "ip ospf network point-to-point" in _config(lab, "r1").split("interface eth1")[0]
    r3 = lab.node("r3").daemons
    assert r3 is not None and r3.ospf_neighbours == ("r1", "r2")
    assert " timers lsa min-arrival 0" in conf  # the lab timers (README: 11 s -> 1 s)


LEAF_SPINE = """
name: ls
routing: bgp
nodes:
  s1: {kind: router, bgp: {asn: 65000}}
  s2: {kind: router, bgp: {asn: 65000}}
  l1: {kind: router, bgp: {asn: 65001}}
  l2: {kind: router, bgp: {asn: 65002}}
  h1: {}
  h2: {}
links: [[s1, l1], [s1, l2], [s2, l1], [s2, l2], [h1, l1], [h2, l2]]
"""


def test_spines_of_one_asn_joined_only_through_leaves_do_not_mesh() -> None:
    """RFC 7938: the spines share an ASN but no link. An iBGP session between
    their loopbacks could never come up; and neither learns what only the
    other originates (each leaf's path to it holds the spines' own ASN)."""
    lab = compile_text(LEAF_SPINE)
    s1, s2, l1 = lab.node("s1"), lab.node("s2"), lab.node("l1")
    assert s1.daemons is not None and s2.daemons is not None and l1.daemons is not None
    assert {p for p, _ in s1.daemons.peers} == {"l1", "l2"}  # eBGP only
    assert s2.loopback is not None and s1.loopback is not None
    assert s2.loopback.network not in s1.expected and s1.loopback.network not in s2.expected
    # a leaf learns both spines' loopbacks; every host LAN is expected everywhere
    assert {s1.loopback.network, s2.loopback.network} <= set(l1.expected)
    lans = {a.network for n in ("h1", "h2") for a in lab.node(n).interfaces[0].addresses}
    assert lans <= set(s1.expected) and lans <= set(s2.expected)


def test_routers_of_one_asn_that_share_links_mesh_over_loopbacks() -> None:
    text = LEAF_SPINE.replace("links: [[s1, l1]", "links: [[s1, s2], [s1, l1]")
    s1 = compile_text(text).node("s1")
    assert s1.daemons is not None
    assert {p for p, _ in s1.daemons.peers} == {"s2", "l1", "l2"}


def test_a_bird_routers_extra_config_is_added_after_the_generated_one() -> None:
    text = TWO_ASES.replace("  b1: {kind: router, bgp: {asn: 65002}}",
                            "  b1: {kind: router, bgp: {asn: 65002}, bird: {extra: "
                            "\"filter mine { accept; }\\n\"}}")
    plain = TWO_ASES.replace("  b1: {kind: router, bgp: {asn: 65002}}",
                             "  b1: {kind: router, bgp: {asn: 65002}, bird: {}}")
    d = compile_text(text).node("b1").daemons
    assert d is not None and d.suite == "bird" and d.generated
    assert d.config == _config(compile_text(plain), "b1").rstrip("\n") + \
        "\nfilter mine { accept; }\n"


UNNUMBERED_OSPF = """name: uo
routing: ospf
nodes:
  r1: {kind: router, bgp: {asn: 65001}}
  r2: {kind: router, bgp: {asn: 65002}}
  r3: {kind: router}
links:
  - {endpoints: [r1, r2], unnumbered: true, ospf: {passive: true}}
  - [r2, r3]
"""


def test_an_unnumbered_link_is_recorded_as_such_and_its_session_named_by_interface() -> None:
    """In an OSPF lab an unnumbered link is passive: its eBGP session runs over
    the interfaces, the segment has no subnet and says it is unnumbered (lab.json,
    status --json), and each side's BGP peer is recorded with its interface."""
    from nslab.model.serialize import lab_to_dict

    lab = compile_text(UNNUMBERED_OSPF)
    data = lab_to_dict(lab)
    first = data["segments"][0]
    assert first["subnets"] == [] and first["unnumbered"] is True
    assert "unnumbered" not in data["segments"][1] and data["segments"][1]["subnets"]
    r1 = lab.node("r1")
    assert r1.daemons is not None and r1.daemons.peers == (("r2", "eth0"),)
    assert " neighbor eth0 interface remote-as 65002" in r1.daemons.config
    assert [i.addresses for i in r1.interfaces] == [()]
    # the address that stands for r1 is its loopback (none on its link)
    assert lab.primary_address("r1") == str(r1.loopback.ip if r1.loopback else None)
    # the same link without ospf: {passive: true} runs OSPF over it too, each end
    # on its router's loopback (ip unnumbered)
    lab = compile_text(UNNUMBERED_OSPF.replace(", ospf: {passive: true}", ""))
    r1 = lab.node("r1")
    assert r1.loopback is not None and [i.addresses for i in r1.interfaces] == [
        (ip_interface(f"{r1.loopback.ip}/32"),)]
    assert r1.daemons is not None and "interface eth0\n ip ospf area 0\n" \
        " ip ospf network point-to-point\n" in r1.daemons.config
