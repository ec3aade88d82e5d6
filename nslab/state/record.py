"""What a lab that is up recorded about itself: its journal and lab.json."""

from __future__ import annotations

from typing import Any

from nslab.errors import LabNotFoundError
from nslab.state.journal import Journal, labs


def recorded(name: str) -> tuple[Journal, dict[str, Any]]:
    journal = Journal(name)
    data = journal.read_file("lab.json")
    if not journal.exists() or data is None:
        known = labs()
        hint = f"labs up: {', '.join(known)}" if known else "no lab is up"
        raise LabNotFoundError(f"lab '{name}' is not up ({hint})")
    return journal, data


def namespace_of(lab: str, node: str) -> str:
    _journal, data = recorded(lab)
    for n in data["nodes"]:
        if n["name"] == node:
            ns: str = n["namespace"]
            return ns
    names = ", ".join(n["name"] for n in data["nodes"])
    raise LabNotFoundError(f"lab '{lab}' has no node '{node}' (nodes: {names})")
