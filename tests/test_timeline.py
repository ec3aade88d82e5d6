"""The timeline's pure parts: the file's events resolved (for: expanded, pairs
chosen), the samples turned into outages and verdicts, the report and JUnit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nslab.model.compile import compile_text
from nslab.model.serialize import lab_to_dict, timeline_from_dict
from nslab.records.timeline import EventReport, RunReport, Sample, holds_from, outages
from nslab.views import timeline as view

ROOT = Path(__file__).resolve().parent.parent

CHAIN = """
name: tl
nodes:
  h1: {}
  r1: {kind: router}
  r2: {kind: router}
  h2: {}
  h3: {}
links: [[h1, r1], [r1, r2], [r2, h2], [r2, h3]]
timeline:
  - {name: cut, at: 1s, link: [r1, r2], state: down, for: 2s}
  - {at: 500ms, node: r2, state: stopped, for: 1.5s}
  - {at: 6s, link: "r1:eth1", set: {loss: 30%, rate: 1mbit}, for: 1m}
"""


def test_events_are_resolved_in_time_order_with_their_ends() -> None:
    t = compile_text(CHAIN).timeline
    assert t is not None
    got = [(e.name, e.at, e.kind, e.target, e.action, e.ends) for e in t.events]
    assert got == [("e2", 0.5, "node", ("r2",), "stop", None),
                   ("cut", 1.0, "link", ("r1", "r2"), "down", None),
                   ("e2-end", 2.0, "node", ("r2",), "start", "e2"),
                   ("cut-end", 3.0, "link", ("r1", "r2"), "up", "cut"),
                   ("e3", 6.0, "link", ("r1:eth1",), "set", None),
                   ("e3-end", 66.0, "link", ("r1:eth1",), "clear", "e3")]
    assert t.events[4].props == (("loss", "30%"), ("rate", "1mbit"))
    assert t.events[4].text == "r1:eth1: loss 30%, rate 1mbit"
    # no probe: and no expectation: every pair of hosts
    assert t.probes == (("h1", "h2"), ("h1", "h3"), ("h2", "h3"))
    assert (t.every, t.tail) == (0.1, 5.0)


def test_the_pairs_probed_are_the_expectations_when_there_are() -> None:
    text = CHAIN + "test:\n  expect:\n    - {from: h3, to: h1}\n" \
                   "    - {from: h3, to: h1, after: cut, within: 2s}\n"
    lab = compile_text(text)
    assert lab.timeline is not None and lab.timeline.probes == (("h3", "h1"),)
    after = lab.tests.expectations[1]
    assert (after.after, after.within) == ("cut", 2.0)
    # and a running lab's record gives the same timeline back
    assert timeline_from_dict(lab_to_dict(lab)["timeline"]) == lab.timeline


def _samples(pattern: str, pair: int = 0, every: float = 0.1) -> list[Sample]:
    """'++--+' -> a sample each `every` s: + reached, - not."""
    return [Sample(round(k * every, 3), pair, c == "+") for k, c in enumerate(pattern)]


def test_an_outage_is_measured_from_the_samples() -> None:
    s = _samples("+++++-----+++++")  # cut from 0.5 to 1.0
    [o] = outages(s, ["a>b"], 0.4, 1.2, 1.5)
    assert (o.state, o.cut_at, o.cut_for, o.back_after, o.lost) == (
        "recovered", 0.1, 0.5, 0.6, 5)
    [o] = outages(s, ["a>b"], 1.1, 1.5, 1.5)
    assert o.state == "not cut" and o.lost == 0
    [o] = outages(_samples("+++------"), ["a>b"], 0.2, 0.9, 0.9)
    assert o.state == "still cut" and o.cut_for is None and o.back_after is None


def test_an_expectation_holds_from_when_it_stays_so() -> None:
    s = _samples("---+-++++++")
    assert holds_from(s, 0, 0.0, 1.1, True) == 0.5  # the 0.3 success did not last
    assert holds_from(s, 0, 0.0, 1.1, False) is None
    assert holds_from(_samples("++---"), 0, 0.0, 0.5, False) == 0.2


def test_the_report_and_junit_say_every_event() -> None:
    s = _samples("+++++-----+++++")
    r = RunReport("tl", ["a>b"], 0.1, 1.5, samples=len(s))
    r.events = [EventReport("cut", "r1 r2 down", 0.4, 0.4, 0.01, outages(s, ["a>b"], 0.4,
                                                                          1.2, 1.5)),
                EventReport("cut-end", "r1 r2 up", 1.2, 1.2, 0.01, outages(s, ["a>b"], 1.2,
                                                                            1.5, 1.5))]
    text = view.report(r)
    assert "cut      r1 r2 down  a>b   recovered  0.10       0.50     0.60" in text
    assert r.ok and r.events[0].recovery == 0.6
    root = ET.fromstring(view.junit(r).split("\n", 1)[1])
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == ["cut: r1 r2 down", "cut-end: r1 r2 up"]
    assert cases[0].get("time") == "0.600" and root.find(".//failure") is None
    assert r.to_dict()["events"][0]["recovery"] == 0.6


def test_the_failover_example_judges_the_way_round_and_back() -> None:
    lab = compile_text((ROOT / "examples/failover.yaml").read_text())
    assert lab.timeline is not None
    assert [e.name for e in lab.timeline.events] == ["cut", "cut-end"]
    assert [x.after for x in lab.tests.expectations if x.after] == ["cut", "cut-end"]


def test_a_probe_waits_longer_where_the_lab_delays_its_answers() -> None:
    """An answer that comes slowly over a delayed link is not a lost probe:
    the wait is a round plus every delay the lab and its events can add."""
    from nslab.model.lab import TimelineEvent
    from nslab.running.links import MAX_WAIT, answer_within

    assert answer_within(0.05, [], []) == 0.05
    assert answer_within(0.05, [20.0, 20.0], []) == pytest.approx(0.09)
    far = TimelineEvent("far", 0.3, "link", ("a", "b"), "set", (("delay", "30ms"),))
    assert answer_within(0.05, [], [far]) == pytest.approx(0.11)
    assert answer_within(0.05, [10_000.0], []) == MAX_WAIT


def test_an_outage_is_probes_lost_in_a_row_not_one_random_drop() -> None:
    """On a lossy link a probe lost now and then is loss, counted, not a cut;
    `cut_after` probes lost in a row are an outage, from the first of them."""
    def samples(reached: str) -> list[Sample]:
        return [Sample(1.0 + k * 0.1, 0, c == "1") for k, c in enumerate(reached)]

    lossy = samples("1101111011110111")  # single drops
    o = outages(lossy, ["a>b"], 1.0, 9.0, 9.0, cut_after=3)[0]
    assert (o.state, o.lost, o.cut_for) == ("not cut", 3, None)
    cut = samples("11011000011111")  # a drop, then four in a row
    o = outages(cut, ["a>b"], 1.0, 9.0, 9.0, cut_after=3)[0]
    assert (o.state, o.lost) == ("recovered", 5)
    assert o.cut_at == 0.5 and o.cut_for == 0.4  # from the first of the four
    assert outages(lossy, ["a>b"], 1.0, 9.0, 9.0, cut_after=1)[0].state == "recovered"


def test_cut_after_is_read_from_the_file_and_kept_in_the_record() -> None:
    text = """
name: t
nodes: {a: {}, b: {}}
links: [[a, b]]
timeline:
  cut_after: 5
  events: [{at: 1s, link: [a, b], state: down, for: 1s}]
"""
    lab = compile_text(text, "t.yaml")
    assert lab.timeline is not None and lab.timeline.cut_after == 5
    back = timeline_from_dict(lab_to_dict(lab)["timeline"])
    assert back is not None and back.cut_after == 5
