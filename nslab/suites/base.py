"""The protocol every routing suite follows, and what its answers are made of. Pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

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
    # IS-IS adjacencies {system (the neighbour's hostname or system id), interface,
    # level, state}
    isis_adjacencies: list[dict[str, Any]] = field(default_factory=list)
    more: dict[str, Any] = field(default_factory=dict)


class Suite(Protocol):
    name: str
    client: str  # the command a person talks to the daemons with (nslab vtysh, birdc)
    programs: tuple[str, ...]  # what the machine must have to run it
    package: str  # the Debian package that has them

    def processes(self, daemons: tuple[str, ...]) -> tuple[str, ...]:
        """The processes that run (each with a pid file `NAME.pid` under the dir)."""
        ...

    def start(self, ns: str, folder: str, daemons: tuple[str, ...], config: str,
              node: str = "") -> str:
        """The script that starts the daemons in namespace `ns`, their files in
        `folder`, with `node` as their hostname (their prompts say it)."""
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


