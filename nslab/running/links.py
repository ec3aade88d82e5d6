"""A running lab's links changed (what `nslab link` and timelines do): down,
up, flap, a rate, a loss, an MTU, and put back as the file has them. A change
is a new state of the ends it touches, journaled first (what `status` reports
as changed), then the one change engine's diff from the plan as it was meant
to be to the plan as it is meant to be now (nslab.plan.overrides), made by the
change runner like apply's; what it makes lives inside the lab's namespaces
and goes with them at `down`."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from nslab.errors import UsageError, require_root
from nslab.kernel.seam import Kernel, RealKernel
from nslab.model.lab import Netem, TimelineEvent
from nslab.plan.build import Plan
from nslab.plan.diff import changes
from nslab.plan.overrides import overridden
from nslab.running.change import close, run_change
from nslab.running.record import End, file_ends, find, now, recorded_plan
from nslab.running.record import ends as record_ends
from nslab.running.wire import checked_delays, take_wire
from nslab.state.journal import Journal, locked
from nslab.units import LINK_SETTINGS, link_setting

ACTIONS = ("show", "set", "clear", "down", "up", "flap")


@dataclass(frozen=True)
class LinkView:
    lab: str
    ends: tuple[End, ...]  # the ends asked about (one, or both of the link)
    peers: tuple[End, ...]  # the other end of each
    steps: tuple[str, ...] = ()  # what was done, as commands
    wire: bool = False  # the lab delays its links through the wire (else netem)

    def _end(self, e: End) -> dict[str, Any]:
        by = ("wire" if self.wire else "netem") if e.netem else None
        return asdict(e) | {"name": e.name, "delay_by": by}

    def to_dict(self) -> dict[str, Any]:
        return {"lab": self.lab, "ends": [self._end(e) for e in self.ends],
                "peers": [self._end(e) for e in self.peers], "steps": list(self.steps)}


def wanted(lab: str, ends: list[End], peers: list[End], action: str,
           props: dict[str, str]) -> dict[str, End]:
    """The new state of every end the change touches (by name). `set` on a link
    applies rate, loss and MTU to both directions; on one end, to what it sends
    (its rate, its MTU, and the loss at its peer's way in)."""
    files = file_ends(lab)
    out: dict[str, End] = {}
    if action in ("down", "up"):
        for e in ends:
            out[e.name] = replace(e, up=action == "up")
    elif action == "clear":
        for e in [*ends, *peers]:
            out[e.name] = files[e.name]
    elif action == "set":
        out = _set(ends, peers, props)
    for name, e in out.items():
        f = files[name]
        out[name] = replace(e, changed=(e.up, e.rate_bps, e.loss, e.mtu, e.netem)
                            != (f.up, f.rate_bps, f.loss, f.mtu, f.netem))
    return out


def _netem(e: End, **value: Any) -> End:
    """`e` with one of netem's settings changed (all of them zero: no netem)."""
    n = dataclasses.replace(e.netem or Netem(0.0, 0.0, 0.0, 0.0, 0.0), **value)
    return replace(e, netem=n if n.active else None)


# how each setting lands on an end, and which end: the one that sends (its rate,
# its MTU), or its peer, where what it sends arrives (a loss is dropped on the way in)
_SETTERS: dict[str, Callable[[End, float], End]] = {
    "rate": lambda e, v: replace(e, rate_bps=float(v)),
    "loss": lambda e, v: replace(e, loss=float(v) or None),
    "mtu": lambda e, v: replace(e, mtu=int(v)),
    "delay": lambda e, v: _netem(e, delay_ms=float(v)),
    "jitter": lambda e, v: _netem(e, jitter_ms=float(v)),
    "duplicate": lambda e, v: _netem(e, duplicate=float(v)),
    "reorder": lambda e, v: _netem(e, reorder=float(v)),
    "corrupt": lambda e, v: _netem(e, corrupt=float(v)),
}
_AT_PEER = {"loss"}
PROPERTIES = tuple(LINK_SETTINGS)


def _set(ends: list[End], peers: list[End], props: dict[str, str]) -> dict[str, End]:
    if not props:
        raise UsageError(f"set takes {', '.join(f'{k}=...' for k in PROPERTIES)} "
                         "(rate=1mbit loss=5% mtu=1400)")
    try:
        values = {key: link_setting(key, text) for key, text in props.items()}
    except ValueError as err:
        raise UsageError(str(err)) from None
    out: dict[str, End] = {}
    for k, end in enumerate(ends):
        peer = peers[k] if k < len(peers) else None
        for key, value in values.items():
            at = peer if key in _AT_PEER else end
            if at is not None:
                out[at.name] = _SETTERS[key](out.get(at.name) or at, value)
    return out


def change(lab: str, names: list[str], action: str, props: dict[str, str] | None = None,
           kernel: Kernel | None = None) -> LinkView:
    """Make the change: journaled first, then the steps, under the lab's lock."""
    if action not in ACTIONS:
        raise UsageError(f"no link action '{action}' (actions: {', '.join(ACTIONS)})")
    ends, peers = find(lab, names)
    if action == "show":
        return LinkView(lab, tuple(ends), tuple(peers), wire=Journal(lab).read().wire)
    require_root()
    k = kernel or RealKernel()
    with locked(lab):
        journal, rec, steps = recorded_plan(lab)
        before = {e.name: e for e in record_ends(lab)}
        ends = [before[e.name] for e in ends]
        peers = [before[p.name] for p in peers]
        after = wanted(lab, ends, peers, action, props or {})
        wanted_ends = list({**before, **after}.values())
        current = now(steps, lab, rec.stopped, list(before.values()), rec)
        rec = take_wire(journal, rec, checked_delays(overridden(steps, wanted_ends), lab, rec, k))
        change = changes(current, Plan(lab, now(steps, lab, rec.stopped, wanted_ends, rec)))
        journal.open()
        try:  # the new state first: a change cut short is finished by check --repair
            for e in after.values():
                journal.write(t="linkend", end=e.name, up=e.up, rate_bps=e.rate_bps,
                              loss=e.loss, mtu=e.mtu, changed=e.changed,
                              netem=dataclasses.asdict(e.netem) if e.netem else None)
        finally:
            journal.close()
        run_change(lab, journal, change, k, f"link {action}")
        close(journal, "link")
        view = {e.name: e for e in record_ends(lab)}
        return LinkView(lab, tuple(view[e.name] for e in ends),
                        tuple(view[p.name] for p in peers),
                        tuple(s.as_shell() for s in change.steps), rec.wire)


def flap(lab: str, names: list[str], period: float, count: int,
         on_change: Callable[[LinkView], None] | None = None,
         kernel: Kernel | None = None) -> LinkView:
    """Down for half of `period`, up for the other half, `count` times."""
    view = change(lab, names, "show")
    for _ in range(count):
        for action in ("down", "up"):
            view = change(lab, names, action, kernel=kernel)
            if on_change:
                on_change(view)
            time.sleep(period / 2)
    return view


MAX_WAIT = 5.0  # seconds an answer may take, at most, however slow the lab's links


def answer_within(every: float, sent_ms: list[float], events: list[TimelineEvent]) -> float:
    """How long a probe waits for its answer: a round of probes (`every`),
    and longer where the lab's links delay what they carry (`sent_ms`: each
    end's delay and jitter, in ms; and the delays its events set, each way):
    an answer that comes slowly over a delayed link is not a lost one."""
    slow = sum(sent_ms)
    for ev in events:
        props = dict(ev.props)
        slow += 2 * sum(float(link_setting(k, str(props[k]))) for k in ("delay", "jitter")
                        if k in props)
    return min(MAX_WAIT, max(every, every + slow / 1000))
