"""Talk to a router's routing daemons: `nslab vtysh` and `nslab birdc` reach
them through their control sockets under the lab's state folder (no need to
enter the namespace), and `status_of` reads their neighbours and sessions for
`nslab inspect` (the daemons' own JSON)."""

from __future__ import annotations

import json
import os
import subprocess
from ipaddress import ip_network
from typing import Any

from nslab.errors import NotFoundError, UsageError
from nslab.kernel import netstate
from nslab.kernel.observe import socket_in
from nslab.model.lab import Expectation
from nslab.names import lab_argument
from nslab.plan.build import daemon_dir
from nslab.records import verdicts as vd
from nslab.state.journal import Journal
from nslab.suites import SUITES

CLIENT = {name: s.client for name, s in SUITES.items()}


def daemons_of(lab: str, node: str) -> dict[str, Any]:
    """The recorded daemons of a lab's node (its `daemons` in lab.json)."""
    data = Journal(lab_argument(lab)).read_file("lab.json")
    if data is None:
        raise NotFoundError(f"lab '{lab}' is not up (nslab list shows the labs that are up)")
    for n in data.get("nodes", []):
        if n["name"] == node:
            d: dict[str, Any] | None = n.get("daemons")
            if d is None:
                raise UsageError(f"node '{node}' runs no routing daemons")
            return d
    raise NotFoundError(f"lab '{lab}' has no node '{node}'")


def client_argv(lab: str, node: str, suite: str, words: list[str]) -> list[str]:
    """vtysh or birdc for the node's daemons; `words`: one command to run (none:
    interactive)."""
    d = daemons_of(lab, node)
    if d["suite"] != suite:
        other = CLIENT[d["suite"]]
        raise UsageError(f"router '{node}' runs {d['suite'].upper()}, not {suite.upper()}: "
                         f"nslab {other} {lab} {node}")
    return SUITES[suite].client_argv(daemon_dir(lab, node), words)


def _frr_json(folder: str, command: str) -> Any:
    r = subprocess.run(["vtysh", "--vty_socket", folder, "-c", command], capture_output=True,
                       text=True, timeout=10)
    try:
        return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None
    except json.JSONDecodeError:
        return None


def status_of(lab: str, node: str) -> dict[str, Any]:
    """The daemons' state: OSPF neighbours and BGP sessions with their states
    (FRR's JSON), or BIRD's protocols (`birdc show protocols`)."""
    d = daemons_of(lab, node)
    folder = daemon_dir(lab, node)
    out: dict[str, Any] = {"suite": d["suite"], "daemons": d["daemons"],
                           "running": _running(folder, d["daemons"]),
                           "protocols": d["protocols"], "router_id": d["router_id"],
                           "asn": d["asn"], "ospf_neighbours": [], "bgp_sessions": []}
    if d["suite"] == "frr":
        ospf = _frr_json(folder, "show ip ospf neighbor json") if "ospf" in d["protocols"] \
            else None
        for rid, entries in ((ospf or {}).get("neighbors") or {}).items():
            for e in entries:
                out["ospf_neighbours"].append({
                    "router_id": rid, "state": str(e.get("nbrState") or e.get("state", "")),
                    "address": e.get("ifaceAddress") or e.get("address"),
                    "interface": str(e.get("ifaceName", "")).split(":")[0]})
        bgp = _frr_json(folder, "show bgp summary json") if "bgp" in d["protocols"] else None
        for fam in (bgp or {}).values():
            for addr, p in (fam.get("peers") or {}).items() if isinstance(fam, dict) else ():
                out["bgp_sessions"].append({
                    "address": addr, "asn": p.get("remoteAs"), "state": p.get("state"),
                    "prefixes_received": p.get("pfxRcd")})
        return out
    out["bird_protocols"] = [ln.split() for ln in _birdc(folder, "show", "protocols")[1:]]
    for ln in _birdc(folder, "show", "ospf", "neighbors"):
        f = ln.split()  # Router ID, Pri, State, DTime, Interface, Router IP
        if len(f) >= 6 and f[0][0].isdigit():
            out["ospf_neighbours"].append({"router_id": f[0], "state": f[2],
                                           "address": f[5], "interface": f[4]})
    return out


def _running(folder: str, daemons: list[str]) -> dict[str, int | None]:
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


def _birdc(folder: str, *words: str) -> list[str]:
    r = subprocess.run(["birdc", "-s", f"{folder}/bird.ctl", *words], capture_output=True,
                       text=True, timeout=10)
    return [ln for ln in r.stdout.splitlines()[1:] if ln.strip()]  # after "BIRD ... ready."


def _addresses(lab: str, node: str) -> set[str]:
    """Every address of a lab node (its interfaces' and its loopback)."""
    data = Journal(lab).read_file("lab.json") or {}
    for n in data.get("nodes", []):
        if n["name"] == node:
            out = {a.split("/")[0] for i in n["interfaces"] for a in i["addresses"]}
            if n.get("loopback"):
                out.add(n["loopback"].split("/")[0])
            return out
    return set()


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
    found = [n for n in st["ospf_neighbours"] if n["address"] in peer or n["router_id"] in peer]
    if not found:
        return result(False, f"{e.dst} is not an OSPF neighbour (yet)")
    state = str(found[0]["state"]).split("/")[0].lower()
    return result(state == e.state, f"neighbour {found[0]['router_id']} on "
                                    f"{found[0]['interface']}: {found[0]['state']}")


def _route(ns: str, e: Expectation, peer: set[str]) -> tuple[bool, str]:
    want = str(ip_network(e.address or ""))
    with socket_in(ns) as sock:
        names = {li.index: li.name for li in netstate.interfaces(sock)}
        found = [r for r in netstate.routes(sock, names) if r.table == "main"
                 and (r.dst == want or (r.dst == "default" and want in ("0.0.0.0/0", "::/0")))]
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
    data = Journal(lab).read_file("lab.json") or {}
    nodes = {n["name"]: n for n in data.get("nodes", [])}
    mine = (nodes.get(node) or {}).get("daemons")
    if not mine:
        return None
    try:
        st = status_of(lab, node)
    except (OSError, subprocess.SubprocessError) as e:
        return [("daemons", node, f"do not answer ({e})")]
    out = []
    seen = {n["router_id"]: str(n["state"]) for n in st["ospf_neighbours"]}
    for peer in mine.get("ospf_neighbours", []):
        rid = ((nodes.get(peer) or {}).get("daemons") or {}).get("router_id")
        state = seen.get(rid, "no adjacency")
        if not state.lower().startswith("full"):
            out.append(("OSPF", peer, state))
    sessions = {b["address"]: str(b["state"]) for b in st["bgp_sessions"]}
    for p in mine.get("bgp_peers", []):
        state = sessions.get(p["address"], "not configured")
        if state.lower() != "established":
            out.append(("BGP", p["node"] or p["address"], state))
    return out
