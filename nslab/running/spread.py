"""A lab across machines, from the controller: the machine `nslab up FILE`
runs on. The lab is resolved and planned once, here; each machine gets its
part (nslab.plan.spread) through its transport and makes it with the same
journaled engine as a lab on one machine (`nslab agent`, nslab.verbs.agent),
keeping its own journal. Here, a record of the machines and of what each
holds (/run/nslab/.machines/LAB.json), written before any machine is asked to
make anything: `down` finds every machine from it, and a machine it cannot
reach stays in it as pending until a later `down` reaches it (or is told to
forget it).
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from nslab.errors import ConflictError, ExitCode, LabNotFoundError, NslabError, UsageError
from nslab.kernel.probe import Probe, Result
from nslab.kernel.remote import (
    Channel,
    MachineError,
    Stream,
    relay,
    resolve_host,
    transport_argv,
)
from nslab.model.lab import Lab, LabTests, Machine
from nslab.model.serialize import lab_to_dict, tests_from_dict, tests_to_dict
from nslab.plan import MachineFacts, plan
from nslab.plan.build import needs
from nslab.plan.codec import steps_to_json
from nslab.plan.spread import VXLAN_OVERHEAD, Underlay, cross_links, cross_mtu, sliced, split
from nslab.records.verdicts import Cell, Matrix, Report
from nslab.running.build import node_records
from nslab.state.across import (
    controlling,
    is_spread,
    read_record,
    record_path,
    write_record,
)
from nslab.state.record import primary

HELLO_TIMEOUT = 20.0  # seconds for a machine to answer hello (ssh's connect included)
WORK_TIMEOUT = 600.0  # seconds for a machine to make or remove its part
T = TypeVar("T")


class PartlyDownError(NslabError):
    """down reached some machines and not others: they keep their part."""

    exit_code = ExitCode.PARTLY_DOWN


@dataclass
class SpreadResult:
    lab: str
    seconds: float
    machines: dict[str, dict[str, Any]]  # name -> nodes, cross links, seconds
    cross: list[dict[str, Any]] = field(default_factory=list)


def record_of(name: str) -> dict[str, Any]:
    """The controller's record of a lab across machines (nslab.state.across)."""
    return read_record(name)


def _entry(m: Machine) -> dict[str, Any]:
    """A machine as the record keeps it."""
    return {"name": m.name, "transport": m.transport, "target": m.target,
            "underlay": m.underlay}


def _machine(entry: dict[str, Any]) -> Machine:
    return Machine(entry["name"], entry["transport"], entry["target"], entry.get("underlay"))


def _connect(m: Machine, timeout: float) -> Channel:
    return Channel(m.name, transport_argv(m.transport, m.target, connect_timeout=timeout / 2))


def _each(machines: list[T], work: Callable[[T], dict[str, Any]]
          ) -> dict[int, dict[str, Any] | Exception]:
    """`work` on every machine at once; its answer, or the exception it raised."""
    out: dict[int, dict[str, Any] | Exception] = {}
    if not machines:
        return out
    with ThreadPoolExecutor(max_workers=len(machines)) as pool:
        futures = {i: pool.submit(work, m) for i, m in enumerate(machines)}
        for i, f in futures.items():
            try:
                out[i] = f.result()
            except Exception as e:  # a machine's failure is reported with the others
                out[i] = e
    return out


def _ask(ch: Channel, request: dict[str, Any], timeout: float) -> dict[str, Any]:
    answer = ch.ask(request, timeout)
    if not answer.get("ok"):
        err = NslabError(f"machine {ch.name}: {answer.get('error')}")
        err.exit_code = ExitCode(int(answer.get("code", 1)))
        for note in answer.get("notes") or ():
            err.add_note(f"machine {ch.name}: {note}")
        raise err
    return answer


def hello(m: Machine, ch: Channel, version: str, port: int) -> tuple[Underlay, str]:
    """The machine's agent greeted (the same nslab `version`), its kernel's
    VXLAN, the UDP `port` free of programs there, and its underlay's MTU."""
    address = m.underlay or resolve_host(m.target)
    answer = _ask(ch, {"op": "hello", "version": version, "underlay": address, "port": port},
                  HELLO_TIMEOUT)
    if not answer.get("vxlan", True):
        raise MachineError(f"machine {m.name}: its kernel lacks VXLAN, which the links "
                           "between machines are")
    if answer.get("port_taken"):
        raise MachineError(f"machine {m.name}: a program holds UDP port {port}, the VXLANs' "
                           f"({', '.join(answer['port_taken'])}): end it, or choose another "
                           "(cross: {port: N})")
    return Underlay(address, int(answer["mtu"])), str(answer.get("hostname", ""))


