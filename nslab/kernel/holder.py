"""The holder of a rootless lab: the first process of a new user, mount,
network and PID namespace (started by nslab.kernel.userns.start through
`unshare`), whose network namespace plays the machine for the lab. It puts a
tmpfs on /run (the lab's journal, /run/netns; the machine's other entries
there bound back) and on /etc/netns, brings up
its loopback, says `ready`, then reaps orphans until it is killed; as PID 1
of its namespace, its end ends every process of the lab, and with them the
lab's namespaces.

    python -m nslab.kernel.holder       (only under unshare: see userns.start)

Without a PID namespace of its own (userns.start for `join`, the pytest
fixture, doctor), it is a plain process, and the lab's processes do not end
with it; `--with-parent`: it ends with the process that started it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

MS_BIND, MS_REC = 4096, 16384


def _mount_tmpfs(where: str) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "nslab", where], check=True,
                   stdin=subprocess.DEVNULL)


FRESH = ("netns", "nslab")  # the lab's own, in its tmpfs; the rest of /run is the machine's


def _private_run() -> None:
    """A tmpfs on /run (the lab's journal and namespaces), with what the
    machine had there bound back beside them (/run/user, the user's files
    and records; /run/systemd, the resolver's), read through a handle kept
    from before."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    old = os.open("/run", os.O_PATH | os.O_DIRECTORY)
    keep = [e for e in os.listdir("/run") if e not in FRESH]
    _mount_tmpfs("/run")
    for e in keep:
        src, dst = f"/proc/self/fd/{old}/{e}", f"/run/{e}"
        try:
            if os.path.islink(src):
                os.symlink(os.readlink(src), dst)
                continue
            if os.path.isdir(src):
                os.mkdir(dst)
            else:
                open(dst, "w").close()
            if libc.mount(src.encode(), dst.encode(), None, MS_BIND | MS_REC, None) != 0:
                os.rmdir(dst) if os.path.isdir(dst) else os.unlink(dst)
        except OSError:
            continue  # what cannot be bound stays out of sight
    os.close(old)


PR_SET_PDEATHSIG = 1


def main() -> int:
    if "--with-parent" in sys.argv:  # a process's own holder: it ends with that process
        import ctypes

        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:
            return 1
    _private_run()
    if os.path.isdir("/etc/netns"):
        _mount_tmpfs("/etc/netns")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, stdin=subprocess.DEVNULL)
    # a child's end is waited for, never missed: SIGCHLD stays pending until taken
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
    for sig in (signal.SIGINT, signal.SIGHUP):  # the terminal's signals are not for it
        signal.signal(sig, signal.SIG_IGN)
    print("ready", flush=True)
    os.close(1)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            signal.sigtimedwait({signal.SIGCHLD}, 60)

if __name__ == "__main__":
    sys.exit(main())
