"""netlab topologies: netlab's resolved model mapped onto nslab's file (pure,
against netlab's own output kept in tests/netlab/*.model.json, regenerated
with `netlab create -d frr -o json=...` and trimmed to the keys read), the
refusals, and the labs run with the real FRR (kernel, sandboxed: needs
netlab's library, pip install 'nslab[netlab]').

Regenerate the golden mappings with NSLAB_UPDATE_GOLDEN=1 and review the diff."""

from __future__ import annotations

import copy
import json
import os
from concurrent.futures import ThreadPoolExecutor
from ipaddress import ip_interface
from pathlib import Path
from typing import Any

import pytest
import yaml

from nslab.model.compile import compile_text
from nslab.netlab import NetlabRefusal, is_netlab, to_spec
from nslab.netlab.resolve import available
from tests.helpers import sandbox

HERE = Path(__file__).parent / "netlab"
UPDATE = os.environ.get("NSLAB_UPDATE_GOLDEN") == "1"


def model(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / f"{name}.model.json").read_text())
    return data


@pytest.mark.parametrize("name", ["triangle", "two-as", "dual-stack", "unnumbered", "rfc8950"])
def test_the_mapping_keeps_what_netlab_decided(name: str) -> None:
    spec = to_spec(model(name))
    text = yaml.safe_dump(spec, sort_keys=False)
    golden = HERE / f"{name}.nslab.yaml"
    if UPDATE:
        golden.write_text(text)
    assert text == golden.read_text(), f"{golden} differs: NSLAB_UPDATE_GOLDEN=1 to accept"
    compile_text(text)  # a valid nslab lab as it is


def test_addresses_sessions_and_areas_are_netlabs_own() -> None:
    m = model("two-as")
    spec = to_spec(m)
    for node, data in m["nodes"].items():  # every interface keeps its name and address
        for intf in data["interfaces"]:
            ends = [lk for lk in spec["links"] if f"{node}:{intf['ifname']}" in lk["endpoints"]]
            assert len(ends) == 1, (node, intf["ifname"])
            at = ends[0]["endpoints"].index(f"{node}:{intf['ifname']}")
            assert ends[0]["addresses"][at] == intf["ipv4"]
    r2 = spec["nodes"]["r2"]
    assert r2["loopback"] == m["nodes"]["r2"]["loopback"]["ipv4"]
    assert r2["ospf"] == {"area": "0.0.0.0", "router_id": m["nodes"]["r2"]["ospf"]["router_id"]}
    want = {(n["ipv4"], n["as"]) for n in m["nodes"]["r2"]["bgp"]["neighbors"]}
    assert {(n["address"], n["asn"]) for n in r2["bgp"]["neighbors"]} == want
    assert "ospf" not in spec["nodes"]["x1"]  # netlab gave x1 no OSPF
    assert spec["nodes"]["h1"]["kind"] == "host" and spec["routing"] == "ospf"
    eb = next(lk for lk in spec["links"] if "x1:eth1" in lk["endpoints"])
    assert eb["ospf"] == {"passive": True}  # eBGP: no OSPF adjacency, as in netlab
    lan = next(lk for lk in spec["links"] if "r1:eth2" in lk["endpoints"])
    assert lan["ospf"]["passive"] is True  # the LAN toward the host
    # iBGP between loopbacks, as netlab has it: r1's own loopback its source
    from nslab.verbs.up import build_plan

    script = build_plan(compile_text(yaml.safe_dump(spec))).as_shell()
    assert " neighbor 10.0.0.2 update-source lo" in script
    assert " neighbor 10.1.0.6 update-source" not in script  # eBGP on the link


def test_link_local_only_links_between_routers_are_unnumbered_with_a_session_each() -> None:
    """netlab's unnumbered eBGP (ipv4: true, ipv6: true; a neighbour by its
    local_if, IPv4 over RFC 8950): an nslab unnumbered link, the session to
    the router at its other end; the numbered session stays an address."""
    spec = to_spec(model("unnumbered"))
    links = {tuple(x["endpoints"]): x.get("unnumbered", False) for x in spec["links"]}
    assert links == {("dut:eth1", "x1:eth1"): True, ("dut:eth2", "x2:eth1"): True,
                     ("dut:eth3", "x3:eth1"): False}
    assert [n.get("peer") or n.get("address") for n in
            spec["nodes"]["dut"]["bgp"]["neighbors"]] == ["x1", "x2", "10.1.0.2"]
    # netlab's communities, sent on the session named by its interface
    assert "neighbor eth1 send-community standard" in spec["nodes"]["dut"]["frr"]["extra"]
    lab = compile_text(yaml.safe_dump(spec))
    daemons = lab.node("dut").daemons
    assert daemons is not None
    assert " neighbor eth1 interface remote-as 65100" in daemons.config
    assert " neighbor 10.1.0.2 remote-as 65102" in daemons.config


