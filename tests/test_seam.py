"""up and down against the fake kernel (nslab.kernel.fake), no root: for
every example lab and every effect K of its `up`,
- a failure at K rolls back to exactly the kernel and the records before;
- a crash after K (no rollback: the process dies), then `down` from the
  journal alone, leaves exactly the kernel and the records before;
and objects that are someone else's are never deleted; `down` twice, and
`down` of a lab that never came up, are fine."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from nslab.errors import NslabError
from nslab.kernel.fake import Crash, FakeKernel
from nslab.model.compile import compile_text
from nslab.model.lab import Lab
from nslab.state import journal
from nslab.verbs import down as down_verb
from nslab.verbs import up as up_verb

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted([*(ROOT / "examples").glob("*.yaml"),
                   *(ROOT / "examples" / "handbook").glob("*.yaml")])


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """nslab's records in a folder of the test's own."""
    root = tmp_path / "state"
    monkeypatch.setattr(journal, "ROOT", str(root))
    yield root


def lab_of(path: Path) -> Lab:
    return compile_text(path.read_text(), path.name)


def records(root: Path) -> list[str]:
    """What nslab keeps under its state folder, locks left out."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if not p.name.endswith(".lock"))


# every example; those with a delay once more on a kernel without netem (the wire)
CASES = [(p, ()) for p in EXAMPLES] + [(p, ("netem",)) for p in EXAMPLES
                                        if "delay:" in p.read_text()]
IDS = [p.stem + ("-wire" if missing else "") for p, missing in CASES]


def effects_of(lab: Lab, missing: tuple[str, ...] = ()) -> int:
    fake = FakeKernel(missing=missing)
    up_verb.up(lab, kernel=fake)
    n = fake.effects
    assert bool(fake.relays) == bool(missing), "the wire only where netem is missing"
    assert down_verb.down(lab.name, kernel=fake).failed == []
    return n


@pytest.mark.parametrize(("example", "missing"), CASES, ids=IDS)
def test_a_failure_at_any_step_rolls_back_to_nothing(example: Path, missing: tuple[str, ...],
                                                     state_dir: Path) -> None:
    lab = lab_of(example)
    n = effects_of(lab, missing)
    assert n > 0
    for k in range(1, n + 1):
        fake = FakeKernel(fail_at=k, missing=missing)
        before = fake.snapshot()
        with pytest.raises(NslabError) as info:
            up_verb.up(lab, kernel=fake)
        assert not getattr(info.value, "__notes__", None), (k, info.value.__notes__)
        assert fake.snapshot() == before, f"failure at effect {k} of {n} left something"
        assert records(state_dir) == [], f"failure at effect {k}: records left"


@pytest.mark.parametrize(("example", "missing"), CASES, ids=IDS)
def test_down_after_a_crash_at_any_step_leaves_nothing(example: Path, missing: tuple[str, ...],
                                                       state_dir: Path) -> None:
    lab = lab_of(example)
    n = effects_of(lab, missing)
    for k in range(0, n + 1):
        fake = FakeKernel(crash_after=k, missing=missing)
        before = fake.snapshot()
        with pytest.raises(Crash):
            up_verb.up(lab, kernel=fake)
        fake.restart()  # a new nslab process, the dead one's handles gone
        result = down_verb.down(lab.name, kernel=fake)
        assert result.failed == [], (k, result.failed)
        assert fake.snapshot() == before, f"crash after effect {k} of {n}: down left something"
        assert records(state_dir) == [], f"crash after effect {k}: records left"


def test_someone_elses_objects_are_never_deleted(state_dir: Path) -> None:
    lab = lab_of(ROOT / "examples" / "egress-nat.yaml")
    fake = FakeKernel()
    theirs = fake.add_foreign_namespace("theirs")
    fake.add_foreign_process(theirs)
    fake.add_foreign_link("docker0", addresses=["172.17.0.1/16"])
    fake.add_foreign_file("/etc/netns/theirs/hosts", "192.0.2.1 theirs\n")
    up_verb.up(lab, kernel=fake)
    # a namespace of the lab replaced by someone else's under the same name
    h1 = lab.node("h1").namespace
    del fake.names[h1]
    fake.add_foreign_namespace(h1)
    result = down_verb.down(lab.name, kernel=fake)
    assert result.skipped == [h1] and fake.violations == []
    assert fake.names.keys() == {"theirs", h1}
    assert "docker0" in fake.machine_links()
    assert fake.files["/etc/netns/theirs/hosts"] == "192.0.2.1 theirs\n"
    assert records(state_dir) == []


