"""nslab link's steps from one state of a link to the next (pure): what goes
down, what comes back up with its routes, which rates and losses are replaced."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import ip_address, ip_network

from nslab.model.lab import Nexthop
from nslab.plan.steps import AddRoute
from nslab.verbs.link import End, steps_for


def _ends() -> dict[str, End]:
    return {"h1:eth0": End("h1", "eth0", "x-h1", True, None, None, False),
            "r1:eth0": End("r1", "eth0", "x-r1", True, 5e7, None, False),
            "r1:eth1": End("r1", "eth1", "x-r1", True, None, 0.1, False)}


ROUTES = {"h1": [AddRoute("x-h1", ip_network("0.0.0.0/0"),
                          (Nexthop(ip_address("10.0.0.1"), "eth0"),), replace=True)]}


def shells(before: dict[str, End], after: dict[str, End]) -> list[str]:
    return [s.as_shell() for s in steps_for(before, after, ROUTES)]


def test_down_then_up_puts_the_routes_back() -> None:
    up = _ends()
    down = {k: replace(v, up=False) for k, v in up.items() if k != "r1:eth1"}
    assert shells(up, down) == ["ip -n x-h1 link set dev eth0 down",
                                "ip -n x-r1 link set dev eth0 down"]
    assert shells({**up, **down}, {k: up[k] for k in down}) == [
        "ip -n x-h1 link set eth0 up", "ip -n x-r1 link set eth0 up",
        "ip -n x-h1 route replace default via 10.0.0.1 dev eth0"]


def test_rates_are_replaced_or_cleared_and_a_nodes_losses_reloaded_whole() -> None:
    before = _ends()
    after = {"r1:eth0": replace(before["r1:eth0"], rate_bps=1e6),
             "h1:eth0": replace(before["h1:eth0"], rate_bps=None, loss=0.05)}
    out = shells(before, after)
    assert out[0] == ("ip netns exec x-r1 tc qdisc replace dev eth0 root tbf rate 1000000bit "
                      "burst 3200 limit 9450")
    assert out[1].startswith("ip netns exec x-h1 nft -f - <<'NSLAB_EOF'\ntable netdev "
                             "nslab_loss\ndelete table netdev nslab_loss\n")
    assert "numgen random mod 1000000 < 50000 counter drop" in out[1]
    cleared = shells({**before, **after}, {"r1:eth0": before["r1:eth0"],
                                          "r1:eth1": replace(before["r1:eth1"], loss=None)})
    assert cleared[0].startswith("ip netns exec x-r1 tc qdisc replace dev eth0 root tbf "
                                 "rate 50000000bit")
    assert cleared[1].endswith("table netdev nslab_loss\ndelete table netdev nslab_loss\n"
                               "NSLAB_EOF")  # r1 has no loss left: its table goes
    gone = shells({"r1:eth0": before["r1:eth0"]},
                  {"r1:eth0": replace(before["r1:eth0"], rate_bps=None)})
    assert gone == ["ip netns exec x-r1 tc qdisc del dev eth0 root"]