def test_ipv4_unnumbered_links_with_ipv6_addresses_are_ipv6_only_with_rfc8950_sessions(
        ) -> None:
    """netlab's RFC 8950 over regular IPv6 sessions (ipv4: true, ipv6: an address;
    a neighbour's ipv4_rfc8950): an nslab IPv6-only link with netlab's IPv6
    addresses, the session to the IPv6 address, which nslab makes carry IPv4."""
    m = model("rfc8950")
    spec = to_spec(m)
    links = {tuple(x["endpoints"]): (x.get("ipv4", True), x["addresses"])
             for x in spec["links"]}
    dut = {i["ifname"]: i for i in m["nodes"]["dut"]["interfaces"]}
    assert links[("dut:eth1", "x1:eth1")] == (False, [dut["eth1"]["ipv6"],
                                                      dut["eth1"]["neighbors"][0]["ipv6"]])
    assert all(v4 is False for v4, _ in links.values())
    want = [n["ipv6"] for n in m["nodes"]["dut"]["bgp"]["neighbors"]]
    assert [n["address"] for n in spec["nodes"]["dut"]["bgp"]["neighbors"]] == want
    lab = compile_text(yaml.safe_dump(spec))
    assert all(s.ipv6_only for s in lab.segments)
    daemons = lab.node("dut").daemons
    assert daemons is not None
    assert f" neighbor {want[0]} capability extended-nexthop" in daemons.config
    # a name stands for x1's IPv4 loopback, which no link of it has (netlab's ping x1)
    assert ("172.42.40.1", "x1") in lab.hosts and not any(
        a.startswith("10.") for a, n in lab.hosts if n == "x1")
    # over a link nslab numbers (netlab's OSPF on it): refused, said why
    ospf = copy.deepcopy(m)
    ospf["nodes"]["x1"]["interfaces"][0]["ospf"] = {"area": "0.0.0.0"}
    with pytest.raises(NetlabRefusal, match=r"ipv4_rfc8950.*does not make IPv6-only"):
        to_spec(ospf)


def test_ipv4_unnumbered_links_under_ospf_are_unnumbered_on_borrowed_loopbacks() -> None:
    """netlab's IPv4-unnumbered link (ipv4: true) between two FRR routers that run
    OSPF over it: nslab's unnumbered link, each end on its router's loopback."""
    m = model("triangle")
    for end, peer in (("r1", "r2"), ("r2", "r1")):
        intf = m["nodes"][end]["interfaces"][0]
        assert intf["neighbors"][0]["node"] == peer
        intf["ipv4"] = True
        intf["neighbors"][0]["ipv4"] = True
    spec = to_spec(m)
    first = spec["links"][0]
    assert first["endpoints"] == ["r1:eth1", "r2:eth1"] and first["unnumbered"] is True
    assert "addresses" not in first and first["ospf"]["network"] == "point-to-point"
    lab = compile_text(yaml.safe_dump(spec))
    assert lab.node("r1").interface("eth1").addresses == (ip_interface("10.0.0.1/32"),)
    # one end without OSPF there: numbered by nslab, as before
    m["nodes"]["r2"]["interfaces"][0].pop("ospf")
    assert "unnumbered" not in to_spec(m)["links"][0]


