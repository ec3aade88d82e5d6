"""A record class of nslab.spec.typed as a JSON Schema (draft 2020-12), in
the form pydantic writes: each record in `$defs`, fields titled, optional
fields as `anyOf` with null, constraints as minimum/maxItems/pattern. Pure."""

from __future__ import annotations

import inspect
import typing
from typing import Any, Literal

from nslab.spec.typed import FieldInfo, Strict, _UnionType

_JSON = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def dump(v: Any) -> Any:
    """A value as JSON takes it (a record: its fields by alias)."""
    if isinstance(v, Strict):
        return {(f.alias or k): dump(getattr(v, k)) for k, f in type(v).model_fields.items()}
    if isinstance(v, list | tuple):
        return [dump(x) for x in v]
    if isinstance(v, dict):
        return {k: dump(x) for k, x in v.items()}
    return v


def _constraints(node: dict[str, Any], f: FieldInfo) -> dict[str, Any]:
    sized = "Items" if node.get("type") == "array" else "Length"
    for key, word in (("ge", "minimum"), ("gt", "exclusiveMinimum"), ("le", "maximum"),
                      ("lt", "exclusiveMaximum"), ("pattern", "pattern"),
                      ("min_length", f"min{sized}"), ("max_length", f"max{sized}")):
        if getattr(f, key) is not None:
            node[word] = getattr(f, key)
    return node


class _Writer:
    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def type_(self, tp: Any, f: FieldInfo | None = None) -> dict[str, Any]:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        node: dict[str, Any]
        if origin is typing.Annotated:
            node = self.type_(args[0])
            for meta in args[1:]:
                if isinstance(meta, FieldInfo):
                    _constraints(node, meta)
            return _constraints(node, f) if f is not None else node
        if origin in (typing.Union, _UnionType):
            nullable = type(None) in args
            members = [self.type_(a, f if nullable else None) for a in args
                       if a is not type(None)]
            if nullable:
                members.append({"type": "null"})
            return {"anyOf": members}
        if origin is Literal:
            kinds = {_JSON[type(a)] for a in args}
            node = {"const": args[0]} if len(args) == 1 else \
                {"enum": list(args)}
            if len(kinds) == 1:
                node["type"] = kinds.pop()
        elif origin is list:
            node = {"items": self.type_(args[0]), "type": "array"}
        elif origin is dict:
            node = {"additionalProperties": self.type_(args[1]), "type": "object"}
        elif isinstance(tp, type) and issubclass(tp, Strict):
            self.record(tp)
            node = {"$ref": f"#/$defs/{tp.__name__}"}
        elif tp in _JSON:
            node = {"type": _JSON[tp]}
        else:
            node = {}
        return _constraints(node, f) if f is not None else node

    def record(self, cls: type[Strict]) -> dict[str, Any]:
        if cls.__name__ in self.defs:
            return self.defs[cls.__name__]
        out: dict[str, Any] = {"additionalProperties": False}
        self.defs[cls.__name__] = out
        if cls.__doc__ and cls.__doc__ is not Strict.__doc__:
            out["description"] = inspect.cleandoc(cls.__doc__)
        hints = typing.get_type_hints(cls, include_extras=True)
        props: dict[str, Any] = {}
        required = []
        for name, f in cls.model_fields.items():
            key = f.alias or name
            node = self.type_(hints[name], f)
            if "$ref" not in node and not any("$ref" in m for m in node.get("anyOf", ())):
                node["title"] = key.replace("_", " ").strip().title()  # (as pydantic)
            if f.required:
                required.append(key)
            else:
                node["default"] = dump(f.default)
            props[key] = node
        out["properties"] = props
        if required:
            out["required"] = required
        out["title"] = cls.__name__
        out["type"] = "object"
        return out


def json_schema(cls: type[Strict]) -> dict[str, Any]:
    w = _Writer()
    top = dict(w.record(cls))
    del w.defs[cls.__name__]
    return {"$defs": dict(sorted(w.defs.items())), **top} if w.defs else top
