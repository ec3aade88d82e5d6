"""apply, check and node against the fake kernel (nslab.kernel.fake), no root:
for every kind of change between two files,
- apply makes exactly the new file's lab (check against it finds nothing),
  and leaves the namespaces of nodes it did not touch as they were;
- apply of the same file again does nothing (no step, no kernel effect);
- a failure at any effect of the apply rolls back to the old lab;
- a crash after any effect, then down, leaves nothing; then apply converges;
and check finds what was changed behind nslab's back, and repair puts it back."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from nslab.errors import NslabError
from nslab.kernel.fake import Crash, FakeKernel
from nslab.model.compile import compile_text
from nslab.model.lab import Lab
from nslab.plan.codec import plan_text, steps_from_json, steps_from_text, steps_to_json
from nslab.plan.diff import changes
from nslab.state import journal
from nslab.verbs import apply as apply_verb
from nslab.verbs import check as check_verb
from nslab.verbs import down as down_verb
from nslab.verbs import node as node_verb
from nslab.verbs import up as up_verb
from tests.helpers.change_cases import BASE, CHANGES


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "state"
    monkeypatch.setattr(journal, "ROOT", str(root))
    yield root


def lab(text: str) -> Lab:
    return compile_text(text, "chg.yaml")


def clean(k: FakeKernel, text: str) -> None:
    res = check_verb.check("chg", kernel=k)
    assert res.ok, [d.to_dict() for d in res.differences]
    assert check_verb.recorded_plan("chg")[2] == up_verb.plan(
        lab(text), up_verb.machine_facts(lab(text), k), journal.Journal("chg").read().instance
    ).steps


def effects(text_a: str, text_b: str) -> int:
    k = FakeKernel()
    up_verb.up(lab(text_a), kernel=k)
    n = k.effects
    apply_verb.apply(lab(text_b), kernel=k)
    m = k.effects - n
    down_verb.down("chg", kernel=k)
    return m


def test_plans_survive_json() -> None:
    for text in [BASE, *CHANGES.values()]:
        steps = up_verb.plan(lab(text)).steps
        assert steps_from_json(steps_to_json(steps)) == steps


def test_a_plan_record_is_a_step_per_line_and_reads_back_matched_or_decoded() -> None:
    old = up_verb.plan(lab(BASE)).steps
    new = up_verb.plan(lab(CHANGES["link-added"])).steps
    text = plan_text(old)
    assert json.loads(text) == steps_to_json(old)  # JSON as before, one step per line
    assert len(text.splitlines()) == len(old) + 2
    back = steps_from_text(text, new)
    assert back == old
    shared = {id(s) for s in new}
    # what the new plan also has is its very step; what it lacks is decoded
    assert {s for s in back if id(s) in shared} == set(old) & set(new)
    assert any(id(s) not in shared for s in back)
    # a record of an older nslab (one line) and an empty plan read as well
    assert steps_from_text(json.dumps(steps_to_json(old)), new) == old
    assert steps_from_text(plan_text(())) == ()
    torn = text.replace('"step":', '"step"', 1)
    with pytest.raises(ValueError):
        steps_from_text(torn)


def test_apply_asks_the_kernel_only_for_features_the_running_lab_does_not_show() -> None:
    from nslab.errors import MissingFeatureError
    from nslab.plan.build import in_use

    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    assert {"veth", "bridge", "tbf"} <= in_use(up_verb.plan(lab(BASE)).steps)
    asked: list[str] = []

    def missing(wanted: Iterable[str]) -> list[str]:
        asked.extend(wanted)
        return []

    k.missing_features = missing  # type: ignore[method-assign]
    apply_verb.apply(lab(CHANGES["link-added"]), kernel=k)
    assert "veth" not in asked and "bridge" not in asked  # the lab has made both
    k.missing_features = lambda wanted: [f for f in wanted if f == "nft-nat"]  # type: ignore
    nat = BASE.replace("    kind: router\n", "    kind: router\n    nat: {masquerade: [eth1]}\n")
    assert nat != BASE
    with pytest.raises(MissingFeatureError, match="NAT of node 'r1'"):
        apply_verb.apply(lab(nat), kernel=k)  # what it would bring is still asked
    down_verb.down("chg", kernel=k)


@pytest.mark.parametrize("kind", CHANGES)
def test_apply_makes_the_new_lab_and_keeps_the_rest(kind: str) -> None:
    k = FakeKernel()
    pristine = k.snapshot()
    up_verb.up(lab(BASE), kernel=k)
    before = dict(k.names)
    res = apply_verb.apply(lab(CHANGES[kind]), kernel=k)
    assert not res.change.empty
    clean(k, CHANGES[kind])
    touched = {*res.change.nodes_removed, *res.change.nodes_remade}
    for ns, ino in before.items():
        node = ns.removeprefix("chg-")
        if node not in touched:
            assert k.names.get(ns) == ino, f"{kind}: {node}'s namespace was made again"
    n = k.effects
    again = apply_verb.apply(lab(CHANGES[kind]), kernel=k)
    assert again.change.empty and k.effects == n, again.change.steps
    back = apply_verb.apply(lab(BASE), kernel=k)  # and back again
    assert not back.change.empty
    clean(k, BASE)
    assert down_verb.down("chg", kernel=k).failed == []
    assert k.snapshot() == pristine and k.violations == []


UNNUMBERED = """name: chg
routing: bgp
nodes:
  r1: {kind: router, bgp: {asn: 65001}}
  r2: {kind: router, bgp: {asn: 65002}}
  r3: {kind: router, bgp: {asn: 65003}}
  h1: {}
