"""A running lab's links changed (pure): the plan as the overrides make it
(nslab.plan.overrides), and the one change engine's diff from the old
overrides to the new: what goes down, what comes back up with its routes,
which rates, losses and MTUs are replaced."""

from __future__ import annotations

from dataclasses import replace

from nslab.model.compile import compile_text
from nslab.plan import plan
from nslab.plan.build import Plan
from nslab.plan.diff import changes
from nslab.plan.overrides import End, overridden

LAB = """
name: x
nodes:
  h1: {}
  r1: {kind: router}
  h2: {}
links:
  - [h1, r1]
  - {endpoints: [r1, h2], rate: 50mbit, loss: 10%}
"""
STEPS = plan(compile_text(LAB, "x.yaml"), None, "0").steps


def _ends() -> dict[str, End]:
    lab = compile_text(LAB, "x.yaml")
    return {f"{n.name}:{i.name}": End(n.name, i.name, n.namespace, True, i.rate_bps, i.loss,
                                      False) for n in lab.nodes for i in n.interfaces}


def shells(before: dict[str, End], after: dict[str, End], stopped: set[str] | None = None
           ) -> list[str]:
    old = overridden(STEPS, before.values())
    new = overridden(STEPS, after.values(), stopped or set())
    return [s.as_shell() for s in changes(old, Plan("x", new)).steps]


def changed(ends: dict[str, End], **now: End) -> dict[str, End]:
    return {**ends, **{k.replace("_", ":"): replace(v, changed=True) for k, v in now.items()}}


def test_nothing_changed_is_no_step() -> None:
    assert shells(_ends(), _ends()) == []


def test_down_then_up_puts_the_routes_back() -> None:
    up = _ends()
    down = changed(up, h1_eth0=replace(up["h1:eth0"], up=False),
                   r1_eth0=replace(up["r1:eth0"], up=False))
    out = shells(up, down)
    assert "ip -n x-h1 link set dev eth0 down" in out
    assert "ip -n x-r1 link set dev eth0 down" in out
    assert out[0] == "ip -n x-h1 route del default"  # through what goes down
    back = shells(down, up)
    assert back[:2] == ["ip -n x-h1 link set eth0 up", "ip -n x-r1 link set eth0 up"]
    assert "ip -n x-h1 route replace default via 10.128.0.1 dev eth0" in back


def test_rates_are_replaced_or_cleared_and_a_nodes_losses_reloaded_whole() -> None:
    before = _ends()
    after = changed(before, r1_eth1=replace(before["r1:eth1"], rate_bps=1e6),
                    h2_eth0=replace(before["h2:eth0"], loss=None))
    out = shells(before, after)
    assert "ip netns exec x-r1 tc qdisc replace dev eth1 root tbf rate 1000000bit " \
           "burst 3200 limit 9450" in out
    # h2 has no loss left: nslab's loss table goes, nothing else of its nftables
    assert any(s.startswith("ip netns exec x-h2 nft -f - <<'NSLAB_EOF'\ntable netdev "
                            "nslab_loss\ndelete table netdev nslab_loss\nNSLAB_EOF")
               for s in out), out
    gone = shells(before, changed(before, r1_eth1=replace(before["r1:eth1"], rate_bps=None)))
    assert gone == ["ip netns exec x-r1 tc qdisc del dev eth1 root"]
    more = shells(before, changed(before, h1_eth0=replace(before["h1:eth0"], loss=0.05)))
    assert len(more) == 1 and "numgen random mod 1000000 < 50000 counter drop" in more[0]


def test_an_mtu_is_set_and_set_back() -> None:
    before = _ends()
    after = changed(before, h1_eth0=replace(before["h1:eth0"], mtu=1400),
                    r1_eth0=replace(before["r1:eth0"], mtu=1400))
    assert shells(before, after) == ["ip -n x-h1 link set dev eth0 mtu 1400",
                                     "ip -n x-r1 link set dev eth0 mtu 1400"]
    assert shells(after, before) == ["ip -n x-h1 link set dev eth0 mtu 1500",
                                     "ip -n x-r1 link set dev eth0 mtu 1500"]


