"""Routing daemons with the real FRR and BIRD, each case in a sandbox that
plays the machine (tests.helpers.routing): the three examples converge and pass `nslab
test`, OSPF routes around a link taken down, BGP sees a customer through both
providers, and nothing is left behind: no daemon, mount, state file,
/var/run/frr or /etc/frr write, /var/tmp entry; a rejected configuration and
a killed `up` end the same way."""

from __future__ import annotations

import shutil

import pytest

from tests.helpers import sandbox

pytestmark = [pytest.mark.kernel,
              pytest.mark.skipif(not sandbox.available(),
                                 reason="needs root and unshare (net, mount, pid)"),
              pytest.mark.skipif(shutil.which("vtysh") is None,
                                 reason="FRR is not installed (scripts/setup.sh installs it)")]

CLEAN: dict[str, object] = {"daemons": [], "mounts": [], "state": [], "run_frr": None,
                             "etc_frr_written": False}


def _clean(traces: dict[str, object], before: dict[str, object] | None = None) -> None:
    assert {k: traces[k] for k in CLEAN} == CLEAN
    if before is not None:
        assert traces["var_tmp"] == before["var_tmp"]


def test_an_ospf_ring_converges_reroutes_and_leaves_nothing() -> None:
    out = sandbox.run("tests.helpers.routing", "ospf_ring")
    assert out["up"] == 0, out["up_err"]
    report = out["report"]
    assert report["ok"], report
    conv = report["convergence"]
    assert conv["complete"] and conv["routers"] == 6 and conv["seconds"] < 15
    assert [e["status"] for e in report["expectations"]] == ["pass"] * 6
    # nslab vtysh reaches r1's daemons: both ring neighbours Full, point-to-point
    states = [n["nbrState"] for ns in out["neighbours"]["neighbors"].values() for n in ns]
    assert states == ["Full/-", "Full/-"]
    assert out["route"][0]["protocol"] == "ospf" and out["route"][0]["dev"] == "eth0"
    # r1-r2 down: h1 reaches h3 the other way round, and r1's route says so
    assert out["rerouted"] is not None and out["rerouted"] < 10
    assert out["after_route"][0]["dev"] == "eth1"
    assert sorted({r.split(":")[1] for r in out["running"]}) == ["ospfd", "zebra"]
    assert len(out["running"]) == 12  # zebra and ospfd on six routers (no staticd: no
    assert out["down"] == 0 and "ended 12 processes" in out["down_out"]  # static routes)
    _clean(out["traces"], out["traces_before"])
    assert out["changed"] == []


def test_an_internet_of_four_ases_resolves_and_fetches_across_them() -> None:
    out = sandbox.run("tests.helpers.routing", "bgp_internet")
    assert out["up"] == 0, out["up_err"]
    assert out["report"]["ok"], out["report"]
    assert out["report"]["convergence"]["complete"]
    # transit 1 sees customer 2 both directly and through transit 2 (the exchange)
    paths = sorted(p["aspath"]["string"] for p in out["seen"]["paths"])
    assert paths == ["64502 64512", "64512"]
    # c2 passes nothing from one provider to the other: t2 hears c1 from t1 alone
    assert [p["aspath"]["string"] for p in out["leak"]["paths"]] == ["64501 64511"]
    # and goes up through t1 (local_pref 120) even to t2's own loopback
    best = [p for p in out["up_way"]["paths"] if p.get("bestpath", {}).get("overall")]
    assert [(p["aspath"]["string"], p["locPrf"]) for p in best] == [("64501 64502", 120)]
    sessions = out["sessions"]["ipv4Unicast"]["peers"]
    assert {p["remoteAs"]: p["state"] for p in sessions.values()} == {
        64502: "Established", 64511: "Established", 64512: "Established"}
    assert "Directory listing" in out["page"], out["page_err"]  # DNS, then HTTP, across ASes
    routing = out["inspect"]["routing"]
    assert routing["asn"] == 64512 and routing["protocols"] == ["bgp"]
    assert set(routing["running"]) == {"zebra", "staticd", "bgpd"}
    assert all(isinstance(pid, int) for pid in routing["running"].values())
    assert sorted(s["asn"] for s in routing["bgp_sessions"]) == [64501, 64502]
    assert {s["state"] for s in routing["bgp_sessions"]} == {"Established"}
    # the announced prefix's blackhole floats: under the connected route, there without it
    assert out["c1_lan_route"].startswith("198.51.100.0/24 dev eth1 proto kernel"), out
    assert out["c1_route_without_lan"].startswith("blackhole 198.51.100.0/24 proto static"), out
    assert out["down"] == 0
    _clean(out["traces"])


