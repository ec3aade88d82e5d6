"""Golden tests of the pure layers: every example has its expected plan (as
shell) beside it, every error case its expected error text.
Regenerate after an intended change with NSLAB_UPDATE_GOLDEN=1 and review the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nslab.errors import SpecError
from nslab.model.compile import compile_text
from nslab.model.serialize import lab_to_dict
from nslab.plan import plan
from nslab.plan.build import Plan
from nslab.plan.wire import wired
from nslab.views import graph

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml")) + sorted(
    (ROOT / "examples" / "handbook").glob("*.yaml"))
ERRORS = sorted((GOLDEN / "errors").glob("*.yaml"))
UPDATE = os.environ.get("NSLAB_UPDATE_GOLDEN") == "1"


def _compare(got: str, expected: Path) -> None:
    if UPDATE:
        expected.write_text(got)
    assert expected.exists(), f"no golden file {expected}: run with NSLAB_UPDATE_GOLDEN=1"
    assert got == expected.read_text()


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_plan(example: Path) -> None:
    lab = compile_text(example.read_text(), example.name)
    _compare(plan(lab).as_shell(), GOLDEN / "plans" / f"{example.stem}.sh")


DELAYED = [p for p in EXAMPLES if "delay:" in p.read_text()]


@pytest.mark.parametrize("example", DELAYED, ids=[p.stem for p in DELAYED])
def test_example_plan_through_the_wire(example: Path) -> None:
    """The plan of a lab with delays on a kernel without netem."""
    lab = compile_text(example.read_text(), example.name)
    wired_plan = Plan(lab.name, wired(plan(lab).steps, lab.name, "0"))
    _compare(wired_plan.as_shell(), GOLDEN / "plans" / f"{example.stem}.wire.sh")


def test_a_step_is_recorded_as_the_json_encoder_writes_it() -> None:
    """plan.json's lines (codec.step_text, written field by field for speed)
    are the JSON encoder's text of each step, for every step of every
    example's plan, through the wire too, and for values off the common path."""
    import json
    from ipaddress import ip_interface, ip_network

    from nslab.model.lab import Netem, Nexthop
    from nslab.plan.codec import step_from_json, step_text, step_to_json
    from nslab.plan.steps import AddAddress, AddRoute, RunCommand, SetRate

    encode = json.JSONEncoder(separators=(",", ":")).encode
    steps = []
    for example in EXAMPLES:
        lab = compile_text(example.read_text(), example.name)
        steps += [*plan(lab).steps, *wired(plan(lab).steps, lab.name, "0")]
    odd = [RunCommand("ns-é", "n\"ode", ("sh", "-c", "echo 'x\ty' ☃ \\")),
           AddAddress("ns", "eth0", ip_interface("2001:db8::1/64")),
           AddRoute("ns", ip_network("10.0.0.0/8"), (
               Nexthop(None, "eth1"), Nexthop(ip_interface("10.1.1.1/32").ip, None)), True),
           SetRate("ns", "eth0", 1.5e9), SetRate("ns", "eth0", float("inf"))]
    kinds = {type(s) for s in steps}
    assert len(kinds) > 15 and len(steps) > 500
    for s in [*steps, *odd]:
        assert step_text(s) == encode(step_to_json(s)), s
        assert step_from_json(json.loads(step_text(s))) == s
    assert any(isinstance(getattr(s, "netem", None), Netem) for s in steps)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_graph(example: Path) -> None:
    lab = compile_text(example.read_text(), example.name)
    data = lab_to_dict(lab)
    dot = graph.to_dot(data)
    _compare(dot, GOLDEN / "graphs" / f"{example.stem}.dot")
    _compare(graph.to_mermaid(data), GOLDEN / "graphs" / f"{example.stem}.mmd")
    # veths to the machine are edges too, and so is the machine's bridge to the machine
    machine = len(lab.machine.ends) + (lab.machine.bridge is not None) if lab.machine else 0
    assert len(graph.edges(data)) == len(lab.links) + machine == dot.count(" -- ")
    for node in lab.nodes:
        assert f'"{node.name}" [label=' in dot


def test_graph_of_a_running_lab_marks_links_down() -> None:
    lab = compile_text((ROOT / "examples" / "demo.yaml").read_text(), "demo.yaml")
    data = lab_to_dict(lab)
    state = {(n.name, i.name): "up" for n in lab.nodes for i in n.interfaces}
    state[("h3", "eth0")] = "down"
    dot = graph.to_dot(data, state)
    assert dot.count('color="#16a34a"') == len(lab.links) - 1
    line = next(x for x in dot.splitlines() if x.startswith('  "h3" -- "r1"'))
    assert "style=dashed" in line and 'xlabel="down / up"' in line
    assert "linkStyle 3 stroke:#dc2626" in graph.to_mermaid(data, state)


