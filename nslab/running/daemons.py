"""Talk to a router's routing daemons: `nslab vtysh` and `nslab birdc` reach
them through their control sockets under the lab's state folder (no need to
enter the namespace), and `status_of` reads their neighbours and sessions for
`nslab inspect` (the daemons' own JSON)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from ipaddress import ip_network
from typing import Any

from nslab.errors import UsageError
from nslab.kernel.seam import RealKernel
from nslab.model.lab import Expectation
from nslab.model.recorded import RecordedDaemons
from nslab.plan.build import daemon_dir
from nslab.records import verdicts as vd
from nslab.running.record import lab_record
from nslab.shell import as_node
from nslab.suites import SUITES, frr


def daemons_of(lab: str, node: str) -> RecordedDaemons:
    """The recorded daemons of a lab's node."""
    d = lab_record(lab).node(node).daemons
    if d is None:
        raise UsageError(f"node '{node}' runs no routing daemons")
    return d


def client_argv(lab: str, node: str, suite: str, words: list[str]) -> list[str]:
    """vtysh or birdc for the node's daemons; `words`: one command to run (none:
    interactive, its prompt with the node's name as the hostname)."""
    d = daemons_of(lab, node)
    if d.suite != suite:
        raise UsageError(f"router '{node}' runs {d.suite.upper()}, not {suite.upper()}: "
                         f"nslab {SUITES[d.suite].client} {lab} {node}")
    return as_node(node, SUITES[suite].client_argv(daemon_dir(lab, node), words))


def status_of(lab: str, node: str) -> dict[str, Any]:
    """The daemons' state: OSPF neighbours, IS-IS adjacencies and BGP sessions with their states,
    as their suite reads them (nslab.suites: FRR's JSON, BIRD's tables)."""
    d = daemons_of(lab, node)
    folder = daemon_dir(lab, node)
    suite = SUITES[d.suite]
    heard = suite.heard(_ask(lab, node, d.suite), d.protocols)
    return {"suite": d.suite, "daemons": list(d.daemons),
            "running": _running(folder, suite.processes(d.daemons)),
            "protocols": list(d.protocols), "router_id": d.router_id, "asn": d.asn,
            "ospf_neighbours": heard.ospf_neighbours, "bgp_sessions": heard.bgp_sessions,
            **({"isis_adjacencies": heard.isis_adjacencies} if "isis" in d.protocols else {}),
            **heard.more}


def _ask(lab: str, node: str, suite: str) -> Callable[[list[str]], str]:
    """One command to a router's daemons through their client: what it printed
    ("" when it failed)."""
    folder = daemon_dir(lab, node)

    def ask(words: list[str]) -> str:
        r = subprocess.run(SUITES[suite].client_argv(folder, words), capture_output=True,
                           text=True, timeout=10)
        return r.stdout if r.returncode == 0 else ""

    return ask


def _running(folder: str, daemons: tuple[str, ...]) -> dict[str, int | None]:
    """daemon -> its pid while it runs (from its pid file), else None."""
    out: dict[str, int | None] = {}
    for name in daemons:
        try:
            with open(f"{folder}/{name}.pid") as f:
                pid = int(f.read().split()[0])
            os.kill(pid, 0)
            out[name] = pid
        except (OSError, ValueError, IndexError):
            out[name] = None
    return out


def _addresses(lab: str, node: str) -> set[str]:
    """Every address of a lab node (its interfaces' and its loopback)."""
    rec = lab_record(lab)
    return rec.node(node).addresses() if rec.has(node) else set()


def routing_check(lab: str, ns: str, e: Expectation) -> vd.ExpectResult:
    """Whether a route, a BGP session or an OSPF neighbour is as the expectation
    says, read from the kernel (routes) or the daemons (sessions, neighbours)."""
    def result(ok: bool, detail: str) -> vd.ExpectResult:
        hint = None if ok else f"nslab inspect {lab} {e.src} --only routing,routes"
        return vd.ExpectResult(e.index, e.text, e.kind, "pass" if ok else "fail", detail, 1,
                               hint)

    peer = _addresses(lab, e.dst) if e.dst else set()
    if e.kind == "route":
        return result(*_route(ns, e, peer))
    st = status_of(lab, e.src or "")
    if e.kind == "session":
        found = [b for b in st["bgp_sessions"] if b["address"] in peer]
        if not found:
            return result(False, f"no BGP session with {e.dst}")
        state = str(found[0]["state"]).lower()
        return result(state == e.state, f"session with {found[0]['address']}: {state}")
    if e.proto == "isis":
        adj = [a for a in st.get("isis_adjacencies", []) if a["system"] == e.dst]
        if not adj:
            return result(False, f"{e.dst} is not an IS-IS neighbour (yet)")
        state = adj[0]["state"].lower()
        return result(state == e.state, f"adjacency with {e.dst} on {adj[0]['interface']}: "
                                        f"{adj[0]['state']}")
    found = [n for n in st["ospf_neighbours"] if n["address"] in peer or n["router_id"] in peer]
    if not found:
        return result(False, f"{e.dst} is not an OSPF neighbour (yet)")
    state = str(found[0]["state"]).split("/")[0].lower()
    return result(state == e.state, f"neighbour {found[0]['router_id']} on "
                                    f"{found[0]['interface']}: {found[0]['state']}")


