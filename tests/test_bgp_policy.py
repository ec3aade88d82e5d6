"""BGP relations (Gao-Rexford), per-neighbour policy and route reflection:
what nslab decides and writes (pure), and the real FRR doing it (kernel,
tests/helpers/policy.py in a sandbox)."""

from __future__ import annotations

import shutil
from ipaddress import ip_network
from typing import Any

import pytest

from nslab.model.bgp import Rule, decide
from nslab.model.compile import compile_text
from nslab.model.lab import Lab
from tests.conftest import EXAMPLES
from tests.helpers import sandbox
from tests.helpers.policy import REFLECTOR, RELATIONS, UNNUMBERED_POLICY

IPV6_CORE = (EXAMPLES / "ipv6-core.yaml").read_text()


def kernel(test: Any) -> Any:
    """The marks of a test with the real FRR in a sandbox."""
    for mark in (pytest.mark.kernel,
                 pytest.mark.skipif(not sandbox.available(),
                                    reason="needs root and unshare (net, mount, pid)"),
                 pytest.mark.skipif(shutil.which("vtysh") is None,
                                    reason="FRR is not installed (scripts/setup.sh installs it)")):
        test = mark(test)
    return test


def _config(lab: Lab, node: str) -> str:
    d = lab.node(node).daemons
    assert d is not None
    return d.config


def _address(lab: Lab, node: str, toward: str) -> str:
    """`node`'s address on its link with `toward`."""
    for i in lab.node(node).interfaces:
        if i.peer_node == toward:
            return str(i.addresses[0].ip)
    raise AssertionError(f"{node} has no link to {toward}")


def _expected(lab: Lab, node: str) -> set[str]:
    return {str(p) for p in lab.node(node).expected}


def test_a_relation_said_on_one_side_holds_on_both_as_roles_and_preferences() -> None:
    lab = compile_text(RELATIONS)
    t1, cust = _config(lab, "t1"), _config(lab, "cust")
    c = _address(lab, "cust", "t1")
    # the customer said t1 is its provider: t1 (whose entry says nothing) has a customer
    assert f" neighbor {c} local-role provider" in t1
    assert f"  neighbor {c} route-map from-cust in" in t1
    assert "route-map from-cust permit 10\n set local-preference 200\n" in t1
    # t1 said top is its provider: top (neighbours auto) has t1 as a customer
    assert f" neighbor {_address(lab, 't1', 'top')} local-role provider" in _config(lab, "top")
    # the customer: its own local_pref wins over the relation's 100
    assert f" neighbor {_address(lab, 't1', 'cust')} local-role customer" in cust
    assert "route-map from-t1 permit 10\n set local-preference 120\n" in cust
    assert "route-map from-t2 permit 10\n set local-preference 100\n" in cust


def test_export_rules_become_prefix_lists_and_sets_ride_on_each_permit() -> None:
    cust = _config(compile_text(RELATIONS), "cust")
    assert "ip prefix-list to-t2-1 seq 5 permit 203.0.113.0/24\n" in cust
    assert "ip prefix-list to-t2-2 seq 5 permit 10.60.0.0/16 le 32\n" in cust
    entry = " set as-path prepend 64700 64700\n set community 64502:80 additive\n"
    assert ("route-map to-t2 permit 10\n match ip address prefix-list to-t2-1\n" + entry) in cust
    assert ("route-map to-t2 permit 20\n match ip address prefix-list to-t2-2\n" + entry) in cust
    assert "route-map to-t2 permit 30" not in cust  # the list ends in deny
    assert "route-map to-t1" not in cust  # no export policy toward t1


def test_a_multihomed_customer_is_nobodys_transit_in_what_convergence_expects() -> None:
    """Without the tier-1 above them, t1 and t2 meet only through their
    customer: neither can learn the other's LAN, and convergence must not
    expect it; with the tier-1, everything is reachable the valley-free way."""
    lab = compile_text(RELATIONS)
    h1_lan, h2_lan = (str(lab.node(h).interfaces[0].addresses[0].network) for h in ("h1", "h2"))
    assert h2_lan in _expected(lab, "t1") and h1_lan in _expected(lab, "t2")
    cut = RELATIONS.replace("{peer: top, relation: provider}, ", "") \
        .replace("  - [top, t1]\n  - [top, t2]\n", "") \
        .replace("  top: {kind: router, bgp: {asn: 64500, announce: [198.18.0.0/24]}}\n", "")
    lab = compile_text(cut)
    h1_lan, h2_lan = (str(lab.node(h).interfaces[0].addresses[0].network) for h in ("h1", "h2"))
    assert h2_lan not in _expected(lab, "t1") and h1_lan not in _expected(lab, "t2")
    # the customer still hears both, and both hear the customer's prefix
    assert {h1_lan, h2_lan} <= _expected(lab, "cust")
    assert "203.0.113.0/24" in _expected(lab, "t1") and "203.0.113.0/24" in _expected(lab, "t2")


