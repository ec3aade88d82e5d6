"""A picture of a lab: Graphviz DOT and Mermaid text. Pure: it takes the lab as
plain data (the shape of `nslab validate --json`'s "lab", which is also what a
running lab records), and, for a running lab, the state of every interface.

Nodes are drawn by kind (hosts as boxes, routers as ellipses, switches as
flat grey boxes with their subnet); a point-to-point link carries its subnet,
and each end its interface name and address.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_interface
from typing import Any

State = dict[tuple[str, str], str]  # (node, interface) -> operstate, for a running lab


@dataclass(frozen=True)
class End:
    node: str
    iface: str
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Edge:
    a: End
    b: End
    subnets: tuple[str, ...]


def _subnets(lab: dict[str, Any]) -> dict[tuple[str, str], tuple[str, ...]]:
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for seg in lab["segments"]:
        for m in seg["members"]:
            node, iface = m.split(":", 1)
            out[(node, iface)] = tuple(seg["subnets"])
        for sw in seg["switches"]:
            out[(sw, "")] = tuple(seg["subnets"])
    return out


def _bridge_id(lab: dict[str, Any]) -> str | None:
    """The node that stands for the machine's bridge, when the lab has one."""
    side = lab.get("machine")
    return f"{MACHINE}:{side['bridge']['name']}" if side and side.get("bridge") else None


def edges(lab: dict[str, Any]) -> list[Edge]:
    nets = _subnets(lab)
    ends = {(n["name"], i["name"]): (i["peer"], tuple(i["addresses"]))
            for n in lab["nodes"] for i in n["interfaces"]}
    bridge = _bridge_id(lab)
    ports = {p["host_iface"] for p in lab["machine"]["bridge"]["ports"]} if bridge else set()
    out = []
    for (node, iface), (peer, addrs) in ends.items():
        pnode, piface = peer.split(":", 1)
        if (pnode, piface) < (node, iface) and (pnode, piface) in ends:
            continue  # each link once
        if bridge and pnode == MACHINE and piface in ports:
            pnode = bridge  # a port of the machine's bridge: drawn to the bridge
        paddrs = ends.get((pnode, piface), ("", ()))[1]
        subnets = nets.get((node, iface)) or nets.get((pnode, piface)) or ()
        out.append(Edge(End(node, iface, addrs), End(pnode, piface, paddrs), subnets))
    if bridge:
        b = lab["machine"]["bridge"]
        out.append(Edge(End(bridge, "", ()), End(MACHINE, b["name"], tuple(b["addresses"])),
                        ()))
    return out


def state_of(status: dict[str, Any]) -> State:
    """Every drawn end's state, from `nslab status --json` (the machine's ends
    too: a veth to the machine is up when both its ends are)."""
    state = {(n["name"], i["name"]): i["state"] for n in status["nodes"]
             for i in n["interfaces"]}
    side = status.get("machine")
    if side:
        for e in side["links"]:
            state[(MACHINE, e["host_iface"])] = e["state"]
        b = side.get("bridge")
        if b:
            bid = f"{MACHINE}:{b['name']}"
            state[(bid, "")] = state[(MACHINE, b["name"])] = b["state"]
            for p in b["ports"]:
                state[(bid, p["host_iface"])] = p["state"]
    return state


def _short(addresses: tuple[str, ...]) -> str:
    """The host part people need next to an interface: 10.0.9.1/30 -> .1"""
    parts = []
    for a in addresses:
        ip = ip_interface(a).ip
        parts.append("." + str(ip).rsplit(".", 1)[1] if ip.version == 4 else str(ip))
    return " ".join(parts)


MACHINE = "machine"  # an interface whose peer is the machine nslab runs on


def kinds_of(lab: dict[str, Any]) -> dict[str, str]:
    kinds: dict[str, str] = {n["name"]: n["kind"] for n in lab["nodes"]}
    if any(i["peer"].split(":", 1)[0] == MACHINE for n in lab["nodes"]
           for i in n["interfaces"]) and MACHINE not in kinds:
        kinds[MACHINE] = "machine"
    bridge = _bridge_id(lab)
    if bridge:
        kinds[bridge] = "bridge"
    return kinds


SWITCHES = ("switch", "bridge")  # drawn as a box with its members' ports on the edges


def _label(name: str, kind: str, lab: dict[str, Any],
           nets: dict[tuple[str, str], tuple[str, ...]], sep: str) -> str:
    if kind == "switch":
        return sep.join([name, *nets.get((name, ""), ())])
    if kind == "bridge":
        b = lab["machine"]["bridge"]
        return sep.join([f"{b['name']} (this machine)", *b["addresses"]])
    return name


_DOT_SHAPE = {
    "machine": 'shape=box3d style=filled fillcolor="#d1fae5" label="this machine"',
    "host": 'shape=box style="rounded,filled" fillcolor="#dbeafe"',
    "router": 'shape=ellipse style=filled fillcolor="#fde68a"',
    "switch": 'shape=box style=filled fillcolor="#e5e7eb" height=0.3',
    "bridge": 'shape=box style=filled fillcolor="#a7f3d0" height=0.3',
}

