"""`nslab test`: probe a running lab (all pairs, in parallel, in-process) and
check the expectations its file states. On a file: up, test, down (always).

What decides the verdict: the expectations when the file has any (the matrix
is then shown for information), else the matrix itself (every pair reaches).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

from nslab.errors import NotFoundError, NslabError, require_root
from nslab.kernel import probe
from nslab.model.expectations import SETTLE_RETRY
from nslab.model.lab import Expectation, LabTests
from nslab.records import verdicts as vd
from nslab.running.expectations import check_expectations, path_result, recorded_tests
from nslab.state.record import node_list, primary


def matrix(lab: str, nodes: Iterable[str] | None = None, proto: probe.Proto = "icmp",
           port: int | None = None, families: Iterable[int] = (4, 6),
           timeout: float = 1.0) -> list[vd.Matrix]:
    """Every ordered pair of the chosen nodes (default: every node with an
    address), one matrix per address family the lab uses."""
    probe.check_port(port)
    require_root()
    known = {n["name"]: n for n in node_list(lab)}
    chosen = list(nodes) if nodes is not None else [
        n for n, d in known.items() if d["addresses"]]
    for n in chosen:
        if n not in known:
            raise NotFoundError(f"lab '{lab}' has no node '{n}' (nodes: "
                                f"{', '.join(known)})")
    out = []
    for fam in families:
        members = [n for n in chosen if primary(known[n]["addresses"], fam)]
        if len(members) < 2:
            continue
        pairs = [(a, b) for a in members for b in members if a != b]
        probes = [probe.Probe(known[a]["namespace"], primary(known[b]["addresses"], fam) or "",
                              proto, port) for a, b in pairs]
        results = probe.run(probes, timeout)
        cells = tuple(vd.Cell(a, b, r.probe.dst, r.outcome, r.detail,
                              round(r.rtt_ms, 3) if r.rtt_ms is not None else None, r.reached)
                      for (a, b), r in zip(pairs, results, strict=True))
        out.append(vd.Matrix(proto, port, fam, tuple(members), cells))
    return out


def check_lab(lab: str, tests: LabTests | None = None, nodes: Iterable[str] | None = None,
             proto: probe.Proto = "icmp", port: int | None = None,
             families: Iterable[int] = (4, 6), timeout: float | None = None,
             with_matrix: bool = True, settle: float | None = None) -> vd.Report:
    """Probe the lab; `settle` (or the file's `converge: auto`): first wait at most
    that long for the routers' tables to be complete."""
    t0 = time.perf_counter()
    tests = tests if tests is not None else recorded_tests(lab)
    # those judged after a timeline event are nslab run's
    tests = replace(tests, expectations=tuple(e for e in tests.expectations if e.after is None))
    if settle is not None:
        tests = replace(tests, settle=settle, converge=max(tests.converge, SETTLE_RETRY))
    convergence = None
    if tests.settle:
        from nslab.running import converge

        require_root()
        convergence = converge.wait(lab, tests.settle)
    wait = timeout if timeout is not None else tests.timeout
    decided: Literal["expectations", "matrix"] = \
        "expectations" if tests.expectations else "matrix"
    mats: list[vd.Matrix] = []
    if with_matrix or decided == "matrix":
        deadline = time.monotonic() + tests.converge
        while True:
            mats = matrix(lab, nodes, proto, port, families, wait)
            if decided != "matrix" or all(not m.failed for m in mats) or \
                    time.monotonic() >= deadline:
                break
            time.sleep(0.2)
    results = check_expectations(lab, tests, wait) if tests.expectations else []
    results += netlab_validation(lab, len(results))
    if decided == "matrix" and not mats and not results:  # (netlab's tests: the lab's own)
        raise NslabError("nothing to probe: no two of the chosen nodes have an address of "
                         "the chosen family (see --nodes, --family)")
    if results and decided == "matrix" and len(results) > len(tests.expectations):
        decided = "expectations"  # netlab's own tests are the lab's expectations
    return vd.Report(lab, tuple(mats), tuple(results), time.perf_counter() - t0, decided,
                     convergence)


def netlab_validation(lab: str, first: int) -> list[vd.ExpectResult]:
    """netlab's `validate:` tests of a lab made from a netlab file, run by
    netlab's own plugins (nslab.netlab.validate), under their names."""
    from nslab.state.journal import Journal

    source = Journal(lab).read().source
    if not source or not Path(source).is_file():
        return []
    from nslab.spec.loader import parse

    try:
        data, _smap = parse(Path(source).read_text(encoding="utf-8"), source)
    except (OSError, UnicodeDecodeError, NslabError):
        return []
    if not isinstance(data, dict) or not data.get("validate"):
        return []
    from nslab.netlab import is_netlab

    if not is_netlab(data):
        return []
    import sys
    import tempfile

    from nslab.netlab.resolve import resolved

    with tempfile.TemporaryDirectory(prefix="nslab-validate-") as tmp:
        model, out = Path(tmp) / "model.json", Path(tmp) / "results.json"
        model.write_text(json.dumps(resolved(Path(source))))
        subprocess.run([sys.executable, "-m", "nslab.netlab.validate", lab, str(model),
                        str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        found = json.loads(out.read_text()) if out.exists() else None
    if found is None:
        return [vd.ExpectResult(first, "netlab validate", "netlab", "fail",
                                "netlab's validation did not run (see nslab.netlab.validate)",
                                1)]
    return [vd.ExpectResult(first + k, f"{t['name']}: {t['description'] or t['plugin']}",
                            "netlab", t["status"], t["detail"] or
                            (f"on {', '.join(t['nodes'])}" if t["nodes"] else ""), 1)
            for k, t in enumerate(found)]


def check_file(path: str | Path, **kw: object) -> vd.Report:
    """Bring the file's lab up, test it, and bring it down, whatever happens."""
    from nslab.model.compile import compile_file
    from nslab.running.build import up
    from nslab.running.teardown import down

    lab = compile_file(path)
    up(lab, str(Path(path).resolve()))
    try:
        return check_lab(lab.name, lab.tests, **kw)  # type: ignore[arg-type]
    finally:
        down(lab.name)



# ---------------------------------------------------------------- across machines
def check_across(lab: str, nodes: Iterable[str] | None = None, proto: str = "icmp",
                 port: int | None = None, families: Iterable[int] = (4, 6),
                 timeout: float | None = None, with_matrix: bool = True,
                 settle: float | None = None) -> vd.Report:
    """nslab test for a lab across machines: its matrix (each probe from its
    source node's machine) and the file's expectations, each checked on the
    machine of its node (a path walked across the machines, here). The
    routers' convergence (`settle`, the file's converge: auto) is a window in
    which what fails is tried again."""
    from nslab.running import spread

    t0 = time.perf_counter()
    tests = spread.recorded_tests(lab)
    tests = replace(tests, expectations=tuple(e for e in tests.expectations if e.after is None))
    window = max(tests.converge, tests.settle, settle or 0.0)
    wait = timeout if timeout is not None else tests.timeout
    decided: Literal["expectations", "matrix"] = \
        "expectations" if tests.expectations else "matrix"
    mats: tuple[vd.Matrix, ...] = ()
    if with_matrix or decided == "matrix":
        mats = spread.matrix(lab, list(nodes) if nodes is not None else None, proto, port,
                             tuple(families), wait,
                             window if decided == "matrix" else 0.0).matrices
    results = check_expectations(lab, tests, wait, window,
                                 lambda items: _across(lab, items, wait)) \
        if tests.expectations else []
    return vd.Report(lab, mats, tuple(results), time.perf_counter() - t0, decided)


def _across(lab: str, items: Sequence[Expectation], wait: float) -> list[vd.ExpectResult]:
    """Each expectation checked where its node is (a socket: where it listens;
    the rest: where the packet starts); a path, walked across the machines."""
    from nslab.running import spread
    from nslab.running.paths import walk_across

    where, _, _ = spread.crossings(lab)
    out: dict[int, vd.ExpectResult] = {}
    jobs: dict[str, tuple[dict[str, object], list[int]]] = {}
    with spread.Session() as session:  # a connection per machine, for every request
        for e in items:
            node = (e.dst if e.kind == "listens" else e.src) or ""
            if e.kind == "path":
                hint = f"nslab why {lab} {e.src} {e.dst or e.address}"
                out[e.index] = path_result(e, walk_across(lab, e.src or "", None,
                                                          e.address or "", session), hint)
            elif e.kind == "throughput" and where[e.src or ""] is not where[e.dst or ""]:
                out[e.index] = vd.ExpectResult(e.index, e.text, e.kind, "skip", "not measured "
                                               "between machines yet (iperf3 on each machine)",
                                               1)
            else:
                jobs.setdefault(where[node]["name"], (where[node], []))[1].append(e.index)
        asked = spread.ask_each([(entry, {"op": "expect", "lab": lab, "indexes": indexes,
                                          "timeout": wait})
                                 for entry, indexes in jobs.values()], 10 * wait + 60, session)
    for (entry, indexes), said in zip(jobs.values(), asked, strict=True):
        if isinstance(said, Exception):
            for e in items:
                if e.index in indexes:
                    out[e.index] = vd.ExpectResult(e.index, e.text, e.kind, "fail",
                                                   f"machine {entry['name']}: {said}", 1)
        else:
            out |= {r["index"]: vd.ExpectResult(**r) for r in said["results"]}
    return [out[e.index] for e in items]
