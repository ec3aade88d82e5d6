"""nslab run: play a running lab's timeline (the file's `timeline:`) while the
chosen pairs are probed in-process, `every` seconds, as `nslab test` probes;
then say, for every event, how long each pair was cut off and when it came
back, and judge the expectations that carry `after: EVENT`. The clock starts
once every pair has answered (or `WARM_UP` seconds went by): the first packet
between two nodes waits for neighbour discovery (ARP, NDP), and over a lossy
link a lost ARP request costs the kernel's retransmit time, a second, which
is the lab starting, not any event's outage.

Each event is made by the verbs a person would use (nslab link, nslab node):
journaled as they journal. The run is journaled too (its start, the ends it
touched, its end): whatever the timeline changed is put back as the file says
when it ends, and a run cut short (Ctrl-C, a crash) is put back by the next
run, by `nslab apply`, or goes with the lab at `down`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from nslab.errors import LabNotFoundError, NotFoundError, NslabError, UsageError
from nslab.kernel import probe as probing
from nslab.model.lab import LabTests, Timeline, TimelineEvent
from nslab.records.timeline import (
    AfterResult,
    EventReport,
    RunReport,
    Sample,
    holds_from,
    outages,
)
from nslab.running import links, nodes
from nslab.running import record as running_record
from nslab.running.links import answer_within
from nslab.state.journal import Journal
from nslab.state.record import node_list, primary


def _addresses(lab: str) -> dict[str, tuple[str, str | None]]:
    """node -> (namespace, the address that stands for it: IPv4 first), as
    `nslab test` chooses it."""
    return {n["name"]: (n["namespace"], primary(n["addresses"], 4)
                        or primary(n["addresses"], 6)) for n in node_list(lab)}


WARM_UP = 3.0  # seconds the pairs may take to answer once, before the clock starts


def _warm(probes: list[probing.Probe], pairs: list[str], every: float) -> list[str]:
    """Probe every pair until it has answered once (neighbours resolved) or
    WARM_UP seconds went by; the pairs that never answered are returned."""
    left = list(range(len(probes)))
    deadline = time.monotonic() + WARM_UP
    while left and time.monotonic() < deadline:
        results = probing.run([probes[k] for k in left], timeout=max(every, 0.2), tries=1)
        left = [k for k, r in zip(left, results, strict=True) if not r.reached]
        if left:
            time.sleep(max(0.0, min(every, deadline - time.monotonic())))
    return [pairs[k] for k in left]


class _Prober(threading.Thread):
    """Probes every pair each `every` seconds until stopped; keeps the samples."""

    def __init__(self, probes: list[probing.Probe], every: float, t0: float,
                 within: float | None = None) -> None:
        super().__init__(daemon=True)
        self.probes, self.every, self.t0 = probes, every, t0
        self.within = within or every  # how long an answer may take
        self.samples: list[Sample] = []
        self.stop = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                sent = time.monotonic()
                results = probing.run(self.probes, timeout=self.within, tries=1)
                t = sent - self.t0
                self.samples += [Sample(t, k, r.reached) for k, r in enumerate(results)]
                self.stop.wait(max(0.0, self.every - (time.monotonic() - sent)))
        except Exception as e:  # said in the report: the samples so far still count
            self.error = str(e)


def _make(lab: str, ev: TimelineEvent) -> None:
    if ev.kind == "node":
        nodes.node(lab, ev.target[0], ev.action)
        return
    props = dict(ev.props)
    links.change(lab, list(ev.target), ev.action, props if ev.action == "set" else None)


def _undo(lab: str, events: list[dict[str, Any]]) -> list[str]:
    """Put back what a timeline's events changed: their links as the file
    says, their nodes started. Returns what was put back."""
    done = []
    changed = {e.name for e in running_record.changed(lab)}
    stopped = Journal(lab).read().stopped
    for ev in events:
        target = list(ev["target"])
        if ev["kind"] == "node" and target[0] in stopped:
            nodes.node(lab, target[0], "start")
            stopped.discard(target[0])
            done.append(f"node {target[0]} started")
        elif ev["kind"] == "link":
            try:
                ends, peers = running_record.find(lab, target)
            except NotFoundError:  # the lab changed since (apply): nothing to put back
                continue
            if {e.name for e in [*ends, *peers]} & changed:
                links.change(lab, target, "clear")
                changed -= {e.name for e in [*ends, *peers]}
                done.append(f"link {' '.join(target)} as the file says")
    return done


def _record(lab: str, **entry: Any) -> None:
    j = Journal(lab)
    j.open()
    try:
        j.write(t="timeline", time=time.time(), **entry)
    finally:
        j.close()


def run(lab: str, on_event: Callable[[EventReport], None] | None = None,
        every: float | None = None, speed: float = 1.0) -> RunReport:
    """Play the timeline of the running lab `lab`; `speed` > 1 plays it faster."""
    if not 0.01 <= speed <= 100:
        raise UsageError(f"speed {speed:g} is not from 0.01 to 100")
    rec = running_record.lab_record(lab)
    left = Journal(lab).read_intact().playing
    timeline = rec.timeline
    if timeline is None:
        raise LabNotFoundError(f"lab '{lab}' has no timeline (add timeline: to its file, "
                               "then nslab apply it)")
    notes = []
    if left is not None:
        notes += [f"a run cut short before: {x}" for x in _undo(lab, left)]
    where = _addresses(lab)
    pairs = [f"{a}>{b}" for a, b in timeline.probes]
    probes = []
    for a, b in timeline.probes:
        ns, _mine = where[a]
        addr = where[b][1]
        if addr is None:
            raise NslabError(f"timeline probe {a} -> {b}: '{b}' has no address")
        probes.append(probing.Probe(ns, addr))
    step = every or timeline.every
    events = list(timeline.events)
    notes += [f"{p} did not answer before the first event (within {WARM_UP:g} s)"
              for p in _warm(probes, pairs, step)]
    _record(lab, state="playing", events=[{"name": e.name, "kind": e.kind,
                                           "target": list(e.target)} for e in events])
    t0 = time.monotonic()
    sent = [i.netem.delay_ms + i.netem.jitter_ms for n in rec.nodes for i in n.interfaces
            if i.netem]
    prober = _Prober(probes, step, t0, answer_within(step, sent, events))
    prober.start()
    made: list[tuple[TimelineEvent, float, float, str | None]] = []
    try:
        for ev in events:
            wait = t0 + ev.at / speed - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            started = time.monotonic() - t0
            error = None
            try:
                _make(lab, ev)
            except NslabError as e:
                error = str(e)
            made.append((ev, started, time.monotonic() - t0 - started, error))
            if on_event is not None:
                on_event(EventReport(ev.name, ev.text, ev.at / speed, started,
                                     made[-1][2], (), error))
        last = events[-1].at / speed if events else 0.0
        wait = t0 + last + timeline.tail - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    finally:
        prober.stop.set()
        prober.join()
        end = time.monotonic() - t0
        notes += [f"put back: {x}" for x in _undo(lab, [
            {"name": e.name, "kind": e.kind, "target": list(e.target)} for e in events])]
        _record(lab, state="done")
    if prober.error:
        notes.append(f"probing stopped early: {prober.error}")
    report = RunReport(lab, pairs, step, end, samples=len(prober.samples), notes=notes,
                       cut_after=timeline.cut_after)
    samples = prober.samples
    for k, (ev, started, took, error) in enumerate(made):
        until = made[k + 1][1] if k + 1 < len(made) else end
        report.events.append(EventReport(ev.name, ev.text, ev.at / speed, round(started, 3),
                                         round(took, 3),
                                         outages(samples, pairs, started, until, end,
                                                 timeline.cut_after), error))
    report.expectations = _after(rec.tests, made, samples, timeline, end)
    return report


def _after(tests: LabTests, made: list[tuple[TimelineEvent, float, float, str | None]],
           samples: list[Sample], timeline: Timeline, end: float) -> list[AfterResult]:
    """The expectations that carry `after: EVENT`, judged from the samples."""
    out = []
    starts = {ev.name: (k, started) for k, (ev, started, _t, _e) in enumerate(made)}
    for x in tests.expectations:
        if x.after is None:
            continue
        within = x.within or 10.0
        pair = next((k for k, (a, b) in enumerate(timeline.probes)
                     if a == x.src and b == x.dst), None)
        if pair is None or x.after not in starts:
            out.append(AfterResult(x.text, x.after, within, "fail",
                                   "its pair was not probed (timeline.probe)" if pair is None
                                   else "the event did not happen"))
            continue
        k, start = starts[x.after]
        until = made[k + 1][1] if k + 1 < len(made) else end
        held = holds_from(samples, pair, start, until, x.reach)
        word = "reached" if x.reach else "cut off"
        if held is not None and held <= within:
            out.append(AfterResult(x.text, x.after, within, "pass",
                                   f"{word} {held:.2f} s after {x.after}, and stayed so"))
        else:
            out.append(AfterResult(x.text, x.after, within, "fail",
                                   f"not {word} for good within {within:g} s of {x.after}"
                                   + (f" (only after {held:.2f} s)" if held is not None
                                      else "")))
    return out
