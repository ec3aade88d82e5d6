"""nslab status and nslab list: a lab as recorded, checked against the
kernel (its nodes' namespaces and interfaces, and its part of the machine)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nslab.errors import DamagedRecordError, LabNotFoundError
from nslab.kernel import netns
from nslab.state.journal import Journal, Record, labs
from nslab.state.record import node_list, recorded

if TYPE_CHECKING:  # the seam and its readers load with status(), not with list_labs()
    from nslab.kernel.seam import Kernel
    from nslab.records.observed import NamespaceView


def _addresses_of(view: NamespaceView, link: str) -> list[str]:
    return sorted(a for name, a in view.addresses if name == link)


def status(name: str, kernel: Kernel | None = None) -> dict[str, Any]:
    """The lab as recorded, checked against the kernel. Shape: docs/json.md."""
    journal, data = recorded(name)  # first: an unknown lab is said without the seam
    from nslab.kernel.seam import RealKernel

    k = kernel or RealKernel()
    rec = journal.read()
    nodes = []
    present = 0
    for n in data["nodes"]:
        ns = n["namespace"]
        ino = k.namespace_inode(ns)
        alive = ino is not None and ino == rec.namespaces.get(ns)
        present += alive
        view = _read(k, ns) if alive else None
        ifaces = []
        for i in n["interfaces"]:
            link = view.links.get(i["name"]) if view else None
            ifaces.append({
                "name": i["name"], "peer": i["peer"], "master": i["master"],
                "state": link.state if link else "missing",
                "addresses": _addresses_of(view, link.name) if view and link else [],
            })
        nodes.append({"name": n["name"], "kind": n["kind"], "namespace": ns,
                      "present": alive, "stopped": n["name"] in rec.stopped,
                      "interfaces": ifaces, "routes": n["routes"]})
    whole = present == len(nodes) and all(
        i["state"] != "missing" for n in nodes for i in n["interfaces"])
    state = "up" if rec.complete and whole else (
        "incomplete" if not rec.complete else "damaged")
    return {"version": 1, "lab": name, "source": rec.source, "state": state,
            "nodes": nodes, "segments": data["segments"],
            "machine": _machine_status(data.get("machine"), rec, k),
            # link ends nslab link changed and did not put back (down, a rate, a loss)
            "changed_links": sorted(e for e, now in rec.link_ends.items() if now["changed"]),
            "stopped": sorted(rec.stopped)}


def _read(k: Kernel, ns: str) -> NamespaceView | None:
    try:
        return k.read_namespace(ns, tables=False, qdiscs=False, routes=False)
    except OSError:  # gone since its inode was read
        return None


def _machine_status(side: dict[str, Any] | None, rec: Record,
                    k: Kernel) -> dict[str, Any] | None:
    """The lab's part of the machine as recorded, each link with its state
    read back: up, down, missing, or elsewhere (the lab was made from another
    network namespace than the one this runs in)."""
    if side is None:
        return None
    from nslab.kernel.seam import MACHINE

    here = rec.machine is not None and rec.machine == k.inode_of(MACHINE)
    view = k.read_machine() if here else None

    def live(name: str, record: dict[str, Any]) -> dict[str, Any]:
        link = view.links.get(name) if view else None
        state = "elsewhere" if view is None else (link.state if link else "missing")
        return {**record, "state": state,
                "live_addresses": _addresses_of(view, link.name) if view and link else []}

    out = dict(side)
    out["links"] = [live(e["host_iface"], e) for e in side["links"]]
    if side["bridge"]:
        b = side["bridge"]
        out["bridge"] = {**live(b["name"], b),
                         "ports": [live(p["host_iface"], p) for p in b["ports"]]}
    return out


def list_labs() -> list[dict[str, Any]]:
    from nslab.state.across import recorded_labs

    across = recorded_labs()
    out: list[dict[str, Any]] = []
    for name in labs():
        if name in across:  # this machine holds a part of a lab it controls: said once
            continue
        journal = Journal(name)
        rec = journal.read()
        damaged = rec.damaged
        try:
            data = {"nodes": node_list(name)}
        except LabNotFoundError:  # up was cut before it recorded the topology
            data = {"nodes": []}
        except DamagedRecordError:
            data, damaged = {"nodes": []}, damaged or "a record beside it"
        present = sum(1 for ns, ino in rec.namespaces.items()
                      if ino is not None and netns.inode(ns) == ino)
        out.append({"name": name, "source": rec.source, "nodes": len(data["nodes"]),
                    "namespaces_present": present,
                    "state": "record-damaged" if damaged else "up" if rec.complete
                    else "incomplete"})
    for name, data in across.items():
        entries = data.get("machines", [])
        pending = [e["name"] for e in entries if e.get("state") != "up"]
        out.append({"name": name, "source": data.get("source"),
                    "nodes": sum(len(e.get("nodes", [])) for e in entries),
                    "namespaces_present": None, "machines": [e["name"] for e in entries],
                    "state": f"partly down ({', '.join(pending)})" if pending
                    else f"up on {len(entries)} machines"})
    return sorted(out, key=lambda x: str(x["name"]))