def test_an_announced_prefix_behind_another_router_of_the_as_is_not_blackholed() -> None:
    """The blackhole that backs an announcement floats (distance 254): the
    border's route to its AS's LAN behind another router is the real one."""
    out = sandbox.run("tests.helpers.routing", "floating_blackhole")
    assert out["up"] == 0, out["up_err"]
    route = out["route"]  # "192.0.2.0/24 [nhid N] via 10.128.0.6 dev eth1 proto ospf ..."
    assert route.startswith("192.0.2.0/24 ") and " via " in route and "proto ospf" in route, out
    assert out["down"] == 0
    _clean(out["traces"])


def test_a_small_isp_and_a_leaf_spine_converge_and_pass() -> None:
    """Issue 21's two designs: a multi-router AS passes its loopbacks on to its
    customers (each router originates what its IGP learnt), and spines of one
    AS without a link between them get no session that cannot come up; the
    ISP once more with IS-IS as its interior protocol (igp: isis)."""
    out = sandbox.run("tests.helpers.routing", "designs")
    for name in ("isp", "ls", "ispis"):
        r = out[name]
        assert r["up"] == 0, r["up_err"]
        rep = r["report"]
        assert rep["convergence"]["complete"] is True, (name, rep["convergence"])
        assert rep["ok"] is True, (name, rep)
        assert r["down"] == 0
    _clean(out["traces"])


@pytest.mark.skipif(shutil.which("bird") is None, reason="BIRD 2 is not installed")
def test_frr_and_bird_share_an_ospf_area() -> None:
    out = sandbox.run("tests.helpers.routing", "bird_frr")
    assert out["up"] == 0, out["up_err"]
    assert out["report"]["ok"], out["report"]
    assert out["bird"].count("Full/PtP") == 2  # nslab birdc: both FRR neighbours
    assert "proto bird" in out["kernel"]
    routing = out["inspect"]["routing"]  # BIRD's side, as inspect reads it from birdc
    assert routing["suite"] == "bird" and routing["running"]["bird"] is not None
    assert sorted(n["state"] for n in routing["ospf_neighbours"]) == ["Full/PtP", "Full/PtP"]
    assert any(p[0] == "ospf1" for p in routing["bird_protocols"])
    assert out["down"] == 0
    _clean(out["traces"])


def test_a_configuration_frr_rejects_fails_up_with_its_words_and_rolls_back() -> None:
    out = sandbox.run("tests.helpers.routing", "rejected_config")
    assert out["up"] == 8
    assert out["err"].startswith("nslab: FRR on router 'r1' failed (status 2): line 2: "
                                 "% Unknown command")
    assert "this is not a command" in out["err"] and "Traceback" not in out["err"]
    assert out["namespaces"] == "" and out["changed"] == []
    _clean(out["traces"], out["traces_before"])


def test_up_killed_while_daemons_start_is_cleaned_by_down() -> None:
    out = sandbox.run("tests.helpers.routing", "killed_up")
    assert out["killed"] and out["running"], "up was not caught with daemons running"
    assert out["down"] == 0, out["down_out"]
    assert out["namespaces"] == "" and out["changed"] == []
    _clean(out["traces"], out["traces_before"])


def test_why_names_the_adjacency_that_is_down() -> None:
    out = sandbox.run("tests.helpers.routing", "why_adjacency")
    assert out["up"] == 0, out["up_err"]
    assert out["before"]["ok"], out["before"]
    why = out["why"]
    assert not why["reached"] and why["at"] == "r1"
    assert why["reason"] == ("node r1 has no route to 10.77.0.10; routing adjacencies not up: "
                             f"OSPF r2-r3: {why['reason'].rsplit(': ', 1)[1]}")
    assert not why["reason"].endswith(("Full/-", "Full/DR", "Full/Backup"))
    after = out["after"]
    assert not after["ok"] and not after["convergence"]["complete"]
    assert "10.77.0.0/24" in after["convergence"]["missing"]["r1"]
    assert [e["status"] for e in after["expectations"]] == ["fail", "fail"]
    assert out["down"] == 0
    _clean(out["traces"])


@pytest.mark.skipif(shutil.which("bird") is None, reason="BIRD 2 is not installed")
def test_the_python_api_waits_for_convergence_and_talks_to_the_daemons() -> None:
    out = sandbox.run("tests.helpers.routing", "python_api")
    assert out["complete"] and out["routers"] == 3
    assert [n[0]["nbrState"] for n in out["frr"]["neighbors"].values()] == ["Full/-"]
    assert out["bird"].count("Full/PtP") == 2
    assert out["wrong"] == ("UsageError: router 'r2' runs BIRD, not FRR: "
                            "nslab birdc mixed r2")
    _clean(out["traces"])


def test_a_dual_stack_lab_runs_ospfv2_and_ospfv3() -> None:
    out = sandbox.run("tests.helpers.routing", "dual_stack")
    assert out["up"] == 0, out["up_err"]
    report = out["report"]
    assert report["ok"] and report["convergence"]["complete"], report
    assert sorted(m["family"] for m in report["matrices"]) == [4, 6]
    assert all(not [c for c in m["cells"] if not c["reached"]] for m in report["matrices"])
    ospf6 = [r for r in out["routes6"] if r.get("protocol") == "ospf"]
    assert {r["dst"] for r in ospf6} >= {"fd00:40:0:1::/64", "fd00:40:0:3::/64"}
    assert out["down"] == 0
    _clean(out["traces"])


