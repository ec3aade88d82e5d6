"""Talk to a router's routing daemons: `nslab vtysh` and `nslab birdc` reach
them through their control sockets under the lab's state folder (no need to
enter the namespace), and `status_of` reads their neighbours and sessions for
`nslab inspect` (the daemons' own JSON)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from nslab.errors import NotFoundError, UsageError
from nslab.names import lab_argument
from nslab.plan.build import daemon_dir
from nslab.state.journal import Journal

CLIENT = {"frr": "vtysh", "bird": "birdc"}


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
    folder = daemon_dir(lab, node)
    if suite == "frr":
        return ["vtysh", "--vty_socket", folder] + (["-c", " ".join(words)] if words else [])
    return ["birdc", "-s", f"{folder}/bird.ctl", *words]


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
    r = subprocess.run(["birdc", "-s", f"{folder}/bird.ctl", "show", "protocols"],
                       capture_output=True, text=True, timeout=10)
    out["bird_protocols"] = [ln.split() for ln in r.stdout.splitlines()[2:] if ln.strip()]
    return out
