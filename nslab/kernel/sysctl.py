"""Sysctls of the network namespace the calling thread is in (/proc/sys/net
follows the thread), so the same calls serve the host and, inside
`netns.entered`, a lab node.

Why not simply /proc/sys/net/...: the sysctl directories of every namespace
(`ipv4`, `ipv6`, `core`, ...) hang under the one `net` entry of /proc/sys, so
the kernel's cache of names keeps one entry per namespace under the same
parent and name, all in one hash chain. The first lookup in a new namespace
misses, and a miss walks the whole chain: 0.4 ms a directory at 3,000
namespaces, twice per namespace, and growing with each (measured: a chain of
3,000 routers spent more time there than in making the namespaces). Looked
up through a private instance of procfs, detached from every mount tree and
renewed every `_RENEW` uses, the chain stays short: the same writes cost a
constant ~0.03 ms. Where procfs cannot be mounted that way (an old kernel, a
user namespace that may not), /proc is used as before.
"""

from __future__ import annotations

import ctypes
import os
import threading

_RENEW = 64  # lookups through one private procfs before a new one is made
_libc = ctypes.CDLL(None, use_errno=True)
_SYS_FSOPEN, _SYS_FSCONFIG, _SYS_FSMOUNT = 430, 431, 432  # the same on every arch
_FSCONFIG_CMD_CREATE = 6
_lock = threading.Lock()
_proc: list[int] = []  # the private procfs' mount fd, while there is one
_uses = 0
_unavailable = False


def _private_proc() -> int:
    """A new procfs instance as a detached mount (fsopen, fsmount): nothing is
    mounted anywhere, and closing the fd ends it."""
    fs = _libc.syscall(_SYS_FSOPEN, b"proc", 1)  # FSOPEN_CLOEXEC
    if fs < 0:
        raise OSError(ctypes.get_errno(), "fsopen proc")
    try:
        if _libc.syscall(_SYS_FSCONFIG, fs, _FSCONFIG_CMD_CREATE, None, None, 0) < 0:
            raise OSError(ctypes.get_errno(), "fsconfig proc")
        mnt = _libc.syscall(_SYS_FSMOUNT, fs, 1, 0)  # FSMOUNT_CLOEXEC
        if mnt < 0:
            raise OSError(ctypes.get_errno(), "fsmount proc")
        return int(mnt)
    finally:
        os.close(fs)


def net_dir() -> int:
    """An fd on /proc/sys/net of the calling thread's namespace (the caller
    closes it; it keeps the procfs it was found through alive)."""
    global _uses, _unavailable
    with _lock:
        if not _unavailable and (not _proc or _uses >= _RENEW):
            try:
                fresh = _private_proc()
            except OSError:
                _unavailable = True
            else:
                while _proc:
                    os.close(_proc.pop())
                _proc.append(fresh)
                _uses = 0
        if _unavailable and not _proc:
            return os.open("/proc/sys/net", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        _uses += 1
        return os.open("sys/net", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=_proc[0])


def _open(path: str, flags: int) -> int:
    """Open `path` under /proc/sys/net (a path: interface names may hold dots)."""
    base = net_dir()
    try:
        return os.open(path, flags | os.O_CLOEXEC, dir_fd=base)
    finally:
        os.close(base)


def _rel(key: str) -> str:
    if not key.startswith("net."):
        raise ValueError(f"not a network sysctl: {key}")
    return key[4:].replace(".", "/")


def read(key: str) -> str:
    with open(_open(_rel(key), os.O_RDONLY)) as f:
        return f.read().strip()


def number(path: str) -> int | None:
    """A numeric sysctl by its path under /proc/sys/net (`ipv4/conf/eth0.5/forwarding`:
    a path, since interface names may hold dots); None when it is not there."""
    try:
        with open(_open(path, os.O_RDONLY)) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def write(key: str, value: str) -> None:
    write_all([(key, value)])


def write_all(pairs: list[tuple[str, str]]) -> None:
    """Write several `net.` sysctls of the calling thread's namespace, with
    one lookup of its /proc/sys/net."""
    base = net_dir()
    try:
        for key, value in pairs:
            fd = os.open(_rel(key), os.O_WRONLY | os.O_CLOEXEC, dir_fd=base)
            try:
                os.write(fd, value.encode())
            finally:
                os.close(fd)
    finally:
        os.close(base)


def neighbour_thresh(family: int) -> tuple[int, int, int]:
    base = "net.ipv4.neigh.default" if family == 4 else "net.ipv6.neigh.default"
    a, b, c = (int(read(f"{base}.gc_thresh{i}")) for i in (1, 2, 3))
    return (a, b, c)


def set_neighbour_thresh(family: int, value: tuple[int, int, int]) -> None:
    base = "net.ipv4.neigh.default" if family == 4 else "net.ipv6.neigh.default"
    # raise the hard limit first and lower it last, so 1 <= 2 <= 3 holds throughout
    order = (3, 2, 1) if value[2] >= neighbour_thresh(family)[2] else (1, 2, 3)
    for i in order:
        write(f"{base}.gc_thresh{i}", str(value[i - 1]))
