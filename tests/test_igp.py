"""OSPF areas, costs, priorities, timers, MD5 and what a router originates
(pure: what nslab writes; kernel: the real FRR doing it, tests/helpers/igp.py
in a sandbox)."""

from __future__ import annotations

from ipaddress import ip_interface
from typing import Any

import pytest

from nslab.model.compile import compile_text
from nslab.model.lab import Lab
from tests.helpers import sandbox
from tests.helpers.igp import AREAS, unnumbered_lab
from tests.test_bgp_policy import kernel


def _config(lab: Lab, node: str) -> str:
    d = lab.node(node).daemons
    assert d is not None
    return d.config


def _block(conf: str, head: str) -> str:
    """The lines of one `interface ...`/`router ...` block."""
    return conf.split(head + "\n", 1)[1].split("!\n", 1)[0]


def test_each_interface_is_in_its_links_area_or_its_routers() -> None:
    lab = compile_text(AREAS)
    abr = _config(lab, "abr")
    lan_port = next(i.name for i in lab.node("abr").interfaces if i.peer_node == "lan")
    assert " ip ospf area 1\n" in _block(abr, f"interface {lan_port}")
    assert " ip ospf area 0\n" in _block(abr, "interface lo")
    r1 = _config(lab, "r1")
    assert " ip ospf area 1\n" in _block(r1, "interface lo")
    assert all(" ip ospf area 1\n" in _block(r1, f"interface {i.name}")
               for i in lab.node("r1").interfaces)


def test_cost_priority_md5_and_the_default_route_are_written() -> None:
    lab = compile_text(AREAS)
    core1 = _config(lab, "core1")
    to_abr = next(i.name for i in lab.node("core1").interfaces if i.peer_node == "abr")
    block = _block(core1, f"interface {to_abr}")
    assert " ip ospf cost 100\n" in block
    assert " ip ospf authentication message-digest\n ip ospf message-digest-key 1 md5 k3y\n" \
        in block
    assert " ip ospf cost" not in core1.replace(block, "")  # the other links keep their cost
    r2 = _config(lab, "r2")
    assert " ip ospf priority 200\n" in r2 and " ip ospf priority 0\n" in _config(lab, "r1")
    # the LAN has three routers: broadcast (a DR is elected), not point-to-point
    assert " ip ospf network point-to-point" not in _block(r2, "interface eth0")
    assert " default-information originate always\n" in _block(_config(lab, "core2"),
                                                                "router ospf")
    assert "default-information" not in core1


def test_timers_network_type_passive_and_redistribution() -> None:
    text = """
name: t
routing: ospf
nodes:
  a: {kind: router, ospf: {timers: {hello: 2, dead: 8}, redistribute: [static, connected],
                           router_id: 192.0.2.1}}
  b: {kind: router, ospf: {timers: {hello: 2, dead: 8}}}
  c: {kind: router, ospf: {timers: {hello: 2, dead: 8}}}
links:
  - {endpoints: [a, b], ospf: {network: broadcast}}
  - {endpoints: [a, c], ospf: {passive: true}}
"""
    lab = compile_text(text)
    a = _config(lab, "a")
    assert " ip ospf hello-interval 2\n ip ospf dead-interval 8\n" in _block(a, "interface eth0")
    assert " ip ospf network broadcast\n" in _block(a, "interface eth0")
    assert " ip ospf passive\n" in _block(a, "interface eth1")
    assert " ip ospf passive\n" in _block(_config(lab, "c"), "interface eth0")
    assert " ospf router-id 192.0.2.1\n" in a
    # static: FRR's own and the file's routes:, which are kernel routes to FRR
    assert " redistribute static\n redistribute connected\n redistribute kernel\n" in \
        _block(a, "router ospf")
    assert "redistribute kernel" not in _config(lab, "b")
    d = lab.node("a").daemons
    assert d is not None and d.router_id == "192.0.2.1"
    # the passive link makes no neighbour: the expectation `neighbour` knows
    assert d.ospf_neighbours == ("b",)


def test_bird_gets_the_areas_costs_and_types_too() -> None:
    text = """
name: t
routing: ospf
nodes:
  a: {kind: router, bird: {}}
  b: {kind: router, ospf: {area: 1}}
  h: {}
links:
  - {endpoints: [a, b], ospf: {area: 1, cost: 7}}
  - [a, h]
"""
    conf = _config(compile_text(text), "a")
    assert '  area 0 {\n    interface "lo" { stub yes; };\n    interface "eth1" { stub yes; };\n' \
        '  };\n  area 1 {\n    interface "eth0" { type ptp; hello 1; dead 4; retransmit 2; ' \
        "cost 7; };\n  };\n" in conf