BIG = 40  # nodes: above this, a layout that stays fast up to thousands of nodes


def _layout(count: int) -> str:
    """neato with curved edges draws a small lab well and a large one in
    minutes (450 nodes: 6 min); sfdp with straight edges draws 1,000 in seconds."""
    if count <= BIG:
        return 'layout=neato overlap=false sep="+12" splines=true'
    return 'layout=sfdp overlap=prism sep="+6" splines=false'



def _q(s: str) -> str:
    """A DOT string; a backslash is kept as it is (labels use \\n for new lines)."""
    return '"' + s.replace('"', '\\"') + '"'


def _edge_style(e: Edge, state: State | None) -> str:
    if state is None:
        return ""
    ends = [state.get((e.a.node, e.a.iface), "missing"), state.get((e.b.node, e.b.iface),
                                                                     "missing")]
    if all(s == "up" for s in ends):
        return ' color="#16a34a" penwidth=1.6'
    return f' color="#dc2626" style=dashed fontcolor="#dc2626" xlabel={_q(" / ".join(ends))}'


def to_dot(lab: dict[str, Any], state: State | None = None, title: str | None = None) -> str:
    kinds = kinds_of(lab)
    nets = _subnets(lab)
    lines = [f"graph {_q(lab['name'])} {{",
             f'  graph [label={_q(title or "lab " + lab["name"])} labelloc=t fontsize=14 '
             f'fontname="Helvetica" {_layout(len(kinds))} outputorder=edgesfirst];',
             '  node [fontname="Helvetica" fontsize=11 margin="0.08,0.04"];',
             '  edge [fontname="Helvetica" fontsize=8 labelfontsize=8 len=2.2 '
             'color="#6b7280"];']
    for name, kind in kinds.items():
        label = _label(name, kind, lab, nets, "\\n")
        shape = _DOT_SHAPE[kind]
        lines.append(f"  {_q(name)} [{shape}];" if kind == "machine" else
                     f"  {_q(name)} [label={_q(label)} {shape}];")
    for e in edges(lab):
        tail = f"{e.a.iface} {_short(e.a.addresses)}".strip()
        head = f"{e.b.iface} {_short(e.b.addresses)}".strip()
        if kinds.get(e.a.node) in SWITCHES or kinds.get(e.b.node) in SWITCHES:
            # a port of a switch: the member's interface in the middle of the edge
            member = head if kinds.get(e.a.node) in SWITCHES else tail
            tail = head = ""
            label = " label=" + _q(member)
        else:
            label = " label=" + _q("\\n".join(e.subnets))
        core = kinds.get(e.a.node) == kinds.get(e.b.node) == "router"
        lines.append(f"  {_q(e.a.node)} -- {_q(e.b.node)} [taillabel={_q(tail)} "
                     f"headlabel={_q(head)}{label}{' len=2.6' if core else ''}"
                     f"{_edge_style(e, state)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


_MERMAID_SHAPE = {"host": ("[", "]"), "router": ("([", "])"), "switch": ("[[", "]]"),
                  "machine": ("[(", ")]"), "bridge": ("[[", "]]")}


def _mid(name: str) -> str:
    return "n_" + "".join(c if c.isalnum() else "_" for c in name)


def to_mermaid(lab: dict[str, Any], state: State | None = None) -> str:
    kinds = kinds_of(lab)
    nets = _subnets(lab)
    lines = ["graph LR"]
    for name, kind in kinds.items():
        o, c = _MERMAID_SHAPE[kind]
        label = _label(name, kind, lab, nets, "<br/>")
        lines.append(f'  {_mid(name)}{o}"{label}"{c}')
    down = []
    for k, e in enumerate(edges(lab)):
        sw_a, sw_b = kinds.get(e.a.node) in SWITCHES, kinds.get(e.b.node) in SWITCHES
        parts = [p for p in (f"{e.a.iface} {_short(e.a.addresses)}".strip()
                             if not sw_a else "",
                             " ".join(e.subnets) if not (sw_a or sw_b) else "",
                             f"{e.b.iface} {_short(e.b.addresses)}".strip()
                             if not sw_b else "") if p]
        text = " · ".join(parts)
        lines.append(f'  {_mid(e.a.node)} ---|"{text}"| {_mid(e.b.node)}' if text
                     else f"  {_mid(e.a.node)} --- {_mid(e.b.node)}")
        if state is not None and not (state.get((e.a.node, e.a.iface)) == "up"
                                      and state.get((e.b.node, e.b.iface)) == "up"):
            down.append(k)
    lines += [f"  linkStyle {k} stroke:#dc2626,stroke-dasharray:4" for k in down]
    lines.append("  classDef router fill:#fde68a;")
    lines.append("  classDef switch fill:#e5e7eb;")
    lines.append("  classDef host fill:#dbeafe;")
    lines.append("  classDef machine fill:#d1fae5;")
    lines.append("  classDef bridge fill:#a7f3d0;")
    for kind in ("host", "router", "switch", "machine", "bridge"):
        members = [_mid(n) for n, k in kinds.items() if k == kind]
        if members:
            lines.append(f"  class {','.join(members)} {kind};")
    return "\n".join(lines) + "\n"
