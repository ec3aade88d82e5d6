"""Steps as JSON and back: the plan a lab was built from is recorded beside its
journal (plan.json), so that `apply` can compare it with a new file's plan and
`check` with the kernel. Pure."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable
from ipaddress import (
    IPv4Interface,
    IPv4Network,
    IPv6Interface,
    IPv6Network,
    ip_address,
    ip_interface,
    ip_network,
)
from typing import Any

from nslab.model.lab import Netem, Nexthop
from nslab.plan import steps as st

KINDS: dict[str, type] = {t.__name__: t for t in st.Step.__args__}


_PLAIN = frozenset({str, int, bool, float, type(None)})


def _enc(v: Any) -> Any:
    if type(v) in _PLAIN:
        return v
    if isinstance(v, IPv4Interface | IPv6Interface):
        return {"if": str(v)}
    if isinstance(v, IPv4Network | IPv6Network):
        return {"net": str(v)}
    if isinstance(v, Nexthop):
        return {"hop": [str(v.via) if v.via is not None else None, v.dev]}
    if isinstance(v, Netem):
        return {"netem": v.to_dict()}
    if isinstance(v, tuple | list):
        return [_enc(x) for x in v]
    return v


def _dec(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(_dec(x) for x in v)
    if isinstance(v, dict):
        if "if" in v:
            return ip_interface(v["if"])
        if "net" in v:
            return ip_network(v["net"])
        if "hop" in v:
            via, dev = v["hop"]
            return Nexthop(ip_address(via) if via is not None else None, dev)
        if "netem" in v:
            return Netem(**v["netem"])
        raise ValueError(f"unknown value {v!r}")
    return v


@functools.lru_cache(maxsize=1 << 18)
def step_to_json(s: st.Step) -> dict[str, Any]:
    """A step as data (kept for the steps seen: apply encodes a big plan twice,
    to compare and to record; the dict is shared, not to be changed)."""
    out: dict[str, Any] = {"step": type(s).__name__}
    for name in _names(type(s)):
        out[name] = _enc(getattr(s, name))
    return out


_NAMES: dict[type, tuple[str, ...]] = {}  # a step kind's fields, in order


def _names(kind: type) -> tuple[str, ...]:
    if kind not in _NAMES:
        _NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return _NAMES[kind]


def step_from_json(d: dict[str, Any]) -> st.Step:
    kind = KINDS.get(d.get("step", ""))
    if kind is None:
        raise ValueError(f"unknown step {d.get('step')!r}")
    step: st.Step = kind(**{k: _dec(v) for k, v in d.items() if k != "step"})
    return step


_ENCODE = json.JSONEncoder(separators=(",", ":")).encode  # (json.dumps makes one per call)
_STRING: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring_ascii", None) or \
    json.encoder.py_encode_basestring_ascii  # (what the encoder uses for a str)
_HEADS: dict[type, tuple[str, tuple[tuple[str, str], ...]]] = {}  # a kind's text pieces


def _value_text(v: Any) -> str:
    """A field's value as JSON, as _ENCODE writes it (the common kinds of
    value at once: 6,000 steps of a 1,000-router plan, each a few fields)."""
    t = type(v)
    if t is str:
        return _STRING(v)
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return int.__repr__(v)
    if v is None:
        return "null"
    if t is tuple or t is list:
        return "[" + ",".join([_value_text(x) for x in v]) + "]"
    if t is IPv4Interface or t is IPv6Interface:
        return '{"if":' + _STRING(str(v)) + "}"
    if t is IPv4Network or t is IPv6Network:
        return '{"net":' + _STRING(str(v)) + "}"
    return _ENCODE(_enc(v))


@functools.lru_cache(maxsize=1 << 18)
def step_text(s: st.Step) -> str:
    """A step as one line of JSON: `_ENCODE(step_to_json(s))`, written
    field by field (a third of the time; kept, as step_to_json)."""
    kind = type(s)
    if kind not in _HEADS:
        _HEADS[kind] = ('{"step":' + _STRING(kind.__name__),
                        tuple((f',{_STRING(n)}:', n) for n in _names(kind)))
    head, fields = _HEADS[kind]
    return head + "".join([key + _value_text(getattr(s, name)) for key, name in fields]) + "}"


def plan_text(steps: tuple[st.Step, ...] | list[st.Step]) -> str:
    """plan.json: a JSON list of the steps, one per line, so that a new plan's
    steps can be matched with it line by line, as text (steps_from_text)."""
    if not steps:
        return "[]\n"
    return "[\n" + ",\n".join(step_text(s) for s in steps) + "\n]\n"


def steps_from_text(text: str, known: tuple[st.Step, ...] = ()) -> tuple[st.Step, ...]:
    """plan.json's steps; the lines equal to one of `known` (a new plan being
    compared with it) are taken from it rather than parsed and decoded. A file
    not one step per line (an older nslab's, or edited) is read whole. Raises
    ValueError (TypeError, KeyError, AttributeError) for a step that does not decode."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[0] != "[" or lines[-2:] != ["]", ""]:
        data = json.loads(text)
        if not isinstance(data, list):
            raise ValueError("it is not a list of steps")
        return steps_from_json(data, known)
    same = {step_text(s): s for s in known}
    out = []
    for line in lines[1:-2]:
        line = line[:-1] if line.endswith(",") else line
        step = same.get(line)
        out.append(step if step is not None else step_from_json(json.loads(line)))
    return tuple(out)


def steps_to_json(steps: tuple[st.Step, ...] | list[st.Step]) -> list[dict[str, Any]]:
    return [step_to_json(s) for s in steps]


def steps_from_json(data: list[dict[str, Any]], known: tuple[st.Step, ...] = ()
                    ) -> tuple[st.Step, ...]:
    """The steps back; those equal to one of `known` (a new plan being compared
    with this one) are taken from it rather than decoded: a big lab's plan,
    applied again, costs a JSON comparison, not 10,000 addresses parsed."""
    same = {repr(step_to_json(s)): s for s in known}  # (the data as JSON read it)
    return tuple(same.get(repr(d)) or step_from_json(d) for d in data)
