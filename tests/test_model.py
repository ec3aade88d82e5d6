"""Unit tests of spec -> model: segments, addressing, routing. Pure, no root."""

from __future__ import annotations

import ast
from ipaddress import ip_address, ip_interface, ip_network
from pathlib import Path

import pytest
import yaml

from nslab.errors import SpecError
from nslab.model.compile import compile_text
from nslab.model.lab import Lab, Route
from nslab.plan import MachineFacts, plan
from nslab.plan.build import neighbour_limits
from nslab.plan.steps import AddNamespace, SetNeighbourLimits

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def lab_of(text: str) -> Lab:
    return compile_text(text, "t.yaml")


def routes_of(lab: Lab, node: str) -> dict[str, Route]:
    return {str(r.dst): r for r in lab.node(node).routes}


def test_switch_segment_is_one_subnet_with_router_first() -> None:
    lab = compile_text((EXAMPLES / "demo.yaml").read_text())
    seg = lab.segments[0]
    assert seg.subnet4 == ip_network("10.128.0.0/29")
    assert set(seg.members) == {("h1", "eth0"), ("h2", "eth0"), ("r1", "eth0")}
    assert lab.node("r1").interface("eth0").addresses == (ip_interface("10.128.0.1/29"),)
    assert lab.node("h1").interface("eth0").addresses == (ip_interface("10.128.0.2/29"),)
    assert lab.node("sw1").interface("eth0").master == "br0"
    assert lab.node("sw1").interface("eth0").addresses == ()


def test_explicit_addresses_kept_and_pool_skips_them() -> None:
    lab = lab_of("""
name: t
nodes: {a: {}, b: {}, c: {}}
addressing: {pool: 10.0.0.0/24}
links:
  - [a, b]
  - endpoints: [b, c]
    addresses: [10.0.0.1/30, 10.0.0.2/30]
""")
    assert lab.segments[1].subnet4 == ip_network("10.0.0.0/30")
    # the first (automatic) link must not take the explicit link's subnet
    assert lab.segments[0].subnet4 == ip_network("10.0.0.4/30")


def test_ecmp_multipath_on_diamond() -> None:
    lab = compile_text((EXAMPLES / "diamond.yaml").read_text())
    far = str(lab.segments[-1].subnet4)  # r4 -- h2
    r1 = routes_of(lab, "r1")[far]
    assert len(r1.nexthops) == 2
    assert {h.dev for h in r1.nexthops} == {"eth1", "eth2"}
    # IPv6 has its own multipath route
    far6 = str(lab.segments[-1].subnet6)
    assert len(routes_of(lab, "r1")[far6].nexthops) == 2


V6_CHAIN = """name: v6s
addressing: {pool: 10.44.0.0/16, ipv6_pool: "fd00:44::/48"}
nodes:
  r1: {kind: router}
  r2: {kind: router}
  r3: {kind: router}
  h1: {}
  h2: {}
links:
  - [h1, r1]
  - {endpoints: [r1, r2], ipv4: false}
  - {endpoints: [r2, r3], ipv4: false}
  - [r3, h2]
"""


def test_computed_ipv4_routes_cross_ipv6_only_links_through_ipv6_next_hops() -> None:
    """routing: auto between plain routers: over an IPv6-only link an IPv4 route
    goes through the next router's IPv6 address (ip route ... via inet6)."""
    lab = compile_text(V6_CHAIN)
    far = str(lab.segments[-1].subnet4)  # r3 -- h2
    (hop,) = routes_of(lab, "r1")[far].nexthops
    assert hop.via == lab.node("r2").interface("eth0").addresses[0].ip and hop.dev == "eth1"
    assert hop.via is not None and hop.via.version == 6
    r2 = routes_of(lab, "r2")
    assert {d for d in r2 if "." in d} == {"10.44.0.0/30", "10.44.0.4/30"}
    assert all(h.via is not None and h.via.version == 6
               for d, r in r2.items() for h in r.nexthops)
    # r2 has no IPv4 at all (no daemons, no loopback): no IPv4 name, nor matrix
    assert all(a.version == 6 for a in lab.node("r2").standing)
    from nslab.model.serialize import lab_to_dict  # lab.json: the IPv6 subnet only

    seg = lab_to_dict(lab)["segments"][1]
    assert seg["subnets"] == [str(lab.segments[1].subnet6)] and "unnumbered" not in seg
    shell = plan(lab).as_shell()
    assert f"ip -n v6s-r1 route add {far} via inet6 {hop.via} dev eth1\n" in shell