@kernel
def test_areas_with_the_real_frr_abr_dr_cost_md5_and_default() -> None:
    out: dict[str, Any] = sandbox.run("tests.helpers.igp", "areas")
    assert out["up"] == 0, out["up_err"]
    rep = out["report"]
    assert rep["convergence"]["complete"] is True and rep["ok"] is True, rep
    # the backbone's prefixes reach area 1 as inter-area routes through the ABR
    routes = out["r1_routes"]
    kinds = {v["routeType"].strip() for k, v in routes.items() if "/" in k and k != "0.0.0.0/0"}
    assert kinds == {"N", "N IA"}, routes
    # core2's default, once it is there, is an external route (type 2)
    assert routes.get("0.0.0.0/0", {"routeType": "N E2"})["routeType"].strip() == "N E2", routes
    areas = out["abr_areas"]["areas"]
    assert set(areas) == {"0.0.0.0", "0.0.0.1"}
    # r2 (priority 200) is the LAN's designated router; MD5 keys agree: Full
    states = {v[0]["nbrState"] for v in out["r1_neighbours"]["neighbors"].values()}
    assert "Full/DR" in states and all(s.startswith("Full") for s in states)
    # core2's default route reaches area 1
    (default,) = out["r1_default"]
    assert default["protocol"] == "ospf"
    # cost 100 on the direct link: the ABR goes to core1 through core2
    core2 = {a["local"] for i in out["core2_addresses"] for a in i["addr_info"]}
    (route,) = out["abr_to_core1"]
    assert route["gateway"] in core2, (route, core2)
    assert out["down"] == 0
    assert out["traces"]["daemons"] == [] and out["traces"]["state"] == []


BFD_BGP = """
name: t
routing: bgp
nodes:
  a: {kind: router, bgp: {asn: 65001}}
  b: {kind: router, bgp: {asn: 65002}}
  c: {kind: router, bgp: {asn: 65003}}
links:
  - {endpoints: [a, b], bfd: true}
  - [a, c]
"""


def test_bfd_on_a_link_reaches_ospf_and_the_bgp_sessions_over_it() -> None:
    from pathlib import Path

    lab = compile_text(Path(__file__).parent.parent.joinpath("examples/bfd.yaml").read_text())
    a1, a2 = _config(lab, "a1"), _config(lab, "a2")
    to_s1 = next(i.name for i in lab.node("a1").interfaces if i.peer_node == "s1")
    assert " ip ospf bfd\n ip ospf bfd profile nslab\n" in _block(a1, f"interface {to_s1}")
    assert a1.count(" ip ospf bfd\n") == 1 and "bfd" not in a2
    assert "bfd\n profile nslab\n  transmit-interval 150\n  receive-interval 150\n" \
        "  detect-multiplier 3\n" in a1
    d1, d2 = lab.node("a1").daemons, lab.node("a2").daemons
    assert d1 is not None and d2 is not None
    assert "bfdd" in d1.daemons and "bfdd" not in d2.daemons
    lab = compile_text(BFD_BGP)
    a = _config(lab, "a")
    to_b = str(lab.node("b").interfaces[0].addresses[0].ip)
    to_c = str(lab.node("c").interfaces[0].addresses[0].ip)
    assert f" neighbor {to_b} bfd\n neighbor {to_b} bfd profile nslab\n" in a
    assert f" neighbor {to_c} bfd" not in a
    assert " neighbor " in _config(lab, "b") and " bfd profile nslab" in _config(lab, "b")


@kernel
def test_bfd_finds_a_silent_cut_well_before_the_dead_interval() -> None:
    """examples/bfd.yaml: the switch drops everything toward b1 (BFD on) and,
    later, toward b2 (no BFD); no carrier changes. BFD's detection (3 x 150 ms)
    against OSPF's dead interval (4 s)."""
    out: dict[str, Any] = sandbox.run("tests.helpers.igp", "bfd", timeout=300)
    assert out["up"] == 0, out["up_err"]
    assert out["report"]["ok"] is True, out["report"]
    (peer,) = [p for p in out["sessions"] if p["interface"] == "eth1"] or out["sessions"]
    assert peer["transmit-interval"] == 150 and peer["detect-multiplier"] == 3
    run = out["run"]
    assert run["ok"] is True, run["expectations"]
    back = {e["name"]: {p["pair"]: p for p in e["pairs"]} for e in run["events"]}
    with_bfd, plain = back["cut"]["h1>h2"], back["cut-plain"]["h3>h4"]
    assert with_bfd["state"] == "recovered" and plain["state"] == "recovered", back
    # BFD: a few hundred ms; OSPF: its 4 s dead interval, less the last hello's age
    assert with_bfd["back_after"] < 1.5, with_bfd
    assert plain["back_after"] > 2.5 and plain["back_after"] > with_bfd["back_after"] + 1.5
    assert back["cut"]["h3>h4"]["state"] == "not cut"  # the other design, untouched
    assert out["down"] == 0
    assert out["traces"]["daemons"] == [] and out["traces"]["state"] == []