def test_dual_stack_keeps_both_families_as_netlab_numbered_them() -> None:
    m = model("dual-stack")
    spec = to_spec(m)
    for node, data in m["nodes"].items():  # each end: its IPv4 and its IPv6
        for intf in data["interfaces"]:
            link = next(lk for lk in spec["links"]
                        if f"{node}:{intf['ifname']}" in lk["endpoints"])
            at = link["endpoints"].index(f"{node}:{intf['ifname']}")
            assert link["addresses"][at] == [intf["ipv4"], intf["ipv6"]]
    r1 = spec["nodes"]["r1"]
    lo = m["nodes"]["r1"]["loopback"]
    assert r1["loopback"] == [lo["ipv4"], lo["ipv6"]]
    # a session per family, to the addresses netlab chose
    want = {(n[af], n["as"]) for n in m["nodes"]["r1"]["bgp"]["neighbors"]
            for af in ("ipv4", "ipv6")}
    assert {(n["address"], n["asn"]) for n in r1["bgp"]["neighbors"]} == want
    assert "2001:db8:2::/64" in r1["bgp"]["announce"]
    from nslab.verbs.up import build_plan

    lab = compile_text(yaml.safe_dump(spec))
    assert lab.ipv6 and str(lab.node("r1").loopback6) == lo["ipv6"]
    script = build_plan(lab).as_shell()
    peer6 = next(n["ipv6"] for n in m["nodes"]["r1"]["bgp"]["neighbors"])
    assert f" neighbor {peer6} update-source lo" in script  # iBGP between IPv6 loopbacks
    assert f"addr add {lo['ipv6']} dev lo" in script
    assert "router ospf6" in script
    conf = lab.node("r1").daemons.config  # type: ignore[union-attr]
    # netlab's routers advertise; before the IGP: FRR 8.4 takes `interface X`
    # after `router ospf6` as that section's own command
    assert conf.index("no ipv6 nd suppress-ra") < conf.index("router ospf6")


def test_netlabs_session_activation_and_host_role_are_kept() -> None:
    m = model("dual-stack")
    r1 = m["nodes"]["r1"]
    r1["bgp"]["neighbors"][0]["activate"] = {"ipv4": True, "ipv6": False}
    peer = r1["bgp"]["neighbors"][0]
    addresses = {n["address"] for n in to_spec(m)["nodes"]["r1"]["bgp"]["neighbors"]}
    assert peer["ipv4"] in addresses and peer["ipv6"] not in addresses  # no IPv6 session
    peer.update(timers={"keepalive": 17, "hold": 51, "min_hold": 3}, password="s3cret",
                default_originate=True)
    mapped = to_spec(m)["nodes"]["r1"]["bgp"]["neighbors"][0]
    assert mapped["timers"] == {"keepalive": 17, "hold": 51} and mapped["password"] == "s3cret"
    assert mapped["default_originate"] is True
    m["nodes"]["h1"].update(device="frr", role="host")  # an FRR device that does not route
    assert to_spec(m)["nodes"]["h1"]["kind"] == "host"


