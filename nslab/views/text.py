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


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def counts(lab: Lab) -> str:
    subnets = sum(1 for s in lab.segments for x in (s.subnet4, s.subnet6) if x is not None)
    machine = f" (+{len(lab.machine.ends)} to this machine)" if lab.machine else ""
    return (f"{_n(len(lab.nodes), 'node')}, {_n(len(lab.links), 'link')}{machine}, "
            f"{_n(subnets, 'subnet')}")


def plan_text(p: Plan) -> str:
    return "\n".join(f"{k + 1:4d}  {type(s).__name__:<18} {s.as_shell().splitlines()[0]}"
                     for k, s in enumerate(p.steps))


def status_text(st: dict[str, Any]) -> str:
    rows = []
    for n in st["nodes"]:
        first = True
        for i in n["interfaces"]:
            name = n["name"] + (" (stopped)" if n.get("stopped") else "")
            rows.append([name if first else "", n["kind"] if first else "",
                         (n["namespace"] if n["present"] else n["namespace"] + " (missing)")
                         if first else "",
                         i["name"], i["state"], i["peer"], " ".join(i["addresses"]) or "-"])
            first = False
        if first:
            rows.append([n["name"], n["kind"], n["namespace"], "-", "-", "-", "-"])
    head = f"lab {st['lab']}: {st['state']}" + (f" (from {st['source']})" if st["source"] else "")
    machine = machine_text(st.get("machine"))
    changed = st.get("changed_links") or []
    note = (f"\nchanged since up (nslab link ... clear puts them back): {', '.join(changed)}"
            if changed else "")
    stopped = st.get("stopped") or []
    note += (f"\nstopped (nslab node {st['lab']} NODE start): {', '.join(stopped)}"
             if stopped else "")
    return head + "\n" + table(rows, ["NODE", "KIND", "NAMESPACE", "IFACE", "STATE", "PEER",
                                      "ADDRESSES"]) + ("\n" + machine if machine else "") + note


def list_text(items: list[dict[str, Any]]) -> str:
    if not items:
        return "no lab is up"
    return table([[x["name"], x["state"], str(x["nodes"]), x["source"] or "-"] for x in items],
                 ["LAB", "STATE", "NODES", "SOURCE"])


def machine_text(side: dict[str, Any] | None) -> str:
    """The lab's part of the machine nslab runs on (lab_to_dict's "machine",
    or status's, which adds each link's state): its bridge and gateway, its
    veths, egress, port forwards. Empty for a lab that puts nothing there."""
    if not side:
        return ""
    live = any("state" in e for e in side["links"]) or bool(
        side["bridge"] and "state" in side["bridge"])
    rows = []

    def row(name: str, kind: str, e: dict[str, Any], peer: str, addrs: str) -> None:
        rows.append([name, kind, *([e.get("state", "-")] if live else []), peer, addrs])

    b = side["bridge"]
    if b:
        row(b["name"], "bridge", b, "-", " ".join(b["addresses"]) + " (gateway)")
        for p in b["ports"]:
            row(p["host_iface"], "port", p, f"{p['node']}:{p['iface']}", f"(on {b['name']})")
    for e in side["links"]:
        row(e["host_iface"], "veth", e, f"{e['node']}:{e['iface']}",
            " ".join(e["host_addresses"]) or "-")
    head = ["IFACE", "KIND", *(["STATE"] if live else []), "PEER", "ADDRESSES"]
    out = ["this machine:", table(rows, head)]
    if side["egress"]:
        uplink = side.get("uplink") or ("its uplink" if side["egress"] == "auto"
                                         else side["egress"])
        out.append(f"egress: the lab's subnets masqueraded out of {uplink}")
    for f in side["forwards"]:
        out.append(f"port forward: {f['proto']} {f['port']} of this machine -> "
                   f"{f['address']}:{f['to_port']}")
    if side["forwarding"]:
        out.append("forwarding: on while the lab is up (restored at down)")
    return "\n".join(out)
