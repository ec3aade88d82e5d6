"""`nslab test`: probe a running lab (all pairs, in parallel, in-process) and
check the expectations its file states. On a file: up, test, down (always).

What decides the verdict: the expectations when the file has any (the matrix
is then shown for information), else the matrix itself (every pair reaches).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal, cast

from nslab.errors import NotFoundError, NslabError, require_root
from nslab.kernel import netns, probe, procs
from nslab.kernel.inspect import Reader
from nslab.kernel.path import Walker
from nslab.model.expectations import SETTLE_RETRY
from nslab.model.lab import Expectation, LabTests
from nslab.records import verdicts as vd
from nslab.running.daemons import routing_check
from nslab.running.record import lab_record
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


class Checker:
    """Checks expectations against a running lab."""

    def __init__(self, lab: str, timeout: float) -> None:
        self.lab = lab
        self.timeout = timeout
        self.nodes = {n["name"]: n for n in node_list(lab)}

    def ns(self, node: str) -> str:
        ns: str = self.nodes[node]["namespace"]
        return ns

    def run(self, items: Sequence[Expectation]) -> list[vd.ExpectResult]:
        probed = [e for e in items if e.kind in ("reach", "path", "throughput")]
        results = probe.run([probe.Probe(self.ns(e.src or ""), e.address or "",
                                         cast(probe.Proto, e.proto), e.port)
                             for e in probed], self.timeout)
        by_index = {e.index: r for e, r in zip(probed, results, strict=True)}
        out = []
        for e in items:
            if e.kind == "listens":
                out.append(self._listens(e))
                continue
            if e.kind in ("route", "session", "neighbour"):
                out.append(routing_check(self.lab, self.ns(e.src or ""), e))
                continue
            r = by_index[e.index]
            if r.reached != e.reach:
                what = "reached it" if r.reached else f"{r.outcome}: {r.detail}"
                out.append(vd.ExpectResult(e.index, e.text, e.kind, "fail", what, 1,
                                           None if r.reached else self._why(e)))
            elif e.kind == "path":
                out.append(self._path(e))
            elif e.kind == "throughput":
                out.append(self._throughput(e))
            else:
                out.append(vd.ExpectResult(e.index, e.text, e.kind, "pass",
                                           f"{r.outcome}: {r.detail}", 1))
        return out

    def _why(self, e: Expectation) -> str:
        port = f" --proto {e.proto} --port {e.port}" if e.proto != "icmp" else ""
        return f"nslab why {self.lab} {e.src} {e.dst or e.address}{port}"

    def _path(self, e: Expectation) -> vd.ExpectResult:
        with Reader(many=True) as reader:
            inos = {reader.named[d["namespace"]]: n for n, d in self.nodes.items()
                    if d["namespace"] in reader.named}
            src = reader.named[self.ns(e.src or "")]
            p = Walker(reader, inos).walk(src, None, e.address or "")
        through = [h.node or h.namespace for h in p.hops]
        text = " -> ".join(through)
        if e.via in through:
            return vd.ExpectResult(e.index, e.text, e.kind, "pass", f"path: {text}", 1)
        return vd.ExpectResult(e.index, e.text, e.kind, "fail",
                               f"the path does not pass {e.via}: {text}", 1, self._why(e))

    def _listens(self, e: Expectation) -> vd.ExpectResult:
        from nslab.running.inspection import inspect

        got = inspect(self.lab, e.dst, ["sockets"])
        want = "LISTEN" if e.proto == "tcp" else "UNCONN"
        found = [s for s in got.sockets or () if s.protocol == e.proto
                 and s.local_port == e.port and s.state == want]
        if found:
            who = ", ".join(f"{o.command}({o.pid})" for s in found for o in s.owners) or "?"
            return vd.ExpectResult(e.index, e.text, e.kind, "pass",
                                   f"{e.proto}/{e.port} open by {who}", 1)
        return vd.ExpectResult(e.index, e.text, e.kind, "fail",
                               f"no {e.proto} socket listens on port {e.port}", 1)

    def _throughput(self, e: Expectation) -> vd.ExpectResult:
        if shutil.which("iperf3") is None:
            return vd.ExpectResult(e.index, e.text, e.kind, "skip",
                                   "iperf3 is not installed (apt install iperf3)", 1)
        for _ in range(3):  # iperf3 itself failing (no report) is tried again
            bps, why = self._iperf3(e)
            if bps is not None:
                break
        if bps is None:
            return vd.ExpectResult(e.index, e.text, e.kind, "fail", f"iperf3 failed: {why}", 1)
        ok = e.rate_bps is not None and bps >= e.rate_bps
        return vd.ExpectResult(e.index, e.text, e.kind, "pass" if ok else "fail",
                               f"{bps / 1e6:.1f} Mbit/s measured", 1)

    def _iperf3(self, e: Expectation) -> tuple[float | None, str]:
        """What iperf3 measured from e.src to e.dst (bits/s), or why it could not."""
        port = 5201 + e.index
        server = subprocess.Popen(["ip", "netns", "exec", self.ns(e.dst or ""), "iperf3",
                                   "-s", "-1", "-p", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # iperf3 -c fails on a port not yet open
            procs.wait_listening(server.pid, port, netns=netns.inode(self.ns(e.dst or "")))
            r = subprocess.run(["ip", "netns", "exec", self.ns(e.src or ""), "iperf3", "-c",
                                e.address or "", "-p", str(port), "-t", "2", "-J"],
                               capture_output=True, text=True, timeout=20)
        finally:
            server.kill()
            server.wait()
        try:
            return float(json.loads(r.stdout)["end"]["sum_received"]["bits_per_second"]), ""
        except (ValueError, KeyError, TypeError):
            said = r.stderr.strip() or r.stdout.strip()
            with contextlib.suppress(ValueError, AttributeError):  # -J: its error in the JSON
                said = str(json.loads(r.stdout).get("error") or said)
            return None, said[:160]


def check_expectations(lab: str, tests: LabTests, timeout: float | None = None,
          converge: float | None = None) -> list[vd.ExpectResult]:
    """Check every expectation; those that fail are tried again until
    `converge` seconds have passed (a bounded wait for the lab to settle)."""
    require_root()
    checker = Checker(lab, timeout if timeout is not None else tests.timeout)
    t0 = time.monotonic()
    window = converge if converge is not None else tests.converge

    def deadline(e: Expectation) -> float:  # an expectation's own `within`, else converge
        return t0 + (e.within if e.within is not None else window)

    todo = list(tests.expectations)
    done: dict[int, vd.ExpectResult] = {}
    attempts = 0
    while todo:
        attempts += 1
        for res in checker.run(todo):
            done[res.index] = vd.ExpectResult(res.index, res.text, res.kind, res.status,
                                              res.detail, attempts, res.hint)
        now = time.monotonic()
        todo = [e for e in todo if done[e.index].status == "fail" and now < deadline(e)]
        if not todo:
            break
        time.sleep(0.2)
    return [done[e.index] for e in tests.expectations]


def recorded_tests(lab: str) -> LabTests:
    return lab_record(lab).tests


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
    if decided == "matrix" and not mats:
        raise NslabError("nothing to probe: no two of the chosen nodes have an address of "
                         "the chosen family (see --nodes, --family)")
    results = check_expectations(lab, tests, wait) if tests.expectations else []
    results += netlab_validation(lab, len(results))
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
    import json
    import subprocess
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

