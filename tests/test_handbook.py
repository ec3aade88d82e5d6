"""Every handbook chapter (03-07) as the chapter types it and as nslab builds
examples/handbook/chNN-*.yaml, each in its own sandbox (tests.helpers.sandbox): the
kernel holds the same namespaces, links, addresses, routes and forwarding,
the chapter's pings and fetches give the same answers, and `down` leaves the
machine as it was."""

from __future__ import annotations

import pytest

from tests.helpers import sandbox
from tests.helpers.handbook import CHAPTERS

pytestmark = [pytest.mark.kernel,
              pytest.mark.skipif(not sandbox.available(),
                                 reason="needs root and unshare (net, mount, pid)")]


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_the_example_builds_what_the_chapter_builds(chapter: str) -> None:
    by_hand = sandbox.run("tests.helpers.handbook", "byhand", chapter)
    nslab = sandbox.run("tests.helpers.handbook", "nslab", chapter)
    assert nslab["up"][0] == 0, nslab["up"][1]
    assert nslab["state"] == by_hand["state"]
    assert nslab["checks"] == by_hand["checks"]
    for what, answer in by_hand["checks"].items():
        assert answer in ("ok", "200 seen from 203.0.113.1"), f"the chapter itself: {what}"
    assert nslab["fdb"] == by_hand["fdb"]
    assert nslab["down"][0] == 0, nslab["down"][1]
    assert nslab["changed"] == [] and nslab["left"] == []


def test_chapter_07_has_no_route_and_learns_every_mac() -> None:
    nslab = sandbox.run("tests.helpers.handbook", "nslab", "ch07")
    for ns in ("ns1", "ns2", "ns3"):
        routes = nslab["state"]["namespaces"][ns]["routes"]
        assert [r[0] for r in routes] == ["172.18.0.0/24"]  # connected only: routing: static
    assert nslab["fdb"] == ["ns1:veth-ns1", "ns2:veth-ns2", "ns3:veth-ns3"]
    # docs/handbook.md: nslab's way to the chapter's `bridge fdb show br0`
    rows = [r.split() for r in nslab["inspect_fdb"].splitlines() if r.startswith("br0 ")]
    assert {"veth-br1", "veth-br2", "veth-br3"} <= {r[1] for r in rows}
    # the running lab's picture: the machine's bridge with its gateway, every link up
    dot = nslab["graph"]
    assert '"machine:br0" [label="br0 (this machine)\\n172.18.0.1/24"' in dot
    assert dot.count(" -- ") == 4 and dot.count('color="#16a34a"') == 4
    assert "style=dashed" not in dot
    # status shows the machine's side: bridge, gateway, ports, each up
    machine = nslab["status"]["machine"]
    assert machine["bridge"]["state"] == "up" and machine["bridge"]["addresses"] == [
        "172.18.0.1/24"]
    assert [p["state"] for p in machine["bridge"]["ports"]] == ["up"] * 3
    assert "br0       bridge  up     -             172.18.0.1/24 (gateway)" in \
        nslab["status_text"]
    assert "br0       bridge  -             172.18.0.1/24 (gateway)" in nslab["up"][1]
    assert "veth-br3  port    ns3:veth-ns3  (on br0)" in nslab["up"][1]


def test_a_subnet_or_a_name_the_machine_already_has_is_refused() -> None:
    out = sandbox.run("tests.helpers.handbook", "overlap")
    code, err = out["up"]
    assert code == 7, err
    assert "192.168.100.1/16 on br9 overlaps 192.168.100.1/16 of interface br0" in err
    code, err2 = out["taken"]
    assert code == 7 and "interface br0 already exists on this machine" in err2
    assert "Traceback" not in err + err2 and out["changed"] == []