def test_policies_run_as_netlabs_own_frr_templates_render_them() -> None:
    """Routing policies, bgp.policy and bgp.session: what netlab's own FRR
    templates rendered for a node (nslab.netlab.resolve) is added after the
    configuration nslab writes, line for line, and what they configure is no
    longer refused; a template with nothing to say is left out."""
    m = copy.deepcopy(model("two-as"))
    r1 = m["nodes"]["r1"]
    r1["routing"] = {"policy": {"lp": [{"set": {"locpref": 42}}]}}
    r1["bgp"]["neighbors"][0].update(policy={"in": "lp"}, as_override=True)
    m["_nslab_rendered"] = {
        "r1": {"routing": "!\nroute-map lp-ipv4 permit 10\n  set local-preference 42   \n",
               "bgp.policy": "router bgp 65000\n  address-family ipv4\n"
                             "    neighbor 10.1.0.2 route-map lp-ipv4 in\n",
               # bgp.session's template is a script: what it hands vtysh -f
               "bgp.session": "#!/bin/bash\ncat >/tmp/config <<CONFIG\nrouter bgp 65000\n"
                              "  neighbor 10.1.0.2 as-override\nCONFIG\nvtysh -f /tmp/config"
                              "\nvtysh -c 'clear bgp *'\n"},
        "r2": {"routing": "!\n!\n"}}
    spec = to_spec(m)
    extra = spec["nodes"]["r1"]["frr"]["extra"]
    assert extra.splitlines() == [
        "! netlab's routing template", "!", "route-map lp-ipv4 permit 10",
        "  set local-preference 42", "! netlab's bgp.policy template", "router bgp 65000",
        "  address-family ipv4", "    neighbor 10.1.0.2 route-map lp-ipv4 in",
        "! netlab's bgp.session template", "router bgp 65000",
        "  neighbor 10.1.0.2 as-override",
        # the communities each session sends, as netlab's BGP template says (iBGP: all)
        "! netlab's bgp.community", "router bgp 65001", " address-family ipv4 unicast",
        "  no neighbor 10.0.0.2 send-community all",
        "  neighbor 10.0.0.2 send-community standard",
        "  neighbor 10.0.0.2 send-community large",
        "  neighbor 10.0.0.2 send-community extended"]
    assert "routing template" not in spec["nodes"]["r2"]["frr"]["extra"]  # it said nothing
    # OSPF redistribution through a policy: nslab's redistribute, with netlab's map
    imported = copy.deepcopy(m)
    imported["nodes"]["r1"]["ospf"]["import"] = {"bgp": {"policy": "lp"}}
    r1_spec = to_spec(imported)["nodes"]["r1"]
    assert r1_spec["ospf"]["redistribute"] == ["bgp"]
    assert "! netlab's ospf.import\nrouter ospf\n redistribute bgp route-map lp-ipv4\n" in \
        r1_spec["frr"]["extra"]
    # redistribution into BGP (OSPFv3 is ospf6), and static routes nslab's own routes do
    # not take (ECMP, a recursive next hop): as netlab's templates configure them, in FRR
    imported["nodes"]["r1"]["routing"]["static"] = [
        {"ipv4": "10.9.0.0/24", "nexthop": {"ipv4": via}} for via in ("10.1.0.2", "10.1.0.6")
    ] + [{"ipv4": "10.8.0.0/24", "nexthop": {"ipv4": "10.42.0.1"}},
         {"ipv4": "10.7.0.0/24", "nexthop": {"ipv4": "10.1.0.2"}}]
    r1_spec = to_spec(imported)["nodes"]["r1"]
    assert r1_spec["routes"] == [{"to": "10.7.0.0/24", "via": "10.1.0.2"}]
    assert "ip route 10.7.0.0/24" not in r1_spec["frr"]["extra"]
    # a router that redistributes static routes has them all in FRR (what it takes)
    imported["nodes"]["r1"]["bgp"].update({"import": {"ospf": {"policy": "lp"}, "static": {}},
                                          "ipv6": True})
    r1_spec = to_spec(imported)["nodes"]["r1"]
    assert "routes" not in r1_spec and r1_spec["frr"]["daemons"] == ["staticd"]
    said = r1_spec["frr"]["extra"]
    assert "! netlab's bgp.import\nrouter bgp 65001\n address-family ipv4 unicast\n" \
        "  redistribute ospf route-map lp-ipv4\n  redistribute static\n" \
        " address-family ipv6 unicast\n  redistribute ospf6 route-map lp-ipv6\n" \
        "  redistribute static\n" in said
    assert "! netlab's routing.static\nip route 10.9.0.0/24 10.1.0.2\n" \
        "ip route 10.9.0.0/24 10.1.0.6\nip route 10.8.0.0/24 10.42.0.1\n" \
        "ip route 10.7.0.0/24 10.1.0.2\n" in said
    # the file's own configuration template, rendered by netlab for FRR: applied too;
    # a script with no configuration to read: refused
    m["nodes"]["r2"]["config"] = ["frr-community"]
    m["_nslab_rendered"]["r2"] = {"frr-community": "route-map setcomm permit 10\n"}
    own = to_spec(m)["nodes"]["r2"]["frr"]["extra"]
    assert own.startswith("! netlab's frr-community template\nroute-map setcomm permit 10\n")
    m["_nslab_rendered"]["r2"] = {"frr-community": "#!/bin/bash\nip link set eth1 up\n"}
    with pytest.raises(NetlabRefusal, match="frr-community template is a script nslab "):
        to_spec(m)
    # nslab cannot tell what the policies let through: netlab's tests wait themselves
    assert "test" not in spec and "test" in to_spec(model("two-as"))
    lab = compile_text(yaml.safe_dump(spec, sort_keys=False))
    d = lab.node("r1").daemons
    assert d is not None and d.generated and d.config.endswith(extra)
    assert d.config.index("router bgp") < d.config.index("! netlab's routing template")


