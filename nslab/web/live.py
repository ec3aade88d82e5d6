"""What the page is told as it happens (server-sent events), from one thread
for every browser: a link's state within a moment of the kernel announcing
it (nslab.kernel.watch, rtnetlink), each link end's rate every second (its
counters), nodes stopped and started, labs coming up and going down.

Events (docs/json.md "nslab web"): `labs` {labs}, `link` {lab, node, iface,
state, up}, `rates` {lab, ends: {"node:iface": [bits/s, packets/s]}},
`nodes` {lab, stopped}.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
import time
from typing import Any

from nslab.errors import NslabError
from nslab.kernel.watch import Counters, Watcher, rates
from nslab.state.journal import Journal, labs
from nslab.state.record import node_list

TICK = 1.0  # seconds between counter readings
HEED = 0.2  # seconds at most before the thread sees it is asked to stop


class Hub:
    """Reads the kernel for every page at once; each page has a queue."""

    def __init__(self, only: list[str] | None = None) -> None:
        self.only = only
        self.on_new_lab: Any = None  # called (in a thread of its own) for a lab that appears
        self.clients: list[queue.Queue[tuple[str, str]]] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="nslab-web-live")
        self.where: dict[str, tuple[str, str]] = {}  # namespace -> (lab, node)
        self.labs: list[str] = []
        self.stopped: dict[str, tuple[float, list[str]]] = {}  # lab -> (journal mtime, nodes)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)

    def subscribe(self) -> queue.Queue[tuple[str, str]]:
        q: queue.Queue[tuple[str, str]] = queue.Queue(maxsize=1000)
        with self.lock:
            self.clients.append(q)
        return q

    def unsubscribe(self, q: queue.Queue[tuple[str, str]]) -> None:
        with self.lock:
            if q in self.clients:
                self.clients.remove(q)

    def send(self, event: str, data: dict[str, Any]) -> None:
        text = json.dumps(data, separators=(",", ":"))
        with self.lock:
            for q in self.clients:
                with contextlib.suppress(queue.Full):  # a page that stopped reading
                    q.put_nowait((event, text))

    def shown(self) -> list[str]:
        return [x for x in labs() if self.only is None or x in self.only]

    # ------------------------------------------------------------ the thread
    def _run(self) -> None:
        w = Watcher()
        try:
            last: dict[tuple[str, str], Counters] = {}
            t_last = time.monotonic()
            while not self.stop.is_set():
                t0 = time.monotonic()
                self._labs(w)
                now = w.counters()
                t = time.monotonic()
                self._rates(rates(last, now, t - t_last))
                last, t_last = now, t
                deadline = t0 + TICK
                while not self.stop.is_set() and time.monotonic() < deadline:
                    for ev in w.wait(min(HEED, max(0.0, deadline - time.monotonic()))):
                        lab, node = self.where.get(ev.namespace, ("", ""))
                        if lab:
                            self.send("link", {"lab": lab, "node": node, "iface": ev.iface,
                                               "state": "missing" if ev.gone else ev.state,
                                               "up": ev.up})
        finally:
            w.close()

    def _labs(self, w: Watcher) -> None:
        shown = self.shown()
        if shown != self.labs:
            if self.on_new_lab is not None:
                for lab in set(shown) - set(self.labs):
                    threading.Thread(target=self.on_new_lab, args=(lab,), daemon=True).start()
            self.labs = shown
            self.send("labs", {"labs": shown})
        where: dict[str, tuple[str, str]] = {}
        for lab in shown:
            try:
                for n in node_list(lab):
                    where[n["namespace"]] = (lab, n["name"])
            except NslabError:
                continue
            self._stopped(lab)
        self.where = where
        w.watch(set(where))

    def _stopped(self, lab: str) -> None:
        j = Journal(lab)
        try:
            mtime = os.stat(j.path).st_mtime
        except OSError:
            return
        seen = self.stopped.get(lab)
        if seen is not None and seen[0] == mtime:
            return
        now = sorted(j.read().stopped)
        if seen is None or seen[1] != now:
            self.send("nodes", {"lab": lab, "stopped": now})
        self.stopped[lab] = (mtime, now)

    def _rates(self, r: dict[tuple[str, str], tuple[float, float]]) -> None:
        per_lab: dict[str, dict[str, list[float]]] = {}
        for (ns, iface), (bps, pps) in r.items():
            lab, node = self.where.get(ns, ("", ""))
            if lab:
                per_lab.setdefault(lab, {})[f"{node}:{iface}"] = [round(bps), round(pps, 1)]
        for lab, ends in per_lab.items():
            self.send("rates", {"lab": lab, "ends": ends})
