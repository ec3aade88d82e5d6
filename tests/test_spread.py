"""Labs across machines: the file's machines, the plan cut per machine (pure),
the agent's protocol against the fake kernel, and (kernel lane) three emulated
machines running a lab joined by VXLAN (tests.helpers.spread)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nslab.errors import NslabError, SpecError
from nslab.kernel.fake import FakeKernel
from nslab.model.compile import compile_text
from nslab.plan import MachineFacts, plan
from nslab.plan.codec import steps_to_json
from nslab.plan.spread import Underlay, cross_links, cross_mtu, sliced, split
from nslab.plan.steps import AddAddress, AddVeth, AddVxlan, SetMaster, SetMtu
from nslab.verbs.agent import serve
from tests.helpers import sandbox

LAB = """name: sp
machines:
  a: {command: "true", underlay: 10.9.0.1}
  b: {ssh: "root@10.9.0.2:2222"}
  c: {kubectl: "exec -i -n labs nslab-0", underlay: 10.9.0.3}
nodes:
  h1: {}
  r1: {kind: router}
  r2: {kind: router, machine: b}
  r3: {kind: router, machine: c}
  h3: {machine: c}
links: [[h1, r1], [r1, r2], [r2, r3], [r3, h3], [r1, r3]]
"""
UNDER = {"a": Underlay("10.9.0.1", 1500), "b": Underlay("10.9.0.2", 9000),
         "c": Underlay("10.9.0.3", 1500)}


def cut(text: str = LAB, under: dict[str, Underlay] | None = None) -> dict[str, Any]:
    lab = compile_text(text)
    return split(lab, plan(lab, MachineFacts(None, None), "0").steps, under or UNDER)


def test_a_lab_across_machines_is_cut_per_machine_with_a_vxlan_for_each_link_between() -> None:
    lab = compile_text(LAB)
    assert lab.spread is not None
    assert dict(lab.spread.placed) == {"h1": "a", "r1": "a", "r2": "b", "r3": "c", "h3": "c"}
    assert [m.transport for m in lab.spread.machines] == ["command", "ssh", "kubectl"]
    slices = cut()
    assert {m: s.nodes for m, s in slices.items()} == {"a": ("h1", "r1"), "b": ("r2",),
                                                       "c": ("r3", "h3")}
    whole = plan(lab, MachineFacts(None, None), "0").steps
    veths = [s for s in whole if isinstance(s, AddVeth)]
    # every step of the plan is on exactly one machine, but the 3 veths between machines,
    # which are 2 VXLAN ends each
    assert sum(len(s.steps) for s in slices.values()) == len(whole) + 3
    for m, sl in slices.items():
        mine = {lab.node(n).namespace for n in sl.nodes}
        assert all(getattr(s, "ns", None) in mine or lab.node(s.node).namespace in mine
                   for s in sl.steps), m
        assert not any(isinstance(s, AddVeth) and s.peer_ns not in mine for s in sl.steps)
    links = cross_links(lab, slices)
    assert len(links) == 3 == len(veths) - 2
    assert len({x["vni"] for x in links}) == 3
    for x in links:
        (one, other) = x["ends"]
        assert one["machine"] != other["machine"] and x["mtu"] == 1450  # 1500 - 50
        ends = {(e["namespace"], e["iface"]) for e in x["ends"]}
        assert {lab.node(e["node"]).namespace for e in x["ends"]} == {ns for ns, _ in ends}
        assert any({(v.ns, v.name), (v.peer_ns, v.peer_name)} == ends for v in veths)
    vx = [s for sl in slices.values() for s in sl.cross]
    pairs = {(s.local, s.remote) for s in vx}
    assert all((r, loc) in pairs for loc, r in pairs)  # each end's remote is the other's local
    assert "type vxlan id" in vx[0].as_shell() and "dstport 4789" in vx[0].as_shell()
    assert [n.name for n in sliced(lab, "c").nodes] == ["r3", "h3"]


@pytest.mark.parametrize("key", ["unnumbered: true", "ipv4: false"])
def test_an_unnumbered_or_ipv6_only_link_between_two_machines_is_a_vxlan_without_ipv4(
        key: str) -> None:
    """r1 (machine a) and r2 (b): a VXLAN at each end, as any link between
    machines, with no IPv4 subnet; within one machine (r2 and r3 on c): a veth."""
    head = "routing: bgp\naddressing: {ipv6_pool: 'fd00:9::/48'}\nnodes:\n"
    text = LAB.replace("nodes:\n", head).replace(
        "links: [[h1, r1], [r1, r2],", f"links: [[h1, r1], {{endpoints: [r1, r2], {key}}},")
    lab = compile_text(text)
    seg = lab.segments[1]
    assert seg.subnet4 is None and seg.unnumbered == (key == "unnumbered: true")
    assert seg.ipv6_only == (key == "ipv4: false") and (seg.subnet6 is None) == seg.unnumbered
    parts = split(lab, plan(lab, MachineFacts(None, None), "0").steps, UNDER)
    assert [(s.ns, s.name) for s in parts["a"].steps if isinstance(s, AddVxlan)] == [
        ("sp-r1", "eth1"), ("sp-r1", "eth2")]
    assert [(s.ns, s.name) for s in parts["b"].steps if isinstance(s, AddVxlan)] == [
        ("sp-r2", "eth0"), ("sp-r2", "eth1")]
    ends = {("sp-r1", "eth1"), ("sp-r2", "eth0")}  # the link's: no IPv4 address at either
    given = [(s.ns, s.dev, s.address.version) for m in parts.values() for s in m.steps
             if isinstance(s, AddAddress) and (s.ns, s.dev) in ends]
    assert {v for _, _, v in given} == (set() if key == "unnumbered: true" else {6}), given
    same = LAB.replace("nodes:\n", head).replace(
        "r2: {kind: router, machine: b}", "r2: {kind: router, machine: c}").replace(
        "[r2, r3],", f"{{endpoints: [r2, r3], {key}}},")
    seg = compile_text(same).segments[2]
    assert seg.subnet4 is None and seg.unnumbered == (key == "unnumbered: true")


@pytest.mark.kernel
@pytest.mark.skipif(not sandbox.available(), reason="needs root and unshare (net, mount, pid)")
@pytest.mark.skipif(shutil.which("vtysh") is None, reason="FRR is not installed")
def test_bgp_over_ipv6_only_and_unnumbered_links_between_machines_carries_both_families(
) -> None:
    """r1 (m1) peers with r2 and r3 (m2) over an IPv6-only and an unnumbered link,
    each a VXLAN: IPv4 routes through IPv6 next hops, every pair reached in
    IPv4 and IPv6, check clean on both machines, nothing left after down."""
    out = sandbox.run("tests.helpers.spread", "bgp", timeout=300)
    assert out["up"]["code"] == 0, out["up"]["err"]
    assert len(out["up"]["json"]["cross"]) == 2
    t = out["test"]["json"]
    assert out["test"]["code"] == 0 and t["ok"], out["test"]
    assert [(m["family"], len(m["nodes"]), all(c["reached"] for c in m["cells"]))
            for m in t["matrices"]] == [(4, 6, True), (6, 6, True)]
    routes = out["routes"]["out"]
    assert " via inet6 fe80:" in routes and "dev eth1 proto bgp" in routes \
        and "dev eth2 proto bgp" in routes, routes
    assert out["check"]["code"] == 0 and all(
        c["ok"] and c["compared"] > 0 for c in out["check"]["json"]["machines"].values())
    assert out["down"]["code"] == 0 and out["left"] == {"m1": [], "m2": []}


def test_the_cross_mtu_is_the_smallest_underlay_less_the_vxlan_headers_or_the_files() -> None:
    lab = compile_text(LAB)
    assert lab.spread is not None
    assert cross_mtu(lab.spread, UNDER) == 1450
    six = UNDER | {"b": Underlay("2001:db8::2", 1500)}
    assert cross_mtu(lab.spread, six) == 1430
    given = compile_text(LAB + "cross: {mtu: 1400, port: 8472, vni: 5000}\n")
    sl = cut(LAB + "cross: {mtu: 1400, port: 8472, vni: 5000}\n")
    assert given.spread is not None and cross_mtu(given.spread, UNDER) == 1400
    assert sorted({s.vni for m in sl.values() for s in m.cross}) == [5000, 5001, 5002]
    assert {s.port for m in sl.values() for s in m.cross} == {8472}


@pytest.mark.parametrize("bad, where, what", [
    ("  h1: {machine: z}\n", "nodes.h1.machine", "machine 'z' is not in machines"),
    ("host: {links: [{node: h1}]}\n", "host", "no host: section yet"),
])
def test_what_does_not_span_machines_yet_is_refused_with_where(bad: str, where: str,
                                                               what: str) -> None:
    text = LAB.replace("  h1: {}\n", bad if bad.startswith("  h1") else "  h1: {}\n")
    if bad.startswith("host"):
        text += bad
    with pytest.raises(SpecError) as e:
        compile_text(text)
    assert any(where in line and what in line for line in e.value.lines), e.value.lines


@pytest.mark.parametrize("machine, what", [
    ("{command: x}", "underlay address"), ("{ssh: a@b, command: x}", "one of ssh, kubectl"),
    ("{ssh: 'not a host!'}", "is not user@host[:port]"),
    ("{ssh: a@b, underlay: nowhere}", "is not an IP address")])
def test_a_machine_is_reached_one_way_and_has_an_underlay(machine: str, what: str) -> None:
    with pytest.raises(SpecError) as e:
        compile_text(f"name: x\nmachines:\n  a: {machine}\nnodes:\n  h: {{}}\n")
    assert any(what in line for line in e.value.lines), e.value.lines


def agent(requests: list[dict[str, Any]], k: FakeKernel, version: str = "1.0"
          ) -> list[dict[str, Any]]:
    out = io.StringIO()
    serve(io.StringIO("".join(json.dumps(r) + "\n" for r in requests)), out, version, k)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_the_agent_makes_its_part_journaled_and_takes_it_down(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from nslab.model.serialize import lab_to_dict

    lab = compile_text(LAB)
    sl = cut()["a"]
    k = FakeKernel()
    part = sliced(lab, "a")
    up = {"op": "up", "lab": "sp", "steps": steps_to_json(sl.steps),
          "files": {"lab.json": lab_to_dict(part), "nodes.json": []}, "needs": {"veth": "x"},
          "namespaces": [n.namespace for n in part.nodes], "source": None, "instance": "0",
          "neighbours": [0, 0]}
    hello, old, made, again, status = agent([
        {"op": "hello", "version": "1.0", "underlay": "198.51.100.7"},
        {"op": "hello", "version": "0.9"}, up, up, {"op": "status", "lab": "sp"}], k)
    assert hello["ok"] and hello["mtu"] == 1500 and hello["version"] == "1.0"
    assert not old["ok"] and "the same version" in old["error"]
    assert made["ok"], made
    assert not again["ok"] and again["code"] == 7 and "already up" in again["error"]
    assert status["ok"] and {n["name"] for n in status["status"]["nodes"]} == {"h1", "r1"}
    vx = [li for ns in k.namespaces.values() for li in ns.links.values() if li.kind == "vxlan"]
    assert len(vx) == 2 and all(li.mtu == 1450 for li in vx)  # r1's two links to b and c
    other, down, unknown, broken = agent([
        {"op": "down", "lab": "sp", "instance": "another"}, {"op": "down", "lab": "sp"},
        {"op": "nonsense"}, {"op": "down"}], k)
    assert not other["ok"] and other["code"] == 7 and "left alone" in other["error"]
    assert down["ok"] and sorted(down["removed"]) == ["sp-h1", "sp-r1"] and not down["failed"]
    assert not unknown["ok"] and "unknown request" in unknown["error"]
    assert not broken["ok"] and broken["code"] == 2
    # what outlasts its time is an answer, and the agent goes on answering
    slow, after = agent([{"op": "cli", "argv": ["--version"], "timeout": 0.0001},
                         {"op": "hello", "version": "1.0"}], k)
    assert not slow["ok"] and "did not end within" in slow["error"] and after["ok"]
    hello_elsewhere = agent([{"op": "hello", "version": "1.0", "underlay": "10.9.9.9"}], k)[0]
    assert not hello_elsewhere["ok"] and "no interface of this machine" in \
        hello_elsewhere["error"]


@pytest.mark.kernel
@pytest.mark.skipif(not sandbox.available(), reason="needs root and unshare (net, mount, pid)")
def test_a_lab_across_three_machines_pings_through_vxlan_and_goes_down_even_partly() -> None:
    out = sandbox.run("tests.helpers.spread", "across", timeout=300)
    check = out["check"]["json"]
    assert out["check"]["code"] == 0 and check["ok"] and check["mtu"] == 1450
    assert len(check["paths"]) == 6 and all(p["reached"] and p["size"] == 1500
                                            for p in check["paths"])
    up = out["up"]
    assert up["code"] == 0, up["err"]
    assert {m: v["nodes"] for m, v in up["json"]["machines"].items()} == {
        "m1": ["h1", "r1"], "m2": ["r2"], "m3": ["r3", "h3"]}
    assert len(up["json"]["cross"]) == 3
    st = out["status"]["json"]
    assert out["status"]["code"] == 0 and st["state"] == "up"
    rows = [line.split()[:3] for line in out["status_text"]["out"].splitlines()
            if line.startswith(("h1 ", "r2 ", "h3 "))]
    assert rows == [["h1", "m1", "up"], ["r2", "m2", "up"], ["h3", "m3", "up"]], \
        out["status_text"]
    assert [(x["name"], x["nodes"], x["state"]) for x in out["list"]["json"]["labs"]] == [
        ("spread", 5, "up on 3 machines")]
    assert {n["name"]: n["machine"] for n in st["nodes"]} == {
        "h1": "m1", "r1": "m1", "r2": "m2", "r3": "m3", "h3": "m3"}
    # across the machines: h1 (m1) reaches h3 (m3) by r1 and r3's link, a VXLAN
    assert out["ping"]["code"] == 0, out["ping"]
    assert " 0% packet loss" in out["ping"]["out"]
    assert out["path"]["code"] == 0 and len(out["path"]["out"].strip().splitlines()) == 4
    # the verbs of one node go to its machine; check goes to every machine
    assert out["inspect"]["code"] == 0
    assert out["inspect"]["json"]["where"] | {"inode": 0} == {
        "namespace": "spread-r2", "inode": 0, "lab": "spread", "node": "r2", "pid": None,
        "host": False}
    assert out["check_lab"]["code"] == 0
    checked = out["check_lab"]["json"]["machines"]
    assert set(checked) == {"m1", "m2", "m3"} and all(
        c["ok"] and c["differences"] == [] and c["compared"] > 0 for c in checked.values())
    assert out["stop"]["code"] == 0 and out["ping_stopped"]["code"] != 0
    assert out["start"]["code"] == 0
    # a link between machines cut at both ends (each machine its own), then put back
    assert out["cut"]["code"] == 0, out["cut"]
    assert "== machine m1 ==" in out["cut"]["out"] and "== machine m3 ==" in out["cut"]["out"]
    assert out["ping_cut"]["code"] != 0
    assert out["mended"]["code"] == 0 and out["ping_mended"]["code"] == 0, out["ping_mended"]
    # exec, shell and capture joined to the node's machine: stdin, exit status, a terminal
    assert out["exec_stdin"]["code"] == 0 and out["exec_stdin"]["out"] == "across\n"
    assert out["exec_code"]["code"] == 3
    assert out["shell_piped"]["code"] == 4, out["shell_piped"]
    assert out["shell_piped"]["out"].splitlines()[0] == "h3"
    said = out["shell_piped"]["out"].split()  # h3, then its eth0: UP, its address
    assert said[2] == "UP" and said[3].startswith(out["ping"]["out"].split()[1] + "/")
    tty = out["shell_tty"]
    assert tty["prompted"] and tty["answered"] and tty["code"] == 5, tty
    assert "/dev/pts/" in tty["out"] and "not a tty" not in tty["out"]  # a terminal there too
    assert out["capture_ping"]["code"] == 0 and out["capture_code"] == 0, out["capture_err"]
    assert out["capture_started"] == "nslab: capturing on r1:eth2, r3:eth2, h3:eth0\n"
    assert out["capture_names"] == ["r1:eth2 6", "r3:eth2 6", "h3:eth0 6"]
    assert "18 packets captured in /run/across.pcapng" in out["capture_err"]
    read = out["capture_read"].splitlines()  # tcpdump reads the merged file
    assert len(read) == 18 and sum("echo request" in x for x in read) == 9, read
    assert out["capture_json"]["code"] == 0 and "capturing on h3:eth0" in \
        out["capture_json"]["err"]
    assert out["capture_unknown"]["code"] == 4
    assert "has no interface 'eth9'" in out["capture_unknown"]["err"]
    # every pair probed from its source node's machine
    assert out["test"]["code"] == 0, out["test"]
    (mat,) = out["test"]["json"]["matrices"]
    assert set(mat["nodes"]) == {"h1", "r1", "r2", "r3", "h3"} and len(mat["cells"]) == 20
    assert all(c["reached"] for c in mat["cells"]) and out["test"]["json"]["ok"]
    # the file's expectations, each where its node is; a path walked across the machines
    results = out["test"]["json"]["expectations"]
    assert out["test"]["json"]["decided_by"] == "expectations"
    assert [(r["text"], r["status"]) for r in results] == [
        ("h1 reaches h3", "pass"), ("h1 reaches h3 through r3", "pass"),
        ("h3 reaches h1 through r1", "pass"), ("h3 does not reach h1 on tcp/22", "pass"),
        ("r2 reaches h1 through r2", "pass")]
    assert results[1]["detail"] == "path: h1 -> r1 -> r3 -> h3"
    cut = out["test_cut"]
    assert cut["code"] == 10 and cut["json"]["matrices"] == []  # --no-matrix
    assert [r["status"] for r in cut["json"]["expectations"]] == [
        "fail", "fail", "fail", "pass", "pass"]
    assert cut["json"]["expectations"][0]["hint"] == "nslab why spread h1 h3"
    # why: the path walked machine by machine, there and back, and a real probe
    why = out["why"]["json"]
    assert out["why"]["code"] == 0 and why["reached"], out["why"]
    assert [(h["node"], h["iif"], h["oif"]) for h in why["forward"]["hops"]] == [
        ("h1", None, "eth0"), ("r1", "eth0", "eth2"), ("r3", "eth2", "eth1"),
        ("h3", "eth0", None)]
    assert [h["node"] for h in why["back"]["hops"]] == ["h3", "r3", "r1", "h1"]
    assert out["why_text"]["code"] == 0 and "gets through" in out["why_text"]["out"]
    assert out["why_cut"]["code"] == 10
    assert "node r1 has no route to" in out["why_cut"]["out"] and "[at r1]" in \
        out["why_cut"]["out"]
    links = [li for line in out["vxlan"].splitlines() if line.strip()
             for li in json.loads(line)]
    vxlans = [li for li in links if li.get("linkinfo", {}).get("info_kind") == "vxlan"]
    assert len(vxlans) == 2 and all(li["mtu"] == 1450 for li in vxlans)
    # each machine keeps its own record of its part
    for m, nodes in (("m1", {"h1", "r1"}), ("m2", {"r2"}), ("m3", {"r3", "h3"})):
        assert {n["name"] for n in json.loads(out["own"][m])["nodes"]} == nodes
    # one machine not answering: the others are cleaned, it keeps its part, exit 12
    assert out["down_partly"]["code"] == 12, out["down_partly"]
    assert "machine m3 still holds nodes r3, h3" in out["down_partly"]["err"]
    assert out["left_partly"] == {"m1": [], "m2": [], "m3": ["spread", "spread-h3",
                                                             "spread-r3"]}
    states = {m["name"]: m["state"] for m in out["record_partly"]["machines"]}
    assert states == {"m1": "down", "m2": "down", "m3": "pending"}
    assert out["down_again"]["code"] == 0 and out["left"] == {"m1": [], "m2": [], "m3": []}
    assert out["record_left"] is False
    # a machine that cannot make its part: nothing is left on the others
    assert out["up_conflict"]["code"] == 7 and "machine m2:" in out["up_conflict"]["err"]
    assert out["left_conflict"] == {"m1": [], "m2": ["spread-r2"], "m3": []}
    assert out["record_conflict"] is False
    # the controller killed once a machine had begun: each machine recoverable on its own,
    # the controller's record lists them all, and its down finishes the job
    killed = out["killed"]
    assert killed["killed"], killed  # (up had not ended)
    assert [m["name"] for m in killed["record"]["machines"]] == ["m1", "m2", "m3"]
    assert killed["own_down"] == "0" and killed["own_left"] == []
    assert killed["down"]["code"] == 0, killed["down"]
    assert killed["left"] == {"m1": [], "m2": [], "m3": []} and not killed["record_left"]
    assert out["controller_left"] == []  # nothing of the lab stays on the controller
    narrow = out["check_narrow"]
    assert narrow["code"] == 1 and not narrow["json"]["ok"]
    blocked = {(p["from"], p["to"]) for p in narrow["json"]["paths"] if not p["reached"]}
    assert blocked == {("m1", "m3"), ("m2", "m3"), ("m3", "m1"), ("m3", "m2")}
    assert "m1 -> m3: a 1500-byte packet that may not be fragmented does not get through" in \
        out["check_narrow_text"]["out"]


@pytest.mark.kernel
@pytest.mark.skipif(not sandbox.available(), reason="needs root and unshare (net, mount, pid)")
def test_the_controller_can_be_one_of_the_machines() -> None:
    """A verb the controller forwards to its own agent means its part there
    (it would otherwise forward it again, for ever)."""
    out = sandbox.run("tests.helpers.spread", "controller", timeout=120)
    assert out["up"]["code"] == 0, out["up"]["err"]
    assert out["inspect"]["code"] == 0 and out["inspect"]["json"]["where"]["node"] == "h1"
    assert out["exec"]["code"] == 0 and out["shell"]["out"] == "h1\n", out
    assert out["check"]["code"] == 0 and set(out["check"]["json"]["machines"]) == {"me", "m2"}
    assert out["down"]["code"] == 0 and out["left"] == {"me": [], "m2": [], "records": []}


@pytest.mark.kernel
@pytest.mark.skipif(not sandbox.available(), reason="needs root and unshare (net, mount, pid)")
@pytest.mark.skipif(not shutil.which("sshd", path="/usr/sbin:/usr/bin"),
                    reason="OpenSSH's server is not installed (openssh-server)")
def test_machines_reached_over_ssh_one_multiplexed_session_each() -> None:
    out = sandbox.run("tests.helpers.spread", "ssh", timeout=300)
    assert out["check"]["code"] == 0 and out["check"]["json"]["ok"], out["check"]
    assert out["up"]["code"] == 0, out["up"]["err"]
    assert {m: v["nodes"] for m, v in out["up"]["json"]["machines"].items()} == {
        "m1": ["h1", "r1"], "m2": ["r2", "r3", "h3"]}
    assert out["ping"]["code"] == 0 and " 0% packet loss" in out["ping"]["out"]
    assert len(out["masters"]) == 2  # one ControlMaster socket per machine (port 22, 2222)
    assert out["down"]["code"] == 0 and out["left"] == {"m1": [], "m2": []}


def test_the_kubernetes_manifest_keeps_a_privileged_agent_on_every_nodes_network() -> None:
    import yaml

    from nslab.views.k8s import daemonset

    docs = list(yaml.safe_load_all(daemonset("registry.example/nslab:1: x", "labs", "agent")))
    assert [d["kind"] for d in docs] == ["Namespace", "DaemonSet"]
    ds = docs[1]
    assert ds["metadata"] == {"name": "agent", "namespace": "labs", "labels": {"app": "agent"}}
    pod = ds["spec"]["template"]["spec"]
    assert pod["hostNetwork"] is True and pod["hostPID"] is True
    (c,) = pod["containers"]
    assert c["image"] == "registry.example/nslab:1: x"  # quoted whatever it holds
    assert c["securityContext"] == {"privileged": True} and c["command"][0] == "sleep"
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    assert mounts["/run/netns"]["mountPropagation"] == "Bidirectional"
    assert {"/run/nslab", "/etc/netns", "/lib/modules"} <= set(mounts)
    assert {v["hostPath"]["path"] for v in pod["volumes"]} == set(mounts)


def test_a_verb_for_a_lab_across_machines_goes_to_its_machines_or_says_it_does_not_yet(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from nslab.cli import across
    from nslab.errors import UsageError
    from nslab.running import spread
    from nslab.state import across as records

    assert across.RECORDS == records.RECORDS
    monkeypatch.setattr(across, "RECORDS", str(tmp_path))
    monkeypatch.setattr(records, "RECORDS", str(tmp_path))
    (tmp_path / "sp.json").write_text(json.dumps({"machines": [
        {"name": "a", "transport": "command", "target": "true", "state": "up",
         "nodes": ["h1"]}]}))
    ns = argparse.Namespace
    assert across.route("status", ns(name="sp"), []) is None  # status knows such labs
    assert across.route("test", ns(target="other"), []) is None  # not such a lab
    with pytest.raises(UsageError, match="spans machines: nslab graph does not yet"):
        across.route("graph", ns(lab="sp"), [])
    with pytest.raises(UsageError, match="has no node 'r9'"):
        across.route("inspect", ns(target="sp", node="r9"), [])
    sent: list[tuple[str, list[str]]] = []

    def forward(entry: dict[str, Any], argv: list[str]) -> dict[str, Any]:
        sent.append((entry["name"], argv))
        return {"code": 11, "stdout": "", "stderr": ""}

    monkeypatch.setattr(spread, "forward", forward)
    assert across.route("node", ns(lab="sp", node="h1"), ["node", "sp", "h1", "stop"]) == 11
    assert sent == [("a", ["node", "sp", "h1", "stop"])]


def test_the_matrix_across_machines_sends_each_probe_from_its_source_nodes_machine(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from nslab.running import spread
    from nslab.state import across as records

    monkeypatch.setattr(records, "RECORDS", str(tmp_path))
    (tmp_path / "sp.json").write_text(json.dumps({"machines": [
        {"name": "a", "transport": "command", "target": "x", "state": "up", "nodes": ["h1"]},
        {"name": "b", "transport": "command", "target": "y", "state": "up",
         "nodes": ["h2", "h3"]}]}))
    nodes = {"a": [{"name": "h1", "namespace": "sp-h1", "addresses": ["10.0.0.1", "fd::1"]}],
             "b": [{"name": "h2", "namespace": "sp-h2", "addresses": ["10.0.0.2"]},
                   {"name": "h3", "namespace": "sp-h3", "addresses": ["10.0.0.3"]}]}
    asked: dict[str, list[Any]] = {}

    def once(entry: dict[str, Any], request: dict[str, Any], timeout: float,
             session: Any = None) -> dict[str, Any]:
        if request["op"] == "nodes":
            return {"nodes": nodes[entry["name"]]}
        asked.setdefault(entry["name"], []).extend(request["probes"])
        return {"results": [{"outcome": "timeout" if dst == "10.0.0.3" else "reply",
                             "detail": "", "rtt_ms": 0.1, "reached": dst != "10.0.0.3"}
                            for _ns, dst, _p, _port in request["probes"]]}

    monkeypatch.setattr(spread, "_once", once)
    report = spread.matrix("sp")
    (m,) = report.matrices  # IPv6: one node only, no matrix
    assert m.nodes == ("h1", "h2", "h3") and len(m.cells) == 6
    assert {ns for ns, *_ in asked["a"]} == {"sp-h1"}
    assert {ns for ns, *_ in asked["b"]} == {"sp-h2", "sp-h3"}
    assert {(c.src, c.dst) for c in m.failed} == {("h1", "h3"), ("h2", "h3")}
    assert not report.ok
    with pytest.raises(Exception, match="has no node 'h9'"):
        spread.matrix("sp", ["h1", "h9"])


def test_a_link_between_machines_is_changed_at_each_end_by_its_own_machine(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from nslab.cli import across
    from nslab.running import spread
    from nslab.state import across as records

    monkeypatch.setattr(across, "RECORDS", str(tmp_path))
    monkeypatch.setattr(records, "RECORDS", str(tmp_path))
    (tmp_path / "sp.json").write_text(json.dumps({"machines": [
        {"name": "a", "transport": "command", "target": "x", "state": "up",
         "nodes": ["r1", "h1"]},
        {"name": "b", "transport": "command", "target": "y", "state": "up", "nodes": ["r2"]}],
        "cross": [{"vni": 9, "ends": [{"machine": "a", "node": "r1", "iface": "eth1"},
                                      {"machine": "b", "node": "r2", "iface": "eth0"}]}]}))
    sent: list[tuple[str, list[str]]] = []

    def each(jobs: list[tuple[dict[str, Any], list[str]]]) -> dict[str, dict[str, Any]]:
        sent.extend((e["name"], argv) for e, argv in jobs)
        return {e["name"]: {"code": 0, "stdout": "", "stderr": ""} for e, _ in jobs}

    def one(entry: dict[str, Any], argv: list[str]) -> dict[str, Any]:
        return each([(entry, argv)])[entry["name"]]

    monkeypatch.setattr(spread, "forward_each", each)
    monkeypatch.setattr(spread, "forward", one)
    words = ["link", "sp", "r1", "r2", "set", "rate=1mbit", "--json"]
    assert across.route("link", argparse.Namespace(lab="sp", words=words[2:]), words) == 0
    assert sent == [("a", ["link", "sp", "r1:eth1", "set", "rate=1mbit", "--json"]),
                    ("b", ["link", "sp", "r2:eth0", "set", "rate=1mbit", "--json"])]
    sent.clear()
    words = ["link", "sp", "r1", "h1", "down"]  # both on machine a: as it is, there
    across.route("link", argparse.Namespace(lab="sp", words=words[2:]), words)
    assert sent == [("a", words)]


def test_what_would_build_a_lab_across_machines_all_here_is_refused() -> None:
    from nslab.errors import UsageError
    from nslab.running.build import up
    from nslab.verbs.apply import apply, diff

    lab = compile_text(LAB)
    k = FakeKernel()
    for attempt, what in ((lambda: up(lab, kernel=k), "built here in one go"),
                          (lambda: apply(lab, kernel=k), "nslab apply"),
                          (lambda: diff(lab, kernel=k), "nslab diff")):
        with pytest.raises(UsageError, match=f"spans machines .*{what}.* makes labs on one"):
            attempt()
    assert not k.names  # nothing made


def test_the_verbs_that_look_for_labs_across_machines_do_not_import_their_machinery() -> None:
    """nslab list, status and exec look at the controller's records cheaply:
    the machinery of labs across machines is imported only for one of them."""
    import subprocess
    import sys

    code = ("import sys\nfrom nslab.cli import across\nfrom nslab.running import status\n"
            "status.list_labs(); across.is_spread('nothing')\n"
            "print(sorted(m for m in sys.modules if m in ('nslab.running.spread', "
            "'nslab.kernel.remote', 'nslab.plan.spread')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "[]", (r.stdout, r.stderr)


def test_a_switch_with_nodes_on_other_machines_gets_vxlan_ports_and_its_segment_the_cross_mtu(
        ) -> None:
    text = LAB.replace("  h1: {}\n", "  h1: {}\n  sw: {kind: switch, machine: b}\n"
                       "  h4: {machine: c, }\n  h5: {machine: b}\n").replace(
        "links: [[h1, r1], [r1, r2], [r2, r3], [r3, h3], [r1, r3]]",
        "links: [[h1, r1], [r1, r2], [r2, r3], [r3, h3], [r1, r3], [sw, h4], [sw, h5], "
        "[sw, r1], {endpoints: [h5, r2], mtu: 9000}]")
    lab = compile_text(text)
    slices = cut(text)
    b = slices["b"].steps
    ports = {s.name for s in b if isinstance(s, SetMaster)}
    vx = {s.name for s in b if isinstance(s, AddVxlan) and s.ns == "sp-sw"}
    assert vx and vx <= ports  # the switch's ports to h4 (c) and r1 (a) are VXLANs
    mtus = {(s.ns, s.name): s.mtu for sl in slices.values() for s in sl.steps
            if isinstance(s, SetMtu | AddVxlan)}  # a VXLAN end is made with its MTU
    seg = next(g for g in lab.segments if "sw" in g.switches)
    for node, iface in seg.members:  # h5 is on b with the switch, yet its frames cross too
        assert mtus[(lab.node(node).namespace, iface)] == 1450, (node, iface)
    h5_r2 = next(i.name for i in lab.node("h5").interfaces if i.peer_node == "r2")
    assert mtus[("sp-h5", h5_r2)] == 9000  # a link within machine b keeps the file's MTU
    first_address = min(i for i, s in enumerate(b) if isinstance(s, AddAddress))
    assert all(i < first_address for i, s in enumerate(b) if isinstance(s, SetMtu))


@pytest.mark.kernel
@pytest.mark.skipif(not sandbox.available(), reason="needs root and unshare (net, mount, pid)")
def test_a_switch_takes_nodes_of_other_machines_through_vxlan_ports() -> None:
    out = sandbox.run("tests.helpers.spread", "switch", timeout=300)
    assert out["up"]["code"] == 0, out["up"]["err"]
    assert len(out["up"]["json"]["cross"]) == 2  # h1 (m1) and h3 (m3) to the switch on m2
    cells = out["test"]["json"]["matrices"][0]["cells"]
    assert out["test"]["code"] == 0 and len(cells) == 6 and all(c["reached"] for c in cells)
    # h2 sits on the switch's machine, yet its LAN crosses machines: the cross MTU, and a
    # full-size frame that may not be fragmented gets through the switch's VXLAN port
    assert out["mtu"]["json"] == 1450 and out["big"]["code"] == 0, out["big"]
    # why follows the LAN across machines: from m1 through the switch's bridge on m2 to m3
    hops = out["why"]["json"]["forward"]["hops"]
    assert out["why"]["code"] == 0, out["why"]
    assert [(h["node"], h["route"]) for h in hops][1] == ("sw", "bridged by br0") and \
        [h["node"] for h in hops] == ["h1", "sw", "h3"], hops
    assert out["check_up"]["code"] == 0, out["check_up"]  # the kernel's VXLAN sockets: fine
    assert out["down"]["code"] == 0 and out["left"] == {"m1": [], "m2": [], "m3": []}
    taken = out["check_taken"]["json"]["machines"]
    assert out["check_taken"]["code"] == 1 and not taken["m1"]["ok"] and taken["m2"]["ok"]
    assert "a program holds UDP port 4789" in taken["m1"]["error"]
    assert out["up_taken"]["code"] == 1 and "machine m1: a program holds UDP port 4789" in \
        out["up_taken"]["err"]
    assert out["left_taken"] == {"m1": [], "m2": [], "m3": []}


def test_a_program_on_the_vxlan_port_is_told_from_the_kernels_own_sockets() -> None:
    import os
    import socket

    from nslab.kernel.remote import owners, sockets_on

    table = ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid"
             "  timeout inode ref pointer drops\n"
             "  2: 0100007F:12B5 00000000:0000 07 00000000:00000000 00:00000000 00000000     0"
             "        0 1620203 2 000000001898e9ad 0\n"
             "  3: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0"
             "        0 99 2 000000001898e9ad 0\n")
    assert sockets_on(table, 4789) == {"1620203"} and sockets_on(table, 1) == set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # this process holds one
        mine = str(os.fstat(s.fileno()).st_ino)
        assert any(f"(pid {os.getpid()})" in o for o in owners({mine}))
    assert owners({"1"}) == set()  # a socket no process holds: the kernel's


def test_down_forgets_a_machine_it_is_told_to_and_retries_only_the_pending_ones(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from nslab.errors import UsageError
    from nslab.running import spread
    from nslab.state import across as records

    monkeypatch.setattr(records, "RECORDS", str(tmp_path))
    entries = [{"name": m, "transport": "command", "target": m, "state": st, "nodes": [m]}
               for m, st in (("a", "down"), ("b", "pending"), ("c", "pending"))]
    (tmp_path / "sp.json").write_text(json.dumps({"instance": "i1", "machines": entries}))
    asked: list[str] = []

    def once(entry: dict[str, Any], request: dict[str, Any], timeout: float,
             session: Any = None) -> dict[str, Any]:
        asked.append(entry["name"])
        assert request == {"op": "down", "lab": "sp", "instance": "i1"}
        return {"removed": [f"sp-{entry['name']}"], "failed": []}

    monkeypatch.setattr(spread, "_once", once)
    with pytest.raises(UsageError, match="has no machine 'z'"):
        spread.down("sp", "z")
    out = spread.down("sp", "c")  # c is gone for good: not reached; b was pending: tried
    assert asked == ["b"] and out["removed"] == {"b": ["sp-b"]} and out["forgotten"] == ["c"]
    assert not (tmp_path / "sp.json").exists() and not (tmp_path / ".sp.lock").exists()


def test_up_of_a_lab_across_machines_refuses_persist_before_reaching_any(
        tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    from nslab.cli import main

    if os.geteuid() != 0:
        pytest.skip("up asks for root first")
    f = tmp_path / "sp.yaml"
    f.write_text(LAB)
    assert main(["up", str(f), "--persist"]) == 2
    assert "does not come back after a reboot" in capsys.readouterr().err


def test_a_capture_streamed_from_another_machine_is_read_back_packet_by_packet() -> None:
    """What a machine's capture streams (pcapng with its statistics block once
    every interface is named) becomes the controller's packets: interfaces
    renumbered from the stream's base, timestamps, directions, cut lengths;
    a block split across reads waits for its end."""
    import os

    from nslab.kernel.capture import Packet, PcapngSource, PcapngWriter

    chunks: list[bytes] = []

    class Out:
        def write(self, data: bytes) -> None:
            chunks.append(data)

        def flush(self) -> None:
            pass

    w = PcapngWriter(Out(), ["r1:eth2", "h3:eth0"], announce=True)
    head = b"".join(chunks)
    sent = [Packet(1_700_000_000_123_456_789, 1, b"\x01" * 61, 61, True),
            Packet(1_700_000_000_223_456_789, 0, b"\x02" * 64, 1500, False)]
    chunks.clear()
    for p in sent:
        w.write(p)
    body = b"".join(chunks)
    r, wfd = os.pipe()
    try:
        src = PcapngSource(r, head[:5])  # what came with the agent's answer
        os.write(wfd, head[5:] + body[:30])
        assert src.announced() and src.names == ["r1:eth2", "h3:eth0"]
        src.base = 3
        assert list(src.packets()) == []  # the first packet's block is not whole yet
        os.write(wfd, body[30:])
        os.close(wfd)
        wfd = -1
        got = list(src.packets())
        assert got == [Packet(p.ts_ns, p.iface + 3, p.data, p.length, p.outgoing) for p in sent]
        assert src.done
    finally:
        os.close(r)
        if wfd >= 0:
            os.close(wfd)


def test_a_capture_across_machines_goes_to_each_nodes_machine_and_a_link_to_both_ends(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nslab.running import spread
    from nslab.state import across as records

    monkeypatch.setattr(records, "RECORDS", str(tmp_path))
    (tmp_path / "sp.json").write_text(json.dumps({"machines": [
        {"name": "m1", "nodes": ["h1", "r1"], "state": "up"},
        {"name": "m3", "nodes": ["r3", "h3"], "state": "up"}], "cross": [
        {"ends": [{"node": "r1", "iface": "eth2"}, {"node": "r3", "iface": "eth1"}]}]}))
    jobs = spread.capture_jobs("sp", ["r3/r1", "h1/r1", "h3:eth0", "h1"])
    assert [(e["name"], words) for e, words in jobs] == [
        ("m3", ["r3:eth1", "h3:eth0"]), ("m1", ["r1:eth2", "h1/r1", "h1"])]
    with pytest.raises(NslabError, match="has no link between h1 and h3"):
        spread.capture_jobs("sp", ["h1/h3"])
    with pytest.raises(NslabError, match="has no node 'x9'"):
        spread.capture_jobs("sp", ["x9:eth0"])


def test_an_agent_attaches_only_what_the_controller_may_run_there() -> None:
    out = io.StringIO()
    serve(io.StringIO(json.dumps({"op": "attach", "argv": ["up", "x.yaml"]}) + "\n"), out,
          "1.0", FakeKernel())
    answer = json.loads(out.getvalue())
    assert not answer["ok"] and "nslab up is not run for the controller" in answer["error"]


RELAY = ("import sys\nfrom nslab.errors import NslabError\n"
         "from nslab.kernel.remote import Stream, relay\n"
         "try:\n    s = Stream('m', ['sh', '-c', sys.argv[1]], {'op': 'attach'}, 10)\n"
         "except NslabError as e:\n    sys.exit(f'{e} ({int(e.exit_code)})')\n"
         "sys.exit(relay(s, False))\n")


def _relayed(agent: str, given: bytes) -> subprocess.CompletedProcess[bytes]:
    """What a verb attached through a transport (`agent`: a shell stand-in for
    the agent: it answers the request, then is the verb) makes of `given`."""
    return subprocess.run([sys.executable, "-c", RELAY, agent], input=given,
                          capture_output=True, timeout=60)


def test_a_verb_attached_on_another_machine_gets_stdin_and_gives_its_output_and_exit() -> None:
    ok = 'read request; echo \'{"ok": true}\'; '
    r = _relayed(ok + "tr a-z A-Z; exit 3", b"across machines\n")
    assert r.returncode == 3 and r.stdout == b"ACROSS MACHINES\n"
    # a verb that reads nothing while it prints a lot, stdin pushing a lot: no deadlock
    r = _relayed(ok + "head -c 3000000 /dev/zero", b"x" * 3_000_000)
    assert r.returncode == 0 and len(r.stdout) == 3_000_000
    # the agent's refusal: its message and exit code, nothing run
    r = _relayed("read request; echo '{\"ok\": false, \"error\": \"no such lab\", \"code\": 4}'",
                 b"")
    assert b"machine m: no such lab (4)" in r.stderr and r.stdout == b""


def test_a_throughput_between_machines_is_skipped_and_a_path_walked_across_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """nslab test across machines: each expectation goes to the machine of its
    node; a throughput between two machines is said skipped, not failed."""
    from nslab.model.lab import Expectation
    from nslab.records import verdicts as vd
    from nslab.running import paths, spread
    from nslab.verbs import test as testing

    m1, m2 = {"name": "m1"}, {"name": "m2"}
    monkeypatch.setattr(spread, "crossings",
                        lambda lab: ({"h1": m1, "r1": m1, "h3": m2}, {}, {}))
    asked: list[tuple[str, dict[str, Any]]] = []

    def ask_each(jobs: list[tuple[dict[str, Any], dict[str, Any]]], timeout: float,
                 session: Any = None) -> list[dict[str, Any]]:
        asked.extend((e["name"], r) for e, r in jobs)
        return [{"results": [{"index": i, "text": "t", "kind": "reach", "status": "pass",
                              "detail": "reply", "attempts": 1, "hint": None}
                             for i in r["indexes"]]} for _e, r in jobs]

    monkeypatch.setattr(spread, "ask_each", ask_each)
    monkeypatch.setattr(paths, "walk_across", lambda lab, src, a, dst, session: vd.Path(
        src, a, dst, True, (vd.Hop("sp-h1", "h1", None, "eth0", None, None),
                            vd.Hop("sp-h3", "h3", "eth0", None, None, None)), None, None))

    def exp(index: int, kind: str, src: str, dst: str, via: str | None = None) -> Expectation:
        return Expectation(index, f"e{index}", kind, src, dst, "10.0.0.9",  # type: ignore[arg-type]
                           "icmp", None, True, via, 1e6 if kind == "throughput" else None)

    out = testing._across("sp", [exp(0, "throughput", "h1", "h3"), exp(1, "reach", "h3", "h1"),
                                 exp(2, "path", "h1", "h3", "h3"),
                                 exp(3, "throughput", "h1", "r1")], 1.0)
    assert [r.status for r in out] == ["skip", "pass", "pass", "pass"]
    assert "not measured between machines" in out[0].detail
    assert out[2].detail == "path: h1 -> h3"
    assert sorted((m, r["indexes"]) for m, r in asked) == [("m1", [3]), ("m2", [1])]


def test_a_session_asks_each_machine_on_one_connection_and_opens_a_lost_one_again(
        tmp_path: Path) -> None:
    """why and test across machines ask the same machines again and again:
    a Session keeps one connection (one agent) per machine; a connection that
    went away is opened again; close ends them all. (Stand-in agents: a shell
    loop that answers each request with how many connections its machine had.)"""
    from nslab.running.spread import Session, ask

    def entry(name: str) -> dict[str, Any]:
        log = tmp_path / name
        agent = (f"echo >> {log}; n=$(wc -l < {log}); while read -r line; do "
                 f'case "$line" in *quit*) exit 0;; esac; '
                 f'echo "{{\\"ok\\": true, \\"connections\\": $n}}"; done')
        return {"name": name, "transport": "command", "target": agent, "underlay": None}

    a, b = entry("a"), entry("b")
    with Session() as s:
        said = [s.ask(a, {"op": "walk"}, 10)["connections"] for _ in range(3)]
        said += [s.ask(b, {"op": "walk"}, 10)["connections"] for _ in range(2)]
        assert said == [1, 1, 1, 1, 1]
        with pytest.raises(NslabError, match="ended"):
            s.ask(a, {"op": "quit"}, 10)  # its agent went away
        assert s.ask(a, {"op": "walk"}, 10)["connections"] == 2  # opened again
        held = [ch for ch, _lock in s._open.values()]
    assert all(ch.proc.poll() is not None for ch in held)  # closed with the session
    assert ask(b, {"op": "walk"})["connections"] == 2  # without a session: one of its own
