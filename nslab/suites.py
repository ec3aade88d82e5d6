"""Routing suites (FRR, BIRD): each one class behind one protocol, and a
registry. What a step or a verb needs of a suite (how its daemons start and
take a new configuration, where their pid files are, which processes it runs,
its client's command line, the programs the machine must have) is asked of
the suite, never decided by comparing its name. A new suite is a class here
and a line in SUITES (its configuration: nslab.model.daemons). Pure.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from nslab.shell import heredoc

FRR_BIN = "/usr/lib/frr"
FRR_RELOAD = "/usr/lib/frr/frr-reload.py"

# Runs the suite's client with these words (one command) and gives its output
# ("" when the daemons do not answer).
Ask = Callable[[list[str]], str]


@dataclass
class Heard:
    """What a router's daemons say of their neighbours, in one shape for every
    suite: OSPF neighbours {router_id, state, address, interface} and BGP
    sessions {address, asn, state, prefixes_received}; `more`: what only this
    suite says (BIRD's protocols)."""

    ospf_neighbours: list[dict[str, Any]] = field(default_factory=list)
    bgp_sessions: list[dict[str, Any]] = field(default_factory=list)
    more: dict[str, Any] = field(default_factory=dict)


class Suite(Protocol):
    name: str
    client: str  # the command a person talks to the daemons with (nslab vtysh, birdc)
    programs: tuple[str, ...]  # what the machine must have to run it
    package: str  # the Debian package that has them

    def processes(self, daemons: tuple[str, ...]) -> tuple[str, ...]:
        """The processes that run (each with a pid file `NAME.pid` under the dir)."""
        ...

    def start(self, ns: str, folder: str, daemons: tuple[str, ...], config: str) -> str:
        """The script that starts the daemons in namespace `ns`, their files in `folder`."""
        ...

    def reload(self, folder: str, config: str) -> str:
        """The script that gives the running daemons a new configuration."""
        ...

    def client_argv(self, folder: str, words: list[str]) -> list[str]:
        """The client's command line (one command, or interactive without)."""
        ...

    def started(self, daemons: tuple[str, ...], installed: frozenset[str]) -> tuple[str, ...]:
        """The daemons to start for `daemons`, given which of `optional` the
        machine has (FRR 9 and later: mgmtd, right after zebra)."""
        ...

    # the daemons that run when the machine has them: (daemon, its program)
    optional: tuple[tuple[str, str], ...]

    def heard(self, ask: Ask, protocols: tuple[str, ...]) -> Heard:
        """Ask the daemons (through their client) of their neighbours and sessions."""
        ...


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

    def start(self, ns: str, folder: str, daemons: tuple[str, ...], config: str) -> str:
        d = shlex.quote(folder)
        run = " && ".join(
            f"{FRR_BIN}/{x} -d -F traditional -z /var/run/frr/zserv.api "
            f"--vty_socket /var/run/frr -i /var/run/frr/{x}.pid "
            f"--log file:/var/run/frr/{x}.log -P 0" for x in daemons)
        inner = ("mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && "
                 "mount --bind \"$0\" /var/tmp/node && "
                 "mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && "
                 f"mount --bind /var/tmp/node /var/run/frr && {run}")
        return "\n".join([f"mkdir -p {d}", heredoc(f"cat >{d}/frr.conf", config),
                          f": >{d}/vtysh.conf", f"chown -R frr:frr {d}",
                          f"ip netns exec {ns} sh -ec {shlex.quote(inner)} {d}",
                          f"vtysh --vty_socket {d} --config_dir {d} -b"])

    def reload(self, folder: str, config: str) -> str:
        d = shlex.quote(folder)
        return "\n".join([heredoc(f"cat >{d}/frr.conf.new", config),
                          f"chown frr:frr {d}/frr.conf.new",
                          f"{FRR_RELOAD} --reload --stdout --bindir /usr/bin --confdir {d} "
                          f"--rundir {d} --vty_socket {d} {d}/frr.conf.new",
                          f"mv {d}/frr.conf.new {d}/frr.conf"])

    def client_argv(self, folder: str, words: list[str]) -> list[str]:
        return ["vtysh", "--vty_socket", folder] + (["-c", " ".join(words)] if words else [])

    optional: tuple[tuple[str, str], ...] = (("mgmtd", f"{FRR_BIN}/mgmtd"),)

    def started(self, daemons: tuple[str, ...], installed: frozenset[str]) -> tuple[str, ...]:
        if "mgmtd" in installed and "mgmtd" not in daemons:
            return (daemons[0], "mgmtd", *daemons[1:])
        return daemons

    def heard(self, ask: Ask, protocols: tuple[str, ...]) -> Heard:
        out = Heard()
        ospf = _json(ask(["show ip ospf neighbor json"])) if "ospf" in protocols else None
        for rid, entries in ((ospf or {}).get("neighbors") or {}).items():
            for e in entries:
                out.ospf_neighbours.append({
                    "router_id": rid, "state": str(e.get("nbrState") or e.get("state", "")),
                    "address": e.get("ifaceAddress") or e.get("address"),
                    "interface": str(e.get("ifaceName", "")).split(":")[0]})
        bgp = _json(ask(["show bgp summary json"])) if "bgp" in protocols else None
        for fam in (bgp or {}).values():
            for addr, p in (fam.get("peers") or {}).items() if isinstance(fam, dict) else ():
                out.bgp_sessions.append({
                    "address": addr, "asn": p.get("remoteAs"), "state": p.get("state"),
                    "prefixes_received": p.get("pfxRcd")})
        return out


def _json(text: str) -> Any:
    """A daemon's JSON answer; None for no answer or one that does not parse."""
    try:
        return json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        return None


def _lines(text: str) -> list[str]:
    """birdc's answer without its greeting ("BIRD 2.x ready.") and blank lines."""
    return [ln for ln in text.splitlines()[1:] if ln.strip()]


class Bird:
    """BIRD 2: one daemon, which writes nowhere but `folder`; a new
    configuration taken with `birdc configure`."""

    name: str = "bird"
    client: str = "birdc"
    programs: tuple[str, ...] = ("bird", "birdc")
    package: str = "bird2"

    def processes(self, daemons: tuple[str, ...]) -> tuple[str, ...]:
        return ("bird",)

    def start(self, ns: str, folder: str, daemons: tuple[str, ...], config: str) -> str:
        d = shlex.quote(folder)
        return "\n".join([f"mkdir -p {d}", heredoc(f"cat >{d}/bird.conf", config),
                          f"ip netns exec {ns} bird -c {d}/bird.conf -s {d}/bird.ctl "
                          f"-P {d}/bird.pid"])

    def reload(self, folder: str, config: str) -> str:
        d = shlex.quote(folder)
        return "\n".join([heredoc(f"cat >{d}/bird.conf", config),
                          f"birdc -s {d}/bird.ctl configure"])

    def client_argv(self, folder: str, words: list[str]) -> list[str]:
        return ["birdc", "-s", f"{folder}/bird.ctl", *words]

    optional: tuple[tuple[str, str], ...] = ()

    def started(self, daemons: tuple[str, ...], installed: frozenset[str]) -> tuple[str, ...]:
        return daemons

    def heard(self, ask: Ask, protocols: tuple[str, ...]) -> Heard:
        out = Heard(more={"bird_protocols": [
            ln.split() for ln in _lines(ask(["show", "protocols"]))[1:]]})
        for ln in _lines(ask(["show", "ospf", "neighbors"])):
            f = ln.split()  # Router ID, Pri, State, DTime, Interface, Router IP
            if len(f) >= 6 and f[0][0].isdigit():
                out.ospf_neighbours.append({"router_id": f[0], "state": f[2],
                                            "address": f[5], "interface": f[4]})
        return out


SUITES: dict[str, Suite] = {"frr": Frr(), "bird": Bird()}


def suite(name: str) -> Suite:
    try:
        return SUITES[name]
    except KeyError:
        raise ValueError(f"no routing suite '{name}' (suites: {', '.join(SUITES)})") from None
