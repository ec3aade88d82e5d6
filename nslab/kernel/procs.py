"""Processes inside namespaces, found by the namespace they are in (never by
name), and ended by pid."""

from __future__ import annotations

import os
import signal
import time
from contextlib import suppress


def namespaces() -> dict[int, int]:
    """pid -> network namespace inode, for every process we may look at."""
    out: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                out[int(entry.name)] = os.stat(f"/proc/{entry.name}/ns/net").st_ino
            except OSError:
                continue
    return out


def in_namespaces(inodes: set[int]) -> dict[int, int]:
    """pid -> namespace inode, for every process (but this one) whose network
    namespace is one of `inodes`."""
    me = os.getpid()
    return {pid: ino for pid, ino in namespaces().items() if ino in inodes and pid != me}


def mentioning(text: str) -> list[int]:
    """Every process (but this one) whose command line holds `text`."""
    me, out, needle = os.getpid(), [], text.encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me:
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if needle in f.read():
                        out.append(int(entry))
            except OSError:
                continue
    return out


def in_session(sid: int) -> list[int]:
    """Every process of session `sid` (a service is started as the leader of its
    own: `sh -c` and what it runs go together)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if len(fields) > 3 and fields[3] == str(sid):
                out.append(int(entry))
    return out


def comm(pid: int) -> str | None:
    """The process's command name, None when it is gone."""
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


GRACE = 3.0  # seconds a process has to end after SIGTERM, before SIGKILL
KILLED = 5.0  # seconds a SIGKILLed process may still take to be gone (a busy machine)


def end(pids: list[int], grace: float = GRACE) -> list[int]:
    """End `pids`: SIGTERM, wait until each is gone (its /proc entry, or it
    is a zombie), SIGKILL what is left after `grace` seconds and wait again.
    Returns only when every one is gone; the pids that would not go (a process
    stuck in the kernel) are returned. A pid taken by a new process meanwhile
    counts as gone (each is known by its start time)."""
    born = {pid: t for pid in pids if (t := _started(pid)) is not None}
    for pid in born:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    left = _wait(born, grace)
    for pid in left:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return sorted(_wait(left, KILLED))


def _wait(born: dict[int, str], seconds: float) -> dict[int, str]:
    """The processes of `born` still there after waiting up to `seconds`."""
    deadline = time.monotonic() + seconds
    left = dict(born)
    pause = 0.002
    while left:
        left = {p: t for p, t in left.items() if _started(p) == t}
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    return left


def _started(pid: int) -> str | None:
    """A process's start time (field 22 of its stat): None when it is gone
    (or a zombie: it has ended; our own child is reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if not fields or fields[0] == "Z":
        with suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return None
    return fields[19] if len(fields) > 19 else ""


def _alive(pid: int) -> bool:
    return _started(pid) is not None


def listens(pid: int, port: int, proto: str = "tcp") -> bool:
    """Whether a socket listens on `port` in the network namespace of process
    `pid` (its /proc/PID/net tables: no need to enter the namespace)."""
    want = f":{port:04X}"
    for fam in ("", "6"):
        try:
            with open(f"/proc/{pid}/net/{proto}{fam}") as f:
                rows = [line.split() for line in f.readlines()[1:]]
        except OSError:
            continue
        # tcp: state 0A is LISTEN; udp: a bound socket (07, unconnected) will do
        if any(r[1].endswith(want) and r[3] in ("0A", "07") for r in rows if len(r) > 3):
            return True
    return False


def _in(pid: int, netns: int | None) -> bool:
    try:
        return netns is None or os.stat(f"/proc/{pid}/ns/net").st_ino == netns
    except OSError:
        return False


def wait_listening(pid: int, port: int, timeout: float = 5.0, netns: int | None = None) -> bool:
    """Whether process `pid` comes to listen on `port`; `netns`: in that network
    namespace (a process started by `ip netns exec` is in its parent's until it
    has entered it, and a listener there is not the one waited for)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _in(pid, netns) and listens(pid, port):
            return True
        if not _alive(pid):
            return False
        time.sleep(0.01)
    return False