def up(lab: Lab, version: str, source: str | None = None) -> SpreadResult:
    """Make `lab` on its machines, all or nothing: a machine that fails rolls
    its own part back; the others' parts are then taken down. `version`: this
    nslab's, which every machine's must be."""
    with controlling(lab.name):
        return _up(lab, version, source)


def _up(lab: Lab, version: str, source: str | None) -> SpreadResult:
    spread = lab.spread
    assert spread is not None
    t0 = time.perf_counter()
    if is_spread(lab.name):
        raise ConflictError(f"lab '{lab.name}' is already up across machines (nslab down "
                            f"{lab.name}, then up again)")
    machines = list(spread.machines)
    channels: dict[str, Channel] = {}
    try:
        greeted = _each(machines, lambda m: {"ch": _open(m, channels)})
        failed = [(m, r) for m, r in zip(machines, greeted.values(), strict=True)
                  if isinstance(r, Exception)]
        if failed:
            raise _together("cannot reach", failed)
        said = _each(machines, lambda m: {"u": hello(m, channels[m.name], version,
                                                      spread.port)[0]})
        failed = [(m, r) for m, r in zip(machines, said.values(), strict=True)
                  if isinstance(r, Exception)]
        if failed:
            raise _together("no answer from", failed)
        underlays = {m.name: _field(said[i], "u") for i, m in enumerate(machines)}
        instance = secrets.token_hex(4)
        the_plan = plan(lab, MachineFacts(arp_thresh=None, ndisc_thresh=None), instance)
        slices = split(lab, the_plan.steps, underlays)
        cross = cross_links(lab, slices)
        entries = [_entry(m) | {"underlay": underlays[m.name].address, "state": "making",
                                "nodes": list(slices[m.name].nodes)} for m in machines]
        write_record(lab.name, {"version": 1, "lab": lab.name, "source": source,
                                 "instance": instance, "machines": entries, "cross": cross,
                                 "tests": tests_to_dict(lab.tests)})
        need = needs(lab)

        def make(m: Machine) -> dict[str, Any]:
            part = sliced(lab, m.name)
            sl = slices[m.name]
            files = {"lab.json": lab_to_dict(part), "nodes.json": node_records(part)}
            return _ask(channels[m.name], {
                "op": "up", "lab": lab.name, "steps": steps_to_json(sl.steps), "files": files,
                "needs": need, "namespaces": [n.namespace for n in part.nodes],
                "source": source, "instance": instance,
                "neighbours": [lab.neighbours.arp, lab.neighbours.ndisc]}, WORK_TIMEOUT)

        made = _each(machines, make)
        failed = [(m, r) for m, r in zip(machines, made.values(), strict=True)
                  if isinstance(r, Exception)]
        if failed:
            # a machine whose agent said no has rolled its part back; one that was not
            # heard from may hold it: the rollback tries it too
            said_no = {m.name for m, r in failed if not isinstance(r, MachineError)}
            for e in entries:
                e["state"] = "down" if e["name"] in said_no else "up"
            write_record(lab.name, read_record(lab.name) | {"machines": entries})
            err = _together("could not make its part on", failed)
            try:
                _down(lab.name, None)
            except NslabError as back:
                err.add_note(f"the rollback: {back}")
            raise err
        for entry in entries:
            entry["state"] = "up"
        write_record(lab.name, read_record(lab.name) | {"machines": entries})
    finally:
        for ch in channels.values():
            ch.close()
    return SpreadResult(lab.name, time.perf_counter() - t0, {
        m.name: {"nodes": list(slices[m.name].nodes), "cross": len(slices[m.name].cross),
                 "underlay": underlays[m.name].address,
                 "seconds": _field(made[i], "seconds")}
        for i, m in enumerate(machines)}, cross)


def _field(answer: dict[str, Any] | Exception, key: str) -> Any:
    return answer.get(key) if isinstance(answer, dict) else None


def _open(m: Machine, channels: dict[str, Channel]) -> Channel:
    ch = _connect(m, HELLO_TIMEOUT)
    channels[m.name] = ch
    return ch