def test_a_name_someone_else_has_is_refused_before_anything_is_made(state_dir: Path) -> None:
    lab = lab_of(ROOT / "examples" / "handbook" / "ch04-bridge-to-root.yaml")
    fake = FakeKernel()
    fake.add_foreign_link("br0")
    before = fake.snapshot()
    with pytest.raises(NslabError, match="interface br0 already exists on this machine"):
        up_verb.up(lab, kernel=fake)
    assert fake.snapshot() == before and fake.effects == 0 and records(state_dir) == []


def test_down_twice_and_down_of_a_lab_never_up(state_dir: Path) -> None:
    lab = lab_of(ROOT / "examples" / "demo.yaml")
    fake = FakeKernel()
    before = fake.snapshot()
    assert not down_verb.down("never-up", kernel=fake).was_up
    up_verb.up(lab, kernel=fake)
    assert down_verb.down(lab.name, kernel=fake).was_up
    again = down_verb.down(lab.name, kernel=fake)
    assert not again.was_up and again.failed == []
    assert fake.snapshot() == before and records(state_dir) == []


def test_the_fake_answers_like_the_kernel(state_dir: Path) -> None:
    """What the lab looks like in the fake after up: the links, addresses and
    forwarding the plan asked for, so that the tests above test something."""
    lab = lab_of(ROOT / "examples" / "handbook" / "ch07-bridge-three.yaml")
    fake = FakeKernel()
    up_verb.up(lab, kernel=fake)
    m = fake.namespaces[fake.machine]
    br0 = next(li for li in m.links.values() if li.name == "br0")
    assert br0.up and br0.addresses == {"172.18.0.1/24"} and br0.alias.startswith("nslab hb07")
    ports = sorted(li.name for li in m.links.values() if li.master == br0.index)
    assert ports == ["veth-br1", "veth-br2", "veth-br3"]
    ns1 = fake.namespaces[fake.names["ns1"]]
    veth = ns1.by_name("veth-ns1")
    assert veth is not None and veth.up and veth.addresses == {"172.18.0.2/24"}
    assert ns1.sysctls["net.ipv4.ip_forward"] == "0"
    assert os.path.basename(ns1.links[1].alias or "").startswith("nslab lab=hb07 node=ns1")
    down_verb.down(lab.name, kernel=fake)
    assert "br0" not in fake.machine_links() and "ns1" not in fake.names


def test_the_kernels_sentence_reaches_the_error(state_dir: Path) -> None:
    from nslab.errors import KernelError
    from nslab.kernel import netlink as nl

    class Refusing(FakeKernel):
        def transact(self, ref: int, requests: list[tuple[nl.Request, object]]) -> \
                list[nl.NetlinkError]:
            if requests and requests[0][0].kind == nl.RTM_NEWROUTE:
                return [nl.NetlinkError(100, requests[0][1], "Device for nexthop is not up")]
            return super().transact(ref, requests)

    fake = Refusing()
    with pytest.raises(KernelError) as info:
        up_verb.up(lab_of(ROOT / "examples" / "demo.yaml"), kernel=fake)
    assert str(info.value).startswith("kernel refused: ip -n demo-h1 route add default via "
                                      "10.128.0.1 dev eth0: Network is down: Device for nexthop "
                                      "is not up")


def test_unreadable_journal_lines_are_skipped_and_said(state_dir: Path) -> None:
    lab = lab_of(ROOT / "examples" / "demo.yaml")
    fake = FakeKernel()
    before = fake.snapshot()
    up_verb.up(lab, kernel=fake)
    journal = state_dir / lab.name / "journal.jsonl"
    with open(journal, "ab") as f:  # not UTF-8, a record without its name, not a record
        f.write(b'\xff\xfe{"t":"ns"\n{"t":"ns"}\n[1, 2]\n{"t":"file"}\n')
    result = down_verb.down(lab.name, kernel=fake)
    assert result.failed == [] and len(result.removed) == len(lab.nodes)
    assert result.notes == ["skipped 4 line(s) of the journal it could not read"]
    assert fake.snapshot() == before and records(state_dir) == []