def test_a_stopped_node_has_its_ends_down_and_nothing_running() -> None:
    ends = _ends()
    out = shells(ends, ends, {"x-r1"})
    assert "ip -n x-r1 link set dev eth0 down" in out
    assert "ip -n x-r1 link set dev eth1 down" in out
    assert not any("x-h1" in s or "x-h2" in s for s in out)  # its neighbours see the carrier go


def test_a_delay_is_netem_set_replaced_and_cleared() -> None:
    """delay, jitter, duplicate, reorder, corrupt are link settings like the
    rest: netem on what the end sends (with the end's rate when it has one)."""
    from nslab.model.lab import Netem

    before = _ends()
    slow = Netem(20.0, 5.0, 0.0, 0.0, 0.0)
    after = changed(before, h1_eth0=replace(before["h1:eth0"], netem=slow))
    assert shells(before, after) == [
        "ip netns exec x-h1 tc qdisc add dev eth0 root netem delay 20ms 5ms"]
    assert shells(after, before) == ["ip netns exec x-h1 tc qdisc del dev eth0 root"]
    worse = changed(before, h1_eth0=replace(before["h1:eth0"], netem=replace(slow,
                                                                             corrupt=0.01)))
    assert shells(after, worse) == [
        "ip netns exec x-h1 tc qdisc del dev eth0 root",
        "ip netns exec x-h1 tc qdisc add dev eth0 root netem delay 20ms 5ms corrupt 1%"]
    # on an end with a rate, netem shapes too (one root qdisc per end)
    rated = changed(before, r1_eth1=replace(before["r1:eth1"], netem=slow))
    assert shells(before, rated)[-1] == \
        "ip netns exec x-r1 tc qdisc add dev eth1 root netem delay 20ms 5ms rate 50000000bit"


def test_a_timeline_that_sets_a_delay_needs_netem_before_up() -> None:
    """A timeline may set delay (jitter...) like any link setting; a kernel
    without netem is then refused at up, not halfway through `nslab run`."""
    from nslab.plan.build import needs

    timed = LAB + ("timeline:\n  events:\n"
                   "    - {name: slow, at: 1s, link: [h1, r1], set: {delay: 50ms}, for: 2s}\n")
    assert "netem" not in needs(compile_text(LAB, "x.yaml"))
    assert needs(compile_text(timed, "x.yaml"))["netem"] == \
        "the delay (or jitter, duplication, reordering, corruption) of the timeline's " \
        "event 'slow'"


def test_a_netem_setting_is_recorded_with_every_field() -> None:
    import dataclasses

    from nslab.model.lab import Netem
    from nslab.model.recorded import netem_from_dict

    n = Netem(20.0, 5.0, 0.01, 0.25, 0.005, "normal")
    assert n.to_dict() == dataclasses.asdict(n) and netem_from_dict(n.to_dict()) == n
    assert not Netem(0.0, 0.0, 0.0, 0.0, 0.0, "normal").active


def test_ecmp_hash_l4_is_set_and_taken_back_with_the_file() -> None:
    """`ecmp_hash: l4` sets the node's multipath hash to addresses and ports
    (both families in a dual-stack lab); a file without it puts the kernel's
    default back, without touching anything else."""
    text = """
name: e
nodes:
  r1: {kind: router, ecmp_hash: l4}
  r2: {kind: router}
links: [[r1, r2]]
addressing: {pool: 10.20.0.0/16, ipv6_pool: "fd00:20::/48"}
"""
    with_l4 = plan(compile_text(text, "e.yaml"), None, "0")
    shell = with_l4.as_shell()
    assert "ip netns exec e-r1 sysctl -qw net.ipv4.fib_multipath_hash_policy=1" in shell
    assert "ip netns exec e-r1 sysctl -qw net.ipv6.fib_multipath_hash_policy=1" in shell
    assert "e-r2 sysctl -qw net.ipv4.fib_multipath" not in shell
    plain = plan(compile_text(text.replace(", ecmp_hash: l4", ""), "e.yaml"), None, "0")
    back = [s.as_shell() for s in changes(with_l4.steps, plain).steps]
    assert back == ["ip netns exec e-r1 sysctl -qw net.ipv4.fib_multipath_hash_policy=0",
                    "ip netns exec e-r1 sysctl -qw net.ipv6.fib_multipath_hash_policy=0"]
    assert changes(plain.steps, with_l4).steps and not changes(with_l4.steps, with_l4).steps
