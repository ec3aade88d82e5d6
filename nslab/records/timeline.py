"""What `nslab run` saw while a timeline played: probe samples, turned into,
for every event, how long each pair was cut off and when it came back, and
the verdicts of the expectations judged `after` an event. Pure."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Sample:
    t: float  # seconds from the start of the run, when the probe was sent
    pair: int  # index into the pairs probed
    reached: bool


@dataclass(frozen=True)
class Outage:
    """One pair around one event."""

    pair: str  # "h1>h2"
    state: str  # not cut | recovered | still cut
    cut_at: float | None  # seconds after the event the first probe failed
    cut_for: float | None  # how long it stayed cut (None: still cut at the end)
    back_after: float | None  # seconds after the event it reached again
    lost: int  # probes that failed in the event's window


@dataclass(frozen=True)
class EventReport:
    name: str
    text: str
    at: float  # planned
    started: float  # when the change was made (seconds from the start)
    took: float  # how long making the change took
    pairs: tuple[Outage, ...]
    error: str | None = None  # the change could not be made

    @property
    def recovery(self) -> float | None:
        """The longest a pair took to come back after this event (None: one is still cut)."""
        backs = [o.back_after for o in self.pairs if o.back_after is not None]
        if any(o.state == "still cut" for o in self.pairs):
            return None
        return max(backs, default=0.0)


@dataclass(frozen=True)
class AfterResult:
    text: str
    event: str
    within: float
    status: str  # pass | fail
    detail: str


@dataclass
class RunReport:
    lab: str
    pairs: list[str]
    every: float
    seconds: float
    events: list[EventReport] = field(default_factory=list)
    expectations: list[AfterResult] = field(default_factory=list)
    samples: int = 0
    notes: list[str] = field(default_factory=list)
    cut_after: int = 1  # probes lost in a row that make an outage

    @property
    def ok(self) -> bool:
        return all(e.status == "pass" for e in self.expectations) and not any(
            ev.error for ev in self.events) and not self.still_cut

    @property
    def still_cut(self) -> list[str]:
        """Pairs cut at the end of the run (after the tail), by the last event's reckoning."""
        if not self.events:
            return []
        return [o.pair for o in self.events[-1].pairs if o.state == "still cut"]

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "lab": self.lab, "ok": self.ok, "pairs": self.pairs,
                "every": self.every, "cut_after": self.cut_after,
                "seconds": round(self.seconds, 3),
                "samples": self.samples, "still_cut": self.still_cut,
                "events": [asdict(e) | {"recovery": e.recovery} for e in self.events],
                "expectations": [asdict(x) for x in self.expectations], "notes": self.notes}


def _first_run(window: list[Sample], n: int) -> float | None:
    """When the first run of at least `n` failed probes in a row began."""
    began, row = None, 0
    for s in window:
        if s.reached:
            began, row = None, 0
            continue
        began = s.t if began is None else began
        row += 1
        if row >= n:
            return began
    return None


def outages(samples: list[Sample], pairs: list[str], start: float, until: float,
            end: float, cut_after: int = 1) -> tuple[Outage, ...]:
    """For each pair: cut after `start` (before `until`, the next event): the
    first `cut_after` probes lost in a row (fewer are loss, not a cut, and
    only counted as lost); and when it came back (looked for up to `end`)."""
    out = []
    for k, name in enumerate(pairs):
        mine = [s for s in samples if s.pair == k and s.t >= start]
        window = [s for s in mine if s.t < until]
        lost = sum(not s.reached for s in window)
        first_fail = _first_run(window, cut_after)
        if first_fail is None:
            out.append(Outage(name, "not cut", None, None, None, lost))
            continue
        back = next((s.t for s in mine if s.t > first_fail and s.reached and s.t <= end), None)
        out.append(Outage(name, "recovered" if back is not None else "still cut",
                          round(first_fail - start, 3),
                          round(back - first_fail, 3) if back is not None else None,
                          round(back - start, 3) if back is not None else None, lost))
    return tuple(out)


def holds_from(samples: list[Sample], pair: int, start: float, until: float,
               reached: bool) -> float | None:
    """The first time after `start` from which every sample of `pair` until
    `until` has `reached` (seconds after `start`); None when it never does."""
    mine = [s for s in samples if s.pair == pair and start <= s.t < until]
    since: float | None = None
    for s in mine:
        since = (s.t if since is None else since) if s.reached == reached else None
    return round(since - start, 3) if since is not None else None