def _together(what: str, failed: list[tuple[Machine, Any]]) -> NslabError:
    """One error for the machines that failed: the first's, the others as notes."""
    m, first = failed[0]
    said = str(first) if str(first).startswith(f"machine {m.name}:") else \
        f"machine {m.name}: {first}"
    err = NslabError(said)
    err.exit_code = first.exit_code if isinstance(first, NslabError) else ExitCode.ERROR
    for note in getattr(first, "__notes__", ()):
        err.add_note(note)
    if len(failed) > 1:
        err.add_note(f"also {what} machine {', '.join(m.name for m, _ in failed[1:])}")
    return err


def down(name: str, forget: str | None = None) -> dict[str, Any]:
    """Take the lab down on every machine that holds a part of it, at once.
    One that cannot be reached keeps its part: recorded as pending, and a
    PartlyDownError says which (a later down tries it again; `forget`: drop
    a machine from the record without reaching it)."""
    with controlling(name):
        return _down(name, forget)


def _down(name: str, forget: str | None) -> dict[str, Any]:
    t0 = time.perf_counter()
    data = read_record(name)
    entries = data["machines"]
    if forget is not None:
        if forget not in {e["name"] for e in entries}:
            raise UsageError(f"lab '{name}' has no machine '{forget}' (its machines: "
                             f"{', '.join(e['name'] for e in entries)})")
        for e in entries:
            if e["name"] == forget:
                e["state"] = "forgotten"
    todo = [e for e in entries if e["state"] not in ("down", "forgotten")]

    results = _each(todo, lambda e: _once(e, {"op": "down", "lab": name,
                                               "instance": data.get("instance")}, WORK_TIMEOUT))
    pending = []
    removed: dict[str, list[str]] = {}
    for e, r in zip(todo, results.values(), strict=True):
        if isinstance(r, Exception) or r.get("failed"):
            e["state"] = "pending"
            pending.append((e, r if isinstance(r, Exception) else
                            NslabError(f"could not remove {', '.join(r['failed'])}")))
        else:
            e["state"] = "down"
            removed[e["name"]] = r.get("removed", [])
    out = {"version": 1, "lab": name, "removed": removed,
           "pending": {e["name"]: str(r) for e, r in pending},
           "forgotten": [e["name"] for e in entries if e["state"] == "forgotten"],
           "seconds": round(time.perf_counter() - t0, 4)}
    if pending:
        write_record(name, data | {"machines": entries})
        holds = "; ".join(f"machine {e['name']} still holds nodes {', '.join(e['nodes'])}"
                          for e, _ in pending)
        err = PartlyDownError(f"lab '{name}' is partly down: {holds}; nslab down {name} "
                              f"tries again (or nslab down {name} on that machine, then "
                              f"nslab down {name} --forget-machine MACHINE here)")
        for e, r in pending:
            err.add_note(f"machine {e['name']}: {r}")
        err.result = out  # type: ignore[attr-defined]
        raise err
    os.unlink(record_path(name))
    return out


def status(name: str) -> dict[str, Any]:
    """The lab as each machine reads it, merged: every node with its machine."""
    data = read_record(name)
    entries = [e for e in data["machines"] if e["state"] != "forgotten"]

    results = _each(entries, lambda e: _once(e, {"op": "status", "lab": name}, HELLO_TIMEOUT))
    nodes: list[dict[str, Any]] = []
    machines: dict[str, Any] = {}
    state = "up"
    for e, r in zip(entries, results.values(), strict=True):
        if isinstance(r, Exception):
            machines[e["name"]] = {"state": "unreachable", "error": str(r),
                                   "nodes": e["nodes"]}
            nodes += [{"name": n, "machine": e["name"], "state": "unknown",
                       "interfaces": []} for n in e["nodes"]]
            state = "partial"
            continue
        st = r["status"]
        machines[e["name"]] = {"state": st.get("state"), "underlay": e.get("underlay"),
                               "nodes": e["nodes"]}
        if st.get("state") != "up":
            state = "partial"
        nodes += [n | {"machine": e["name"]} for n in st.get("nodes", [])]
    return {"version": 1, "lab": name, "state": state, "machines": machines, "nodes": nodes,
            "cross": data.get("cross", [])}


def home_of(name: str, node: str) -> dict[str, Any]:
    """The record's entry of the machine that holds `node`."""
    entry: dict[str, Any] | None = next(
        (e for e in read_record(name)["machines"] if node in e["nodes"]), None)
    if entry is None:
        raise LabNotFoundError(f"lab '{name}' has no node '{node}'")
    return entry


