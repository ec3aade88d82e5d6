"""Routing suites (FRR, BIRD): each one class behind one protocol, and a
registry. What a step or a verb needs of a suite (how its daemons start and
take a new configuration, where their pid files are, which processes it runs,
its client's command line, the programs the machine must have) is asked of
the suite, never decided by comparing its name. A new suite is a class here
and a line in SUITES (its configuration: nslab.model.daemons). Pure.
"""

from __future__ import annotations

import shlex
from typing import Protocol

from nslab.shell import heredoc

FRR_BIN = "/usr/lib/frr"
FRR_RELOAD = "/usr/lib/frr/frr-reload.py"


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


SUITES: dict[str, Suite] = {"frr": Frr(), "bird": Bird()}


def suite(name: str) -> Suite:
    try:
        return SUITES[name]
    except KeyError:
        raise ValueError(f"no routing suite '{name}' (suites: {', '.join(SUITES)})") from None
