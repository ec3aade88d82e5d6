"""Rootless mode: a verb run inside its lab's holder (nslab.kernel.userns),
the holder started for `up` (and for `test FILE`, which ends it) and ended by
`down`; what a rootless lab cannot have, refused before anything is made."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sys
from collections.abc import Callable
from typing import Any

from nslab.errors import (
    ROOT_NEEDED,
    ExitCode,
    KernelError,
    LabNotFoundError,
    MissingFeatureError,
    NotRootError,
)
from nslab.kernel import userns


def has_labs() -> bool:
    """Whether this user has a rootless lab up (a cheap look, for root)."""
    d = userns.state_dir()
    return d.is_dir() and any(d.glob("*.pid"))


def holds(name: str) -> bool:
    return userns.find(name) is not None


def available() -> None:
    """NotRootError when this user cannot make namespaces here."""
    why = userns.unavailable()
    if why is not None:
        raise NotRootError(f"{ROOT_NEEDED} (without root: {why})")


def spawn() -> userns.Starting:
    """A holder started early, while the command reads its file (`route`
    takes it, or cancels it when the lab has one)."""
    available()
    return userns.spawn()


def route(verb: str, name: str, file: str | None, lab: Any = None,
          starting: userns.Starting | None = None) -> int | None:
    """Run `verb` for the lab `name` (named by `file`, if by a file; `lab`:
    that file compiled; `starting`: a holder already on its way) in its
    holder: None in the process that goes on (inside), else the exit code for
    this one (outside)."""
    try:
        return _route(verb, name, file, lab, starting)
    except BaseException:
        if starting is not None and starting.process.poll() is None and \
                userns.find(name) is None:
            starting.cancel()
        raise


def _route(verb: str, name: str, file: str | None, lab: Any,
           starting: userns.Starting | None) -> int | None:
    if starting is None:
        available()
    h = userns.find(name)
    if h is not None and starting is not None:
        starting.cancel()  # the lab has its holder
        starting = None
    ephemeral = verb == "test" and file is not None and h is None  # up, test, down
    if h is None and verb == "graph" and file is not None:
        return None  # a file's graph: nothing of the machine
    if h is None and verb == "down":
        print(f"lab {name} is not up: nothing to remove")
        return ExitCode.OK
    if h is None and verb != "up" and not ephemeral:
        have = ", ".join(x.lab for x in userns.holders()) or "none"
        raise LabNotFoundError(f"lab '{name}' is not up (your labs: {have})")
    started = h is None
    forwards: list[tuple[str, int]] = []
    if h is None:
        h, forwards = _new_holder(name, file, lab, starting)
    code = userns.enter(h)
    if code is None:
        return None
    if started and code == 0:
        try:
            for proto, port in forwards:
                userns.forward(h, proto, port)
        except OSError as e:
            userns.end(h)
            raise KernelError("slirp4netns add_hostfwd", str(e), "the lab is removed") from e
    if (verb == "down" and code == ExitCode.OK) or ephemeral or (started and code != 0):
        userns.end(h)
    return code


def _new_holder(name: str, file: str | None, lab: Any, starting: userns.Starting | None
                ) -> tuple[userns.Holder, list[tuple[str, int]]]:
    """The lab's holder (`starting`, or a new one), with a way out when the
    file asks for egress or forwards (those returned, to open once it is up)."""
    outside = None
    forwards: list[tuple[str, int]] = []
    if file is not None:
        lab = lab if lab is not None else _compiled(file)
        refuse_outside(file, lab)
        side = lab.machine
        if side is not None and (side.egress or side.forwards):
            outside = way_out_subnet(lab)
            forwards = [(f.proto, f.port) for f in side.forwards]
    try:
        return userns.start(name, outside=outside, starting=starting), forwards
    except OSError as e:
        raise MissingFeatureError(f"rootless: {e}") from e


# where slirp4netns may put the holder's way out: the first that no lab subnet meets
WAY_OUT = ("10.0.2.0/24", "10.254.254.0/24", "192.168.254.0/24", "172.31.254.0/24")


def way_out_subnet(lab: Any) -> str:
    from ipaddress import ip_network

    used = [ip_network(a, strict=False) for n in lab.nodes for i in n.interfaces
            for a in i.addresses if ip_network(a, strict=False).version == 4]
    side = lab.machine
    used += [ip_network(s) for s in (side.subnets if side is not None else ())
             if ip_network(s).version == 4]
    for c in WAY_OUT:
        if not any(ip_network(c).overlaps(u) for u in used):
            return c
    raise MissingFeatureError("rootless: every subnet slirp4netns could take is the lab's "
                              f"({', '.join(WAY_OUT)})")


def _compiled(file: str) -> Any:
    from nslab.model.compile import compile_file

    return compile_file(file)


def refuse_outside(path: str, lab: Any = None) -> None:
    """What a rootless lab cannot have, refused before anything is made."""
    if lab is None:
        lab = _compiled(path)
    side = lab.machine
    if side is not None and (side.egress or side.forwards) and shutil.which("slirp4netns") is None:
        raise MissingFeatureError(
            "rootless: host.egress and host.forward reach the machine's network through "
            "slirp4netns, which is not installed (apt install slirp4netns); or run nslab as root")
    frr = [n.name for n in lab.nodes if n.daemons is not None and n.daemons.suite == "frr"]
    why = userns.subids() if frr else None
    if why is not None:
        raise MissingFeatureError(
            f"rootless: FRR ({frr[0]}{' and others' if len(frr) > 1 else ''}) drops to its own "
            f"user, which needs a range of subordinate ids mapped: {why}; or use BIRD")
    needs_etc = bool(lab.hosts) or any(n.resolver is not None for n in lab.nodes)
    if needs_etc and not os.path.isdir("/etc/netns"):
        raise MissingFeatureError(
            "rootless: names go to /etc/netns, which this machine lacks and only root can "
            "make (sudo mkdir /etc/netns, once); or dns: {hosts: false} and no node dns")


def every(what: Callable[[], list[Any]]) -> list[Any]:
    """`what` run inside each of the user's labs, its lists joined."""
    available()
    out: list[Any] = []
    for h in userns.holders():
        out += _inside(h, what)
    return out


F_SETPIPE_SZ = 1031


def _inside(h: userns.Holder, what: Callable[[], list[Any]]) -> list[Any]:
    r, w = os.pipe()
    with contextlib.suppress(OSError):  # room for the answer: it is read once the child ended
        fcntl.fcntl(w, F_SETPIPE_SZ, 1 << 20)
    code = userns.enter(h)
    if code is None:  # inside
        os.close(r)
        with os.fdopen(w, "w") as out:
            json.dump(what(), out)
        sys.stdout.flush()
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as got:
        text = got.read()
    return list(json.loads(text)) if code == 0 and text else []


_PRIVATE: list[userns.Holder] = []  # this process's own holder, once it joined one


def private_machine() -> userns.Holder | None:
    """This process, when not root, into namespaces of its own, for good (once):
    it then makes labs as root there, with the API (the pytest fixture does
    this). None when it is root on the machine."""
    if _PRIVATE:
        return _PRIVATE[0]
    if os.geteuid() == 0:
        return None
    available()
    try:
        h = userns.start(f"process-{os.getpid()}", pid_namespace=False, record=False)
        userns.join(h)
    except OSError as e:
        raise MissingFeatureError(f"rootless: {e.strerror or e}") from e
    _PRIVATE.append(h)
    return h


def end_private() -> None:
    """End this process's holder (its labs taken down first: their processes
    do not end with it)."""
    while _PRIVATE:
        userns.end(_PRIVATE.pop())