@pytest.mark.parametrize("case", ERRORS, ids=[p.stem for p in ERRORS])
def test_error_text(case: Path) -> None:
    with pytest.raises(SpecError) as info:
        compile_text(case.read_text(), case.name)
    got = "\n".join(info.value.lines) + "\n"
    for line in info.value.lines:
        assert line.startswith(f"{case.name}:"), line
    _compare(got, case.with_suffix(".err"))


def test_every_example_is_covered() -> None:
    plans = {p.stem for p in (GOLDEN / "plans").glob("*.sh")}
    assert plans == {p.stem for p in EXAMPLES} | {f"{p.stem}.wire" for p in DELAYED}


def test_a_large_lab_gets_a_layout_that_stays_fast() -> None:
    nodes = "\n".join(f"  r{i}: {{kind: router}}" for i in range(60))
    links = "\n".join(f"  - [r{i}, r{i + 1}]" for i in range(59))
    lab = compile_text(f"name: big\nnodes:\n{nodes}\nlinks:\n{links}\n", "big.yaml")
    assert "layout=sfdp" in graph.to_dot(lab_to_dict(lab)) and "splines=false" in \
        graph.to_dot(lab_to_dict(lab))
    small = compile_text((ROOT / "examples" / "demo.yaml").read_text(), "demo.yaml")
    assert "layout=neato" in graph.to_dot(lab_to_dict(small))


def test_the_machines_bridge_and_its_ends_in_a_running_lab() -> None:
    path = ROOT / "examples" / "handbook" / "ch07-bridge-three.yaml"
    data = lab_to_dict(compile_text(path.read_text(), path.name))
    status = {"nodes": [{"name": n["name"], "interfaces": [
        {"name": i["name"], "state": "up"} for i in n["interfaces"]]} for n in data["nodes"]],
        "machine": {"links": [], "bridge": {"name": "br0", "state": "up", "ports": [
            {"host_iface": f"veth-br{k}", "state": "up" if k != 2 else "down"}
            for k in (1, 2, 3)]}}}
    dot = graph.to_dot(data, graph.state_of(status))
    assert '"machine:br0" [label="br0 (this machine)\\n172.18.0.1/24"' in dot
    assert '"machine:br0" -- "machine"' in dot and 'label="br0 .1"' in dot
    downs = [line for line in dot.splitlines() if "style=dashed" in line]
    assert len(downs) == 1 and downs[0].startswith('  "ns2" -- "machine:br0"')
    assert dot.count('color="#16a34a"') == 3  # ns1, ns3 and the bridge to the machine


def _change_cases() -> list[tuple[str, str, str]]:
    """(name, the running lab's file, the new file): every change kind apply
    knows, both ways, and a routed lab whose daemons take a new configuration."""
    from tests.helpers.change_cases import BASE, CHANGES

    cases = [(kind, BASE, text) for kind, text in CHANGES.items()]
    cases += [(f"{kind}-back", text, BASE) for kind, text in CHANGES.items()]
    ring = (ROOT / "examples" / "ospf-ring.yaml").read_text()
    cases.append(("ospf-link-added", ring, ring.replace("  - [h4, r4]\n",
                                                        "  - [h4, r4]\n  - [r2, r5]\n")))
    cases.append(("same-file", BASE, BASE))
    return cases


CHANGE_CASES = _change_cases()


@pytest.mark.parametrize("case", CHANGE_CASES, ids=[c[0] for c in CHANGE_CASES])
def test_change_steps(case: tuple[str, str, str]) -> None:
    """What apply does for a change, as the commands a person would type: a
    change in the engine shows here as a diff to review."""
    from nslab.plan.diff import changes

    name, before, after = case
    old = plan(compile_text(before, "lab.yaml"), None, "0")
    new = plan(compile_text(after, "lab.yaml"), None, "0")
    change = changes(old.steps, new)
    summary = [f"# nodes added {list(change.nodes_added)}, removed {list(change.nodes_removed)}"
               f", remade {list(change.nodes_remade)}, changed {list(change.nodes_changed)}",
               f"# links added {list(change.links_added)}, removed {list(change.links_removed)}"]
    _compare("\n".join(summary) + "\n" + change.as_shell(), GOLDEN / "changes" / f"{name}.sh")
