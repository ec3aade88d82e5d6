"""FRR as a routing suite: how its daemons start (each router's in a mount
namespace of its own), take a new configuration (frr-reload.py), answer
(vtysh's JSON) and are talked to (vtysh). Pure."""

from __future__ import annotations

import json
import shlex
from typing import Any

from nslab.shell import heredoc
from nslab.suites.base import Ask, Heard

FRR_BIN = "/usr/lib/frr"
FRR_RELOAD = "/usr/lib/frr/frr-reload.py"


class Frr:
    """FRR: its daemons in a mount namespace of their own where `folder` stands
    in for /var/run/frr and a scratch tmpfs for /var/tmp (ospfd's
    graceful-restart file and the crash logs would otherwise be shared by every
    node, and outlive the lab), then its configuration loaded with `vtysh -b`;
    a new one applied by frr-reload.py (what changed, no restart)."""

    name: str = "frr"
    client: str = "vtysh"
    programs: tuple[str, ...] = (f"{FRR_BIN}/zebra", "vtysh")
    package: str = "frr"

    def processes(self, daemons: tuple[str, ...]) -> tuple[str, ...]:
        return daemons

    def start(self, ns: str, folder: str, daemons: tuple[str, ...], config: str,
              node: str = "") -> str:
        d = shlex.quote(folder)
        run = " && ".join(
            f"{FRR_BIN}/{x} -d -F traditional -z /var/run/frr/zserv.api "
            f"--vty_socket /var/run/frr -i /var/run/frr/{x}.pid "
            f"--log file:/var/run/frr/{x}.log -P 0" for x in daemons)
        name = f"hostname {shlex.quote(node)} && " if node else ""
        inner = (f"{name}mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && "
                 "mount --bind \"$0\" /var/tmp/node && "
                 "mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && "
                 f"mount --bind /var/tmp/node /var/run/frr && {run}")
        return "\n".join([f"mkdir -p {d}", heredoc(f"cat >{d}/frr.conf", config),
                          f": >{d}/vtysh.conf", f"chown -R frr:frr {d}",
                          f"ip netns exec {ns} {'unshare --uts ' if node else ''}sh -ec "
                          f"{shlex.quote(inner)} {d}",
                          f"vtysh --vty_socket {d} --config_dir {d} -b"])

    def reload(self, folder: str, config: str) -> str:
        d = shlex.quote(folder)
        return "\n".join([heredoc(f"cat >{d}/frr.conf.new", config),
                          f"chown frr:frr {d}/frr.conf.new",
                          f"{FRR_RELOAD} --reload --stdout --bindir /usr/bin --confdir {d} "
                          f"--rundir {d} --vty_socket {d} {d}/frr.conf.new",
                          f"mv {d}/frr.conf.new {d}/frr.conf"])

    def client_argv(self, folder: str, words: list[str]) -> list[str]:
        return ["vtysh", "--vty_socket", folder, "--config_dir", folder] + \
            (["-c", " ".join(words)] if words else [])

    optional: tuple[tuple[str, str], ...] = (("mgmtd", f"{FRR_BIN}/mgmtd"),)

    def started(self, daemons: tuple[str, ...], installed: frozenset[str]) -> tuple[str, ...]:
        if "mgmtd" in installed and "mgmtd" not in daemons:
            return (daemons[0], "mgmtd", *daemons[1:])
        return daemons

    def heard(self, ask: Ask, protocols: tuple[str, ...]) -> Heard:
        out = Heard()
        ospf = parsed(ask(["show ip ospf neighbor json"])) if "ospf" in protocols else None
        for rid, entries in ((ospf or {}).get("neighbors") or {}).items():
            for e in entries:
                out.ospf_neighbours.append({
                    "router_id": rid, "state": str(e.get("nbrState") or e.get("state", "")),
                    "address": e.get("ifaceAddress") or e.get("address"),
                    "interface": str(e.get("ifaceName", "")).split(":")[0]})
        isis = parsed(ask(["show isis neighbor json"])) if "isis" in protocols else None
        out.isis_adjacencies = isis_adjacencies(isis)
        bgp = parsed(ask(["show bgp summary json"])) if "bgp" in protocols else None
        for fam in (bgp or {}).values():
            for addr, p in (fam.get("peers") or {}).items() if isinstance(fam, dict) else ():
                out.bgp_sessions.append({
                    "address": addr, "asn": p.get("remoteAs"), "state": p.get("state"),
                    "prefixes_received": p.get("pfxRcd")})
        return out


def isis_adjacencies(answer: Any) -> list[dict[str, Any]]:
    """isisd's `show isis neighbor json` (FRR 8.4 and later: areas, then
    circuits, each with its adjacency) in Heard's shape."""
    out: list[dict[str, Any]] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            if "adj" in v or "neighbor" in v:
                level = str(v.get("level"))
                out.append({"system": str(v.get("adj") or v.get("neighbor")),
                            "interface": str(v.get("interface", "")),
                            "level": {"3": "1-2"}.get(level, level),
                            "state": str(v.get("state", ""))})
                return
            for w in v.values():
                walk(w)
        elif isinstance(v, list):
            for w in v:
                walk(w)

    walk(answer)
    return out


def parsed(text: str) -> Any:
    """A daemon's JSON answer; None for no answer or one that does not parse."""
    try:
        return json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        return None