def test_an_import_rule_that_denies_keeps_the_prefix_out_of_the_expectations() -> None:
    text = RELATIONS.replace("{peer: t1, relation: provider, local_pref: 120, bfd: true}",
                             "{peer: t1, relation: provider, import: [{deny: 198.18.0.0/16, "
                             "le: 24}, {allow: any}]}")
    assert text != RELATIONS
    lab = compile_text(text)
    # still expected at the customer: t2 passes it on
    assert "198.18.0.0/24" in _expected(lab, "cust")
    text = text.replace("prepend: 2", "prepend: 2\n          import: [{deny: 198.18.0.0/24}, "
                        "{allow: any}]")
    assert "198.18.0.0/24" not in _expected(compile_text(text), "cust")


def test_rules_decide_in_order_and_a_community_leaves_it_to_the_daemons() -> None:
    p = ip_network("10.1.2.0/24")
    exact = Rule(True, ip_network("10.1.2.0/24"))
    wider = Rule(False, ip_network("10.0.0.0/8"), le=24)
    assert decide(None, p) is True
    assert decide((exact,), p) is True and decide((exact,), ip_network("10.1.2.0/25")) is False
    assert decide((wider, exact), p) is False and decide((exact, wider), p) is True
    assert decide((Rule(True, ip_network("10.0.0.0/8"), ge=25),), p) is False
    assert decide((Rule(True, ip_network("2001:db8::/32"), le=128),), p) is False
    assert decide((Rule(True, None, community="65000:1"), exact), p) is None
    assert decide((Rule(False, None),), p) is False


NEIGHBOUR_KEYS = """
name: keys
routing: bgp
addressing: {pool: 10.62.0.0/16}
nodes:
  a:
    kind: router
    bgp:
      asn: 65001
      neighbors:
        - peer: b
          password: s3cret
          timers: {keepalive: 5, hold: 15}
          bfd: true
          med: 50
          default_originate: true
          passive: true
          allowas_in: true
          local_as: 65100
          communities: {import: ["65001:7", "65001:1:2"], export: [no-export]}
          import: [{allow: any, community: "65002:9"}, {deny: 0.0.0.0/0, le: 32}]
  b: {kind: router, bgp: {asn: 65002}}
links: [[a, b]]
"""


def test_session_keys_hold_on_both_sides_and_policy_on_the_declaring_one() -> None:
    lab = compile_text(NEIGHBOUR_KEYS)
    a, b = _config(lab, "a"), _config(lab, "b")
    to_b, to_a = _address(lab, "b", "a"), _address(lab, "a", "b")
    for conf, addr in ((a, to_b), (b, to_a)):
        assert f" neighbor {addr} password s3cret\n" in conf
        assert f" neighbor {addr} timers 5 15\n" in conf
        assert f" neighbor {addr} bfd\n neighbor {addr} bfd profile nslab\n" in conf
    # b sees a's local AS
    assert f" neighbor {to_a} remote-as 65100\n" in b and f" neighbor {to_b} remote-as 65002\n" in a
    assert f" neighbor {to_b} local-as 65100\n" in a
    assert f" neighbor {to_b} passive\n" in a and "passive" not in b
    for line in ("default-originate", "allowas-in 3"):
        assert f"  neighbor {to_b} {line}\n" in a and line not in b
    assert "bgp large-community-list standard from-b-1 seq 5 permit" not in a
    assert "bgp community-list standard from-b-1 seq 5 permit 65002:9\n" in a
    assert ("route-map from-b permit 10\n match community from-b-1\n set community 65001:7 "
            "additive\n set large-community 65001:1:2 additive\n!") in a
    assert "route-map from-b deny 20\n match ip address prefix-list from-b-2\n!" in a
    assert ("route-map to-b permit 10\n set metric 50\n set community no-export additive\n"
            ) in a
    # BFD: bfdd runs where a session asks for it
    da, db = lab.node("a").daemons, lab.node("b").daemons
    assert da is not None and db is not None
    assert "bfdd" in da.daemons and "bfdd" in db.daemons


