"""The topology file as a JSON Schema (draft 2020-12), for editors: written
from the file's own model (nslab.spec.schema.LabSpec), with the short forms
the model takes before it validates (a link as [A, B], a node as nothing, a
bridge member as its name, a timeline as a bare list of events, neighbors:
auto, times as 5s, 500ms or 2m) added where the records' types do not show them. Pure.

`nslab schema` prints it; docs/nslab.schema.json is it, checked by a test."""

from __future__ import annotations

import copy
from typing import Any

from nslab.spec.schema import LabSpec
from nslab.spec.typed_schema import json_schema

ID = "https://nslab.dev/schema/topology.json"
TIME = {"type": "string", "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*(ms|s|m)?\s*$",
        "description": "a time: 5s, 500ms, 2m (or a number of seconds)"}


def _or(node: dict[str, Any], *alternatives: dict[str, Any]) -> None:
    """`node` (a schema, changed in place) also accepts `alternatives`."""
    keep: dict[str, Any] = {k: node.pop(k) for k in ("title", "description", "default")
                            if k in node}
    forms = node.pop("anyOf", None) or [copy.deepcopy(node)]
    node.clear()
    node.update(keep)
    node["anyOf"] = [*forms, *alternatives]


def _field(defs: dict[str, Any], model: str, name: str) -> dict[str, Any]:
    prop: dict[str, Any] = defs[model]["properties"][name]
    return prop


def schema() -> dict[str, Any]:
    s = json_schema(LabSpec)
    defs = s["$defs"]
    props = s["properties"]
    _or(props["links"]["items"], {"type": "array", "items": {"type": "string"},
                                  "minItems": 2, "maxItems": 2,
                                  "description": "[A, B]: the short form of "
                                                 "{endpoints: [A, B]}"})
    _or(props["nodes"]["additionalProperties"], {"type": "null"})
    _or(props["timeline"], {"type": "array", "items": {"$ref": "#/$defs/EventSpec"},
                            "description": "a bare list of events: the short form of "
                                           "{events: [...]}"})
    _or(_field(defs, "HostBridgeSpec", "nodes")["items"], {"type": "string"})
    _or(_field(defs, "BgpSpec", "neighbors"), {"const": "auto"})
    for model, name in (("EventSpec", "at"), ("EventSpec", "for"), ("TimelineSpec", "every"),
                        ("TimelineSpec", "tail"), ("ExpectSpec", "within")):
        _or(_field(defs, model, name), TIME)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": ID,
            "title": "nslab topology file", **s}