@pytest.mark.parametrize("scenario", [
    "ipv6_core",
    pytest.param("ipv6_core_bird", marks=pytest.mark.skipif(
        shutil.which("bird") is None, reason="BIRD 2 is not installed"))])
def test_an_ipv6_only_core_carries_ipv4_in_bgp_through_ipv6_next_hops(scenario: str) -> None:
    """examples/ipv6-core.yaml (and with p1 on BIRD between FRR routers): the
    core's links have IPv6 addresses only; eBGP over them carries IPv4 too (RFC
    8950): nslab test converges and passes in both families, the core routers
    stand by their IPv4 loopbacks (matrix, hosts files), why walks IPv4 through
    IPv6 next hops, down leaves nothing."""
    out = sandbox.run("tests.helpers.routing", scenario)
    assert out["up"] == 0, out["up_err"]
    rep = out["report"]
    assert rep["convergence"]["complete"] is True, rep["convergence"]
    assert rep["ok"] is True and len(rep["expectations"]) == 2, rep
    m4 = next(m for m in rep["matrices"] if m["family"] == 4)
    assert set(m4["nodes"]) == {"ce1", "p1", "p2", "ce2", "h1", "h2"} and all(
        c["reached"] for c in m4["cells"]), m4
    assert all(c["reached"] for m in rep["matrices"] for c in m["cells"])
    # p1: IPv4 on its loopback only, IPv6 on its core ports
    p1 = {a["ifname"]: [i["local"] for i in a["addr_info"]] for a in out["addrs"]}
    assert [a for a in p1["lo"] if "." in a and a != "127.0.0.1"]
    assert all(":" in a for a in p1["eth0"] + p1["eth1"]), p1
    assert any(a.startswith("fd00:42:") for a in p1["eth0"]), p1
    peers = out["summary"]["peers"]
    assert len(peers) == 2 and all(":" in a and p["state"] == "Established"
                                   for a, p in peers.items()), peers
    # ce1's IPv4 routes from BGP go through p1's IPv6 address (RTA_VIA)
    assert out["routes"] and all(r.get("via", {}).get("family") == "inet6" or any(
        h.get("via", {}).get("family") == "inet6" for h in r.get("nexthops", []))
        for r in out["routes"]), out["routes"]
    hops = out["why"]["forward"]["hops"]
    assert out["why"]["reached"] is True and len(hops) == 6, out["why"]
    assert [h["node"] for h in hops[1:5]] == ["ce1", "p1", "p2", "ce2"], hops
    assert ":" in hops[1]["via"], hops[1]
    assert out["by_name"] == 0
    assert out["down"] == 0
    _clean(out["traces"])


def test_bgp_unnumbered_links_carry_ipv4_through_link_local_next_hops() -> None:
    """examples/bgp-unnumbered.yaml: no address on a fabric link, each one eBGP
    session over the link-local addresses of its ends (FRR's neighbor IFACE
    interface), IPv4 routes through IPv6 next hops (RFC 8950): nslab test
    converges and passes, why walks the fe80:: next hops, down leaves nothing."""
    out = sandbox.run("tests.helpers.routing", "unnumbered")
    assert out["up"] == 0, out["up_err"]
    rep = out["report"]
    assert rep["convergence"]["complete"] is True, rep["convergence"]
    assert rep["ok"] is True and len(rep["expectations"]) == 2, rep
    # the spines, with no address on their links, stand by their loopbacks
    (m,) = rep["matrices"]
    assert set(m["nodes"]) == {"s1", "s2", "l1", "l2", "h1", "h2"} and all(
        c["reached"] for c in m["cells"]), m
    # a spine: no IPv4 address but its loopback's, each fabric port link-local only
    s1 = {a["ifname"]: [i["local"] for i in a["addr_info"]] for a in out["addrs"]}
    assert [a for a in s1["lo"] if "." in a] and s1["eth0"] and s1["eth1"]
    assert all(a.startswith("fe80:") for a in s1["eth0"] + s1["eth1"]), s1
    peers = out["summary"]["ipv4Unicast"]["peers"]
    assert set(peers) == {"eth0", "eth1"} and all(
        p["state"] == "Established" for p in peers.values()), peers
    hops = out["why"]["forward"]["hops"]
    assert out["why"]["reached"] is True and len(hops) == 5, out["why"]
    assert hops[1]["node"] == "l1" and hops[1]["via"].startswith("fe80:"), hops[1]
    routes = out["inspect"]["routes"]
    assert any(r["protocol"] == "bgp" and r["family"] == 4 and
               all(h["gateway"].startswith("fe80:") for h in r["nexthops"]) for r in routes)
    assert out["down"] == 0
    _clean(out["traces"])