def test_route_reflector_clients_do_not_mesh() -> None:
    lab = compile_text(REFLECTOR)
    rr, c1 = _config(lab, "rr"), _config(lab, "c1")
    loop = {n: str(lab.node(n).loopback.ip) for n in ("rr", "c1", "c2")  # type: ignore[union-attr]
            }
    assert " bgp cluster-id 10.61.255.1\n" in rr
    for c in ("c1", "c2"):
        assert f"  neighbor {loop[c]} route-reflector-client\n" in rr
    assert f" neighbor {loop['rr']} remote-as 65000" in c1
    assert loop["c2"] not in c1 and "route-reflector-client" not in c1
    d = lab.node("c1").daemons
    assert d is not None and [p for p, _ in d.peers] == ["e1", "rr"]


def test_a_listed_neighbour_in_a_dual_stack_lab_gets_both_sessions() -> None:
    text = NEIGHBOUR_KEYS.replace("addressing: {pool: 10.62.0.0/16}",
                                  "addressing: {pool: 10.62.0.0/16, ipv6_pool: 'fd00:62::/48'}")
    lab = compile_text(text)
    d = lab.node("a").daemons
    assert d is not None
    assert [p for p, _ in d.peers] == ["b", "b"]
    six = next(a for _, a in d.peers if ":" in a)
    a = _config(lab, "a")
    assert f"  neighbor {six} route-map from-b-v6 in\n" in a
    # activated in IPv6 (FRR's defaults activate a session in IPv4 only: without it,
    # the IPv6 session carries nothing and never comes up)
    assert " address-family ipv6 unicast\n" in a and f"  neighbor {six} activate\n" in a
    # the IPv4 rule of the list never meets an IPv6 route: left out of the v6 map
    assert "route-map from-b-v6 deny" not in a


def test_a_session_over_an_unnumbered_link_gets_a_route_map_per_family() -> None:
    """One session carries both families there: one map name for both would be one
    FRR route map whose entries match an IPv4 and an IPv6 prefix list at once
    (nothing passes); each family gets its own, with its own rules."""
    lab = compile_text(UNNUMBERED_POLICY)
    a, b = _config(lab, "a"), _config(lab, "b")
    v4, v6 = (b[b.index(f" address-family {f} unicast"):] for f in ("ipv4", "ipv6"))
    assert "  neighbor eth0 route-map from-a in\n" in v4.split("exit-address-family")[0]
    assert "  neighbor eth0 route-map from-a-v6 in\n" in v6.split("exit-address-family")[0]
    for text in (a, b):  # each (map, sequence) written once
        entries = [ln for ln in text.splitlines() if ln.startswith("route-map ")]
        assert len({ln.rsplit(" ", 1)[0] + ln.rsplit(" ", 1)[1] for ln in entries}) == \
            len(entries), entries
    assert "route-map from-a deny 10\n match ip address prefix-list from-a-1\n" in b
    assert "route-map from-a-v6 permit 10\n!" in b  # the IPv4 deny never meets IPv6
    assert "ipv6 prefix-list to-b-v6-3 seq 5 permit 2001:db8:9::/48" in a
    assert "route-map to-b-v6 permit 10\n match ipv6 address prefix-list to-b-v6-3\n!\nip " in a
    assert _expected(lab, "b") == {"198.51.100.0/24", "2001:db8:9::/48"}


def _gao_rexford(out: dict[str, Any]) -> None:
    """What the internet of RELATIONS shows, whoever runs the customer."""
    assert out["up"] == 0, out["up_err"]
    rep = out["report"]
    assert rep["convergence"]["complete"] is True, rep["convergence"]
    assert rep["ok"] is True, rep
    # t1 reaches t2's LAN through their provider only: the customer passes nothing on
    t1 = out["t1_to_h2"]["paths"]
    assert t1 and all("64700" not in p["aspath"]["string"].split() for p in t1), t1
    assert any(p["aspath"]["string"] == "64500 64502" for p in t1)
    # t2 prefers its customer's prepended, tagged path over the shorter one via top
    best = [p for p in out["t2_to_cust"]["paths"] if p.get("bestpath", {}).get("overall")]
    assert [p["aspath"]["string"] for p in best] == ["64700 64700 64700"], best
    assert best[0]["locPrf"] == 200 and "64502:80" in best[0]["community"]["string"]
    # the BFD the customer asked for runs on t1's side too, at the lab's 150 ms
    assert [(p["status"], p["transmit-interval"]) for p in out["t1_bfd"]] == [("up", 150)], \
        out["t1_bfd"]
    assert out["down"] == 0
    assert out["traces"]["daemons"] == [] and out["traces"]["state"] == []


