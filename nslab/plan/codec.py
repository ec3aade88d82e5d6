"""Steps as JSON and back: the plan a lab was built from is recorded beside its
journal (plan.json), so that `apply` can compare it with a new file's plan and
`check` with the kernel. Pure."""

from __future__ import annotations

import dataclasses
import functools
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


def _enc(v: Any) -> Any:
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
    return {"step": type(s).__name__} | {f.name: _enc(getattr(s, f.name))
                                         for f in dataclasses.fields(s)}


def step_from_json(d: dict[str, Any]) -> st.Step:
    kind = KINDS.get(d.get("step", ""))
    if kind is None:
        raise ValueError(f"unknown step {d.get('step')!r}")
    step: st.Step = kind(**{k: _dec(v) for k, v in d.items() if k != "step"})
    return step


def steps_to_json(steps: tuple[st.Step, ...] | list[st.Step]) -> list[dict[str, Any]]:
    return [step_to_json(s) for s in steps]


def steps_from_json(data: list[dict[str, Any]], known: tuple[st.Step, ...] = ()
                    ) -> tuple[st.Step, ...]:
    """The steps back; those equal to one of `known` (a new plan being compared
    with this one) are taken from it rather than decoded: a big lab's plan,
    applied again, costs a JSON comparison, not 10,000 addresses parsed."""
    same = {repr(step_to_json(s)): s for s in known}  # (the data as JSON read it)
    return tuple(same.get(repr(d)) or step_from_json(d) for d in data)
