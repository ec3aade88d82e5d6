"""The typed record of a running lab (nslab.model.recorded: one reader of
lab.json) and what the routing suites make of their daemons' answers
(nslab.suites: Suite.heard, Suite.started). Pure: no root, no daemons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nslab.errors import DamagedRecordError, LabNotFoundError, NotFoundError
from nslab.model.compile import compile_file
from nslab.model.recorded import lab_from_dict
from nslab.model.serialize import lab_to_dict
from nslab.state import journal
from nslab.suites import SUITES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_record_reads_back_what_up_wrote(path: Path) -> None:
    lab = compile_file(str(path))
    rec = lab_from_dict(json.loads(json.dumps(lab_to_dict(lab))))  # as lab.json holds it
    assert rec.name == lab.name
    assert [n.name for n in rec.nodes] == [n.name for n in lab.nodes]
    for n, m in zip(rec.nodes, lab.nodes, strict=True):
        assert n.namespace == m.namespace and n.kind == m.kind
        assert [(i.name, i.peer_end, i.rate_bps, i.loss, i.mtu) for i in n.interfaces] == \
            [(i.name, (i.peer_node, i.peer_name), i.rate_bps, i.loss, i.mtu)
             for i in m.interfaces]
        assert n.expected == tuple(str(p) for p in m.expected)
        if m.daemons is None:
            assert n.daemons is None
        else:
            assert n.daemons is not None
            assert (n.daemons.suite, n.daemons.daemons, n.daemons.protocols,
                    n.daemons.router_id, n.daemons.asn, n.daemons.ospf_neighbours) == \
                (m.daemons.suite, m.daemons.daemons, m.daemons.protocols,
                 m.daemons.router_id, m.daemons.asn, m.daemons.ospf_neighbours)
            assert [a for _, a in n.daemons.peers] == [a for _, a in m.daemons.peers]
    assert rec.tests == lab.tests
    assert rec.timeline == lab.timeline


def test_a_node_or_an_interface_that_is_not_there_is_named() -> None:
    lab = compile_file(str(ROOT / "examples" / "demo.yaml"))
    rec = lab_from_dict(lab_to_dict(lab))
    with pytest.raises(NotFoundError, match=r"no node 'zz' \(nodes: h1, h2, r1, sw1, h3\)"):
        rec.node("zz")
    with pytest.raises(NotFoundError, match="node 'h1' has no interface 'eth9' \\(it has eth0"):
        rec.node("h1").interface("eth9")
    r1 = next(n for n in lab.nodes if n.name == "r1")
    assert rec.node("r1").addresses() == {str(a.ip) for i in r1.interfaces for a in i.addresses}
    assert len(rec.node("r1").addresses()) >= 2


def test_lab_record_names_a_damaged_lab_json(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from nslab.running.record import lab_record

    monkeypatch.setattr(journal, "ROOT", str(tmp_path))
    with pytest.raises(LabNotFoundError, match="lab 'demo' is not up"):
        lab_record("demo")
    data = lab_to_dict(compile_file(str(ROOT / "examples" / "ospf-ring.yaml")))
    folder = tmp_path / data["name"]
    folder.mkdir()
    (folder / "journal.jsonl").write_text("")
    (folder / "lab.json").write_text(json.dumps(data))
    assert lab_record(data["name"]).node("r1").daemons is not None
    del next(n for n in data["nodes"] if n["daemons"])["daemons"]["suite"]
    (folder / "lab.json").write_text(json.dumps(data))
    with pytest.raises(DamagedRecordError, match=r"lab\.json is damaged: it does not read as a "
                                                 r"lab .*'suite'.*nslab down"):
        lab_record(data["name"])


FRR_OSPF = {"neighbors": {"10.255.0.2": [{"nbrState": "Full/-", "ifaceAddress": "10.0.0.2",
                                          "ifaceName": "eth0:10.0.0.1"}]}}
FRR_BGP = {"ipv4Unicast": {"peers": {"10.0.0.6": {"remoteAs": 65002, "state": "Established",
                                                  "pfxRcd": 3}}},
           "ipv6Unicast": {}}
BIRD_PROTOCOLS = """BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     10:00:00.000
ospf1      OSPF       master4    up     10:00:01.000  Running
"""
BIRD_OSPF = """BIRD 2.0.12 ready.
ospf1:
Router ID       Pri          State      DTime   Interface  Router IP
10.255.0.2        1     Full/PtP        3.456   eth1       10.0.0.2
"""


def test_frr_is_read_from_its_json() -> None:
    asked: list[list[str]] = []

    def ask(words: list[str]) -> str:
        asked.append(words)
        return json.dumps(FRR_OSPF if "ospf" in words[0] else FRR_BGP)

    heard = SUITES["frr"].heard(ask, ("ospf", "bgp"))
    assert heard.ospf_neighbours == [{"router_id": "10.255.0.2", "state": "Full/-",
                                      "address": "10.0.0.2", "interface": "eth0"}]
    assert heard.bgp_sessions == [{"address": "10.0.0.6", "asn": 65002,
                                   "state": "Established", "prefixes_received": 3}]
    assert asked == [["show ip ospf neighbor json"], ["show bgp summary json"]]
    assert SUITES["frr"].heard(lambda _w: "", ("ospf", "bgp")).ospf_neighbours == []
    assert SUITES["frr"].heard(lambda _w: "% not json", ("ospf",)).bgp_sessions == []
    only_bgp: list[list[str]] = []
    SUITES["frr"].heard(lambda w: only_bgp.append(w) or "", ("bgp",))
    assert only_bgp == [["show bgp summary json"]]  # no OSPF question to a BGP router


def test_bird_is_read_from_its_tables() -> None:
    def ask(words: list[str]) -> str:
        return BIRD_OSPF if "ospf" in words else BIRD_PROTOCOLS

    heard = SUITES["bird"].heard(ask, ("ospf",))
    assert heard.ospf_neighbours == [{"router_id": "10.255.0.2", "state": "Full/PtP",
                                      "address": "10.0.0.2", "interface": "eth1"}]
    assert [p[0] for p in heard.more["bird_protocols"]] == ["device1", "ospf1"]
    assert SUITES["bird"].heard(lambda _w: "", ("ospf",)).ospf_neighbours == []


# birdc show protocols all, as BIRD 2.0.12 says it (cut short)
BIRD_ALL = """BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
direct1    Direct     ---        up     03:46:45.169
  Channel ipv4
    State:          UP
    Routes:         4 imported, 0 exported, 4 preferred