def test_isis_routers_get_a_net_from_their_router_id_and_levels_and_metrics() -> None:
    from tests.helpers.igp import ISIS

    lab = compile_text(ISIS)
    r1 = _config(lab, "r1")
    d = lab.node("r1").daemons
    assert d is not None and d.daemons == ("zebra", "isisd") and d.protocols == ("isis",)
    assert d.ospf_neighbours == ("r2", "r4")
    rid = d.router_id.split(".")
    digits = "".join(f"{int(o):03d}" for o in rid)
    assert f" net 49.0001.{digits[:4]}.{digits[4:8]}.{digits[8:]}.00\n is-type level-2-only\n" \
        in r1
    assert " net 49.0002.0000.0000.0004.00\n is-type level-1-2\n" in _config(lab, "r4")
    to_r2 = next(i.name for i in lab.node("r1").interfaces if i.peer_node == "r2")
    block = _block(r1, f"interface {to_r2}")
    assert " ip router isis nslab\n isis metric 100\n isis network point-to-point\n" in block
    to_h1 = next(i.name for i in lab.node("r1").interfaces if i.peer_node == "h1")
    assert " isis passive\n" in _block(r1, f"interface {to_h1}")
    assert "router ospf" not in r1
    # a passive IS-IS link makes no adjacency: nobody expects one over it
    passive = ISIS.replace("{endpoints: [r1, r2], isis: {metric: 100}}",
                           "{endpoints: [r1, r2], isis: {passive: true}}")
    d = compile_text(passive).node("r1").daemons
    assert d is not None and d.ospf_neighbours == ("r4",)
    # r5 (level 1, r4's area) expects only its level-1 domain; r1-r3 (level 2)
    # never r5's own prefixes (FRR keeps level-1 prefixes out of level 2)
    r5_loop = lab.node("r5").loopback
    r4_loop = lab.node("r4").loopback
    assert r5_loop is not None and r4_loop is not None
    assert set(lab.node("r5").expected) == {r4_loop.network} | {
        a.network for i in lab.node("r4").interfaces for a in i.addresses} - {
        a.network for i in lab.node("r5").interfaces for a in i.addresses}
    assert r5_loop.network not in lab.node("r1").expected
    assert r5_loop.network in lab.node("r4").expected


def test_isis_adjacencies_are_read_from_isisd_json() -> None:
    from nslab.suites.frr import isis_adjacencies

    answer = {"areas": [{"area": "nslab", "circuits": [
        {"circuit": 0},
        {"circuit": 0, "adj": "r2", "interface": "eth0", "level": 2, "state": "Up"},
        {"circuit": 0, "adj": "r4", "interface": "eth1", "level": 3, "state": "Initializing"}]}]}
    assert isis_adjacencies(answer) == [
        {"system": "r2", "interface": "eth0", "level": "2", "state": "Up"},
        {"system": "r4", "interface": "eth1", "level": "1-2", "state": "Initializing"}]
    assert isis_adjacencies(None) == []


@kernel
def test_isis_on_a_ring_converges_avoids_the_costly_link_and_reports_adjacencies() -> None:
    out: dict[str, Any] = sandbox.run("tests.helpers.igp", "isis", timeout=300)
    assert out["up"] == 0, out["up_err"]
    rep = out["report"]
    assert rep["convergence"]["complete"] is True and rep["ok"] is True, rep
    # r1 -> r2's loopback the long way (metric 100 on the direct link): via r4
    (route,) = out["r1_to_r2"]
    assert route["protocol"] == "isis" and route["dev"] == "eth1", route
    adj = {a["system"]: a["state"] for a in out["inspect"]["routing"]["isis_adjacencies"]}
    assert adj == {"r2": "Up", "r4": "Up"}
    assert "isis   r4" in out["inspect_text"] and out["hostname"] == "r1"
    # BFD for IS-IS on the link r2-r3 (isis bfd, then the profile)
    assert [(p["interface"], p["status"], p["transmit-interval"]) for p in out["bfd"]] == [
        ("eth1", "up", 150)], out["bfd"]
    # the link to r4 down: its adjacency fails the expectation, h1 still reaches h3
    after = {e["text"]: e for e in out["after"]["expectations"]}
    assert after["r1's IS-IS neighbour r4 is up"]["status"] == "fail"
    assert after["h1 reaches h3"]["status"] == "pass"
    # why: r1 has no route to the level-1 LAN, and names the IS-IS adjacency that went
    assert "routing adjacencies not up: IS-IS r1-r4: no adjacency" in out["why"], out["why"]
    assert out["down"] == 0
    assert out["traces"]["daemons"] == [] and out["traces"]["state"] == []