@kernel
def test_gao_rexford_with_real_frr_no_transit_and_local_pref_picks_the_upstream() -> None:
    out = sandbox.run("tests.helpers.policy", "relations")
    _gao_rexford(out)
    # the customer goes up through t1 (local_pref 120) though t2's path is as long
    best = [p for p in out["cust_to_top"]["paths"] if p.get("bestpath", {}).get("overall")]
    assert [p["aspath"]["string"] for p in best] == ["64501 64500"], best
    assert best[0]["locPrf"] == 120


@kernel
def test_a_route_reflector_joins_two_clients_that_have_no_session() -> None:
    out = sandbox.run("tests.helpers.policy", "reflector")
    assert out["up"] == 0, out["up_err"]
    rep = out["report"]
    assert rep["convergence"]["complete"] is True and rep["ok"] is True, rep
    peers = {v["hostname"]: v["state"] for v in out["c1_sessions"]["peers"].values()}
    assert peers == {"rr": "Established", "e1": "Established"}
    (path,) = out["c1_to_e2"]["paths"]
    assert path["aspath"]["string"] == "64602"
    assert path["clusterList"]["list"] == ["10.61.255.1"]
    assert out["down"] == 0
    assert out["traces"]["daemons"] == [] and out["traces"]["state"] == []


def test_what_bgp_holds_of_a_missing_prefix_is_said_as_the_reason() -> None:
    from nslab.records import verdicts as vd
    from nslab.running.daemons import bgp_reason
    from nslab.views.testing import convergence

    p = "198.18.1.0/24"
    assert "no neighbour sent it" in bgp_reason(None, p)
    assert "no neighbour sent it" in bgp_reason({"paths": []}, p)
    unresolved = {"paths": [{"valid": True, "nexthops": [{"ip": "10.0.0.9",
                                                          "accessible": False}]}]}
    assert bgp_reason(unresolved, p) == (f"BGP's path to {p} has next hop 10.0.0.9, which does "
                                         "not resolve (no route to it)")
    best = {"paths": [{"valid": True, "bestpath": {"overall": True},
                       "nexthops": [{"ip": "10.0.0.9", "accessible": True}]}]}
    assert "not (yet) in the kernel" in bgp_reason(best, p)
    c = vd.Convergence(False, 4.0, 2, {"a": [p]}, {"a": "BGP session with b: Connect"})
    assert convergence(c).splitlines()[1:] == [f"  a lacks {p}", "    BGP session with b: Connect"]


@kernel
def test_routing_that_does_not_converge_says_why_as_the_daemons_tell_it() -> None:
    """a's firewall drops BGP: the report names each router, what it lacks and
    the session that never came up (text and JSON), and exits 10."""
    out = sandbox.run("tests.helpers.policy", "stuck")
    assert out["up"] == 0, out["up_err"]
    assert out["exit"] == 10
    assert "  a lacks " in out["text"] and "    BGP session with b: " in out["text"]
    conv = out["report"]["convergence"]
    assert conv["complete"] is False and set(conv["missing"]) == {"a", "b"}
    assert conv["reasons"]["a"].startswith("BGP session with b: ")
    assert conv["reasons"]["b"].startswith("BGP session with a: ")
    assert out["down"] == 0 and out["traces"]["daemons"] == []


def _bird(text: str, node: str) -> str:
    """`node` made a BIRD router in the lab `text`; its bird.conf."""
    marked = text.replace(f"  {node}:\n    kind: router\n",
                          f"  {node}:\n    kind: router\n    bird: {{}}\n") \
        .replace(f"  {node}: {{kind: router,", f"  {node}: {{kind: router, bird: {{}},")
    assert marked != text
    d = compile_text(marked).node(node).daemons
    assert d is not None and d.suite == "bird"
    return d.config


