"""Named network namespaces, made and entered in-process (no `ip` child).

A namespace is created by unshare() in the calling thread, set up while inside
(sysctls under /proc/sys, a netlink socket that stays bound to it, the ownership
marker on `lo`), and only then named by a bind mount under /run/netns, exactly
where `ip netns` keeps its own, so `ip netns exec` works on every lab node.
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nslab import signals

RUN_NETNS = "/run/netns"
CLONE_NEWNET = 0x40000000
MS_BIND, MS_REC, MS_SHARED = 4096, 16384, 1 << 20
MNT_DETACH = 2
_SELF = "/proc/thread-self/ns/net"

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_void_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]


def _check(rc: int, what: str) -> None:
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")


def setns(fd: int) -> None:
    _check(_libc.setns(fd, CLONE_NEWNET), "setns")


def path(name: str) -> str:
    return f"{RUN_NETNS}/{name}"


def ensure_rundir() -> None:
    """Make /run/netns a shared mount point, as `ip netns add` does."""
    os.makedirs(RUN_NETNS, exist_ok=True)
    d = RUN_NETNS.encode()
    if _libc.mount(b"none", d, None, MS_SHARED | MS_REC, None) != 0:
        _check(_libc.mount(d, d, b"none", MS_BIND | MS_REC, None), "bind /run/netns")
        _check(_libc.mount(b"none", d, None, MS_SHARED | MS_REC, None), "share /run/netns")


def inode(name: str) -> int | None:
    """The namespace id (nsfs inode) behind a name, None when it is not mounted."""
    try:
        st = os.stat(path(name))
    except FileNotFoundError:
        return None
    if st.st_dev == os.stat(RUN_NETNS).st_dev:
        return None  # a plain file: the name is taken but nothing is mounted on it
    return st.st_ino


# Ctrl-C, SIGTERM and SIGHUP held until the body is done, so that a namespace
# is never half made (created but unnamed, named but unmarked) and the thread
# never stays in a namespace it only visited
signals_deferred = signals.deferred


def unmounted_placeholder(name: str) -> bool:
    """True when the name is an empty file with nothing mounted on it: what a
    process killed between creating the name and mounting on it leaves."""
    try:
        st = os.stat(path(name))
    except FileNotFoundError:
        return False
    return (st.st_dev == os.stat(RUN_NETNS).st_dev and st.st_size == 0
            and stat.S_ISREG(st.st_mode))


@contextmanager
def entered(fd: int) -> Iterator[None]:
    """Run the body inside the namespace `fd`, then come back, whatever happens."""
    with signals_deferred():
        home = os.open(_SELF, os.O_RDONLY)
        try:
            setns(fd)
            try:
                yield
            finally:
                setns(home)
        finally:
            os.close(home)


@contextmanager
def fresh() -> Iterator[int]:
    """Enter a brand-new, unnamed namespace; yields an fd that keeps it alive
    (close it, or `bind` it to a name). Comes back to the caller's namespace."""
    with signals_deferred():
        home = os.open(_SELF, os.O_RDONLY)
        try:
            _check(_libc.unshare(CLONE_NEWNET), "unshare")
            try:
                yield os.open(_SELF, os.O_RDONLY)
            finally:
                setns(home)
        finally:
            os.close(home)


def bind_current(name: str) -> None:
    """Name the namespace the calling thread is in. Fails with EEXIST when the
    name is taken: nslab never takes over a namespace it did not make."""
    p = path(name)
    os.close(os.open(p, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0o444))
    try:
        _check(_libc.mount(_SELF.encode(), p.encode(), b"none", MS_BIND, None),
               f"bind {p}")
    except OSError:
        os.unlink(p)
        raise


def add(name: str) -> int:
    """A new empty namespace named `name` (lo down, as `ip netns add` leaves
    it); its inode. FileExistsError when the name is taken."""
    ensure_rundir()
    with signals_deferred(), fresh() as fd:
        try:
            ino = os.fstat(fd).st_ino
            bind_current(name)
        finally:
            os.close(fd)
    return ino


def raise_fd_limit(need: int) -> None:
    """Room for `need` open files (one per namespace or socket held): the soft
    limit up to the hard one, and past the hard one where the process may
    (root: up to fs.nr_open), since a lab of 10,000 nodes holds 20,000."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= need:
        return
    if hard != resource.RLIM_INFINITY and hard < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))
            return
        except (OSError, ValueError):
            pass  # not allowed: as far as the hard limit goes
    target = hard if hard == resource.RLIM_INFINITY else min(hard, max(need, soft))
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def open_fd(name: str) -> int:
    return os.open(path(name), os.O_RDONLY | os.O_CLOEXEC)


def remove(name: str) -> bool:
    """Unmount and unlink a name. The kernel frees the namespace once nothing
    (process, socket, fd) holds it. Returns False when it was already gone."""
    p = path(name)
    if _libc.umount2(p.encode(), MNT_DETACH) != 0:
        e = ctypes.get_errno()
        if e not in (errno.EINVAL, errno.ENOENT):
            raise OSError(e, f"umount {p}: {os.strerror(e)}")
    try:
        os.unlink(p)
    except FileNotFoundError:
        return False
    return True


def _inside(fd: int, argv: list[str]) -> list[str]:
    if signals.held():
        raise AssertionError("start processes outside netns.entered(): the child would "
                             "inherit the blocked SIGINT/SIGTERM/SIGHUP")
    return ["nsenter", f"--net=/proc/self/fd/{fd}", "--", *argv]


def popen(fd: int, argv: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """Start `argv` inside the namespace `fd`, from this thread as it is: the
    child never inherits the signal mask held while a thread visits a
    namespace (`entered`), so SIGTERM and Ctrl-C end it like any process."""
    return subprocess.Popen(_inside(fd, argv), pass_fds=(fd,), **kwargs)


def run(fd: int, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[Any]:
    """The same, waiting for it (subprocess.run's arguments)."""
    return subprocess.run(_inside(fd, argv), pass_fds=(fd,), **kwargs)
