"""Dual stack in nslab's own file: a link end with one IPv4 and one IPv6
address, a loopback of each family (pure: the resolved lab and its plan)."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from nslab.errors import SpecError
from nslab.model.compile import compile_text
from nslab.model.recorded import lab_from_dict
from nslab.model.serialize import lab_to_dict
from nslab.verbs.up import build_plan

LAB = """\
name: ds
routing: ROUTING
nodes:
  r1: {kind: router, loopback: [10.0.0.1/32, "2001:db8:1::1/128"]}
  r2: {kind: router}
  h1: {}
links:
  - {endpoints: [r1, r2], addresses: [[10.1.0.1/30, "2001:db8:3::1/64"], 10.1.0.2/30]}
  - {endpoints: [r2, h1]}
"""


def lab(routing: str = "ospf") -> str:
    return LAB.replace("ROUTING", routing)


def test_an_end_takes_one_address_of_each_family() -> None:
    built = compile_text(lab())
    r1 = built.node("r1").interface("eth0")
    r2 = built.node("r2").interface("eth0")
    assert [str(a) for a in r1.addresses] == ["10.1.0.1/30", "2001:db8:3::1/64"]
    # the end the file leaves open takes the segment's next address of that family
    assert [str(a) for a in r2.addresses] == ["10.1.0.2/30", "2001:db8:3::2/64"]
    # a family the file gives on no end of a segment (and no ipv6_pool): IPv4 only
    assert all(a.version == 4 for a in built.node("h1").interface("eth0").addresses)
    assert built.ipv6


def test_a_loopback_of_each_family_is_on_lo_and_recorded() -> None:
    built = compile_text(lab())
    r1 = built.node("r1")
    assert (str(r1.loopback), str(r1.loopback6)) == ("10.0.0.1/32", "2001:db8:1::1/128")
    script = build_plan(built).as_shell()
    assert "ip -n ds-r1 addr add 10.0.0.1/32 dev lo" in script
    assert "ip -n ds-r1 addr add 2001:db8:1::1/128 dev lo nodad" in script
    assert "router ospf6" in script
    r2 = built.node("r2")  # every other router must hold both of r1's loopbacks
    assert {"10.0.0.1/32", "2001:db8:1::1/128"} <= {str(p) for p in r2.expected}
    rec = lab_from_dict(lab_to_dict(built)).node("r1")
    assert rec.loopbacks() == ["10.0.0.1/32", "2001:db8:1::1/128"]
    assert {"10.0.0.1", "2001:db8:1::1"} <= rec.addresses()


def test_with_an_ipv6_pool_a_router_without_loopbacks_gets_one_of_each_family() -> None:
    """A router that runs daemons and has no loopback in the file gets an IPv4
    one (the top of the pool down) and, in a lab with an IPv6 pool, an IPv6 one
    (the pool's last /64, ::1 up): an AS of several routers then meshes iBGP in
    both families. A router the file gives loopbacks keeps exactly those."""
    text = """name: six
routing: bgp
addressing: {ipv6_pool: "fd00:60::/48"}
nodes:
  a: {kind: router, bgp: {asn: 65001}}
  b: {kind: router, bgp: {asn: 65001}}
  c: {kind: router, bgp: {asn: 65002}, loopback: 10.9.9.9/32}
links: [[a, b], [b, c]]
"""
    built = compile_text(text)
    a, b, c = (built.node(n) for n in "abc")
    assert (str(a.loopback6), str(b.loopback6)) == ("fd00:60:0:ffff::1/128",
                                                    "fd00:60:0:ffff::2/128")
    assert c.loopback6 is None and str(c.loopback) == "10.9.9.9/32"
    assert b.daemons is not None and " neighbor fd00:60:0:ffff::1 remote-as 65001\n" in \
        b.daemons.config
    assert ip_network("fd00:60:0:ffff::1/128") in b.expected  # a's, learnt in the AS
    # a pool whose last /64 a link holds: no IPv6 loopbacks, as before
    small = compile_text(text.replace("fd00:60::/48", "fd00:60::/63"))
    assert small.node("a").loopback6 is None


def test_a_routers_own_loopback_is_on_lo_in_a_static_lab_too() -> None:
    """Routing static runs no daemons; the loopback the file gives is still
    the router's (a static route may lead to it): it was left out before."""
    script = build_plan(compile_text(lab("static"))).as_shell()
    assert "ip -n ds-r1 addr add 10.0.0.1/32 dev lo" in script
    assert "ip -n ds-r1 addr add 2001:db8:1::1/128 dev lo nodad" in script
    assert "dev lo" not in script.split("ds-r2 ")[-1]  # r2 gave none: none made up


@pytest.mark.parametrize("old, new, said", [
    ('"2001:db8:3::1/64"]', "10.1.0.9/30]", "an end has at most one IPv4 and one IPv6"),
    ('[10.0.0.1/32, "2001:db8:1::1/128"]', "[]", "a loopback needs an address"),
    ('"2001:db8:1::1/128"]', '"2001:db8:1::1/128", "2001:db8:1::2/128"]',
     "a loopback has at most one IPv4 and one IPv6"),
    ("10.1.0.2/30]", '[10.1.0.2/30, "2001:db8:4::2/64"]]',
     "2001:db8:4::2/64 is outside 2001:db8:3::/64"),
])
def test_what_dual_stack_refuses(old: str, new: str, said: str) -> None:
    text = lab()
    assert old in text
    with pytest.raises(SpecError, match=said):
        compile_text(text.replace(old, new, 1))


RA = """\
name: ra
routing: static
nodes:
  r: {kind: router, ra: true}
  h1: {}
  h2: {}
links:
  - {endpoints: [r, h1], addresses: [[10.1.0.1/24, "2001:db8:1::1/64"], 10.1.0.2/24]}
  - {endpoints: [r, h2], addresses: [10.2.0.1/24, 10.2.0.2/24]}
"""


def test_a_router_with_ra_advertises_where_it_has_ipv6() -> None:
    """ra: true: zebra sends router advertisements (every 5 s, as netlab's
    routers do) on the interfaces with IPv6 only, in a static lab too."""
    r = compile_text(RA).node("r")
    assert r.daemons is not None and r.daemons.daemons == ("zebra",)
    conf = r.daemons.config
    assert "interface eth0\n ipv6 nd ra-interval 5\n no ipv6 nd suppress-ra\n" in conf
    assert "interface eth1" not in conf  # IPv4 only there
    assert compile_text(RA.replace(", ra: true", "")).node("r").daemons is None


def test_ra_is_a_routers_and_frrs() -> None:
    with pytest.raises(SpecError, match="router advertisements are for kind: router"):
        compile_text(RA.replace("h1: {}", "h1: {ra: true}"))
    with pytest.raises(SpecError, match="nslab sends router advertisements with FRR"):
        compile_text(RA.replace("ra: true}", "ra: true, bird: {}}"))