def test_a_validate_test_that_deploys_configuration_runs_what_netlab_rendered() -> None:
    """A validate test with config: (netlab config TEMPLATE on its nodes) runs
    where netlab rendered the template for FRR on each of its nodes; such a lab
    changes on the way, so nslab does not first wait for its tables."""
    m = copy.deepcopy(model("two-as"))
    m["validate"] = [{"name": "dr", "config": {"template": "bgp_default"}, "nodes": ["r1"]}]
    with pytest.raises(NetlabRefusal, match="netlab renders no FRR configuration of for r1"):
        to_spec(m)
    m["_nslab_rendered"] = {"_validate": {"dr": {"r1": "router bgp 65001\n neighbor x\n"}}}
    spec = to_spec(m)
    assert "test" not in spec  # no waiting for the tables first
    # deployed by the test when it runs, not configured from the start
    assert " neighbor x\n" not in spec["nodes"]["r1"].get("frr", {}).get("extra", "")


def _refused(change: Any, base: str = "triangle") -> str:
    m = copy.deepcopy(model(base))
    change(m)
    with pytest.raises(NetlabRefusal) as e:
        to_spec(m)
    return str(e.value)


def test_what_nslab_cannot_run_is_refused_by_name() -> None:
    assert "module vrf" in _refused(lambda m: m["module"].append("vrf"))
    assert "VRF" in _refused(lambda m: m["module"].append("vrf"))
    assert "node r2: device eos" in _refused(lambda m: m["nodes"]["r2"].update(device="eos"))
    assert "IPv6 link-local only" in _refused(
        lambda m: m["nodes"]["r1"]["interfaces"][0].update(ipv6=True))
    # link-local only at one end of a link: not an unnumbered link between two routers
    assert "node dut eth1: IPv6 link-local only" in _refused(
        lambda m: m["nodes"]["dut"]["interfaces"][0].update(ipv4="10.9.0.1/30"), "unnumbered")
    assert "node r3: module mpls" in _refused(
        lambda m: m["nodes"]["r3"].update(module=["ospf", "mpls"]))
    assert "validate test t1 deploys a configuration template (config:) netlab renders no" in \
        _refused(
        lambda m: m.update(validate=[{"name": "t1", "config": {"template": "x"}}]))
    assert "node x1: a BGP route server (bgp.rs) without netlab's bgp.session" in _refused(
        lambda m: m["nodes"]["x1"]["bgp"].update(rs=True), "two-as")
    # policies that netlab's own FRR templates did not configure (none rendered)
    assert "node r1: routing policy (netlab's routing policies and filters, on a node" in \
        _refused(lambda m: m["nodes"]["r1"].update(routing={"policy": {"p1": []}}))
    assert "the BGP session with r2 goes through a routing policy netlab's bgp.policy" in \
        _refused(lambda m: m["nodes"]["r1"]["bgp"]["neighbors"][0].update(policy={"out": "p"}),
                 "two-as")
    assert "routing policy pol" in _refused(
        lambda m: m["nodes"]["r1"]["ospf"].update({"import": {"bgp": {"policy": "pol"}}}))
    assert "the BGP session with r2 has as_override (not mapped)" in _refused(
        lambda m: m["nodes"]["r1"]["bgp"]["neighbors"][0].update(as_override=True), "two-as")
    assert "node r1: bgp.import of ospf through routing policy p1, which netlab's" in \
        _refused(lambda m: m["nodes"]["r1"]["bgp"].update({"import": {"ospf": {"policy": "p1"}}}),
                 "two-as")
    assert "minimum hold time" in _refused(
        lambda m: m["nodes"]["r1"]["bgp"]["neighbors"][0].update(
            timers={"keepalive": 10, "hold": 30, "min_hold": 20}), "two-as")
    assert "node r1: configuration templates (config: frr-community) netlab renders no" in _refused(
        lambda m: m.update(plugin=["files", "bgp.session"])
        or m["nodes"]["r1"].update(config=["frr-community", "bgp.session"]))
    assert "has several next hops (172.16.0.1, 172.16.0.2: ECMP)" in _refused(
        lambda m: m["nodes"]["h1"].update(routing={"static": [
            {"ipv4": "10.9.0.0/24", "nexthop": {"ipv4": via}}
            for via in ("172.16.0.1", "172.16.0.2")]}), "two-as")
    assert "recursive next hops are not mapped" in _refused(
        lambda m: m["nodes"]["h1"].update(routing={"static": [
            {"ipv4": "10.9.0.0/24", "nexthop": {"ipv4": "10.42.0.1"}}]}), "two-as")
    assert "cannot be an nslab name" in _refused(
        lambda m: m["nodes"].update({"R-1.x": m["nodes"].pop("r1")}))