DUAL = NEIGHBOUR_KEYS.replace("addressing: {pool: 10.62.0.0/16}",
                              "addressing: {pool: 10.62.0.0/16, ipv6_pool: 'fd00:62::/48'}") \
    .replace("          local_as: 65100\n", "")


def test_bird_gets_the_same_relations_and_policy_as_filters() -> None:
    cust = _bird(RELATIONS, "cust")
    lab = compile_text(RELATIONS)
    t1, t2 = _address(lab, "t1", "cust"), _address(lab, "t2", "cust")
    assert f"protocol bgp 'bgp-t1' {{\n  local as 64700;\n  neighbor {t1} as 64501;\n" \
        "  local role customer;\n" in cust
    assert "      bgp_local_pref = 120; accept;\n" in cust  # its own local_pref
    assert "      bgp_local_pref = 100; accept;\n" in cust  # the relation's, toward t2
    sets = "{ bgp_path.prepend(64700); bgp_path.prepend(64700); " \
        "bgp_community.add((64502, 80)); accept; }"
    assert f"      if net ~ [ 203.0.113.0/24 ] then {sets}\n" \
        f"      if net ~ [ 10.60.0.0/16{{16,32}} ] then {sets}\n      reject;\n" in cust
    assert f"neighbor {t2} as 64502;" in cust and "  bfd on;\n" in cust
    # the announced prefix: a blackhole that any other route to it beats
    assert "protocol static announced4 {\n  ipv4 { preference 1; };\n" \
        "  route 203.0.113.0/24 blackhole;\n}" in cust
    assert 'interface "*" { interval 150 ms; multiplier 3; };' in cust


def test_bird_keys_rules_and_a_default_only_toward_who_asks() -> None:
    a = _bird(DUAL, "a")
    for proto in ("'bgp-b'", "'bgp-b-v6'"):
        assert f"protocol bgp {proto} {{" in a
    for line in ('  password "s3cret";', "  hold time 15;", "  keepalive time 5;",
                 "  passive on;", "  allow local as 3;", "  bfd on;"):
        assert a.count(line + "\n") == 2, line
    assert ("      if (65002, 9) ~ bgp_community then { bgp_community.add((65001, 7)); "
            "bgp_large_community.add((65001, 1, 2)); accept; }\n"
            "      if net ~ [ 0.0.0.0/0{0,32} ] then { reject; }\n      reject;\n") in a
    # the default goes to b past its rules, nowhere else: not into the kernel
    assert 'if proto = "originate4" then accept;' in a and "route 0.0.0.0/0 blackhole;" in a
    assert 'if source = RTS_DEVICE || proto = "originate4" then reject;' in a
    assert "bgp_med = 50; bgp_community.add((65535, 65281)); accept;" in a
    assert "  ipv6 {\n    import filter {" in a and "::1/128, fe80::/10+" in a


def test_a_bird_route_reflector_and_its_clients() -> None:
    rr = _bird(REFLECTOR, "rr")
    lab = compile_text(REFLECTOR)
    loop = str(lab.node("rr").loopback.ip)  # type: ignore[union-attr]
    assert rr.count("  rr client;\n  rr cluster id 10.61.255.1;\n") == 2
    assert rr.count(f"  local {loop} as 65000;\n") == 2 and "multihop" not in rr
    assert rr.count("    next hop self;\n") == 2  # iBGP
    # its OSPF exports to BGP as FRR's redistribute ospf does
    assert "RTS_OSPF, RTS_OSPF_IA, RTS_OSPF_EXT1, RTS_OSPF_EXT2" in rr
    assert "protocol ospf v2 {" in rr


def test_bird_carries_ipv4_over_the_ipv6_session_of_an_ipv6_only_link() -> None:
    """examples/ipv6-core.yaml with p1 on BIRD: a protocol per neighbour, its
    address IPv6, with an IPv4 channel (extended next hop on) beside the IPv6 one."""
    p1 = _bird(IPV6_CORE, "p1")
    assert p1.count("protocol bgp ") == 2 and p1.count("  ipv6 {\n    import") == 2
    assert p1.count("  ipv4 {\n    import") == 2
    assert p1.count("    extended next hop on;\n  };\n  ipv6 {") == 2
    assert "  neighbor fd00:42:0:1::1 as 65001;\n" in p1


