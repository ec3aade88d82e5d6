"""The machine in a lab (the `host:` section), proven with real packets inside
a sandbox that plays the machine (tests.helpers.sandbox: its own network, mount and
pid namespaces, /run and /etc), never on
the real host: links to the machine, a bridge on it with a gateway, egress
through masquerade to a stand-in internet (203.0.113.0/24), a port forward,
and after `down` the machine's ruleset, routes, rules, links, addresses and
ip_forward byte for byte as before."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Labs
from tests.helpers import sandbox

pytestmark = [pytest.mark.kernel,
              pytest.mark.skipif(not sandbox.available(),
                                 reason="needs root and unshare (net, mount, pid)")]


def in_fake_host(scenario: str, labs: Labs, example: str) -> dict[str, Any]:
    name, path = labs.example(example)
    out = sandbox.run("tests.helpers.fakehost", scenario, name, str(path))
    out["name"] = name
    return out


def clean(out: dict[str, Any]) -> None:
    assert out["up"][0] == 0, out["up"][1]
    assert out["down"][0] == 0, out["down"][1]
    assert out["changed"] == [], f"the machine changed: {out['changed']}"
    assert out["left"] == []


def test_a_node_linked_to_the_machine(labs: Labs) -> None:
    out = in_fake_host("to_host", labs, "namespace-to-host")
    clean(out)
    assert out["host_to_node"] and out["node_to_host"] and out["test"] == 0
    assert out["aliases"] == [f"nslab {out['name']} app:eth0"]


def test_three_nodes_on_a_bridge_of_the_machine(labs: Labs) -> None:
    out = in_fake_host("bridge", labs, "host-bridge-gateway")
    clean(out)
    assert all(out["to_gateway"].values()) and all(out["each_other"].values())
    assert all(out["host_to_each"].values()) and len(out["each_other"]) == 6
    assert out["default_route"].startswith("default via 10.78.0.1 dev eth0")
    assert out["test"] == 0


def test_egress_masquerade_and_a_port_forward(labs: Labs) -> None:
    out = in_fake_host("egress", labs, "egress-nat")
    clean(out)
    assert out["forward_on"] == "1" and out["table"]
    assert out["h2_out"] == "200"
    assert out["seen"] == ["203.0.113.1"]  # the uplink's address: masquerade works
    assert out["port_forward"] == "200"  # the internet reaches h1's web through 8080
    assert out["test"] == 0
    assert "set net.ipv4.ip_forward=1 on this machine (it was 0)" in out["up"][1]


def test_a_dropping_forward_chain_is_named_and_kept(labs: Labs) -> None:
    out = in_fake_host("forward_drop", labs, "egress-nat")
    clean(out)
    assert "nftables chain inet theirs fw drops forwarded packets" in out["up"][1]
    assert out["theirs"]


def test_a_taken_name_on_the_machine_is_refused(labs: Labs) -> None:
    out = in_fake_host("conflict", labs, "namespace-to-host")
    assert out["up"][0] == 7 and "already exists on this machine" in out["up"][1]
    assert out["kept"] and out["left"] == [] and out["changed"] == []


def test_down_after_up_was_killed_on_the_machine(labs: Labs) -> None:
    out = in_fake_host("crash", labs, "host-bridge-gateway")
    assert out["journal"] and out["down"][0] == 0, out["down"]
    assert out["changed"] == [] and out["left"] == []


def test_egress_without_an_uplink_is_a_clear_error(labs: Labs) -> None:
    out = in_fake_host("egress_errors", labs, "egress-nat")
    code, err = out["auto"]
    assert code == 1 and "egress: auto found no default route on this machine" in err
    code, err = out["named"]
    assert code == 1 and "this machine has no interface 'nosuch0'" in err
    assert "Traceback" not in out["auto"][1] + out["named"][1]
    assert out["changed"] == [] and out["left"] == []
