"""`nslab test` and `nslab why` for people, and as JUnit XML for CI. Pure."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from nslab.records import verdicts as vd
from nslab.views.text import table

MARK = {"reply": "ok", "open": "ok", "refused": "R", "unreachable": "U", "blocked": "B",
        "timeout": "T", "error": "E"}
LEGEND = ("ok reached  T no answer  U unreachable (ICMP error)  R refused (no listener)  "
          "B blocked by the source  E error")
GRID_MAX = 30


def _title(m: vd.Matrix) -> str:
    what = m.proto if m.port is None else f"{m.proto}/{m.port}"
    return f"{what} over IPv{m.family}"


def matrix(m: vd.Matrix) -> str:
    reached = sum(c.reached for c in m.cells)
    head = f"{_title(m)}: {reached}/{len(m.cells)} pairs reach"
    if len(m.nodes) > GRID_MAX:
        lines = [head]
        for c in m.failed[:20]:
            lines.append(f"  {c.src} -> {c.dst} ({c.address}): {c.outcome}: {c.detail}")
        if len(m.failed) > 20:
            lines.append(f"  ... and {len(m.failed) - 20} more (--json lists them)")
        return "\n".join(lines)
    cell = {(c.src, c.dst): MARK.get(c.outcome, "?") for c in m.cells}
    rows = [[src, *("-" if src == dst else cell.get((src, dst), "") for dst in m.nodes)]
            for src in m.nodes]
    grid = table(rows, ["from \\ to", *m.nodes])
    return f"{head}\n{grid}"


def expectations(items: Sequence[vd.ExpectResult]) -> str:
    return table([[e.status.upper(), e.text, e.detail + (f" (after {e.attempts} tries)"
                                                          if e.attempts > 1 else "")]
                  for e in items])


def convergence(c: vd.Convergence) -> str:
    if c.complete:
        return f"routing converged: {c.routers} routers hold every prefix ({c.seconds:.2f} s)"
    lines = [f"routing did not converge within {c.seconds:.1f} s:"]
    for node, prefixes in list(c.missing.items())[:10]:
        more = f" and {len(prefixes) - 5} more" if len(prefixes) > 5 else ""
        lines.append(f"  {node} lacks {', '.join(prefixes[:5])}{more}")
        if node in c.reasons:
            lines.append(f"    {c.reasons[node]}")
    return "\n".join(lines)


def report(r: vd.Report) -> str:
    parts = [convergence(r.convergence)] if r.convergence else []
    parts += [matrix(m) for m in r.matrices]
    if r.matrices:
        parts.append(LEGEND)
    if r.expectations:
        parts.append(expectations(r.expectations))
        hints = [e.hint for e in r.expectations if e.status == "fail" and e.hint]
        if hints:
            parts.append("to see why: " + hints[0])
    conv = r.convergence
    if r.decided_by == "expectations":
        # the lab waited for its routing: that is one of the checks counted (a lab
        # that never converged is never "FAIL: 8/8")
        held = sum(e.status == "pass" for e in r.expectations)
        skipped = sum(e.status == "skip" for e in r.expectations)
        warned = sum(e.status == "warn" for e in r.expectations)
        count = len(r.expectations) - warned
        if conv is not None:
            held, count = held + conv.complete, count + 1
        verdict = f"{held}/{count} {'checks' if conv else 'expectations'} hold" + (
            f", {skipped} skipped" if skipped else "") + (
            f", {warned} warning{'s' if warned > 1 else ''}" if warned else "") + (
            f", routing {'converged' if conv.complete else 'did not converge'}"
            if conv is not None else "")
    else:
        total = sum(len(m.cells) for m in r.matrices)
        failed = sum(len(m.failed) for m in r.matrices)
        verdict = f"{total - failed}/{total} pairs reach each other" + (
            ", but routing did not converge" if conv is not None and not conv.complete
            else "")
    parts.append(f"lab {r.lab}: {'PASS' if r.ok else 'FAIL'}: {verdict} ({r.seconds:.2f} s)")
    return "\n\n".join(parts)


def junit(r: vd.Report) -> str:
    """JUnit XML: one test case per expectation; per pair when the matrix decides."""
    suites = ET.Element("testsuites", name="nslab")
    if r.convergence is not None:  # the routing the lab waited for: a test case of its own
        conv = r.convergence
        suite = ET.SubElement(suites, "testsuite", name=f"nslab.{r.lab}.routing", tests="1",
                              failures="0" if conv.complete else "1", skipped="0")
        case = ET.SubElement(suite, "testcase", classname=f"nslab.{r.lab}",
                             name="routing converges")
        if not conv.complete:
            msg = convergence(conv)
            ET.SubElement(case, "failure", message=msg.splitlines()[0]).text = msg
    if r.expectations:
        suite = ET.SubElement(suites, "testsuite", name=f"nslab.{r.lab}.expectations")
        for e in r.expectations:
            case = ET.SubElement(suite, "testcase", classname=f"nslab.{r.lab}", name=e.text)
            if e.status == "fail":
                ET.SubElement(case, "failure", message=e.detail).text = e.detail
            elif e.status in ("skip", "warn"):  # a warning does not fail the suite
                ET.SubElement(case, "skipped", message=f"{e.status}: {e.detail}")
        _counts(suite, r.expectations)
    if r.decided_by == "matrix":
        for m in r.matrices:
            suite = ET.SubElement(suites, "testsuite",
                                  name=f"nslab.{r.lab}.{m.proto}{m.family}")
            for c in m.cells:
                case = ET.SubElement(suite, "testcase", classname=f"nslab.{r.lab}",
                                     name=f"{c.src} reaches {c.dst} ({_title(m)})")
                if not c.reached:
                    msg = f"{c.outcome}: {c.detail}"
                    ET.SubElement(case, "failure", message=msg).text = msg
            suite.set("tests", str(len(m.cells)))
            suite.set("failures", str(len(m.failed)))
            suite.set("skipped", "0")
    suites.set("time", f"{r.seconds:.3f}")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _counts(suite: ET.Element, items: Sequence[vd.ExpectResult]) -> None:
    suite.set("tests", str(len(items)))
    suite.set("failures", str(sum(e.status == "fail" for e in items)))
    suite.set("skipped", str(sum(e.status == "skip" for e in items)))


def hops(p: vd.Path) -> str:
    rows = [[str(k + 1), h.node or h.namespace, h.iif or "-", h.oif or "-", h.via or "-",
             h.route or "-"] for k, h in enumerate(p.hops)]
    return table(rows, ["HOP", "NODE", "IN", "OUT", "NEXT HOP", "ROUTE"])


def diagnosis(d: vd.Diagnosis) -> str:
    what = d.proto if d.port is None else f"{d.proto}/{d.port}"
    head = f"{d.src} -> {d.dst} ({d.address}, {what}): "
    parts = [head + ("gets through" if d.reached else "does not get through")]
    if not d.reached:
        parts.append(f"why: {d.reason}" + (f"  [at {d.at}]" if d.at else ""))
    parts.append("the way there:\n" + hops(d.forward))
    if d.back is not None:
        parts.append("the way back:\n" + hops(d.back))
    parts.append(f"probe: {d.probe}")
    parts += [f"note: {n}" for n in d.notes]
    return "\n\n".join(parts)