@pytest.mark.skipif(shutil.which("bird") is None, reason="BIRD 2 is not installed")
def test_bird_parses_every_config_nslab_writes(tmp_path: Any) -> None:
    import subprocess
    for text, node in ((RELATIONS, "cust"), (DUAL, "a"), (REFLECTOR, "rr"), (REFLECTOR, "c1"),
                       (IPV6_CORE, "p1")):
        f = tmp_path / f"{node}.conf"
        f.write_text(_bird(text, node))
        r = subprocess.run(["bird", "-p", "-c", str(f)], capture_output=True, text=True)
        assert r.returncode == 0, (node, r.stderr, f.read_text())


@kernel
@pytest.mark.skipif(shutil.which("bird") is None, reason="BIRD 2 is not installed")
def test_gao_rexford_with_a_bird_customer_among_frr_providers() -> None:
    """The same internet with the multihomed customer on BIRD: nobody's transit
    (its RFC 9234 role), up through t1 (local_pref 120), prepended and tagged
    toward t2, BFD with t1 at 150 ms, its sessions read from birdc."""
    out = sandbox.run("tests.helpers.policy", "bird_relations")
    _gao_rexford(out)
    best = next(ln for ln in out["cust_to_top"].splitlines() if " * " in ln)
    assert "[bgp-t1 " in best, out["cust_to_top"]
    assert "BGP.local_pref: 120" in out["cust_to_top"].split("unicast [bgp-t2")[0]
    sessions = out["cust_status"]["routing"]["bgp_sessions"]
    assert sorted((s["asn"], s["state"]) for s in sessions) == \
        [(64501, "Established"), (64502, "Established")], sessions


@kernel
@pytest.mark.skipif(shutil.which("bird") is None, reason="BIRD 2 is not installed")
def test_a_dual_stack_internet_peers_in_both_families_between_frr_and_bird() -> None:
    """Each IPv4 session has its IPv6 twin, up on both sides (FRR activates it
    in IPv6; BIRD gives it an ipv6 channel), convergence holds every IPv6 LAN
    too, and the customer's kernel takes the best IPv6 path (through t1)."""
    out = sandbox.run("tests.helpers.policy", "dual_stack")
    assert out["up"] == 0, out["up_err"]
    rep = out["report"]
    assert rep["convergence"]["complete"] is True and rep["ok"] is True, rep
    sessions = out["cust_status"]["routing"]["bgp_sessions"]
    assert sorted((s["asn"], ":" in s["address"], s["state"]) for s in sessions) == [
        (64501, False, "Established"), (64501, True, "Established"),
        (64502, False, "Established"), (64502, True, "Established")], sessions
    assert all(p["state"] == "Established" for p in out["t2_v6"]["peers"].values()), out["t2_v6"]
    assert out["h1_lan6"] and " dev eth0 " in out["cust_to_h1"], out["cust_to_h1"]
    assert out["down"] == 0
    assert out["traces"]["daemons"] == [] and out["traces"]["state"] == []


@kernel
def test_policy_over_an_unnumbered_link_holds_in_each_family_with_real_frr() -> None:
    """a exports two IPv4 prefixes and one IPv6 of its four (not its loopback), b
    denies one IPv4 prefix: b holds exactly the rest, in both families, and
    convergence (what nslab expects) agrees."""
    out = sandbox.run("tests.helpers.policy", "unnumbered_policy")
    assert out["up"] == 0, out["up_err"]
    # (the routers do not reach each other's loopbacks: a exports not its own)
    assert out["report"]["convergence"]["complete"] is True, out["report"]
    # what b learned from a: the paths whose AS path starts with a's AS
    learned = {f: {p for p, paths in out[f]["routes"].items()
                   if any(str(x.get("path", "")).split()[:1] == ["65001"] for x in paths)}
               for f in ("b4", "b6")}
    assert learned == {"b4": {"198.51.100.0/24"}, "b6": {"2001:db8:9::/48"}}, out
    assert out["down"] == 0
    assert out["traces"]["daemons"] == [] and out["traces"]["state"] == []


ORIGINATE = """\
name: orig
routing: bgp
nodes:
  a: {kind: router, loopback: 10.0.0.1/32,
      bgp: {asn: 65001, originate: announce, announce: [10.0.0.1/32, 192.0.2.0/24]}}
  b: {kind: router, loopback: 10.0.0.2/32, bgp: {asn: 65002}}
  c: {kind: router, loopback: 10.0.0.3/32,
      bgp: {asn: 65001, originate: announce, announce: [10.0.0.3/32, 192.0.3.0/24]}}
  h: {}
  g: {}
links:
  - {endpoints: [a, c], addresses: [10.3.0.1/30, 10.3.0.2/30]}
  - {endpoints: [a, b], addresses: [10.1.0.1/30, 10.1.0.2/30]}
  - {endpoints: [a, h], addresses: [10.9.0.1/24, 10.9.0.2/24]}
  - {endpoints: [b, g], addresses: [10.8.0.1/24, 10.8.0.2/24]}
"""