def test_a_netlab_file_is_told_from_an_nslab_file() -> None:
    assert is_netlab(yaml.safe_load((HERE / "triangle.yml").read_text()))
    assert is_netlab(yaml.safe_load((HERE / "two-as.yml").read_text()))
    assert is_netlab({"defaults.device": "frr", "nodes": {"a": {}}})
    for example in (Path(__file__).parent.parent / "examples").glob("*.yaml"):
        assert not is_netlab(yaml.safe_load(example.read_text())), example


needs_netlab = pytest.mark.skipif(not available(), reason="netlab's library is missing "
                                  "(pip install 'nslab[netlab]')")


@needs_netlab
def test_convert_prints_what_up_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "nslab", "convert", str(HERE / "two-as.yml")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    spec = yaml.safe_load(r.stdout)
    golden = yaml.safe_load((HERE / "two-as.nslab.yaml").read_text())
    assert spec["name"] == "two-as"  # the file's stem: it has no name of its own
    assert {k: v for k, v in spec.items() if k != "name"} == \
        {k: v for k, v in golden.items() if k != "name"}
    bad = tmp_path / "vrf.yml"
    bad.write_text("module: [ ospf, vrf ]\nvrfs: { red: }\nnodes: [ a, b ]\nlinks: [ a-b ]\n")
    r = subprocess.run([sys.executable, "-m", "nslab", "up", str(bad)], capture_output=True,
                       text=True)
    assert r.returncode == 5 and "module vrf" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = subprocess.run([sys.executable, "-m", "nslab", "convert",
                        str(Path(__file__).parent.parent / "examples" / "demo.yaml")],
                       capture_output=True, text=True)
    assert r.returncode == 3 and "not a netlab topology" in r.stderr


@pytest.mark.kernel
@needs_netlab
@pytest.mark.skipif(not sandbox.available(), reason="needs root and unshare")
def test_netlab_labs_run_and_validate_by_netlabs_own_plugins() -> None:
    """netlab topologies up with the real FRR; their validate tests, ten of
    netlab's own integration tests among them (unmodified), judged by netlab's
    FRR plugins on the lab's FRR, each under its name; a failed warning is
    reported, not failing. What the mapping kept is read from the daemons.
    Two sandboxes side by side (the tests mostly wait on the daemons)."""
    every = ["triangle.yml", "two-as.yml", "dual-stack.yml",
             *(f"integration/{t}.yml" for t in VENDORED)]
    halves = [every[::2], every[1::2]]
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda paths: sandbox.run("tests.helpers.netlab", "validate",
                                                       *paths, timeout=600), halves))
    out = runs[0] | runs[1]
    want = {**{f"integration/{t}.yml": {k: "pass" for k in tests}
               for t, tests in VENDORED.items()},
            "triangle.yml": {"adj": "pass", "stub": "pass", "ghost": "warn"},
            "two-as.yml": {"ibgp": "pass", "ebgp": "pass", "lan": "pass", "host": "pass"},
            "dual-stack.yml": {t: "pass" for t in ("ospf6", "ibgp6", "ebgp6", "lan6", "ping6",
                                                  "ping4")}}
    for path, tests in want.items():
        got = out[path]
        assert {k: v[0] for k, v in got.get("netlab", {}).items()} == tests, (path, got)
        assert got["ok"] is True and got["exit"] == 0, (path, got)
    assert "10.9.9.9" in out["triangle.yml"]["netlab"]["ghost"][1]
    # what the mapping kept, read from the daemons and the kernel
    tri, two = out["triangle.yml"], out["two-as.yml"]
    assert sorted(tri["r1_full"]) == ["10.0.0.2", "10.0.0.3"]  # both neighbours, by router id
    assert tri["ping_stub"] is True  # r3 reaches r1's stub LAN (passive, announced)
    assert two["r2_established"] == ["10.0.0.1", "10.1.0.6"]  # iBGP on loopbacks, eBGP
    assert two["x1_has_lan"] is True  # 172.16.0.0/24 announced by r1, through r2
    assert two["h1_to_x1"] is True
    ds = out["dual-stack.yml"]  # both families' sessions, routes and reach
    assert len(ds["r2_established6"]) == 2 and all(":" in a for a in ds["r2_established6"])
    assert ds["x1_has_lan6"] is True and ds["h1_to_x1_v6"] is True
    assert runs[0]["left"] == [] and runs[1]["left"] == []


