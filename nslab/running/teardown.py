"""Taking a lab down, converging, from its journal alone (no topology file):
what is already gone counts as removed, a namespace that is not the one the
lab made is left alone, what cannot be removed is named, kept in the journal,
and tried again by the next down; a journal that is not whole is completed by
nslab's marks (nslab.running.marks). Used by `nslab down` and by `up`'s
rollback."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from nslab.errors import ROOT_NEEDED, NotRootError, NslabError
from nslab.kernel.seam import Kernel, RealKernel
from nslab.names import names_a_file
from nslab.plan.build import carries_mark, daemon_dir, marker
from nslab.running import machine_side
from nslab.state import machine as borrowed
from nslab.state.journal import MACHINE_LOCK, Journal, Record, locked


@dataclass
class DownResult:
    lab: str
    removed: list[str]
    skipped: list[str]
    processes: int
    seconds: float
    was_up: bool
    notes: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # not removed, with why: still recorded


def not_whole(journal: Journal) -> str | None:
    """Why a lab's journal may not be the whole story (then down also looks
    for nslab's marks): damaged, without its end (an up cut short, or the
    journal cut), or missing namespaces its recorded plan makes."""
    rec = journal.read()
    if rec.damaged:
        return rec.damaged
    if not rec.complete:
        return "it does not say that up finished"
    try:
        plan = journal.read_file("plan.json") or []
    except NslabError:
        return "its plan.json is damaged"
    made = {str(s.get("ns")) for s in plan if s.get("step") == "AddNamespace"}
    gone = {str(s.get("ns")) for s in plan if s.get("step") == "RemoveNamespace"}
    lost = sorted(made - gone - set(rec.namespaces))
    return f"namespace {lost[0]} of its plan is not in it" if lost else None


def by_marks(name: str, k: Kernel, why: str) -> DownResult | None:
    """What carries lab `name`'s marks and no journal claims (nslab.verbs.gc:
    namespaces, machine links, its table, files, processes, held settings)
    is removed, and said; None when nothing carries them."""
    from nslab.running import marks as gc

    t0 = time.perf_counter()
    found = [d for d in gc.find() if d.lab == name]
    if not found:
        return None
    failed = gc.remove(found, k)
    gone = [d.name for d in found if d.kind == "namespace"
            and not any(f.startswith(f"namespace {d.name}:") for f in failed)]
    return DownResult(name, sorted(gone), [], sum(d.kind == "process" for d in found),
                      time.perf_counter() - t0, True,
                      [f"{why}: found {len(found)} object(s) by nslab's marks and removed "
                       "them"], failed)


def joined(a: DownResult, b: DownResult) -> DownResult:
    return DownResult(a.lab, sorted({*a.removed, *b.removed}), a.skipped,
                      a.processes + b.processes, a.seconds + b.seconds, True,
                      a.notes + b.notes, a.failed + b.failed)


def _owned(name: str, ns: str, ino: int | None, rec: Record, k: Kernel) -> int | None:
    """The inode of namespace `ns` when it is the one this lab made: its inode
    is the one recorded, or (when the crash came before the inode was) its `lo`
    carries this lab's marker. None when it is not ours or not there."""
    current = k.namespace_inode(ns)
    if current is None:
        return None
    if ino is not None:
        return current if current == ino else None
    try:
        alias = k.namespace_marker(ns)
    except OSError:
        return None
    return current if alias == marker(name, rec.nodes.get(ns, ""), rec.instance) else None


def _end_processes(name: str, inodes: set[int], k: Kernel) -> tuple[int, list[str]]:
    """End every process in the lab's namespaces; first the scripts that start
    routers' daemons (an `up` killed while they ran leaves them running on the
    machine, starting more daemons: their command lines hold the lab's own
    state path), then the namespaces' processes until none is left. Returns
    only when each is gone: how many ended, and those that would not."""
    ended, stuck = 0, set()
    starters = k.processes_mentioning(f"{daemon_dir(name, '')}")
    if starters:
        stuck |= set(k.end_processes(sorted(starters)))
    for _ in range(20):  # a process forked while the last ones ended: again
        pids = set(k.processes_in(inodes)) - stuck
        if not pids:
            break
        left = set(k.end_processes(sorted(pids)))
        ended += len(pids - left)
        stuck |= left
    return ended, [f"process {pid}: it did not end, even after SIGKILL" for pid in sorted(stuck)]


