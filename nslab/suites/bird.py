"""BIRD 2 as a routing suite: one daemon, its configuration taken with `birdc
configure`, its tables read from birdc. Pure."""

from __future__ import annotations

import shlex
from typing import Any

from nslab.shell import as_node, heredoc
from nslab.suites.base import Ask, Heard


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

    def start(self, ns: str, folder: str, daemons: tuple[str, ...], config: str,
              node: str = "") -> str:
        d = shlex.quote(folder)
        bird = ["bird", "-c", f"{folder}/bird.conf", "-s", f"{folder}/bird.ctl", "-P",
                f"{folder}/bird.pid"]
        run = shlex.join(as_node(node, bird) if node else bird)
        return "\n".join([f"mkdir -p {d}", heredoc(f"cat >{d}/bird.conf", config),
                          f"ip netns exec {ns} {run}"])

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
        table = [ln.split() for ln in _lines(ask(["show", "protocols"]))[1:]]
        out = Heard(more={"bird_protocols": table})
        for name in [f[0] for f in table if len(f) > 1 and f[1] == "OSPF"]:
            for ln in _lines(ask(["show", "ospf", "neighbors", name])):
                f = ln.split()  # Router ID, Pri, State, DTime, Interface, Router IP
                if len(f) >= 6 and f[0][0].isdigit():
                    out.ospf_neighbours.append({"router_id": f[0], "state": f[2],
                                                "address": f[5], "interface": f[4]})
        if "bgp" in protocols:
            out.bgp_sessions = bgp_sessions(ask(["show", "protocols", "all"]))
        return out


def bgp_sessions(text: str) -> list[dict[str, Any]]:
    """The BGP protocols of `birdc show protocols all`, in Heard's shape: a
    protocol's block starts at its unindented line, its neighbour and state
    are indented `Key: value` lines, its routes "Routes: N imported, ..."."""
    out: list[dict[str, Any]] = []
    session: dict[str, Any] | None = None
    for ln in _lines(text):
        if not ln[0].isspace():
            f = ln.split()
            session = {"address": None, "asn": None, "state": None,
                       "prefixes_received": None} if len(f) > 1 and f[1] == "BGP" else None
            if session is not None:
                out.append(session)
            continue
        key, _, value = ln.strip().partition(":")
        if session is None or not value:
            continue
        value = value.strip()
        if key == "BGP state":
            session["state"] = value
        elif key == "Neighbor address":
            session["address"] = value
        elif key == "Neighbor AS":
            session["asn"] = int(value) if value.isdigit() else value
        elif key == "Routes" and value.split()[0].isdigit():
            session["prefixes_received"] = int(value.split()[0])
    return [s for s in out if s["address"] is not None]
