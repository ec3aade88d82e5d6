"""Tables for people. Pure: takes records, returns text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nslab.model.lab import Lab
    from nslab.plan import Plan


def table(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> str:
    allrows = [list(header)] if header else []
    allrows += [list(r) for r in rows]
    if not allrows:
        return ""
    widths = [max(len(r[i]) for r in allrows if i < len(r)) for i in range(len(allrows[0]))]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in allrows]
    return "\n".join(lines)


def lab_summary(lab: Lab) -> str:
    rows = []
    for n in lab.nodes:
        first = True
        for i in n.interfaces or ():
            addrs = " ".join(str(a) for a in i.addresses) or ("(bridge port)" if i.master else "-")
            rows.append([n.name if first else "", n.kind if first else "",
                         n.namespace if first else "", i.name, f"{i.peer_node}:{i.peer_name}",
                         addrs])
            first = False
        if first:
            rows.append([n.name, n.kind, n.namespace, "-", "-", "-"])
    return table(rows, ["NODE", "KIND", "NAMESPACE", "IFACE", "PEER", "ADDRESSES"])


def counts(lab: Lab) -> str:
    subnets = sum(1 for s in lab.segments for x in (s.subnet4, s.subnet6) if x is not None)
    return f"{len(lab.nodes)} nodes, {len(lab.links)} links, {subnets} subnets"


def plan_text(p: Plan) -> str:
    return "\n".join(f"{k + 1:4d}  {type(s).__name__:<18} {s.as_shell().splitlines()[0]}"
                     for k, s in enumerate(p.steps))


def status_text(st: dict[str, Any]) -> str:
    rows = []
    for n in st["nodes"]:
        first = True
        for i in n["interfaces"]:
            rows.append([n["name"] if first else "", n["kind"] if first else "",
                         (n["namespace"] if n["present"] else n["namespace"] + " (missing)")
                         if first else "",
                         i["name"], i["state"], i["peer"], " ".join(i["addresses"]) or "-"])
            first = False
        if first:
            rows.append([n["name"], n["kind"], n["namespace"], "-", "-", "-", "-"])
    head = f"lab {st['lab']}: {st['state']}" + (f" (from {st['source']})" if st["source"] else "")
    return head + "\n" + table(rows, ["NODE", "KIND", "NAMESPACE", "IFACE", "STATE", "PEER",
                                      "ADDRESSES"])


def list_text(items: list[dict[str, Any]]) -> str:
    if not items:
        return "no lab is up"
    return table([[x["name"], x["state"], str(x["nodes"]), x["source"] or "-"] for x in items],
                 ["LAB", "STATE", "NODES", "SOURCE"])