def run_on(name: str, node: str, argv: list[str], timeout: float = 60) -> dict[str, Any]:
    """`argv` run in `node`'s namespace on its machine: its exit, its output."""
    return _once(home_of(name, node), {"op": "exec", "lab": name, "node": node, "argv": argv,
                                       "timeout": timeout}, timeout + HELLO_TIMEOUT)


def stream(entry: dict[str, Any], argv: list[str], size: tuple[int, int] | None = None
           ) -> Stream:
    """`nslab ARGV` started on a recorded machine with the connection as its
    stdio (`size`: rows and columns of a pseudo-terminal there)."""
    m = _machine(entry)
    return Stream(m.name, transport_argv(m.transport, m.target, HELLO_TIMEOUT / 2),
                  {"op": "attach", "argv": argv, "size": list(size) if size else None},
                  HELLO_TIMEOUT)


def attach(name: str, node: str, argv: list[str], terminal: bool) -> int:
    """`nslab ARGV` on `node`'s machine, joined to this terminal (or to this
    process's stdin and stdout) until it ends; its exit status. `terminal`:
    on a pseudo-terminal there, this one in raw mode meanwhile."""
    size = None
    if terminal:
        cols, rows = os.get_terminal_size(0)
        size = (rows, cols)
    return relay(stream(home_of(name, node), argv, size), terminal)


def capture_jobs(name: str, words: list[str]) -> list[tuple[dict[str, Any], list[str]]]:
    """nslab capture's NODE, NODE:IFACE and A/B, per machine: each on the
    machine of its node; a link between machines, each end on its own."""
    data = read_record(name)
    where = {n: e for e in data["machines"] for n in e["nodes"]}
    jobs: dict[str, tuple[dict[str, Any], list[str]]] = {}

    def on(node: str, word: str) -> None:
        if node not in where:
            raise LabNotFoundError(f"lab '{name}' has no node '{node}'")
        jobs.setdefault(where[node]["name"], (where[node], []))[1].append(word)

    for w in words:
        a, _, b = w.partition("/")
        if not b or where.get(a) is where.get(b):
            on(w.split(":")[0] if not b else a, w)
            continue
        link = next((x for x in data.get("cross", [])
                     if {e["node"] for e in x["ends"]} == {a, b}), None)
        if link is None:
            raise LabNotFoundError(f"lab '{name}' has no link between {a} and {b}")
        for end in sorted(link["ends"], key=lambda e: e["node"] != a):
            on(end["node"], f"{end['node']}:{end['iface']}")
    return list(jobs.values())


class Session:
    """Requests to the recorded machines of a lab on one connection per
    machine, opened when first asked and kept until the session ends: a walk
    across machines asks the same machines again and again, and starting an
    agent is most of a request. One request at a time per machine; a
    connection that went away is opened again at the next request."""

    def __init__(self) -> None:
        self._open: dict[str, tuple[Channel, threading.Lock]] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def ask(self, entry: dict[str, Any], request: dict[str, Any], timeout: float
            ) -> dict[str, Any]:
        name = str(entry["name"])
        with self._lock:
            held = self._open.get(name)
            if held is None or held[0].proc.poll() is not None:
                held = self._open[name] = (_connect(_machine(entry), HELLO_TIMEOUT),
                                           threading.Lock())
        with held[1]:
            return _ask(held[0], request, timeout)

    def close(self) -> None:
        with self._lock:
            for ch, _lock in self._open.values():
                ch.close()
            self._open.clear()


def _once(entry: dict[str, Any], request: dict[str, Any], timeout: float,
          session: Session | None = None) -> dict[str, Any]:
    """One request to a recorded machine: on the session's connection to it,
    or on a connection of its own."""
    if session is not None:
        return session.ask(entry, request, timeout)
    ch = _connect(_machine(entry), HELLO_TIMEOUT)
    try:
        return _ask(ch, request, timeout)
    finally:
        ch.close()