bgp-t2     BGP        ---        up     03:46:49.468  Established
  BGP state:          Established
    Neighbor address: 10.60.0.13
    Neighbor AS:      64502
    Local AS:         64700
    Neighbor capabilities
      Hostname: t2
      Role: provider
    Hold timer:       2.016/3
  Channel ipv4
    State:          UP
    Routes:         9 imported, 4 exported, 0 preferred
bgp-b-v6   BGP        ---        start  03:47:31.167  Idle          BGP Error: Required capability
  BGP state:          Idle
    Neighbor address: fd00:62::2
    Neighbor AS:      65002
    Local AS:         65001
  Channel ipv6
    State:          DOWN

bfd1       BFD        ---        up     03:46:45.169
"""


def test_bird_sessions_are_read_from_its_protocols() -> None:
    asked: list[list[str]] = []

    def ask(words: list[str]) -> str:
        asked.append(words)
        return BIRD_ALL if words[-1] == "all" else BIRD_PROTOCOLS

    heard = SUITES["bird"].heard(ask, ("bgp",))
    assert heard.bgp_sessions == [
        {"address": "10.60.0.13", "asn": 64502, "state": "Established", "prefixes_received": 9},
        {"address": "fd00:62::2", "asn": 65002, "state": "Idle", "prefixes_received": None}]
    # OSPF asked of each OSPF protocol by name (two with IPv6: one must be named)
    assert ["show", "ospf", "neighbors", "ospf1"] in asked
    assert SUITES["bird"].heard(lambda _w: "", ("bgp",)).bgp_sessions == []


def test_a_suite_starts_its_optional_daemons_only_where_the_machine_has_them() -> None:
    frr, bird = SUITES["frr"], SUITES["bird"]
    assert frr.started(("zebra", "ospfd"), frozenset()) == ("zebra", "ospfd")
    assert frr.started(("zebra", "ospfd"), frozenset({"mgmtd"})) == ("zebra", "mgmtd", "ospfd")
    assert frr.started(("zebra", "mgmtd"), frozenset({"mgmtd"})) == ("zebra", "mgmtd")
    assert bird.started(("bird",), frozenset({"mgmtd"})) == ("bird",)
    assert {d for s in SUITES.values() for d, _ in s.optional} == {"mgmtd"}


def test_every_suite_has_a_configuration_writer_and_a_key_in_the_file() -> None:
    """A suite is a runtime class (nslab.suites), a writer (nslab.model.WRITERS)
    and a node key of its own name (frr:, bird:), all three."""
    from nslab.model.daemons import WRITERS
    from nslab.model.roles import SUITE_NAMES
    from nslab.spec.schema import NodeSpec

    assert set(WRITERS) == set(SUITES) and tuple(WRITERS) == SUITE_NAMES
    assert set(SUITES) <= set(NodeSpec.model_fields)


def test_lab_json_is_read_once_per_version_of_the_file(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """One command's readers share one read of lab.json (100 MB for a
    1,000-router lab with computed routes); a new file (apply) is read again,
    a lab taken down is not up any more."""
    from nslab.running.record import lab_record

    monkeypatch.setattr(journal, "ROOT", str(tmp_path))
    data = lab_to_dict(compile_file(str(ROOT / "examples" / "demo.yaml")))
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "journal.jsonl").write_text("")
    (folder / "lab.json").write_text(json.dumps(data))
    first = lab_record("demo")
    assert lab_record("demo") is first
    data["nodes"][0]["name"] = "h0"
    (folder / "new.json").write_text(json.dumps(data))
    (folder / "new.json").replace(folder / "lab.json")  # as nslab writes a record
    again = lab_record("demo")
    assert again is not first and again.nodes[0].name == "h0"
    (folder / "journal.jsonl").unlink()
    with pytest.raises(LabNotFoundError):
        lab_record("demo")
