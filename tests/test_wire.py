"""The wire (delay without netem) against the real kernel, each case in a
sandbox that plays the machine (tests.helpers.wire): pings through links at 1,
10 and 50 ms hold at least the delay both ways, TCP crosses, the nodes see
only their own ends; the delay changes live (link, apply) with the relay left
running; a link end down takes the far side's carrier; a killed relay is
found by check and started by --repair; `up` killed at the wire's steps is
cleaned by `down`; the relay ends by itself when its lab went."""

from __future__ import annotations

import pytest

from tests.helpers import sandbox

pytestmark = [pytest.mark.kernel,
              pytest.mark.skipif(not sandbox.available(),
                                 reason="needs root and unshare (net, mount, pid)")]

NOTHING = {"namespaces": [], "relays": [], "state": False}


def test_delayed_links_hold_their_delay_both_ways_and_carry_tcp() -> None:
    out = sandbox.run("tests.helpers.wire", "delays")
    assert out["up"] == 0, out["err"]
    for delay, r in out["rtt"].items():
        d = float(delay)
        # the least round trip is the delay twice, and a few ms more at most
        assert 2 * d <= r["min"] < 2 * d + 10, (delay, r)
    assert out["relays"] == 1  # one relay for the three links
    names = [ln.split()[0] for ln in out["links_a1"] if ln]
    assert names[0] == "lo" and names[1].startswith("eth0") and len(names) == 2
    assert out["mbits"] is not None and out["mbits"] > 1, out.get("iperf")
    assert out["check"] is True
    assert out["down"] == 0 and out["left"] == NOTHING and out["changed"] == []


def test_the_delay_changes_live_and_the_relay_stays() -> None:
    out = sandbox.run("tests.helpers.wire", "live")
    assert out["up"] == 0 and out["first"]["min"] >= 20
    assert out["set"] == 0 and out["after_set"]["min"] >= 60 and out["same_relay_set"]
    assert out["apply"] == 0 and 40 <= out["after_apply"]["min"] < 60
    assert out["same_relay_apply"]
    # an end down: its peer across the wire loses its carrier too
    assert out["b_carrier_down"] is False and out["b_carrier_up"] is True
    assert out["after_up"]["min"] >= 40
    assert out["mtu"] == 0 and out["big_ping"] == 0  # 8,000 bytes unfragmented through it
    found = out["killed_check"]
    assert found["ok"] is False
    assert [d["what"] for d in found["differences"]] == ["the wire's relay"]
    assert out["repair"] == 0 and out["after_repair"]["min"] >= 40
    # cleared, then a file without delay: the link is a plain veth pair again
    assert out["clear"] == 0 and out["apply_plain"] == 0
    assert out["plain"]["min"] < 20 and out["wire_left"] is False
    assert out["check"] is True
    assert out["down"] == 0 and out["left"] == NOTHING and out["changed"] == []


def test_up_killed_at_the_wires_steps_is_cleaned_by_down() -> None:
    out = sandbox.run("tests.helpers.wire", "killed")
    assert any(p["hit"] for p in out["points"].values()), out["points"]
    for name, p in out["points"].items():
        assert p["down"] == 0, (name, p["err"])
        assert p["left"] == NOTHING, (name, p["left"])
    assert out["relay_ended"] is True  # its nodes deleted by hand: it ends by itself
    assert out["down_after"] == 0 and out["left"] == NOTHING and out["changed"] == []


def test_a_timeline_that_delays_a_link_counts_slow_answers_as_answers() -> None:
    out = sandbox.run("tests.helpers.wire", "timeline")
    assert out["code"] == 0, out["report"]
    far = next(e for e in out["report"]["events"] if e["name"] == "far")
    pair = far["pairs"][0]
    # the link is made again through the wire (a moment without it), then every
    # 60 ms round trip is an answer: back long before the 2 s of delay are over
    assert far["error"] is None and pair["state"] in ("recovered", "not cut"), far
    assert pair["state"] == "not cut" or pair["back_after"] < 2.0, pair
    assert out["wire_left"] is False and out["check"] is True
    assert out["down"] == 0 and out["left"] == NOTHING and out["changed"] == []


def test_duplication_reordering_and_corruption_happen_one_way() -> None:
    out = sandbox.run("tests.helpers.wire", "effects")
    assert out["up"] == 0
    assert out["duplicates"] > 0  # ping says "+N duplicates"
    rtts = out["reorder_rtts"]
    # half of c's requests are sent at once, the rest held 30 ms: both kinds are seen
    assert rtts and min(rtts) < 30 <= max(rtts), rtts
    assert out["corrupt_received"] == 0  # every request reached f with a bit flipped
    st = out["stats"]
    assert st["a:eth0"]["duplicated"] > 0 and st["c:eth0"]["reordered"] > 0
    assert st["e:eth0"]["corrupted"] > 0 and st["b:eth0"]["duplicated"] == 0
    assert out["down"] == 0 and out["left"] == NOTHING and out["changed"] == []
