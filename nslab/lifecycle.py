"""up, down, status, list: the orchestration that sequences side effects.

`up` is all or nothing: on any failure (or Ctrl-C) it removes what it made,
from its own journal, and re-raises. `down` converges: whatever is already gone
counts as removed, and it works from the journal alone after a crash.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from nslab import hostside
from nslab.errors import (
    ROOT_NEEDED,
    ConflictError,
    LabNotFoundError,
    MissingFeatureError,
    NotRootError,
)
from nslab.kernel import features, netns, observe
from nslab.kernel.apply import Executor, Progress
from nslab.kernel.seam import Kernel, RealKernel
from nslab.model.compile import compile_file, compile_text
from nslab.model.lab import Lab
from nslab.model.serialize import lab_to_dict
from nslab.plan import HostFacts, Plan, plan
from nslab.plan.build import marker, needs
from nslab.plan.steps import SetNeighbourLimits
from nslab.spec import load
from nslab.state import host
from nslab.state.journal import Journal, Record, labs, locked
from nslab.state.record import node_list, recorded

__all__ = ["compile_file", "compile_text", "down", "list_labs", "status", "up"]


def _thresh(kernel: Kernel, family: int) -> tuple[int, int, int] | None:
    try:
        return kernel.neighbour_thresh(family)
    except OSError:  # not shown outside the machine's first namespace
        return None


def host_facts(lab: Lab, kernel: Kernel | None = None) -> HostFacts:
    k = kernel or RealKernel()
    return HostFacts(_thresh(k, 4), _thresh(k, 6) if lab.ipv6 else (128, 512, 1024),
                     k.uplink() if lab.host and lab.host.egress == "auto" else None)


def build_plan(lab: Lab, instance: str = "0") -> Plan:
    return plan(lab, host_facts(lab) if os.geteuid() == 0 else None, instance)


def require_features(lab: Lab, kernel: Kernel | None = None) -> None:
    """Fail before anything is made when the kernel lacks what the lab uses,
    in the words of `nslab doctor`."""
    need = needs(lab)
    lacking = (kernel or RealKernel()).missing_features(need)
    if lacking:
        f = lacking[0]
        raise MissingFeatureError(f"this kernel lacks {features.words(f)}, which the lab "
                                  f"needs for {need[f]}; nslab doctor lists what this "
                                  "machine has")


@dataclass
class UpResult:
    lab: Lab
    seconds: float
    notes: list[str] = field(default_factory=list)
    uplink: str | None = None  # the machine's interface egress leaves through

    def recorded(self) -> dict[str, Any]:
        """The lab as `up` records it (lab.json): the resolved lab, and on the
        machine side the uplink `egress: auto` found."""
        data = lab_to_dict(self.lab)
        if data["machine"] is not None:
            data["machine"]["uplink"] = self.uplink
        return data


def _privileged(kernel: Kernel) -> None:
    if not kernel.privileged():
        raise NotRootError(ROOT_NEEDED)


def up(lab: Lab, source: str | None = None, progress: Progress | None = None,
       on_wait: Any = None, kernel: Kernel | None = None) -> UpResult:
    """Build `lab`, all or nothing; `kernel`: the machine unless told."""
    k = kernel or RealKernel()
    _privileged(k)
    t0 = time.perf_counter()
    with locked(lab.name, on_wait):
        journal = Journal(lab.name)
        if journal.exists():
            rec = journal.read()
            where = f" from {rec.source}" if rec.source else ""
            if source and rec.source and rec.source != source:
                raise ConflictError(f"lab name '{lab.name}' is in use by another file{where}; "
                                    "rename this lab or take the other one down first")
            raise ConflictError(f"lab '{lab.name}' is already up{where} "
                                f"(nslab down {lab.name}, then up again)")
        taken = [ns for ns in lab.namespaces if k.name_taken(ns)]
        if taken:
            other = next((o for o in labs() if taken[0] in Journal(o).read().namespaces), None)
            if other is not None:
                raise ConflictError(f"namespace {taken[0]} belongs to lab '{other}'; take it "
                                    f"down first (nslab down {other}) or choose another "
                                    "namespace name")
            raise ConflictError(f"namespace {', '.join(taken[:5])} already exists and nslab "
                                f"did not make it; remove it (ip netns del {taken[0]}) "
                                "or rename the lab")
        require_features(lab, k)
        instance = secrets.token_hex(4)
        facts = host_facts(lab, k)
        notes: list[str] = hostside.check(lab, facts, k)
        the_plan = plan(lab, facts, instance)
        journal.open()
        journal.write(t="begin", lab=lab.name, source=source, instance=instance,
                      time=time.time())
        uplink = facts.uplink if lab.host and lab.host.egress == "auto" else (
            lab.host.egress if lab.host else None)
        journal.write_file("lab.json", UpResult(lab, 0, [], uplink).recorded())
        journal.write_file("nodes.json", [{
            "name": n.name, "kind": n.kind, "namespace": n.namespace,
            "addresses": [str(a.ip) for i in n.interfaces for a in i.addresses]}
            for n in lab.nodes])
        ex = Executor(journal, progress, k)
        ex.neighbour_hook = lambda s: _raise_neighbours(lab.name, s, journal, notes, k)
        ex.host_sysctl_hook = lambda s: hostside.set_sysctl(lab.name, s, journal, notes, k)
        ex.shared_dir_hook = lambda path: _hold_dir(lab.name, path, journal, k)
        try:
            k.prepare_names()
            ex.run(the_plan)
            journal.write(t="up", time=time.time())
        except BaseException as err:
            ex.close()
            _roll_back(lab.name, journal, err, k)
            raise
        finally:
            ex.close()
            journal.close()
    return UpResult(lab, time.perf_counter() - t0, notes, uplink)


def _roll_back(name: str, journal: Journal, err: BaseException, kernel: Kernel) -> None:
    """Undo a failed `up` from its journal; what the rollback could not do is
    added to the original error, never put in its place."""
    try:
        left = _teardown(name, journal, kernel).failed
    except Exception as e:  # the original error stays the one raised
        left = [f"the rollback stopped: {e}"]
    for what in left:
        err.add_note(f"not removed: {what} (nslab down {name} tries again)")


def _raise_neighbours(lab: str, s: SetNeighbourLimits, journal: Journal,
                      notes: list[str], kernel: Kernel) -> None:
    journal.write(t="neigh", family=s.family)
    with locked("host"):
        before = kernel.neighbour_thresh(s.family)
        host.hold(lab, s.family, s.thresh, lambda: kernel.neighbour_thresh(s.family),
                  lambda v: kernel.set_neighbour_thresh(s.family, v))
    table = "ARP" if s.family == 4 else "NDP"
    notes.append(f"raised the {table} neighbour table limit (gc_thresh3) from {before[2]} to "
                 f"{s.thresh[2]} for this lab; restored when the last lab needing it goes down")


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


def lab_name(target: str) -> str:
    """A lab name, or the name inside a topology file."""
    if os.path.isfile(target) or target.endswith((".yaml", ".yml")):
        spec, _ = load(target)
        return spec.name
    return target


def down(target: str, on_wait: Any = None, kernel: Kernel | None = None) -> DownResult:
    """Remove a lab from its journal alone; `kernel`: the machine unless told."""
    k = kernel or RealKernel()
    _privileged(k)
    name = lab_name(target)
    t0 = time.perf_counter()
    with locked(name, on_wait):
        journal = Journal(name)
        if not journal.exists():
            return DownResult(name, [], [], 0, time.perf_counter() - t0, False)
        result = _teardown(name, journal, k)
    result.seconds = time.perf_counter() - t0
    return result


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


def _teardown(name: str, journal: Journal, k: Kernel) -> DownResult:
    t0 = time.perf_counter()
    rec = journal.read()
    owned: dict[str, int] = {}
    skipped: list[str] = []
    debris: list[str] = []
    for ns, ino in rec.namespaces.items():
        if not k.name_taken(ns):
            continue
        if ino is None and k.unmounted_placeholder(ns):
            debris.append(ns)  # killed between naming and mounting: our empty file
            continue
        cur = _owned(name, ns, ino, rec, k)
        if cur is not None:
            owned[ns] = cur
        else:
            skipped.append(ns)
    pids = k.processes_in(set(owned.values()))
    k.end_processes(sorted(pids))
    # first: a veth end on the machine goes at once
    elsewhere, failed = hostside.clear(name, rec, k)
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
            with locked("host"):
                host.release(name, k.set_neighbour_thresh)
    except OSError as e:
        failed.append(f"the neighbour table limits held for the lab: {e.strerror or e}")
    failed += _remove_files(rec.files, rec.dirs, k)
    if rec.shared_dirs:
        with locked("host"):
            host.release_dirs(name, k.remove_dir)
    if failed:  # kept: the next down tries again (what is gone counts as removed)
        journal.write_file("down-failed.json", failed)
    else:
        journal.remove()
    return DownResult(name, sorted(removed), skipped, len(pids), time.perf_counter() - t0,
                      True, [elsewhere] if elsewhere else [], failed)


def _hold_dir(lab: str, path: str, journal: Journal, k: Kernel) -> None:
    journal.write(t="shareddir", path=path)
    with locked("host"):
        host.hold_dir(lab, path, k.is_dir, k.make_dir)


def _remove_files(files: list[str], dirs: list[str], k: Kernel) -> list[str]:
    """The host files the journal says this lab wrote, then the folders it
    made for them (only when empty: what someone else put there stays).
    Returns what could not be removed, with why."""
    failed = []
    for path in files:
        try:
            k.remove_file(path)
        except FileNotFoundError:
            pass
        except OSError as e:
            failed.append(f"file {path}: {e.strerror or e}")
    for path in reversed(dirs):
        with contextlib.suppress(OSError):
            k.remove_dir(path)
    return failed


# ---------------------------------------------------------------- reading
def status(name: str) -> dict[str, Any]:
    """The lab as recorded, checked against the kernel. Shape: docs/json.md."""
    journal, data = recorded(name)
    rec = journal.read()
    nodes = []
    present = 0
    for n in data["nodes"]:
        ns = n["namespace"]
        ino = netns.inode(ns)
        alive = ino is not None and ino == rec.namespaces.get(ns)
        present += alive
        snap = observe.snapshot(ns) if alive else None
        ifaces = []
        for i in n["interfaces"]:
            link = snap.link(i["name"]) if snap else None
            ifaces.append({
                "name": i["name"], "peer": i["peer"], "master": i["master"],
                "state": link.state if link else "missing",
                "addresses": snap.addresses_of(link.name) if snap and link else [],
            })
        nodes.append({"name": n["name"], "kind": n["kind"], "namespace": ns,
                      "present": alive, "interfaces": ifaces, "routes": n["routes"]})
    state = "up" if rec.complete and present == len(nodes) else (
        "incomplete" if not rec.complete else "damaged")
    return {"version": 1, "lab": name, "source": rec.source, "state": state,
            "nodes": nodes, "segments": data["segments"],
            "machine": _machine_status(data.get("machine"), rec)}


def _machine_status(side: dict[str, Any] | None, rec: Record) -> dict[str, Any] | None:
    """The lab's part of the machine as recorded, each link with its state
    read back: up, down, missing, or elsewhere (the lab was made from another
    network namespace than the one this runs in)."""
    if side is None:
        return None
    here = rec.machine is not None and rec.machine == os.stat("/proc/self/ns/net").st_ino
    snap = observe.machine_snapshot() if here else None

    def live(name: str, record: dict[str, Any]) -> dict[str, Any]:
        link = snap.link(name) if snap else None
        state = "elsewhere" if snap is None else (link.state if link else "missing")
        return {**record, "state": state,
                "live_addresses": snap.addresses_of(link.name) if snap and link else []}

    out = dict(side)
    out["links"] = [live(e["host_iface"], e) for e in side["links"]]
    if side["bridge"]:
        b = side["bridge"]
        out["bridge"] = {**live(b["name"], b),
                         "ports": [live(p["host_iface"], p) for p in b["ports"]]}
    return out


def list_labs() -> list[dict[str, Any]]:
    out = []
    for name in labs():
        journal = Journal(name)
        rec = journal.read()
        try:
            data = {"nodes": node_list(name)}
        except LabNotFoundError:  # up was cut before it recorded the topology
            data = {"nodes": []}
        present = sum(1 for ns, ino in rec.namespaces.items()
                      if ino is not None and netns.inode(ns) == ino)
        out.append({"name": name, "source": rec.source, "nodes": len(data["nodes"]),
                    "namespaces_present": present,
                    "state": "up" if rec.complete else "incomplete"})
    return out
