"""The change runner: a change to a running lab announced in its journal,
run by the executor on the lab's namespaces, closed. Used by apply, check
--repair, node and the rollbacks; a change cut short (a crash) is seen by the
next one (the journal says so) and finished from what the kernel holds."""

from __future__ import annotations

import time
from dataclasses import replace

from nslab.kernel.executor import Progress
from nslab.kernel.seam import Kernel
from nslab.plan.diff import Change
from nslab.plan.steps import AddNamespace, Step
from nslab.running.build import executor
from nslab.state.journal import Journal


def with_stops(change: Change, stop: list[Step]) -> Change:
    return replace(change, steps=tuple(stop) + change.steps) if stop else change


def run_change(name: str, journal: Journal, change: Change, k: Kernel, what: str,
               progress: Progress | None = None, source: str | None = None) -> list[str]:
    """Make `change` to the running lab `name`: announced, run by the executor
    on the lab's namespaces, closed. Returns the notes the executor left."""
    notes: list[str] = []
    made = {s.ns for s in change.steps if isinstance(s, AddNamespace)}
    rec = journal.read()
    there = sorted({ns for s in change.steps if isinstance(ns := getattr(s, "ns", None), str)}
                   - made)
    there += sorted({ns for s in change.steps
                     if isinstance(ns := getattr(s, "peer_ns", None), str)} - made - set(there))
    journal.open()
    ex = executor(name, journal, k, notes, progress)
    try:
        journal.write(t="change", what=what, steps=len(change.steps), time=time.time(),
                      **({"source": source} if source else {}))
        ex.adopt([ns for ns in there if ns in rec.namespaces and k.namespace_inode(ns)
                  == rec.namespaces[ns]])
        k.prepare_names()
        ex.run(change.plan())
    finally:
        ex.close()
        journal.close()
    return notes


def close(journal: Journal, what: str) -> None:
    journal.open()
    try:
        journal.write(t="changed", what=what, time=time.time())
    finally:
        journal.close()