def test_a_plain_routers_loopback_is_routed_to_as_its_links_are() -> None:
    """routing: auto: the loopback the file gives a plain router is a subnet of
    its own, on that router alone: the others route to it (over an IPv6-only
    link through an IPv6 next hop), a host's default route covers it, and it
    stands for the router in a family its links have none of."""
    lab = compile_text(V6_CHAIN.replace("r2: {kind: router}",
                                        "r2: {kind: router, loopback: 10.255.0.2/32}"))
    r1, r3 = routes_of(lab, "r1"), routes_of(lab, "r3")
    (hop,) = r1["10.255.0.2/32"].nexthops
    assert hop.via == lab.node("r2").interface("eth0").addresses[0].ip and hop.dev == "eth1"
    assert r3["10.255.0.2/32"].nexthops[0].via == \
        lab.node("r2").interface("eth1").addresses[0].ip
    assert "10.255.0.2/32" not in routes_of(lab, "r2")  # its own (on lo)
    assert list(routes_of(lab, "h1")) == ["0.0.0.0/0", "::/0"]  # the defaults cover it
    assert [str(a.ip) for a in lab.node("r2").standing if a.version == 4] == ["10.255.0.2"]
    # dual stack: through the next router's IPv4 address; an IPv6 loopback too
    chain = yaml.safe_load((EXAMPLES / "routers-chain.yaml").read_text())
    last = [n for n, v in chain["nodes"].items() if v.get("kind") == "router"][-1]
    chain["nodes"][last]["loopback"] = ["10.255.0.9/32", "fd00:ff::9/128"]
    chain.setdefault("addressing", {})["ipv6_pool"] = "fd00:45::/48"
    lab = compile_text(yaml.safe_dump(chain))
    routers = [n.name for n in lab.nodes if n.kind == "router"]
    for r in routers[:-1]:
        mine = routes_of(lab, r)
        hops = [mine[d].nexthops[0].via for d in ("10.255.0.9/32", "fd00:ff::9/128")]
        assert [h.version if h else None for h in hops] == [4, 6], (r, mine)
    # with routing: static the file's routes alone lead there
    static = compile_text(V6_CHAIN.replace("r2: {kind: router}",
                                           "r2: {kind: router, loopback: 10.255.0.2/32}")
                          .replace("name: v6s", "name: v6s\nrouting: static"))
    assert "10.255.0.2/32" not in routes_of(static, "r1")


def test_hosts_get_default_route_only_when_it_suffices() -> None:
    lab = compile_text((EXAMPLES / "routers-chain.yaml").read_text())
    h1 = routes_of(lab, "h1")
    assert list(h1) == ["0.0.0.0/0"]
    assert h1["0.0.0.0/0"].nexthops[0].via == ip_address("10.128.0.1")
    # every router reaches every subnet
    subnets = {str(s.subnet4) for s in lab.segments}
    for r in ("r1", "r2", "r3"):
        node = lab.node(r)
        connected = {str(a.network) for i in node.interfaces for a in i.addresses}
        assert set(routes_of(lab, r)) | connected == subnets


def test_static_routing_keeps_only_file_routes() -> None:
    lab = lab_of("""
name: t
nodes:
  a: {routes: [{to: 10.9.0.0/16, via: 10.0.0.2}]}
  r: {kind: router}
  b: {}
routing: static
links:
  - endpoints: [a, r]
    addresses: [10.0.0.1/30, 10.0.0.2/30]
  - [r, b]
""")
    assert [str(r.dst) for r in lab.node("a").routes] == ["10.9.0.0/16"]
    assert lab.node("b").routes == ()


def test_file_route_overrides_auto_route() -> None:
    lab = lab_of("""
name: t
nodes:
  a: {routes: [{to: default, via: 10.0.0.2, dev: eth0}]}
  r: {kind: router}
links:
  - endpoints: [a, r]
    addresses: [10.0.0.1/30, 10.0.0.2/30]
""")
    (default,) = lab.node("a").routes
    assert default.origin == "file"


def test_interface_names_skip_explicit_ones() -> None:
    lab = lab_of("""
name: t
nodes: {a: {}, b: {}, c: {}}
links:
  - [a, b]
  - endpoints: ["a:eth0", c]
""")
    assert [i.name for i in lab.node("a").interfaces] == ["eth1", "eth0"]


