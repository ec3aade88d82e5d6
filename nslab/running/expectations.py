"""The file's expectations checked against a running lab (reach, path,
listens, throughput, routes, sessions, neighbours), tried again while they
fail within the lab's window: what nslab test, nslab run (after a timeline's
events) and a machine's agent (its part of a lab across machines) share."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import cast

from nslab.errors import require_root
from nslab.kernel import netns, probe, procs
from nslab.kernel.inspect import Reader
from nslab.kernel.path import Walker
from nslab.model.lab import Expectation, LabTests
from nslab.records import verdicts as vd
from nslab.running.daemons import routing_check
from nslab.running.record import lab_record
from nslab.state.record import node_list


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
        return path_result(e, p, self._why(e))

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


def path_result(e: Expectation, p: vd.Path, hint: str) -> vd.ExpectResult:
    """A path expectation judged on the path walked."""
    through = [h.node or h.namespace for h in p.hops]
    text = " -> ".join(through)
    if e.via in through:
        return vd.ExpectResult(e.index, e.text, e.kind, "pass", f"path: {text}", 1)
    return vd.ExpectResult(e.index, e.text, e.kind, "fail",
                           f"the path does not pass {e.via}: {text}", 1, hint)


Run = Callable[[Sequence[Expectation]], list[vd.ExpectResult]]


def check_expectations(lab: str, tests: LabTests, timeout: float | None = None,
                       converge: float | None = None, run: Run | None = None
                       ) -> list[vd.ExpectResult]:
    """Check every expectation (`run`: how, else here, by a Checker); those
    that fail are tried again until `converge` seconds have passed (a bounded
    wait for the lab to settle)."""
    require_root()
    if run is None:
        run = Checker(lab, timeout if timeout is not None else tests.timeout).run
    t0 = time.monotonic()
    window = converge if converge is not None else tests.converge

    def deadline(e: Expectation) -> float:  # an expectation's own `within`, else converge
        return t0 + (e.within if e.within is not None else window)

    todo = list(tests.expectations)
    done: dict[int, vd.ExpectResult] = {}
    attempts = 0
    while todo:
        attempts += 1
        for res in run(todo):
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


def expect_here(lab: str, indexes: list[int], timeout: float) -> list[dict[str, object]]:
    """The file's expectations `indexes` checked on this machine (its part of a
    lab across machines: their nodes are here)."""
    wanted = set(indexes)
    items = [e for e in recorded_tests(lab).expectations if e.index in wanted]
    return [asdict(r) for r in Checker(lab, timeout).run(items)]