def teardown(name: str, journal: Journal, k: Kernel) -> DownResult:
    t0 = time.perf_counter()
    rec = journal.read()
    owned: dict[str, int] = {}
    skipped: list[str] = []
    debris: list[str] = []
    for ns, ino in rec.namespaces.items():
        if not k.name_taken(ns):
            continue
        if k.unmounted_placeholder(ns):
            # our name, left empty: killed between naming and mounting (up), or
            # between unmounting and unlinking (down)
            debris.append(ns)
            continue
        cur = _owned(name, ns, ino, rec, k)
        if cur is not None:
            owned[ns] = cur
        else:
            skipped.append(ns)
    pids, stuck = _end_processes(name, set(owned.values()), k)
    # first: a veth end on the machine goes at once
    elsewhere, failed = machine_side.clear(name, rec, k)
    failed += stuck
    removed = []
    for ns in [*owned, *debris]:
        try:
            k.remove_namespace(ns)
        except OSError as e:
            failed.append(f"namespace {ns}: {e.strerror or e}")
            continue
        if ns in owned:
            removed.append(ns)
    try:
        if rec.neighbour_limits:
            with locked(MACHINE_LOCK):
                borrowed.release(name, k.set_neighbour_thresh)
    except OSError as e:
        failed.append(f"the neighbour table limits held for the lab: {e.strerror or e}")
    left, failures = _remove_files(name, rec.files, rec.dirs, k)
    failed += failures
    if rec.shared_dirs:
        with locked(MACHINE_LOCK):
            borrowed.release_dirs(name, k.remove_dir)
    if failed:  # kept: the next down tries again (what is gone counts as removed)
        journal.write_file("down-failed.json", failed)
    else:
        journal.remove()
    notes = [elsewhere] if elsewhere else []
    notes += [f"left {path} alone: its first line is not nslab's mark (someone else's file)"
              for path in left]
    if rec.bad_lines:
        notes.append(f"skipped {rec.bad_lines} line(s) of the journal it could not read")
    return DownResult(name, sorted(removed), skipped, pids, time.perf_counter() - t0,
                      True, notes, failed)


def _remove_files(lab: str, files: list[str], dirs: list[str], k: Kernel
                  ) -> tuple[list[str], list[str]]:
    """The host files the journal says this lab wrote, while they still carry
    its mark, then the folders it made for them (only when empty: what someone
    else put there stays). Returns the files left alone (someone else's now),
    and what could not be removed, with why."""
    left, failed = [], []
    for path in files:
        try:
            text = k.read_text(path)
        except OSError:  # not a file now (a folder?): its removal says why
            text = None
        if text is not None and not carries_mark(text, lab):
            left.append(path)
            continue
        try:
            k.remove_file(path)
        except FileNotFoundError:
            pass
        except OSError as e:
            failed.append(f"file {path}: {e.strerror or e}")
    for path in reversed(dirs):
        with contextlib.suppress(OSError):
            k.remove_dir(path)
    return left, failed


def lab_name(target: str) -> str:
    """A lab name, or the name inside a topology file."""
    if names_a_file(target):
        from nslab.spec import load  # the schema: only when a file is named

        spec, _ = load(target)
        return spec.name
    return target


def down(target: str, on_wait: Any = None, kernel: Kernel | None = None) -> DownResult:
    """Remove a lab from its journal alone; `kernel`: the machine unless told."""
    k = kernel or RealKernel()
    if not k.privileged():
        raise NotRootError(ROOT_NEEDED)
    name = lab_name(target)
    t0 = time.perf_counter()
    with locked(name, on_wait):
        journal = Journal(name)
        if not journal.exists():
            result = by_marks(name, k, "its journal was lost") \
                if isinstance(k, RealKernel) else None
            return result or DownResult(name, [], [], 0, time.perf_counter() - t0, False)
        damaged = not_whole(journal)
        result = teardown(name, journal, k)
        if damaged and isinstance(k, RealKernel):
            more = by_marks(name, k, f"its journal was damaged ({damaged})")
            if more is not None:
                result = joined(result, more)
    result.seconds = time.perf_counter() - t0
    return result