@pytest.mark.parametrize("suite", ["frr", "bird"])
def test_a_router_that_originates_only_what_it_announces(suite: str) -> None:
    """`bgp.originate: announce`: network statements, no redistribution (as
    netlab configures FRR); its other subnets are not expected elsewhere."""
    text = ORIGINATE
    if suite == "bird":
        a, b = _bird(text, "a"), _bird(text, "b")
        assert "if source != RTS_BGP && !(net ~ [ 10.0.0.1/32, 192.0.2.0/24 ]) then reject;" in a
        assert "if source !~ [ RTS_DEVICE, RTS_STATIC, RTS_BGP ] then reject;" in b
        return
    lab = compile_text(text)
    a, b = _config(lab, "a"), _config(lab, "b")
    assert "redistribute connected" not in a and "redistribute connected" in b
    assert "  network 10.0.0.1/32" in a and "  network 192.0.2.0/24" in a
    # b expects what a announces, not a's host LAN; a expects all of b's
    assert {"10.0.0.1/32", "192.0.2.0/24"} <= _expected(lab, "b")
    assert "10.9.0.0/24" not in _expected(lab, "b")
    assert {"10.0.0.2/32", "10.8.0.0/24"} <= _expected(lab, "a")
    # c is no border: its loopback goes over iBGP with itself as the next hop,
    # which a cannot resolve through the prefix itself: it stays in 65001
    assert "192.0.3.0/24" in _expected(lab, "b") and "10.0.0.3/32" not in _expected(lab, "b")
    assert "10.0.0.3/32" in _expected(lab, "a")


def test_originate_takes_connected_or_announce() -> None:
    from nslab.errors import SpecError

    with pytest.raises(SpecError, match="Input should be 'connected' or 'announce'"):
        compile_text(ORIGINATE.replace("originate: announce", "originate: all"))


def test_a_session_passive_on_both_sides_never_comes_up_nor_carries_routes() -> None:
    text = """\
name: passive
routing: bgp
nodes:
  a: {kind: router, bgp: {asn: 65001, neighbors: [{peer: b, passive: true}, {peer: c}]}}
  b: {kind: router, bgp: {asn: 65002, neighbors: [{peer: a, passive: true}]}}
  c: {kind: router, bgp: {asn: 65003, neighbors: [{peer: a, passive: true}]}}
links: [[a, b], [a, c]]
"""
    lab = compile_text(text)
    loop = {n: str(lab.node(n).loopback) for n in "abc"}
    assert loop["a"] not in _expected(lab, "b") and loop["c"] not in _expected(lab, "b")
    assert loop["a"] in _expected(lab, "c")  # a is active toward c: that one comes up
    assert loop["b"] not in _expected(lab, "a")


def test_an_igp_routers_prefixes_leave_the_as_only_through_a_border_that_carries_them() -> None:
    """r (OSPF, no BGP) behind border a: with a originating only what it
    announces, x (another AS) expects none of r's; a border of nslab's own
    kind (originate: connected) puts the IGP in BGP, and x expects them."""
    text = """\
name: carry
routing: ospf
nodes:
  r: {kind: router, loopback: 10.0.0.9/32}
  a: {kind: router, loopback: 10.0.0.1/32,
      bgp: {asn: 65001, originate: announce, announce: [10.0.0.1/32],
            neighbors: [{peer: x}]}}
  x: {kind: router, loopback: 10.0.0.2/32, bgp: {asn: 65002, neighbors: [{peer: a}]}}
links:
  - [r, a]
  - {endpoints: [a, x], ospf: {passive: true}}
"""
    quiet = compile_text(text)
    assert "10.0.0.1/32" in _expected(quiet, "x") and "10.0.0.9/32" not in _expected(quiet, "x")
    assert "10.0.0.9/32" in _expected(quiet, "a")  # its own IGP domain
    loud = compile_text(text.replace("originate: announce, ", ""))
    assert "10.0.0.9/32" in _expected(loud, "x")
