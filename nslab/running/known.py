"""What is up, by name, read cheaply from nslab's records (no namespace
entered, nothing compiled): the labs, a lab's nodes and their interfaces,
the named namespaces. What shell completion offers on a TAB."""

from __future__ import annotations

import os
from typing import Any

from nslab.errors import NslabError
from nslab.state.journal import labs
from nslab.state.record import node_list

RUN_NETNS = "/run/netns"  # as nslab.kernel.netns has it (not imported: ctypes, for a TAB)

__all__ = ["ends", "labs", "namespaces", "nodes"]


def nodes(lab: str) -> list[str]:
    """The nodes of a lab that is up (none when it is not, or its records are damaged)."""
    return [str(n["name"]) for n in _nodes(lab)]


def ends(lab: str) -> list[str]:
    """Every NODE:IFACE of a lab that is up."""
    return [f"{n['name']}:{i}" for n in _nodes(lab) for i in n["interfaces"]]


def namespaces() -> list[str]:
    try:
        return sorted(os.listdir(RUN_NETNS))
    except OSError:
        return []


def _nodes(lab: str) -> list[dict[str, Any]]:
    try:
        out: list[dict[str, Any]] = node_list(lab)
        return out
    except (NslabError, OSError, ValueError):
        return []
