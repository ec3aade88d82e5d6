"""Every key of the topology file, as a Markdown reference written from the
file's JSON Schema (nslab.spec.json_schema): one table per part of the file,
each key with the values it takes and its default. docs/reference/keys.md is
it (a test checks); regenerate: python -m nslab.spec.key_reference > docs/reference/keys.md
Pure."""

from __future__ import annotations

import json
import sys
from typing import Any

from nslab.spec.json_schema import schema


def _kind(node: dict[str, Any]) -> str:
    """A schema node as a person reads it: `string`, `list of LinkSpec`, ..."""
    if "$ref" in node:
        name = str(node["$ref"]).rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in node:
        kinds = [_kind(n) for n in node["anyOf"] if n.get("type") != "null"]
        return " or ".join(dict.fromkeys(kinds))
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return " \\| ".join(f"`{v}`" for v in node["enum"])
    kind = node.get("type", "any")
    if kind == "array":
        return f"list of {_kind(node.get('items', {}))}"
    if kind == "object" and "additionalProperties" in node and \
            isinstance(node["additionalProperties"], dict):
        return f"map of name to {_kind(node['additionalProperties'])}"
    if "pattern" in node and kind == "string":
        return "string (a time: 5s, 500ms, 2m)" if node.get("description", "").startswith(
            "a time") else "string"
    return str(kind)


def _default(node: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" not in node or node["default"] is None or isinstance(node["default"], dict):
        return ""  # a part's defaults are in its own table
    return f"`{json.dumps(node['default'])}`"


def _table(name: str, model: dict[str, Any]) -> list[str]:
    out = [f"## {name}", ""]
    if model.get("description"):
        out += [" ".join(str(model["description"]).split()), ""]
    out += ["| key | takes | default |", "|---|---|---|"]
    required = set(model.get("required", ()))
    for key, node in model.get("properties", {}).items():
        out.append(f"| `{key}` | {_kind(node)} | {_default(node, key in required)} |")
    return [*out, ""]


def markdown() -> str:
    s = schema()
    top = {k: v for k, v in s.items() if k in ("properties", "required", "description")}
    lines = ["# Every key of the topology file", "",
             "Written from the file's own model (`nslab schema` prints it as a JSON "
             "Schema); what each key means, with examples, is in "
             "[the topology file](file.md).", "", *_table("The file", top)]
    for name, model in sorted(s["$defs"].items()):
        lines += _table(name, model)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
