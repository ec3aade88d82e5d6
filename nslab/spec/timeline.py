"""The file's `timeline:`: faults played on a running lab by `nslab run`, while
chosen pairs are probed. Pure.

    timeline:                       # a list of events, or:
      probe: [[h1, h2]]             # the pairs probed (default: the file's
      every: 100ms                  #   reach expectations, else every host pair)
      tail: 5s                      # probing goes on this long after the last
      cut_after: 3                  # an outage: this many probes lost in a row
      events:
        - {name: cut, at: 5s, link: [r1, r2], state: down, for: 10s}
        - {at: 20s, node: r3, state: stopped, for: 10s}
        - {at: 40s, link: [r2, r4], set: {loss: 30%}, for: 10s}
"""

from __future__ import annotations

import re
from typing import Any, Literal

from nslab.spec.base import Strict
from nslab.spec.typed import ConfigDict, Field, field_validator, model_validator
from nslab.units import LINK_SETTINGS

_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m)?")


def seconds(v: Any) -> Any:
    """5, 5s, 500ms, 2m -> seconds (a field validator's `before` step)."""
    if isinstance(v, str):
        m = _SECONDS.fullmatch(v.strip())
        if not m:
            raise ValueError(f"'{v}' is not a time such as 5s, 500ms or 2m")
        return float(m.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}[m.group(2)]
    return v


class EventSpec(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    at: float = Field(ge=0, le=3600)
    link: list[str] | str | None = None  # [A, B], or "NODE:IFACE"
    node: str | None = None
    state: Literal["down", "up", "stopped", "running"] | None = None
    set_: dict[str, str] | None = Field(default=None, alias="set")
    for_: float | None = Field(default=None, alias="for", gt=0, le=3600)

    _at = field_validator("at", "for_", mode="before")(seconds)

    @model_validator(mode="after")
    def _shape(self) -> EventSpec:
        if (self.link is None) == (self.node is None):
            raise ValueError("an event names a 'link' ([A, B] or NODE:IFACE) or a 'node'")
        if isinstance(self.link, list) and len(self.link) != 2:
            raise ValueError("'link' is two nodes [A, B] (or one end, NODE:IFACE)")
        if self.node is not None:
            if self.set_ is not None or self.state not in ("stopped", "running"):
                raise ValueError("a node event has state: stopped or running")
        else:
            if (self.state is None) == (self.set_ is None):
                raise ValueError("a link event has 'state: down|up' or 'set: {rate, loss, "
                                 "mtu}'")
            if self.state in ("stopped", "running"):
                raise ValueError("a link's state is down or up")
            bad = set(self.set_ or {}) - set(LINK_SETTINGS)
            if bad or self.set_ == {}:
                raise ValueError(f"'set' takes {', '.join(LINK_SETTINGS)}: {{rate: 1mbit, "
                                 "loss: 5%, mtu: 1400}")
        if self.for_ is not None and self.state in ("up", "running"):
            raise ValueError("'for' undoes a fault after a while: it goes with state: down, "
                             "state: stopped or set")
        return self


class TimelineSpec(Strict):
    events: list[EventSpec] = Field(min_length=1, max_length=10_000)
    probe: list[list[str]] | None = None
    every: float = Field(default=0.1, ge=0.02, le=10)
    tail: float = Field(default=5.0, ge=0, le=600)
    # an outage is this many probes lost in a row: on a lossy link one lost
    # probe is the loss, not a cut
    cut_after: int = Field(default=3, ge=1, le=1000)

    _times = field_validator("every", "tail", mode="before")(seconds)

    @field_validator("probe")
    @classmethod
    def _pairs(cls, v: list[list[str]] | None) -> list[list[str]] | None:
        if v is not None and any(len(p) != 2 for p in v):
            raise ValueError("each probe is a pair [FROM, TO]")
        return v


def timeline_form(v: Any) -> Any:
    """A bare list of events is the short form of {events: [...]}."""
    return {"events": v} if isinstance(v, list) else v