def test_pool_exhaustion_is_an_error() -> None:
    with pytest.raises(SpecError) as info:
        lab_of("""
name: t
nodes: {a: {}, b: {}, c: {}}
addressing: {pool: 10.0.0.0/30}
links: [[a, b], [b, c]]
""")
    assert "has no room left" in str(info.value)


def test_big_switch_needs_neighbour_limits() -> None:
    hosts = "\n".join(f"  h{i}: {{}}" for i in range(99))
    links = "\n".join(f"  - [h{i}, sw]" for i in range(99))
    lab = lab_of(f"name: t\nnodes:\n  sw: {{kind: switch}}\n  r: {{kind: router}}\n{hosts}\n"
                 f"links:\n  - [r, sw]\n{links}\n")
    assert lab.neighbours.arp == 100 * 99
    steps = plan(lab, MachineFacts()).steps
    (limits,) = [s for s in steps if isinstance(s, SetNeighbourLimits)]
    assert limits.family == 4 and limits.thresh[2] >= 2 * 9900
    assert neighbour_limits(10, (128, 512, 1024)) is None


def test_ipv6_off_unless_asked() -> None:
    lab = compile_text((EXAMPLES / "routers-chain.yaml").read_text())
    ns = [s for s in plan(lab).steps if isinstance(s, AddNamespace)]
    assert all(not s.ipv6 for s in ns)
    assert ("net.ipv6.conf.all.disable_ipv6", "1") in ns[0].sysctls()
    lab6 = compile_text((EXAMPLES / "diamond.yaml").read_text())
    assert lab6.ipv6


PURE = ["spec", "model", "plan", "views", "records"]