links:
  - [r1, r2]
  - [r2, r3]
  - [h1, r1]
"""


def test_a_link_made_unnumbered_makes_its_routers_again_with_their_other_links() -> None:
    """r1-r2 made unnumbered: its two routers' namespaces are made again (IPv6
    on, for the link-local addresses), and with them their veths to h1 and
    r3, whose ends there get their addresses back; h1 and r3 stay."""
    k = FakeKernel()
    up_verb.up(lab(UNNUMBERED), kernel=k)
    before = dict(k.names)
    new = UNNUMBERED.replace("  - [r1, r2]\n", "  - {endpoints: [r1, r2], unnumbered: true}\n")
    res = apply_verb.apply(lab(new), kernel=k)
    assert set(res.change.nodes_remade) == {"r1", "r2"}
    assert set(res.change.nodes_changed) == {"h1", "r3"}
    assert k.names["chg-h1"] == before["chg-h1"] and k.names["chg-r3"] == before["chg-r3"]
    made(k)
    back = apply_verb.apply(lab(UNNUMBERED), kernel=k)
    assert set(back.change.nodes_remade) == {"r1", "r2"}
    made(k)
    assert down_verb.down("chg", kernel=k).failed == []


def test_a_link_made_ipv6_only_loses_its_ipv4_and_its_routers_sessions_carry_it() -> None:
    """r1-r2 in a dual-stack lab made IPv6-only: its IPv4 addresses go, its
    routers' FRR configuration changes (one session, extended next hop), no
    namespace is made again; and back."""
    k = FakeKernel()
    dual = UNNUMBERED + "addressing: {ipv6_pool: 'fd00:3::/48'}\n"
    up_verb.up(lab(dual), kernel=k)
    before = dict(k.names)
    new = dual.replace("  - [r1, r2]\n", "  - {endpoints: [r1, r2], ipv4: false}\n")
    res = apply_verb.apply(lab(new), kernel=k)
    assert res.change.nodes_remade == () and k.names == before
    assert {"r1", "r2"} <= set(res.change.nodes_changed)
    made(k)

    def r1_eth0() -> set[str]:
        link = k.namespaces[k.names["chg-r1"]].by_name("eth0")
        assert link is not None
        return link.addresses

    assert r1_eth0() and all(":" in a for a in r1_eth0()), r1_eth0()
    back = apply_verb.apply(lab(dual), kernel=k)
    assert back.change.nodes_remade == () and any("." in a for a in r1_eth0())
    made(k)
    assert down_verb.down("chg", kernel=k).failed == []


def test_ipv4_routes_through_ipv6_next_hops_are_made_read_back_and_removed() -> None:
    """A chain of plain routers over IPv6-only links: its IPv4 routes (RTA_VIA)
    in the fake kernel as the plan says, read back equal (check), and gone at down."""
    from tests.test_model import V6_CHAIN

    k = FakeKernel()
    pristine = k.snapshot()
    up_verb.up(lab(V6_CHAIN), kernel=k)
    r2 = k.namespaces[k.names["v6s-r2"]].routes
    assert any(r.startswith("10.44.0.0/30") for r in r2), r2
    res = check_verb.check("v6s", kernel=k)
    assert res.compared > 20 and not res.differences, [d.to_dict() for d in res.differences]
    # a loopback given to r2 (no IPv4 on its links): routed to, in place
    looped = V6_CHAIN.replace("r2: {kind: router}", "r2: {kind: router, loopback: 10.255.0.2/32}")
    change = apply_verb.apply(lab(looped), kernel=k)
    assert not change.built and not change.change.nodes_added
    r1 = k.namespaces[k.names["v6s-r1"]].routes
    assert any(r.startswith("10.255.0.2/32") for r in r1), r1
    res = check_verb.check("v6s", kernel=k)
    assert not res.differences, [d.to_dict() for d in res.differences]
    assert down_verb.down("v6s", kernel=k).failed == []
    assert k.snapshot() == pristine and k.violations == []


def made(k: FakeKernel) -> None:
    """The lab as its plan says, in the fake kernel (which runs no daemons)."""
    res = check_verb.check("chg", kernel=k)
    assert res.compared > 20 and {d.what for d in res.differences} <= {"frr daemons"}, \
        [d.to_dict() for d in res.differences]


def test_a_lab_that_is_not_up_is_built() -> None:
    k = FakeKernel()
    res = apply_verb.apply(lab(BASE), kernel=k)
    assert res.built and len(res.change.nodes_added) == 5
    clean(k, BASE)
    down_verb.down("chg", kernel=k)


@pytest.mark.parametrize("kind", ["node-added", "node-removed", "address-changed",
                                  "service-changed", "kind-changed"])
def test_a_failure_at_any_step_of_apply_rolls_back(kind: str) -> None:
    n = effects(BASE, CHANGES[kind])
    assert n > 0
    for at in range(1, n + 1):
        k = FakeKernel()
        pristine = k.snapshot()
        up_verb.up(lab(BASE), kernel=k)
        k.fail_at = k.effects + at
        try:
            apply_verb.apply(lab(CHANGES[kind]), kernel=k)
        except NslabError as err:
            notes = getattr(err, "__notes__", [])
            assert any("as it was" in x for x in notes), (kind, at, notes)
            k.fail_at = None
            clean(k, BASE)
        else:  # the effect was one the fake cannot refuse (ending a process)
            k.fail_at = None
            clean(k, CHANGES[kind])
        assert down_verb.down("chg", kernel=k).failed == []
        assert k.snapshot() == pristine, f"{kind}: failure at {at} of {n} left something"


@pytest.mark.parametrize("kind", ["node-added", "node-removed", "link-removed",
                                  "kind-changed", "firewall-changed"])
def test_a_crash_at_any_step_of_apply_then_down_or_apply_converges(kind: str) -> None:
    n = effects(BASE, CHANGES[kind])
    for at in range(0, n + 1):
        for then in ("down", "apply"):
            k = FakeKernel()
            pristine = k.snapshot()
            up_verb.up(lab(BASE), kernel=k)
            k.crash_after = k.effects + at
            with pytest.raises(Crash):
                apply_verb.apply(lab(CHANGES[kind]), kernel=k)
            k.restart()
            if then == "apply":
                apply_verb.apply(lab(CHANGES[kind]), kernel=k)
                clean(k, CHANGES[kind])
            assert down_verb.down("chg", kernel=k).failed == [], (kind, at, then)
            assert k.snapshot() == pristine, f"{kind}: crash at {at}, {then}: left something"


def _ns(k: FakeKernel, node: str) -> object:
    return k.namespaces[k.names[f"chg-{node}"]]


def test_check_finds_and_repair_fixes_what_changed_behind_our_back() -> None:
    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    h1 = k.namespaces[k.names["chg-h1"]]
    h1.routes.clear()  # ip route flush
    eth0 = h1.by_name("eth0")
    assert eth0 is not None
    eth0.addresses = {"10.66.0.1/24"}  # an address changed
    h2 = k.namespaces[k.names["chg-h2"]]
    h2_eth0 = h2.by_name("eth0")
    assert h2_eth0 is not None
    h2_eth0.up = False  # ip link set down
    svc = next(p for p, ino in k.processes.items() if ino == k.names["chg-h3"])
    del k.processes[svc]  # the service died
    del k.names["chg-h2"]  # ip netns del (the namespace is gone with its links)
    k._collect()
    res = check_verb.check("chg", kernel=k)
    said = {(d.node, d.what.split()[0]) for d in res.differences}
    assert {("h1", "route"), ("h1", "address"), ("h3", "service"),
            ("h2", "namespace")} <= said, said
    assert not res.ok
    fixed = check_verb.check("chg", repair=True, kernel=k)
    assert fixed.ok and fixed.repaired is not None, [d.to_dict() for d in fixed.after]
    clean(k, BASE)
    down_verb.down("chg", kernel=k)


def test_node_stop_and_start() -> None:
    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    h3 = k.names["chg-h3"]
    res = node_verb.node("chg", "h3", "stop", kernel=k)
    assert res.state == "stopped"
    ns = k.namespaces[h3]
    assert not any(li.up for li in ns.links.values() if li.name != "lo")
    assert not [p for p, ino in k.processes.items() if ino == h3]  # the service ended
    assert check_verb.check("chg", kernel=k).ok  # stopped is what it should be
    with pytest.raises(NslabError, match="stopped"):
        apply_verb.apply(lab(BASE), kernel=k)
    res = node_verb.node("chg", "h3", "start", kernel=k)
    assert res.state == "running" and k.names["chg-h3"] == h3
    assert [p for p, ino in k.processes.items() if ino == h3]
    clean(k, BASE)
    node_verb.node("chg", "h3", "restart", kernel=k)
    clean(k, BASE)
    with pytest.raises(NslabError, match="no node"):
        node_verb.node("chg", "h9", "stop", kernel=k)
    down_verb.down("chg", kernel=k)


def test_check_finds_files_and_forwarding_changed_by_hand() -> None:
    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    hosts = "/etc/netns/chg-h1/hosts"
    mark = k.files[hosts].splitlines()[0]
    k.files[hosts] = mark + "\nedited by hand\n"  # nslab's file, edited: its mark stays
    k.namespaces[k.names["chg-r1"]].sysctls["net.ipv4.ip_forward"] = "0"
    res = check_verb.check("chg", kernel=k)
    said = {(d.node, d.what): d for d in res.differences}
    assert said[("h1", f"file {hosts}")].found == "changed"
    assert said[("h1", f"file {hosts}")].blocks is None
    assert said[("r1", "net.ipv4.ip_forward")].found == "0"
    fixed = check_verb.check("chg", repair=True, kernel=k)
    assert fixed.ok, [d.to_dict() for d in fixed.after]
    assert k.namespaces[k.names["chg-r1"]].sysctls["net.ipv4.ip_forward"] == "1"
    assert "10.128.0" in k.files[hosts]
    clean(k, BASE)
    down_verb.down("chg", kernel=k)


def test_a_file_someone_put_in_place_of_the_labs_is_left_alone() -> None:
    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    hosts = "/etc/netns/chg-h1/hosts"
    k.files[hosts] = "127.0.0.1 mine\n"  # the user's own, without nslab's mark
    res = check_verb.check("chg", kernel=k)
    said = {(d.node, d.what): d for d in res.differences}
    assert said[("h1", f"file {hosts}")].blocks == ("file", hosts)
    assert not res.to_dict()["differences"][0]["repairable"]
    fixed = check_verb.check("chg", repair=True, kernel=k)
    assert k.files[hosts] == "127.0.0.1 mine\n"  # not rewritten
    assert not fixed.ok and [d.what for d in fixed.unrepaired] == [f"file {hosts}"]
    assert fixed.to_dict()["unrepaired"][0]["cause"].endswith("leaves it alone")
    gone = down_verb.down("chg", kernel=k)
    assert k.files[hosts] == "127.0.0.1 mine\n"  # not removed
    assert any(hosts in n and "alone" in n for n in gone.notes)
    assert not any(p.startswith("/etc/netns/chg-h2") for p in k.files)  # the others went


def test_diff_says_what_apply_would_do_and_does_nothing() -> None:
    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    n = k.effects
    change = apply_verb.diff(lab(CHANGES["node-added"]), kernel=k)
    assert k.effects == n  # nothing done
    script = change.as_shell()
    assert script.startswith("#!/bin/bash") and "ip netns add chg-h4" in script
    assert "ip link add eth2 netns chg-r1 type veth peer name eth0 netns chg-h4" in script
    assert change.nodes_added == ("h4",) and change.links_added == ("r1:eth2 h4:eth0",)
    assert apply_verb.diff(lab(BASE), kernel=k).empty
    down_verb.down("chg", kernel=k)
    whole = apply_verb.diff(lab(BASE), kernel=k)  # not up: all of it, as up would do
    assert len(whole.nodes_added) == 5 and not whole.empty


def test_the_machine_side_is_refused_with_a_way_forward() -> None:
    with_machine = BASE + "host:\n  links: [{node: h1}]\n"
    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    with pytest.raises(NslabError, match="reaches the machine"):
        apply_verb.apply(lab(with_machine), kernel=k)
    clean(k, BASE)
    down_verb.down("chg", kernel=k)


def test_a_namespace_made_again_with_a_link_to_the_machine_is_refused() -> None:
    """A namespace made again (its IPv6 turned on, here by hand) takes its link
    to the machine with it, which apply does not make: the diff refuses."""
    from dataclasses import replace

    from nslab.plan.build import Plan
    from nslab.plan.steps import AddNamespace

    old = up_verb.plan(lab(UNNUMBERED + "host:\n  links: [{node: r1}]\n"))
    new = tuple(replace(s, ipv6=True) if isinstance(s, AddNamespace) and s.ns == "chg-r1"
                else s for s in old.steps)
    with pytest.raises(NslabError, match="makes namespace chg-r1 again, which takes its link"):
        changes(old.steps, Plan(old.lab, new))
    assert changes(old.steps, old).empty


def test_a_diff_of_a_plan_with_itself_is_empty() -> None:
    p = up_verb.plan(lab(BASE))
    assert changes(p.steps, p).empty


@pytest.mark.parametrize("plan_text", [
    '{"steps": []}', "[1, 2]", '[{"no": "step"}]', '[{"step": "AddVeth", "bogus": 1}]',
    '[{"step": "NoSuchStep"}]', '[{"step": "AddAddress", "ns": "x", "dev": "eth0", '
    '"address": {"if": "not an address"}}]', "[", ""])
def test_a_plan_record_of_another_shape_is_named_not_a_traceback(plan_text: str) -> None:
    from nslab.errors import DamagedRecordError

    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    path = Path(journal.Journal("chg").dir) / "plan.json"
    path.write_text(plan_text)
    for attempt in (lambda: check_verb.check("chg", kernel=k),
                    lambda: check_verb.check("chg", repair=True, kernel=k),
                    lambda: apply_verb.apply(lab(BASE), kernel=k),
                    lambda: apply_verb.diff(lab(BASE), kernel=k),
                    lambda: node_verb.node("chg", "h1", "stop", kernel=k)):
        with pytest.raises(DamagedRecordError) as e:
            attempt()
        assert "plan.json is damaged" in str(e.value) and "nslab down chg" in str(e.value)
        assert e.value.exit_code == 12
    down_verb.down("chg", kernel=k)
    assert not k.names


@pytest.mark.parametrize("record, text", [
    ("lab.json", '{"name": "chg"}'), ("lab.json", "[]"), ("lab.json", '{"name": "chg", '
     '"nodes": [{"name": "h1", "kind": "host", "namespace": "chg-h1", "interfaces": [1]}]}'),
    ("nodes.json", '{"h1": 1}'), ("lab.json", '{"name": "chg", "nodes": [')])
def test_a_lab_record_of_another_shape_is_named(record: str, text: str) -> None:
    from nslab.errors import DamagedRecordError
    from nslab.state.record import node_list, recorded
    from nslab.verbs.status import status

    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    (Path(journal.Journal("chg").dir) / record).write_text(text)
    from nslab.verbs.status import list_labs

    readers = [lambda: recorded("chg"), lambda: status("chg")] if record == "lab.json" \
        else [lambda: node_list("chg")]
    if record == "nodes.json":  # nslab list (which reads it) still lists the lab, and says so
        assert [(x["name"], x["state"]) for x in list_labs()] == [("chg", "record-damaged")]
    for attempt in readers:
        with pytest.raises(DamagedRecordError, match=f"{record} is damaged"):
            attempt()
    down_verb.down("chg", kernel=k)
    assert not k.names


def test_a_half_journal_is_named_by_the_verbs_that_change_the_lab() -> None:
    from nslab.errors import DamagedRecordError
    from nslab.verbs import link as link_verb
    from nslab.verbs import run as run_verb

    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    path = Path(journal.Journal("chg").path)
    whole = path.read_bytes()
    from nslab.verbs.status import list_labs

    for cut in (whole[: len(whole) // 2], b"".join(whole.splitlines(True)[4:]), b""):
        path.write_bytes(cut)
        assert [(x["name"], x["state"]) for x in list_labs()] == [("chg", "record-damaged")]
        for attempt in (lambda: node_verb.node("chg", "h3", "stop", kernel=k),
                        lambda: run_verb.run("chg"),
                        lambda: link_verb.change("chg", ["h1", "lan"], "down", kernel=k),
                        lambda: check_verb.check("chg", repair=True, kernel=k),
                        lambda: apply_verb.apply(lab(BASE), kernel=k)):
            with pytest.raises(DamagedRecordError, match=r"journal of lab 'chg'.* is damaged"):
                attempt()
    path.write_bytes(whole)
    down_verb.down("chg", kernel=k)
    assert not k.names


def test_apply_puts_back_what_a_timeline_cut_short_changed() -> None:
    from nslab.verbs import link as link_verb
    from nslab.verbs import run as run_verb

    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    j = journal.Journal("chg")
    played = [{"name": "stop", "kind": "node", "target": ["h3"]},
              {"name": "cut", "kind": "link", "target": ["h2", "lan"]}]
    j.open()
    j.write(t="timeline", state="playing", events=played)
    j.close()
    node_verb.node("chg", "h3", "stop", kernel=k)  # the run's events, then it was killed
    link_verb.change("chg", ["h2", "lan"], "down", kernel=k)
    rec = j.read()
    assert rec.stopped == {"h3"} and rec.playing is not None
    # apply of a file that also drops the link the timeline cut
    new = BASE.replace("  - [h2, lan]\n", "")
    res = apply_verb.apply(lab(new), kernel=k)
    rec = j.read()
    assert rec.stopped == set() and rec.playing is None
    assert check_verb.check("chg", kernel=k).ok
    h3 = k.names["chg-h3"]
    assert [p for p, ino in k.processes.items() if ino == h3]  # its service runs again
    assert any("10.128.0" in s.as_shell() or "up" in s.as_shell() for s in res.change.steps)
    # an MTU set by nslab link is one more override: made, checked, cleared
    link_verb.change("chg", ["h1", "lan"], "set", {"mtu": "1400"}, kernel=k)
    h1 = k.namespaces[k.names["chg-h1"]]
    assert [li.mtu for li in h1.links.values() if li.name == "eth0"] == [1400]
    assert check_verb.check("chg", kernel=k).ok
    link_verb.change("chg", ["h1", "lan"], "clear", kernel=k)
    assert [li.mtu for li in h1.links.values() if li.name == "eth0"] == [1500]
    assert check_verb.check("chg", kernel=k).ok
    # a later run's clean-up of the old events meets a link that is no more: no error
    assert run_verb._undo("chg", played) == []
    # a node stopped by hand (not by a timeline) still stops apply
    node_verb.node("chg", "h1", "stop", kernel=k)
    with pytest.raises(NslabError, match="h1 of lab 'chg' is stopped"):
        apply_verb.apply(lab(new), kernel=k)
    down_verb.down("chg", kernel=k)


def test_a_full_disk_stops_apply_before_any_change(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins
    import errno

    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    real_open = builtins.open

    def full(path: object, *args: object, **kw: object) -> object:
        if str(path).endswith(".tmp") and args and "w" in str(args[0]):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, *args, **kw)  # type: ignore[call-overload]

    before = k.effects
    with monkeypatch.context() as m, pytest.raises(NslabError) as e:
        m.setattr(builtins, "open", full)
        apply_verb.apply(lab(CHANGES["node-added"]), kernel=k)
    said = str(e.value)
    assert "No space left on device" in said and journal.Journal("chg").dir in said
    assert "KiB free" in said and "nothing was changed" in said
    assert k.effects == before  # not one change made
    assert not [p for p in os.listdir(journal.Journal("chg").dir) if p.endswith(".tmp")]
    clean(k, BASE)  # the lab and its records are as they were
    down_verb.down("chg", kernel=k)


def test_check_counts_no_step_kind_as_satisfied_unless_it_knows_it() -> None:
    from nslab.plan.steps import AddNamespace, DelLink

    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    _j, rec, steps = check_verb.recorded_plan("chg")
    ns = next(s.ns for s in steps if isinstance(s, AddNamespace))
    with pytest.raises(AssertionError, match="cannot compare a DelLink"):
        check_verb.observe((*steps, DelLink(ns, "eth0")), rec, k)
    down_verb.down("chg", kernel=k)


def test_check_compares_a_rate_and_the_rules_not_only_their_presence() -> None:
    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    r1 = k.namespaces[k.names["chg-r1"]]
    shaped = next(iter(r1.rates))
    r1.rates[shaped] = 20e6  # tc qdisc change ... rate 20mbit, by hand
    r1.rules["inet nslab"] -= 1  # nft delete rule ..., by hand
    res = check_verb.check("chg", kernel=k)
    said = {d.what: d for d in res.differences}
    rate = said[f"qdisc of {r1.links[shaped].name}"]
    assert (rate.expected, rate.found) == ("tbf rate 10Mbit", "tbf rate 20Mbit")
    rules = said["nftables table inet nslab"]
    assert rules.found == f"{int(rules.expected.split()[0]) - 1} rule(s)"
    assert "deleted by hand" in rules.cause
    fixed = check_verb.check("chg", repair=True, kernel=k)
    assert fixed.ok, [d.to_dict() for d in fixed.after]
    assert r1.rates[shaped] == 10e6
    clean(k, BASE)
    down_verb.down("chg", kernel=k)


def test_link_set_delay_is_journaled_checked_and_cleared() -> None:
    """`nslab link LAB A B set delay=20ms`: both ends get netem, the journal
    says so (check compares the kernel with it), clear takes it off."""
    from nslab.running import links

    k = FakeKernel()
    up_verb.up(lab(BASE), kernel=k)
    view = links.change("chg", ["r1", "h3"], "set", {"delay": "20ms", "jitter": "2ms"},
                        kernel=k)
    assert [(e.netem.delay_ms, e.netem.jitter_ms) if e.netem else None
            for e in view.ends] == [(20.0, 2.0), (20.0, 2.0)]  # both ways
    # each end's tbf (the link's rate: 10mbit) becomes a netem that shapes too
    assert [s.split(" tc ")[1] for s in view.steps if " add " in s] == [
        "qdisc add dev eth1 root netem delay 20ms 2ms rate 10000000bit",
        "qdisc add dev eth0 root netem delay 20ms 2ms rate 10000000bit"]
    again = links.change("chg", ["r1", "h3"], "show", kernel=k)
    assert again.ends[0].netem == view.ends[0].netem and again.ends[0].changed
    assert again.to_dict()["ends"][0]["delay_by"] == "netem"
    assert check_verb.check("chg", kernel=k).ok
    cleared = links.change("chg", ["r1", "h3"], "clear", kernel=k)
    assert cleared.ends[0].netem is None and not cleared.ends[0].changed
    assert any("tbf rate 10000000bit" in s for s in cleared.steps), cleared.steps
    clean(k, BASE)
    down_verb.down("chg", kernel=k)


def test_link_set_delay_on_a_kernel_without_netem_goes_through_the_wire() -> None:
    """Without netem the link is made again through the lab's wire namespace,
    with one relay; a later change of the delay only rewrites what the relay
    reads; a dead relay is found and started again; clear makes the link
    plain again and takes the wire away; down leaves nothing."""
    from nslab.running import links

    k = FakeKernel(missing=["netem"])
    before = k.snapshot()
    up_verb.up(lab(BASE), kernel=k)
    assert not journal.Journal("chg").read().wire  # no delay: no wire
    view = links.change("chg", ["r1", "h3"], "set", {"delay": "20ms"}, kernel=k)
    assert journal.Journal("chg").read().wire
    assert [e["delay_by"] for e in view.to_dict()["ends"]] == ["wire", "wire"]
    assert any(s.startswith("ip netns add chg~wire") for s in view.steps), view.steps
    made = [s for s in view.steps if s.startswith("ip link add")]
    assert len(made) == 2 and all("netns chg~wire" in s for s in made), made
    folder = "/run/nslab/chg/wire"
    cfg = sorted(json.loads(t)["end"] for t in k.wires[folder].values())
    assert cfg == ["h3:eth0", "r1:eth1"]
    assert all(json.loads(t)["delay_ms"] == 20.0 for t in k.wires[folder].values())
    relay = next(iter(k.relays))
    assert k.processes[relay] == k.names["chg~wire"]
    clean_now = check_verb.check("chg", kernel=k)
    assert clean_now.ok, [d.to_dict() for d in clean_now.differences]

    again = links.change("chg", ["r1", "h3"], "set", {"jitter": "5ms"}, kernel=k)
    assert again.steps and all(s.startswith("# the wire: what") for s in again.steps)
    assert list(k.relays) == [relay] and relay in k.processes  # not restarted
    assert {json.loads(t)["jitter_ms"] for t in k.wires[folder].values()} == {5.0}

    del k.processes[relay]  # the relay was killed
    found = check_verb.check("chg", kernel=k)
    assert [d.what for d in found.differences] == ["the wire's relay"]
    assert check_verb.check("chg", repair=True, kernel=k).repaired is not None
    assert check_verb.check("chg", kernel=k).ok and len(k.relays) == 2

    cleared = links.change("chg", ["r1", "h3"], "clear", kernel=k)
    assert any(s.startswith("ip link add eth1 netns chg-r1 type veth peer name eth0 netns "
                            "chg-h3") for s in cleared.steps), cleared.steps
    assert "chg~wire" not in k.names and k.wires[folder] == {}
    clean(k, BASE)
    down_verb.down("chg", kernel=k)
    assert k.snapshot() == before and not k.violations


def test_apply_of_a_first_delay_on_a_kernel_without_netem_brings_the_wire() -> None:
    """A file that gives a link its first delay, applied on a kernel without
    netem: the link goes through the wire (journaled), check finds the lab as
    the file says, a file without the delay takes the wire away again."""
    k = FakeKernel(missing=["netem"])
    before = k.snapshot()
    up_verb.up(lab(BASE), kernel=k)
    delayed = BASE.replace("{endpoints: [r1, h3], rate: 10mbit}",
                           "{endpoints: [r1, h3], rate: 10mbit, delay: 15ms}")
    res = apply_verb.apply(lab(delayed), kernel=k)
    shells = [s.as_shell() for s in res.change.steps]
    assert any(s.startswith("ip netns add chg~wire") for s in shells), shells
    assert journal.Journal("chg").read().wire and len(k.relays) == 1
    assert check_verb.check("chg", kernel=k).ok
    apply_verb.apply(lab(BASE), kernel=k)
    assert "chg~wire" not in k.names
    clean(k, BASE)
    down_verb.down("chg", kernel=k)
    assert k.snapshot() == before and not k.violations


def test_a_link_made_unnumbered_under_ospf_is_changed_in_place() -> None:
    """An OSPF lab whose r1-r2 link becomes unnumbered: apply takes its subnet
    away and puts each end on its router's borrowed loopback, without making
    a namespace again; the fake kernel then holds what the plan says."""
    from tests.helpers.igp import unnumbered_lab

    unnumbered = unnumbered_lab("ospf").replace("name: unospf", "name: chg")
    numbered = unnumbered.replace("{endpoints: [r1, r2], unnumbered: true}", "[r1, r2]")
    k = FakeKernel()
    pristine = k.snapshot()
    up_verb.up(lab(numbered), kernel=k)
    res = apply_verb.apply(lab(unnumbered), kernel=k)
    assert not res.built and not res.change.nodes_added and not res.change.nodes_removed
    made(k)
    r1 = lab(unnumbered).node("r1")
    assert r1.loopback is not None
    assert [str(a) for a in r1.interface("eth1").addresses] == [f"{r1.loopback.ip}/32"]
    assert not res.change.nodes_remade and {"r1", "r2"} <= set(res.change.nodes_changed)
    assert f"ip -n chg-r1 addr add {r1.loopback.ip}/32 dev eth1" in \
        [s.as_shell() for s in res.change.steps]
    assert down_verb.down("chg", kernel=k).failed == []
    assert k.snapshot() == pristine