def check(lab: Lab, version: str) -> dict[str, Any]:
    """Each machine reached, greeted (its nslab's version, VXLAN, its
    underlay's MTU); and the MTU the links between them would get."""
    spread = lab.spread
    assert spread is not None
    machines = list(spread.machines)

    def greet(m: Machine) -> dict[str, Any]:
        ch = _connect(m, HELLO_TIMEOUT)
        try:
            u, hostname = hello(m, ch, version, spread.port)
            return {"ok": True, "underlay": u.address, "mtu": u.mtu, "hostname": hostname}
        finally:
            ch.close()

    results = _each(machines, greet)
    out: dict[str, Any] = {"machines": {}}
    for m, r in zip(machines, results.values(), strict=True):
        out["machines"][m.name] = r if isinstance(r, dict) else {"ok": False,
                                                                 "error": str(r)}
    out["ok"] = all(r["ok"] for r in out["machines"].values())
    if out["ok"]:
        under = {n: Underlay(r["underlay"], r["mtu"]) for n, r in out["machines"].items()}
        out["mtu"] = cross_mtu(spread, under)
        out["port"] = spread.port
        out["paths"] = _paths(machines, under, out["mtu"])
        out["ok"] = all(p["reached"] for p in out["paths"])
    return out


def _paths(machines: list[Machine], under: dict[str, Underlay], mtu: int
           ) -> list[dict[str, Any]]:
    """From every machine to every other: does a VXLAN packet of a full-size
    frame (`mtu` and the VXLAN headers) cross the underlay whole?"""
    def probe(m: Machine) -> dict[str, Any]:
        answers = []
        for other in machines:
            if other.name != m.name:
                u = under[other.name]
                size = mtu + VXLAN_OVERHEAD[6 if ":" in u.address else 4]
                answers.append(_once(_entry(m), {
                    "op": "probe", "to": u.address, "size": size}, HELLO_TIMEOUT)
                    | {"from": m.name, "to": other.name, "size": size})
        return {"paths": answers}

    out: list[dict[str, Any]] = []
    for m, r in zip(machines, _each(machines, probe).values(), strict=True):
        if isinstance(r, Exception):
            out.append({"from": m.name, "to": "*", "reached": False, "said": str(r)})
        else:
            out += [{k: a[k] for k in ("from", "to", "size", "reached", "said")}
                    for a in r["paths"]]
    return out


def forward(entry: dict[str, Any], argv: list[str], timeout: float = WORK_TIMEOUT
            ) -> dict[str, Any]:
    """`nslab ARGV` run on a recorded machine: its exit, its output."""
    return _once(entry, {"op": "cli", "argv": argv, "timeout": timeout}, timeout + HELLO_TIMEOUT)


def forward_all(entries: list[dict[str, Any]], argv: list[str]) -> dict[str, dict[str, Any]]:
    """`nslab ARGV` on every machine at once; a machine not reached says why
    (exit 12: what it holds is not known)."""
    return forward_each([(e, argv) for e in entries])


def forward_each(jobs: list[tuple[dict[str, Any], list[str]]]) -> dict[str, dict[str, Any]]:
    """Each machine its own `nslab ARGV`, all at once (as forward_all)."""
    results = _each(jobs, lambda job: forward(*job))
    return {e["name"]: r if isinstance(r, dict) else {
        "code": int(ExitCode.PARTLY_DOWN), "stdout": "",
        "stderr": f"nslab: machine {e['name']}: {r}\n"}
        for (e, _argv), r in zip(jobs, results.values(), strict=True)}


def matrix(name: str, nodes: list[str] | None = None, proto: str = "icmp",
           port: int | None = None, families: tuple[int, ...] = (4, 6), timeout: float = 1.0,
           within: float = 0.0) -> Report:
    """`nslab test`'s matrix of a lab across machines: every ordered pair of the
    chosen nodes, each probe sent by the source node's machine; tried again for
    at most `within` seconds while a pair does not reach."""
    t0 = time.perf_counter()
    known, home = known_nodes(name)
    chosen = nodes if nodes is not None else [n for n, d in known.items() if d["addresses"]]
    for n in chosen:
        if n not in known:
            raise LabNotFoundError(f"lab '{name}' has no node '{n}' (nodes: "
                                   f"{', '.join(known)})")
    deadline = time.monotonic() + within
    while True:
        mats = [m for fam in families if (m := _matrix(known, home, chosen, fam, proto, port,
                                                       timeout)) is not None]
        if all(not m.failed for m in mats) or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if not mats:
        raise NslabError("nothing to probe: no two of the chosen nodes have an address of "
                         "the chosen family (see --nodes, --family)")
    return Report(name, tuple(mats), (), time.perf_counter() - t0, "matrix")


