"""What nslab reads from a running lab, through the seam (Kernel.read_namespace,
read_machine, read_routes, machine_links), against the fake kernel: status,
convergence, the machine links nslab may delete, gc's marks. Pure: no root."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import ip_network
from pathlib import Path

import pytest

from nslab.kernel import netlink as nl
from nslab.kernel.fake import FakeKernel
from nslab.model.compile import compile_text
from nslab.model.lab import Lab
from nslab.running import converge, machine_side, status
from nslab.state import journal
from nslab.verbs import down as down_verb
from nslab.verbs import up as up_verb

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "state"
    monkeypatch.setattr(journal, "ROOT", str(root))
    yield root


def up(name: str) -> tuple[Lab, FakeKernel]:
    path = ROOT / "examples" / name
    lab = compile_text(path.read_text(), path.name)
    fake = FakeKernel()
    up_verb.up(lab, kernel=fake)
    return lab, fake


def test_status_reads_every_node_through_the_seam() -> None:
    lab, fake = up("demo.yaml")
    st = status.status(lab.name, kernel=fake)
    assert st["state"] == "up" and all(n["present"] for n in st["nodes"])
    for n, node in zip(st["nodes"], lab.nodes, strict=True):
        assert [i["state"] for i in n["interfaces"]] == ["up"] * len(node.interfaces)
        assert [sorted(i["addresses"]) for i in n["interfaces"]] == \
            [sorted(str(a) for a in i.addresses) for i in node.interfaces]
    # a link set down, then a namespace gone: status says so, node by node
    h1 = lab.node("h1")
    ns = fake.namespaces[fake.names[h1.namespace]]
    next(li for li in ns.links.values() if li.name == h1.interfaces[0].name).up = False
    st = status.status(lab.name, kernel=fake)
    assert st["nodes"][0]["interfaces"][0]["state"] == "down" and st["state"] == "up"
    del fake.names[lab.node("h2").namespace]
    st = status.status(lab.name, kernel=fake)
    gone = next(n for n in st["nodes"] if n["name"] == "h2")
    assert not gone["present"] and st["state"] == "damaged"
    assert {i["state"] for i in gone["interfaces"]} == {"missing"}


def test_status_reads_the_machine_side_through_the_seam() -> None:
    lab, fake = up("handbook/ch04-bridge-to-root.yaml")
    machine = status.status(lab.name, kernel=fake)["machine"]
    bridge = machine["bridge"]
    assert bridge["state"] == "up" and bridge["live_addresses"] == sorted(bridge["addresses"])
    m = fake.namespaces[fake.machine]
    del m.links[next(i for i, li in m.links.items() if li.name == bridge["name"])]
    assert status.status(lab.name, kernel=fake)["machine"]["bridge"]["state"] == "missing"


def test_convergence_is_read_from_each_routers_table() -> None:
    """A router's table lacks what its daemons have not learnt yet; once every
    prefix is there (here put in by hand, as a daemon would), wait returns."""
    lab, fake = up("ospf-ring.yaml")
    want = converge.expected(lab.name)
    assert want and all(prefixes for _ns, prefixes in want.values())
    lacking = converge.missing(converge.opened(want, fake), fake)
    assert lacking == {node: sorted(p) for node, (_ns, p) in want.items()}
    slept: list[float] = []
    now = [0.0]  # the clock moves only when the wait sleeps

    def clock() -> float:
        return now[0]

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    result = converge.wait(lab.name, 0.0, kernel=fake, sleep=sleep, clock=clock)
    assert not result.complete and result.missing == lacking and slept == []

    def learn(first: bool) -> None:
        """What the daemons would put in each table: all but the first prefix
        of each router, or that first one."""
        for node, (ns, prefixes) in want.items():
            ref = fake.open_namespace(ns)
            oif = fake.link_indexes(ref)[lab.node(node).interfaces[0].name]
            for p in sorted(prefixes)[:1] if first else sorted(prefixes)[1:]:
                net = ip_network(p)
                assert fake.transact(ref, [(nl.new_route(
                    str(net.network_address), net.prefixlen, [(None, oif)]), None)]) == []
            fake.release(ref)

    learn(first=False)
    assert converge.missing(converge.opened(want, fake), fake) == \
        {n: sorted(p)[:1] for n, (_ns, p) in want.items()}
    learnt: list[bool] = []

    def sleep_and_learn(s: float) -> None:
        sleep(s)
        if not learnt:
            learn(first=True)
            learnt.append(True)

    now[0] = 0.0
    result = converge.wait(lab.name, 60.0, kernel=fake, sleep=sleep_and_learn, clock=clock)
    assert result.complete and result.missing == {} and result.routers == len(want)
    # one wait, then every table was whole: complete from then, once it stayed so
    assert result.seconds == converge.POLL
    assert sum(slept) >= converge.POLL + converge.SETTLE


def test_only_the_machine_links_nslab_recorded_are_deleted() -> None:
    fake = FakeKernel()
    fake.add_foreign_link("docker0", alias="docker's")
    fake.add_foreign_link("nsl-x", alias="nslab lab x")
    index = fake.machine_links()["nsl-x"][0]
    # claimed by name and alias: deleted; claimed with another alias: not ours
    assert machine_side.delete_ours(fake, {"docker0": "nslab lab x"}, {}) == ([], [])
    assert machine_side.delete_ours(fake, {"nsl-x": "nslab lab x"}, {}) == (["nsl-x"], [])
    assert "docker0" in fake.machine_links() and "nsl-x" not in fake.machine_links()
    # claimed by the index recorded before it had its alias
    fake.add_foreign_link("nsl-y")
    index = fake.machine_links()["nsl-y"][0]
    assert machine_side.delete_ours(fake, {"nsl-y": "nslab lab y"}, {"nsl-y": index + 1}) \
        == ([], [])
    assert machine_side.delete_ours(fake, {"nsl-y": "nslab lab y"}, {"nsl-y": index}) \
        == (["nsl-y"], [])


def test_a_refused_delete_is_named_and_the_rest_go_on() -> None:
    fake = FakeKernel()
    fake.add_foreign_link("nsl-a", alias="nslab lab a")
    fake.add_foreign_link("nsl-b", alias="nslab lab b")
    fake.fail_at = fake.effects + 1  # the first delete is refused
    deleted, failed = machine_side.delete_ours(fake, {"nsl-a": "nslab lab a",
                                                      "nsl-b": "nslab lab b"}, {})
    assert deleted == ["nsl-b"] and failed == ["link nsl-a on this machine: injected failure"]


def test_each_namespace_of_a_lab_carries_its_mark() -> None:
    lab, fake = up("demo.yaml")
    marks = {n.namespace: fake.namespace_marker(n.namespace) for n in lab.nodes}
    assert all(m and m.startswith("nslab ") and lab.name in m for m in marks.values()), marks
    assert down_verb.down(lab.name, kernel=fake).failed == []
    assert all(fake.namespace_marker(n.namespace) is None for n in lab.nodes)


def test_convergence_expects_only_what_can_still_be_reached() -> None:
    """A link set down takes its subnet out of every table (both ends lose
    their carrier); a stopped router takes its loopback and the subnets only
    it reaches; a router cut off expects nothing of the other side."""
    from nslab.model.recorded import lab_from_dict
    from nslab.model.serialize import lab_to_dict

    path = ROOT / "examples" / "ospf-ring.yaml"
    lab = compile_text(path.read_text(), path.name)
    rec = lab_from_dict(lab_to_dict(lab))
    whole = converge.within_reach(rec, set(), set())
    assert whole == {n.name: (n.namespace, {str(p) for p in n.expected})
                     for n in lab.nodes if n.expected}
    r1, r2 = lab.node("r1"), lab.node("r2")
    link = next(i for i in r1.interfaces if i.peer_node == "r2")
    subnet = str(link.addresses[0].network)
    cut = converge.within_reach(rec, {("r1", link.name)}, set())
    assert all(subnet not in prefixes for _ns, prefixes in cut.values())
    assert {n: p | {subnet} for n, (_ns, p) in cut.items() if subnet in whole[n][1]} == \
        {n: p for n, (_ns, p) in whole.items() if subnet in p}  # nothing else lost: a ring
    stopped = converge.within_reach(rec, set(), {"r2"})
    assert "r2" not in stopped
    loop = str(r2.loopback.network) if r2.loopback else ""
    assert loop and all(loop not in p for _ns, p in stopped.values())
    alone = converge.within_reach(rec, {("r2", i.name) for i in r2.interfaces}, set())
    assert alone["r2"][1] == set()  # cut off: it expects nothing


def test_a_link_down_by_nslab_link_is_taken_into_account() -> None:
    from nslab.running import links

    lab, fake = up("ospf-ring.yaml")
    before = converge.expected(lab.name)
    links.change(lab.name, ["r1", "r2"], "down", kernel=fake)
    after = converge.expected(lab.name)
    link = next(i for i in lab.node("r1").interfaces if i.peer_node == "r2")
    subnet = str(link.addresses[0].network)
    assert any(subnet in p for _ns, p in before.values())
    assert not any(subnet in p for _ns, p in after.values())
    links.change(lab.name, ["r1", "r2"], "up", kernel=fake)
    assert converge.expected(lab.name) == before


def test_check_reads_the_machines_end_of_a_labs_veth() -> None:
    """A veth from a node to the machine is whole when the machine's end is
    its peer (was: reported as someone else's link on every check)."""
    from nslab.verbs import check as check_verb

    lab, fake = up("handbook/ch04-bridge-to-root.yaml")
    assert check_verb.check(lab.name, kernel=fake).ok
    m = fake.namespaces[fake.machine]
    del m.links[next(i for i, li in m.links.items() if li.name == "veth-br1")]
    found = check_verb.check(lab.name, kernel=fake)
    assert not found.ok and any("veth-ns1" in d.what for d in found.differences)


def test_a_listener_counts_only_in_the_namespace_waited_for() -> None:
    """A process started by `ip netns exec` is in its parent's namespace until
    it has entered its own: a listener seen there is not the one waited for."""
    import os

    from nslab.kernel import procs

    here = os.stat("/proc/self/ns/net").st_ino
    assert procs._in(os.getpid(), here) and procs._in(os.getpid(), None)
    assert not procs._in(os.getpid(), here + 1)
    assert not procs.wait_listening(os.getpid(), 1, timeout=0.05, netns=here + 1)


@pytest.mark.parametrize("private", [True, False])
def test_sysctls_read_through_a_private_procfs_or_proc_alike(
        private: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """nslab.kernel.sysctl reads through a detached procfs of its own where it
    may make one (root) and through /proc otherwise: the same values, and past
    the uses of one instance too."""
    from nslab.kernel import sysctl

    monkeypatch.setattr(sysctl, "_proc", [])
    monkeypatch.setattr(sysctl, "_uses", 0)
    monkeypatch.setattr(sysctl, "_unavailable", not private)
    want = Path("/proc/sys/net/ipv4/ip_forward").read_text().strip()
    for _ in range(sysctl._RENEW + 2):
        assert sysctl.read("net.ipv4.ip_forward") == want
    assert sysctl.number("ipv4/conf/lo/forwarding") == int(
        Path("/proc/sys/net/ipv4/conf/lo/forwarding").read_text())
    assert sysctl.number("ipv4/conf/no-such-link/forwarding") is None
    with pytest.raises(ValueError, match="not a network sysctl"):
        sysctl.read("kernel.hostname")
    assert len(sysctl._proc) <= 1  # an instance at most is kept
