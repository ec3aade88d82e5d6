"""The shapes of the records beside a lab's journal, checked when they are
read: a record of another shape (edited, truncated, written by something
else) is named as damaged, never met later as a KeyError or AttributeError."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _list_of_dicts(data: Any, keys: Mapping[str, type], what: str
                   ) -> str | None:
    if not isinstance(data, list):
        return f"it holds a {type(data).__name__}, not a list of {what}"
    for k, item in enumerate(data):
        if not isinstance(item, dict):
            return f"item {k} is a {type(item).__name__}, not a {what[:-1]}"
        for key, kind in keys.items():
            if not isinstance(item.get(key), kind):
                return f"{what[:-1]} {k} has no {key} of the right kind"
    return None


_IFACE: dict[str, type] = {"name": str, "addresses": list}
_NODE: dict[str, type] = {"name": str, "kind": str, "namespace": str, "interfaces": list}


def _lab(data: Any) -> str | None:
    if not isinstance(data, dict):
        return f"it holds a {type(data).__name__}, not a lab"
    if not isinstance(data.get("name"), str):
        return "it has no lab name"
    why = _list_of_dicts(data.get("nodes"), _NODE, "nodes")
    if why:
        return why
    for n in data["nodes"]:
        why = _list_of_dicts(n["interfaces"], _IFACE | {"peer": str}, "interfaces")
        if why:
            return f"node {n['name']}: {why}"
    for key in ("segments", "test", "timeline", "machine"):
        if key in data and data[key] is not None and not isinstance(data[key], dict | list):
            return f"its {key} is a {type(data[key]).__name__}"
    return None


def wrong(name: str, data: Any) -> str | None:
    """What is wrong with the record `name` holding `data` (None: its shape is right)."""
    if name == "plan.json":
        return _list_of_dicts(data, {"step": str}, "steps")
    if name == "nodes.json":
        why = _list_of_dicts(data, _NODE | {"addresses": list}, "nodes")
        if why is None and not all(isinstance(i, str) for n in data for i in n["interfaces"]):
            return "a node's interfaces are not names"
        return why
    if name == "lab.json":
        return _lab(data)
    return None