def _route(ns: str, e: Expectation, peer: set[str]) -> tuple[bool, str]:
    want = str(ip_network(e.address or ""))
    k = RealKernel()
    ref = k.open_namespace(ns)
    try:
        found = [r for r in k.read_routes(ref)
                 if r.dst == want or (r.dst == "default" and want in ("0.0.0.0/0", "::/0"))]
    finally:
        k.release(ref)
    if not found:
        return False, f"no route to {want} in {e.src}'s table"
    r = found[0]
    hops = ", ".join(f"via {h.gateway} dev {h.dev}" if h.gateway else f"dev {h.dev}"
                     for h in r.nexthops)
    said = f"{want} {hops} proto {r.protocol}"
    origin = "ospf" if e.proto == "ospf6" else e.proto  # the kernel says ospf for both
    if origin and r.protocol != origin:
        return False, f"{said}: not proto {e.proto}"
    if e.via and not any(h.gateway in peer for h in r.nexthops):
        return False, f"{said}: not via {e.via}"
    return True, said


def not_up(lab: str, node: str) -> list[tuple[str, str, str]] | None:
    """The adjacencies and sessions of a router's daemons that are not up, as
    (protocol, peer, state): ("OSPF", "r3", "no adjacency"), ("BGP", "r5",
    "Active"); None when the node runs no daemons."""
    rec = lab_record(lab)
    mine = rec.node(node).daemons if rec.has(node) else None
    if mine is None:
        return None
    try:
        st = status_of(lab, node)
    except (OSError, subprocess.SubprocessError) as e:
        return [("daemons", node, f"do not answer ({e})")]
    out = []
    if "isis" in mine.protocols:
        up = {a["system"] for a in st.get("isis_adjacencies", []) if a["state"].lower() == "up"}
        out += [("IS-IS", peer, "no adjacency") for peer in mine.ospf_neighbours
                if peer not in up]
    seen = {n["router_id"]: str(n["state"]) for n in st["ospf_neighbours"]}
    for peer in mine.ospf_neighbours if "isis" not in mine.protocols else ():
        theirs = rec.node(peer).daemons if rec.has(peer) else None
        state = seen.get(theirs.router_id or "" if theirs else "", "no adjacency")
        if not state.lower().startswith("full"):
            out.append(("OSPF", peer, state))
    sessions = {b["address"]: str(b["state"]) for b in st["bgp_sessions"]}
    for peer_node, address in mine.peers:
        state = sessions.get(address, "not configured")
        if state.lower() != "established":
            out.append(("BGP", peer_node or address, state))
    return out


def why_lacking(lab: str, node: str, prefix: str) -> str:
    """Why a router's table lacks `prefix`, as its daemons tell it: a neighbour
    or session that is not up, else what BGP holds of the prefix (no path: not
    sent or filtered; a path whose next hop does not resolve; a best path not
    in the kernel). "" when the daemons say nothing of use."""
    try:
        down = not_up(lab, node) or []
    except (OSError, subprocess.SubprocessError) as e:
        return f"its daemons do not answer ({e})"
    if down:
        return "; ".join(f"its daemons {state}" if proto == "daemons" else
                         f"{proto} {'session with' if proto == 'BGP' else 'neighbour'} "
                         f"{peer}: {state}" for proto, peer, state in down[:3])
    d = daemons_of(lab, node)
    if d.suite != "frr" or "bgp" not in d.protocols:
        return ""
    fam = "ipv4" if ip_network(prefix).version == 4 else "ipv6"
    return bgp_reason(frr.parsed(_ask(lab, node, "frr")(["show", "bgp", fam, "unicast",
                                                          prefix, "json"])), prefix)


def bgp_reason(answer: Any, prefix: str) -> str:
    """What `show bgp ... PREFIX json` says of why the prefix is not in the table."""
    paths = answer.get("paths") if isinstance(answer, dict) else None
    if not paths:
        return f"BGP has no path to {prefix}: no neighbour sent it (filtered by a policy, " \
               "or nobody originates it)"
    for p in paths:
        hops = p.get("nexthops") or []
        if hops and not any(h.get("accessible") for h in hops):
            return f"BGP's path to {prefix} has next hop {hops[0].get('ip')}, which does not " \
                   "resolve (no route to it)"
    if not any((p.get("valid") or p.get("bestpath")) for p in paths):
        return f"BGP holds {len(paths)} path(s) to {prefix}, none valid"
    return f"BGP has a best path to {prefix}, not (yet) in the kernel's table"
