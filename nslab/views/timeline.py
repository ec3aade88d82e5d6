"""`nslab run`'s report: a table of events and outages, and JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from nslab.records.timeline import EventReport, RunReport
from nslab.views.text import table


def _f(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def event_line(e: EventReport) -> str:
    """One event as it is made (printed live)."""
    err = f"  FAILED: {e.error}" if e.error else ""
    return f"{e.started:7.2f} s  {e.name}: {e.text} ({e.took * 1000:.0f} ms){err}"


def report(r: RunReport) -> str:
    rows = []
    for e in r.events:
        first = True
        for o in e.pairs or ():
            rows.append([f"{e.started:.2f}" if first else "", e.name if first else "",
                         e.text if first else "", o.pair, o.state, _f(o.cut_at), _f(o.cut_for),
                         _f(o.back_after), str(o.lost)])
            first = False
    lines = [f"timeline of lab {r.lab}: {len(r.events)} events, {len(r.pairs)} pair(s) probed "
             f"every {r.every:g} s ({r.samples} probes), {r.seconds:.1f} s",
             table(rows, ["AT (s)", "EVENT", "WHAT", "PAIR", "STATE", "CUT AFTER",
                          "CUT FOR", "BACK AFTER", "LOST"])]
    for e in r.events:
        if e.error:
            lines.append(f"event {e.name} could not be made: {e.error}")
    for x in r.expectations:
        lines.append(f"{'PASS' if x.status == 'pass' else 'FAIL'}  {x.text}: {x.detail}")
    if r.still_cut:
        lines.append(f"still cut at the end: {', '.join(r.still_cut)}")
    lines += [f"note: {n}" for n in r.notes]
    return "\n".join(lines)


def junit(r: RunReport) -> str:
    """One test case per event (its time: the longest recovery), failing when
    the change could not be made or a pair never came back; one per
    expectation judged after an event."""
    suites = ET.Element("testsuites", name="nslab")
    suite = ET.SubElement(suites, "testsuite", name=f"nslab.{r.lab}.timeline")
    failures = 0
    for e in r.events:
        case = ET.SubElement(suite, "testcase", classname=f"nslab.{r.lab}.timeline",
                             name=f"{e.name}: {e.text}", time=f"{e.recovery or 0:.3f}")
        still = [o.pair for o in e.pairs if o.state == "still cut"]
        why = e.error or (f"never came back: {', '.join(still)}" if still and e is r.events[-1]
                          else None)
        if why:
            failures += 1
            ET.SubElement(case, "failure", message=why).text = why
        else:
            ET.SubElement(case, "system-out").text = "; ".join(
                f"{o.pair} {o.state}" + (f", back after {o.back_after:.2f} s"
                                         if o.back_after is not None else "")
                for o in e.pairs)
    for x in r.expectations:
        case = ET.SubElement(suite, "testcase", classname=f"nslab.{r.lab}.timeline",
                             name=x.text)
        if x.status == "fail":
            failures += 1
            ET.SubElement(case, "failure", message=x.detail).text = x.detail
    suite.set("tests", str(len(r.events) + len(r.expectations)))
    suite.set("failures", str(failures))
    suite.set("skipped", "0")
    suites.set("time", f"{r.seconds:.3f}")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