# netlab's own integration tests vendored (tests/netlab/integration), each with
# the validate tests that must pass
VENDORED = {
    "ospf/ospfv2/01-network": ("adj", "x1_lb", "x2_lb"),
    "ospf/ospfv2/03-cost": ("adj", "c_x1", "c_x2"),  # each end its own cost
    "ospf/ospfv2/05-unnumbered": ("adj", "lb"),  # IPv4 unnumbered: loopbacks borrowed
    "bgp/01-ebgp-session": ("session", "prefix"),
    # netlab's origination: what bgp.advertise lists, nothing more
    "bgp/04-originate": ("ospf_adj", "bgp_adj", "originate", "loopback", "stub",
                         "suppress_lb", "suppress_p2p"),
    "bgp/13-ipv6-ibgp-rr": ("session", "prefix", "nhs", "reflect", "nhu", "cluster"),
    "bgp/14-ipv6-originate": ("s_dut", "stub", "loopback", "suppress_lb", "suppress_p2p"),
    "bgp.session/06-passive": ("session", "passive"),  # passive on both: no session
    "initial/02-loopback": ("ping4", "ping6", "ping_x4", "ping_x6"),  # dual-stack loopbacks
    # the hosts' IPv6 default route from the router's advertisements
    "initial/07-router": ("ping", "ra", "ping6"),
    # a routing policy (set community) on an eBGP session: netlab's own FRR templates
    "routing/07-community": ("ebgp", "pfx_lb", "comm_lb"),
}


def test_each_end_of_a_link_may_have_its_own_ospf_cost() -> None:
    """netlab's costs are per interface: `cost: {r1: 17, r2: 10}` (an end
    not named keeps FRR's own); a node that is not an end is an error."""
    from nslab.errors import SpecError
    from nslab.verbs.up import build_plan

    text = ("name: costs\nrouting: ospf\nnodes:\n  r1: {kind: router}\n  r2: {kind: router}\n"
            "  r3: {kind: router}\nlinks:\n"
            "  - {endpoints: [r1, r2], ospf: {cost: {r1: 17, r2: 10}}}\n"
            "  - {endpoints: [r2, r3], ospf: {cost: {r3: 5}}}\n")
    script = build_plan(compile_text(text)).as_shell()
    r1, r2, r3 = (script.split(f"/routing/{n}/frr.conf <<'NSLAB_EOF'")[1].split("NSLAB_EOF")[0]
                  for n in ("r1", "r2", "r3"))
    assert "ip ospf cost 17" in r1 and "ip ospf cost 10" in r2 and "ip ospf cost 5" in r3
    assert r2.count("ip ospf cost") == 1  # its end toward r3 keeps FRR's own
    with pytest.raises(SpecError, match="'r9' is not an end of this link"):
        compile_text(text.replace("{r3: 5}", "{r9: 5}"))


def test_without_netlabs_library_a_netlab_file_says_how_to_get_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit 5 (a missing feature), one line naming the pip extra; nothing run."""
    from nslab.errors import ExitCode, MissingFeatureError
    from nslab.netlab import resolve

    monkeypatch.setattr(resolve, "available", lambda: False)
    with pytest.raises(MissingFeatureError, match=r"pip install 'nslab\[netlab\]'") as e:
        resolve.spec_of(HERE / "triangle.yml")
    assert e.value.exit_code == ExitCode.KERNEL and int(e.value.exit_code) == 5


def test_a_failed_warning_is_reported_and_does_not_fail_the_run() -> None:
    """What nslab test prints and exits with for netlab's tests: a warn is
    counted apart and leaves the verdict; a fail decides it (exit 10)."""
    from nslab.records import verdicts as vd
    from nslab.views import testing

    def report(*statuses: str) -> vd.Report:
        return vd.Report("lab", (), tuple(
            vd.ExpectResult(k, f"t{k}: a test", "netlab", s, "why", 1)  # type: ignore[arg-type]
            for k, s in enumerate(statuses)), 1.0, "expectations")

    warned = report("pass", "warn")
    assert warned.ok and "1/1 expectations hold, 1 warning" in testing.report(warned)
    assert 'skipped message="warn: why"' in testing.junit(warned)
    assert not report("pass", "warn", "fail").ok
