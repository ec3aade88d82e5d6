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


def end(pids: list[int], grace: float = 2.0) -> None:
    """SIGTERM, wait up to `grace` seconds, then SIGKILL what is left."""
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    left = list(pids)
    while left and time.monotonic() < deadline:
        left = [p for p in left if _alive(p)]
        if left:
            time.sleep(0.02)
    for pid in left:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    if state == "Z":
        with suppress(ChildProcessError):  # our own child: reap it
            os.waitpid(pid, os.WNOHANG)
        return False
    return True


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


def wait_listening(pid: int, port: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if listens(pid, port):
            return True
        if not _alive(pid):
            return False
        time.sleep(0.01)
    return False