def test_an_igp_over_an_unnumbered_link_runs_on_borrowed_loopbacks() -> None:
    """Each end of an unnumbered link between two routers that run OSPF or
    IS-IS with each other gets its router's IPv4 loopback as a /32 (ip
    unnumbered), point-to-point; IPv6 runs over the link-local addresses. In a
    BGP lab: an eBGP session between ASes, OSPF inside one."""
    for routing in ("ospf", "isis"):
        lab = compile_text(unnumbered_lab(routing))
        for r in ("r1", "r2", "r3"):
            node = lab.node(r)
            assert node.loopback is not None
            for i in node.interfaces:
                if i.peer_node.startswith("r"):
                    assert i.addresses == (ip_interface(f"{node.loopback.ip}/32"),), (r, i)
        # r2's loopback stands for it once, though two of its links borrow it
        assert [a for a, n in lab.hosts if n == "r2"] == ["10.200.0.2", "fd00:ff::2"]
        r2 = _config(lab, "r2")
        if routing == "ospf":
            assert " ip ospf network point-to-point\n" in _block(r2, "interface eth0")
            assert " ipv6 ospf6 network point-to-point\n" in _block(r2, "interface eth0")
        else:
            assert " isis network point-to-point\n" in _block(r2, "interface eth0")
    lab = compile_text(unnumbered_lab("bgp"))
    assert [i.addresses for i in lab.node("r1").interfaces][1] == ()  # eBGP: link-local
    r2 = lab.node("r2")
    assert r2.interfaces[0].addresses == () and \
        r2.interfaces[1].addresses == (ip_interface("10.200.0.2/32"),)
    r2_conf = _config(lab, "r2")
    assert " neighbor eth0 interface remote-as 65001" in r2_conf
    # iBGP with r3 between loopbacks, one session per family (r3's from the pools)
    r3 = lab.node("r3")
    assert r3.loopback is not None and r3.loopback6 is not None
    assert f" neighbor {r3.loopback.ip} remote-as 65002\n" in r2_conf and \
        f" neighbor {r3.loopback6.ip} remote-as 65002\n" in r2_conf
    assert f"  neighbor {r3.loopback6.ip} activate\n" in _block(
        r2_conf, " address-family ipv6 unicast")
    assert " ip ospf network point-to-point\n" in _block(r2_conf, "interface eth1")


@kernel
@pytest.mark.parametrize("routing", ["ospf", "isis", "bgp"])
def test_routing_over_unnumbered_links_with_the_real_frr(routing: str) -> None:
    out: dict[str, Any] = sandbox.run("tests.helpers.igp", "unnumbered", routing, timeout=300)
    assert out["up"] == 0, out["up_err"]
    rep = out["report"]
    assert rep["convergence"]["complete"] is True and rep["ok"] is True, rep
    cells = {m["family"]: (len(m["nodes"]), all(c["reached"] for c in m["cells"]))
             for m in rep["matrices"]}
    # every pair in each family (r2, with no address on its links: by its loopbacks)
    assert cells == {4: (5, True), 6: (5, True)}, cells
    (route,) = out["r1_to_h2"]
    if routing == "bgp":  # eBGP over link-local addresses (RFC 8950)
        assert route["protocol"] == "bgp" and route["via"]["family"] == "inet6" and \
            route["via"]["host"].startswith("fe80:"), route
    else:  # to r2's loopback, which r1's eth1 has no subnet with: onlink
        assert route["protocol"] == routing and route["gateway"] == "10.200.0.2" and \
            "onlink" in route["flags"], route
        # r1's eth1: its loopback, borrowed (a /32), and nothing else in IPv4
        assert [(a["local"], a["prefixlen"]) for a in out["r1_eth1"][0]["addr_info"]] == [
            (out["r1_loopback"], 32)]
    assert out["why"]["reached"] is True and [h["node"] for h in out["why"]["forward"]["hops"]
                                              ] == ["h1", "r1", "r2", "r3", "h2"]
    assert out["check"] == 0 and out["down"] == 0
    assert out["traces"]["daemons"] == [] and out["traces"]["state"] == []