def test_two_torn_halves_of_journal_lines_are_two_bad_lines(state_dir: Path) -> None:
    """Each line is read as a record of its own, even where two halves would
    parse as one when read together."""
    from nslab.state.journal import Journal

    lab = lab_of(ROOT / "examples" / "demo.yaml")
    fake = FakeKernel()
    up_verb.up(lab, kernel=fake)
    journal = state_dir / lab.name / "journal.jsonl"
    with open(journal, "ab") as f:
        f.write(b'{"t":"ns","name":"x"\n,"node":"y"}\n')
    assert Journal(lab.name).read().bad_lines == 2
    down_verb.down(lab.name, kernel=fake)


def test_a_record_the_disk_takes_only_in_part_stops_up_before_its_step(
        state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """/run full: at every record of the journal in turn, the write comes
    back short; up stops there, rolls back, and leaves nothing."""
    lab = lab_of(ROOT / "examples" / "egress-nat.yaml")
    real_write = os.write
    calls = {"n": 0, "cut": 0}

    def short(fd: int, data: bytes) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith("journal.jsonl"):
            calls["n"] += 1
            if calls["n"] == calls["cut"]:
                return real_write(fd, data[:len(data) // 2])
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", short)
    fake = FakeKernel()
    up_verb.up(lab, kernel=fake)
    total = calls["n"]
    down_verb.down(lab.name, kernel=fake)
    assert total > 10
    for cut in range(1, total + 1):
        calls.update(n=0, cut=cut)
        fake = FakeKernel()
        before = fake.snapshot()
        with pytest.raises(NslabError, match=r"cannot record .* only .* bytes written; "
                                              r"nothing was made for it"):
            up_verb.up(lab, kernel=fake)
        assert fake.snapshot() == before, f"a short record {cut} of {total} left something"
        assert records(state_dir) == []


def test_labs_side_by_side_count_each_others_neighbours(state_dir: Path) -> None:
    def switch_lab(name: str) -> Lab:
        hosts = "".join(f"  h{i}: {{}}\n" for i in range(23))
        links = "".join(f"  - [h{i}, sw]\n" for i in range(23))
        return compile_text(f"name: {name}\nnodes:\n  sw: {{kind: switch}}\n{hosts}"
                            f"links:\n{links}", f"{name}.yaml")

    one, two = switch_lab("one"), switch_lab("two")
    assert one.neighbours.arp == 23 * 22  # fits alone under gc_thresh3 1024
    fake = FakeKernel()
    up_verb.up(one, kernel=fake)
    assert fake.thresh[4] == (128, 512, 1024)
    result = up_verb.up(two, kernel=fake)  # together they do not: raised
    assert fake.thresh[4][2] >= 2 * 506 + 256
    assert any("raised the ARP neighbour table limit" in n for n in result.notes)
    down_verb.down("two", kernel=fake)
    down_verb.down("one", kernel=fake)
    assert fake.thresh[4] == (128, 512, 1024) and records(state_dir) == []


@pytest.mark.parametrize("example", ["egress-nat", "handbook/ch07-bridge-three"])
def test_down_crashed_at_any_step_then_down_again_leaves_nothing(example: str,
                                                                 state_dir: Path) -> None:
    lab = lab_of(ROOT / "examples" / f"{example}.yaml")
    fake = FakeKernel()
    up_verb.up(lab, kernel=fake)
    start = fake.effects
    down_verb.down(lab.name, kernel=fake)
    n = fake.effects - start
    assert n > 0
    for k in range(0, n):
        fake = FakeKernel()
        before = fake.snapshot()
        up_verb.up(lab, kernel=fake)
        fake.crash_after = fake.effects + k  # the down dies after k of its effects
        with pytest.raises(Crash):
            down_verb.down(lab.name, kernel=fake)
        fake.restart()
        result = down_verb.down(lab.name, kernel=fake)
        assert result.failed == [], (k, result.failed)
        assert fake.snapshot() == before, f"down crashed after {k} of {n} effects"
        assert records(state_dir) == []


def test_a_lab_named_like_nslabs_own_locks_works(state_dir: Path) -> None:
    """The machine's lock is '.machine', which no lab name can be: a lab
    named host or machine does not deadlock on it."""
    for name in ("host", "machine"):
        lab = compile_text(f"name: {name}\nnodes: {{a: {{}}, b: {{}}}}\nlinks: [[a, b]]\n"
                           "host:\n  links: [{node: a}]\n", "x.yaml")
        fake = FakeKernel()
        up_verb.up(lab, kernel=fake)
        assert down_verb.down(name, kernel=fake).was_up and records(state_dir) == []