def known_nodes(name: str, session: Session | None = None
                ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Every node of the lab as its machine records it (nodes.json: name,
    kind, namespace, interfaces, addresses), and the entry of its machine."""
    data = read_record(name)
    entries = [e for e in data["machines"] if e["state"] == "up"]
    said = _each(entries, lambda e: _once(e, {"op": "nodes", "lab": name}, HELLO_TIMEOUT,
                                          session))
    known: dict[str, dict[str, Any]] = {}
    home: dict[str, dict[str, Any]] = {}
    for e, r in zip(entries, said.values(), strict=True):
        if isinstance(r, Exception):
            raise _together("cannot read the nodes of", [(_machine(e), r)])
        for n in r["nodes"]:
            known[n["name"]], home[n["name"]] = n, e
    return known, home


def crossings(name: str) -> tuple[dict[str, dict[str, Any]], dict[str, tuple[str, str]],
                                  dict[str, list[str]]]:
    """The machine of each node; each end of a link between machines
    ("node:iface") -> its other end (node, iface); each machine's own ends."""
    data = read_record(name)
    where = {n: e for e in data["machines"] for n in e["nodes"]}
    other: dict[str, tuple[str, str]] = {}
    ends: dict[str, list[str]] = {e["name"]: [] for e in data["machines"]}
    for link in data.get("cross", []):
        a, b = link["ends"]
        for x, y in ((a, b), (b, a)):
            other[f"{x['node']}:{x['iface']}"] = (y["node"], y["iface"])
            ends[where[x["node"]]["name"]].append(f"{x['node']}:{x['iface']}")
    return where, other, ends


def ask(entry: dict[str, Any], request: dict[str, Any], timeout: float = 60.0,
        session: Session | None = None) -> dict[str, Any]:
    """One request to a recorded machine's agent: its answer."""
    return _once(entry, request, timeout + HELLO_TIMEOUT, session)


def ask_each(jobs: list[tuple[dict[str, Any], dict[str, Any]]], timeout: float = 60.0,
             session: Session | None = None) -> list[dict[str, Any] | Exception]:
    """Each (recorded machine, request) asked at once: its answer, or why not."""
    said = _each(jobs, lambda job: ask(job[0], job[1], timeout, session))
    return [said[i] for i in range(len(jobs))]


def recorded_tests(name: str) -> LabTests:
    """The expectations of the lab's file (and its test settings), as up
    recorded them."""
    return tests_from_dict(read_record(name).get("tests"))


def send_probes(entry: dict[str, Any], probes: list[Probe], timeout: float,
                session: Session | None = None) -> list[Result]:
    """nslab test's probes, each sent from its node on the recorded machine."""
    said = _once(entry, {"op": "probes", "timeout": timeout, "probes": [
        [p.src, p.dst, p.proto, p.port] for p in probes]}, HELLO_TIMEOUT + 10 * timeout,
                 session)
    return [Result(p, x["outcome"], x["detail"], x["rtt_ms"])
            for p, x in zip(probes, said["results"], strict=True)]


def _matrix(known: dict[str, dict[str, Any]], home: dict[str, dict[str, Any]],
            chosen: list[str], fam: int, proto: str, port: int | None, timeout: float
            ) -> Matrix | None:
    members = [n for n in chosen if primary(known[n]["addresses"], fam)]
    if len(members) < 2:
        return None
    pairs = [(a, b) for a in members for b in members if a != b]
    by_machine: dict[str, list[tuple[str, str]]] = {}
    for a, b in pairs:
        by_machine.setdefault(home[a]["name"], []).append((a, b))
    machines = [home[pairs_[0][0]] for pairs_ in by_machine.values()]

    def send(e: dict[str, Any]) -> dict[str, Any]:
        asked = by_machine[e["name"]]
        return _once(e, {"op": "probes", "timeout": timeout, "probes": [
            [known[a]["namespace"], primary(known[b]["addresses"], fam), proto, port]
            for a, b in asked]}, HELLO_TIMEOUT + 10 * timeout)

    results = _each(machines, send)
    cells: dict[tuple[str, str], Cell] = {}
    for e, r in zip(machines, results.values(), strict=True):
        for (a, b), x in zip(by_machine[e["name"]], [] if isinstance(r, Exception)
                             else r["results"], strict=False):
            cells[(a, b)] = Cell(a, b, primary(known[b]["addresses"], fam) or "",
                                 x["outcome"], x["detail"], x["rtt_ms"], bool(x["reached"]))
        if isinstance(r, Exception):
            for a, b in by_machine[e["name"]]:
                cells[(a, b)] = Cell(a, b, primary(known[b]["addresses"], fam) or "",
                                     "unknown", f"machine {e['name']}: {r}", None, False)
    return Matrix(proto, port, fam, tuple(members), tuple(cells[p] for p in pairs))