@pytest.mark.parametrize("package", PURE)
def test_pure_layers_do_not_touch_the_kernel(package: str) -> None:
    root = Path(__file__).resolve().parent.parent / "nslab" / package
    files = [root] if root.is_file() else list(root.glob("*.py"))
    banned = ("nslab.kernel", "nslab.state", "nslab.verbs", "subprocess", "ctypes",
              "socket", "nslab.cli")
    for f in files:
        tree = ast.parse(f.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for n in names:
                assert not n.startswith(banned), f"{f.name} imports {n}"


def test_hosts_files_on_off_and_auto() -> None:
    from nslab.plan.steps import WriteFile

    base = "name: x\nnodes: {a: {}, b: {}}\nlinks: [[a, b]]\n"
    files = [s for s in plan(compile_text(base)).steps if isinstance(s, WriteFile)]
    assert [f.path for f in files] == ["/etc/netns/x-a/hosts", "/etc/netns/x-b/hosts"]
    assert files[0].base == "/etc/hosts" and "\tb b.x\n" in files[0].text
    off = compile_text(base + "dns: {hosts: false}\n")
    assert not any(isinstance(s, WriteFile) for s in plan(off).steps)
    nodes = "\n".join(f"  n{i}: {{}}" for i in range(257))
    big = compile_text(f"name: x\nnodes:\n{nodes}\nlinks: [[n0, n1]]\n")
    assert big.hosts == ()  # auto: off above 256 nodes
    forced = compile_text(f"name: x\nnodes:\n{nodes}\nlinks: [[n0, n1]]\ndns: {{hosts: true}}\n")
    assert len(forced.hosts) == 2


def test_a_name_stands_for_the_links_or_a_routers_loopback_first() -> None:
    """Default: a node's link addresses (a router's loopback only in a family its
    links lack); dns: {names: loopback}: a router's loopback first, the other
    family's link addresses after it; a host (no loopback) keeps its links."""
    base = """name: x
routing: ospf
nodes:
  r1: {kind: router, loopback: 10.255.0.1/32}
  r2: {kind: router}
  h1: {}
links: [[h1, r1], [r1, r2]]
addressing: {ipv6_pool: "fd00:5::/48"}
"""
    links = compile_text(base)
    r1 = [a for a, n in links.hosts if n == "r1"]
    assert r1[0].startswith("10.128.") and "10.255.0.1" not in r1
    first = compile_text(base + "dns: {names: loopback}\n")
    r1 = [a for a, n in first.hosts if n == "r1"]
    assert r1[0] == "10.255.0.1" and all(":" in a for a in r1[1:]) and len(r1) == 3, r1
    r2 = [a for a, n in first.hosts if n == "r2"]  # its loopback nslab chose
    assert r2[0] == str(first.node("r2").loopback.ip), r2  # type: ignore[union-attr]
    assert [a for a, n in first.hosts if n == "h1"] == [a for a, n in links.hosts if n == "h1"]


HANDBOOK = EXAMPLES / "handbook"


def test_bridge_members_count_up_from_the_gateway_or_choose() -> None:
    lab = lab_of("""
name: t
nodes: {a: {}, b: {}, c: {}}
host:
  bridge:
    address: 192.168.100.1/16
    nodes: [a, {node: b, address: 192.168.100.2/16}, c]
""")
    addr = {e.node: str(e.node_addresses[0]) for e in lab.machine.ends} if lab.machine else {}
    # b chose .2; the others count up from the gateway around it, as Docker does
    assert addr == {"a": "192.168.100.3/16", "b": "192.168.100.2/16", "c": "192.168.100.4/16"}


def test_names_the_file_chooses_reach_the_plan() -> None:
    lab = compile_text((HANDBOOK / "ch04-bridge-to-root.yaml").read_text())
    assert lab.node("ns1").namespace == "ns1"
    assert lab.machine is not None and lab.machine.bridge is not None
    assert lab.machine.bridge.name == "br0" and lab.machine.ends[0].machine_ifname == "veth-br1"
    assert lab.machine.ends[0].alias == "nslab hb04 ns1:veth-ns1"  # ownership: alias + journal
    shell = plan(lab).as_shell()
    assert "ip link add veth-ns1 netns ns1 type veth peer name veth-br1" in shell
    assert "ip link add br0 type bridge" in shell and "ip link set veth-br1 master br0" in shell


def test_routing_static_adds_no_route_to_the_machine() -> None:
    text = (HANDBOOK / "ch07-bridge-three.yaml").read_text()
    assert all(n.routes == () for n in compile_text(text).nodes)
    auto = compile_text(text.replace("routing: static", "routing: auto"))
    assert [str(r.dst) for r in auto.node("ns1").routes] == ["0.0.0.0/0"]


def test_every_namespace_sets_forwarding_routers_on_the_rest_off() -> None:
    lab = compile_text((EXAMPLES / "demo.yaml").read_text())
    made = {s.node: dict(s.sysctls()) for s in plan(lab).steps if isinstance(s, AddNamespace)}
    assert made["r1"]["net.ipv4.ip_forward"] == "1" == made["r1"]["net.ipv6.conf.all.forwarding"]
    for node in ("h1", "h2", "h3", "sw1"):
        assert made[node]["net.ipv4.ip_forward"] == "0"
        assert made[node]["net.ipv6.conf.all.forwarding"] == "0"


def test_file_routes_may_use_a_gateway_on_the_machine_link() -> None:
    lab = compile_text((HANDBOOK / "ch03-veth-to-host.yaml").read_text())
    (route,) = lab.node("ns1").routes
    assert str(route.dst) == "0.0.0.0/0" and str(route.nexthops[0].via) == "10.0.0.1"
    assert route.origin == "file"



def test_the_pure_tests_load_nothing_effectful() -> None:
    """The pure lane's modules import no kernel, state or CLI code, nor ctypes
    (which the kernel layer uses to reach libc)."""
    import subprocess
    import sys

    code = ("import sys, tests.test_model, tests.test_golden\n"
            "print(sorted(m for m in sys.modules if m.startswith(('nslab.kernel', "
            "'nslab.state', 'nslab.verbs', 'nslab.cli', 'ctypes'))))")
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=root, check=True).stdout
    assert out.strip() == "[]"


def test_a_rate_means_what_tc_means_wherever_it_is_written() -> None:
    """One parser (nslab.units): `bit` bits, `bps` bytes per second, for a link's
    rate and an expected throughput alike."""
    from nslab.model.compile import compile_text
    from nslab.units import rate

    assert rate("10mbit") == 10e6 and rate("10mbps") == 80e6 and rate("10Mbit/s") == 10e6
    assert rate("125kbps") == rate("1mbit") == 1e6
    text = ("name: u\nnodes: {a: {}, b: {}}\nlinks: [{endpoints: [a, b], rate: 10mbps}]\n"
            "test: {expect: [{from: a, to: b, throughput: 10mbps}]}\n")
    lab = compile_text(text, "u.yaml")
    assert lab.nodes[0].interfaces[0].rate_bps == 80e6
    assert lab.tests.expectations[0].rate_bps == 80e6
