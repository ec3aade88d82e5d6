"""What a lab that is up recorded about itself: its journal, lab.json, nodes.json."""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import ip_address
from typing import Any

from nslab.errors import LabNotFoundError
from nslab.state.journal import Journal, labs


def recorded(name: str) -> tuple[Journal, dict[str, Any]]:
    journal = Journal(name)
    data = journal.read_file("lab.json")
    if journal.exists() and data is None:
        raise LabNotFoundError(f"lab '{name}' has a journal but no description (lab.json): "
                               f"up was cut short or its record damaged; nslab down {name} "
                               "removes what it made")
    if not journal.exists() or data is None:
        known = labs()
        hint = f"labs up: {', '.join(known)}" if known else "no lab is up"
        raise LabNotFoundError(f"lab '{name}' is not up ({hint})")
    return journal, data


def node_list(lab: str) -> list[dict[str, Any]]:
    """[{name, kind, namespace, interfaces, addresses}] of a lab that is up, in
    the order of its file: a small file beside lab.json (which holds every
    route, and grows big)."""
    journal = Journal(lab)
    nodes = journal.read_file("nodes.json") if journal.exists() else None
    if nodes is None:
        return [{"name": n["name"], "kind": n["kind"], "namespace": n["namespace"],
                 "interfaces": [i["name"] for i in n["interfaces"]],
                 "addresses": [a.split("/")[0] for i in n["interfaces"]
                               for a in i["addresses"]]}
                for n in recorded(lab)[1]["nodes"]]
    out: list[dict[str, Any]] = nodes
    return out


def primary(addresses: Sequence[str], family: int) -> str | None:
    """The first address of `family` among a node's: the one that stands for it
    (what `nslab test` and timelines probe)."""
    return next((a for a in addresses if ip_address(a).version == family), None)


def namespace_of(lab: str, node: str) -> str:
    nodes = node_list(lab)
    for n in nodes:
        if n["name"] == node:
            ns: str = n["namespace"]
            return ns
    names = ", ".join(n["name"] for n in nodes)
    raise LabNotFoundError(f"lab '{lab}' has no node '{node}' (nodes: {names})")
