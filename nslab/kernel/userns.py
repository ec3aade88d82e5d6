"""Rootless labs: each lab of an ordinary user lives in a holder (see
nslab.kernel.holder), the first process of a user, mount, network and PID
namespace that `unshare` makes without root; its network namespace plays the
machine, its tmpfs /run holds the lab's journal and /run/netns. A command for
the lab enters the holder's namespaces (`enter`) and then runs as root there,
the same code as on a machine nslab has root on.

The holders are recorded in $XDG_RUNTIME_DIR/nslab/LAB.pid (else
~/.local/state/nslab/): {pid, start, subids} as JSON, `start` being the
holder's start time, so that a reused pid is never taken for it. Killing the
holder (SIGKILL: it is its namespaces' PID 1) ends every process of the lab,
and the kernel frees the rest.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = \
    0x00020000, 0x10000000, 0x20000000, 0x40000000
# entered in this order: the user namespace first, whose root the others need
NAMESPACES = (("user", CLONE_NEWUSER), ("mnt", CLONE_NEWNS), ("net", CLONE_NEWNET),
              ("pid", CLONE_NEWPID))
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Holder:
    lab: str
    pid: int  # PID 1 of the lab's namespaces, as the machine numbers it
    start: int  # its start time (clock ticks after boot)
    subids: bool  # users beyond root are mapped: FRR can drop to its own user
    outside: str | None = None  # slirp4netns's API socket: the holder's way out
    subnet: str | None = None  # slirp4netns's (the holder is its .100)


SLIRP_TAP = "tap0"
SLIRP_GUEST = 100  # the holder's address in slirp4netns's subnet (.2: the machine, .3: DNS)


def state_dir() -> Path:
    """Where the user's holders are recorded."""
    run = os.environ.get("XDG_RUNTIME_DIR")
    if run and os.path.isdir(run) and os.access(run, os.W_OK):
        return Path(run) / "nslab"
    return Path.home() / ".local" / "state" / "nslab"


def _start_time(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # field 22, after the command's name


def _pid_file(lab: str) -> Path:
    return state_dir() / f"{lab}.pid"


def find(lab: str) -> Holder | None:
    """The lab's holder, if it is alive (a record of a dead one is removed)."""
    f = _pid_file(lab)
    try:
        data = json.loads(f.read_text())
        h = Holder(lab, int(data["pid"]), int(data["start"]), bool(data.get("subids")),
                   data.get("outside"), data.get("subnet"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if _start_time(h.pid) != h.start:
        with contextlib.suppress(OSError):
            f.unlink()
        return None
    return h


def holders() -> list[Holder]:
    """The user's labs that are up (their holders alive), by name."""
    d = state_dir()
    names = sorted(p.stem for p in d.glob("*.pid")) if d.is_dir() else []
    return [h for h in (find(n) for n in names) if h is not None]


def unavailable() -> str | None:
    """Why this user cannot make a user namespace here (None: it can)."""
    if shutil.which("unshare") is None:
        return "unshare is not installed (apt install util-linux)"
    try:
        r = subprocess.run(["unshare", "--user", "--map-root-user", "--net", "true"],
                           capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unshare failed ({e})"
    if r.returncode == 0:
        return None
    said = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}"
    return (f"this machine does not let an ordinary user make namespaces ({said}): "
            "user.max_user_namespaces, kernel.apparmor_restrict_unprivileged_userns")


def subids(user: str | None = None) -> str | None:
    """Why users beyond root cannot be mapped into a holder (FRR needs its own
    user): None when newuidmap and a subordinate id range are there (root
    root has no range of its own: root maps itself only)."""
    if os.geteuid() == 0:
        return "root maps only itself into a rootless lab (/etc/subuid gives root no range)"
    if shutil.which("newuidmap") is None or shutil.which("newgidmap") is None:
        return "newuidmap is not installed (apt install uidmap)"
    name = user or pwd.getpwuid(os.geteuid()).pw_name
    for f in ("/etc/subuid", "/etc/subgid"):
        try:
            lines = Path(f).read_text().splitlines()
        except OSError:
            lines = []
        if not any(ln.split(":")[0] in (name, str(os.geteuid())) for ln in lines):
            return f"{f} gives {name} no range (usermod --add-subuids/--add-subgids)"
    return None


@dataclass
class Starting:
    """A holder on its way up (its Python starting): see `spawn`."""

    process: subprocess.Popen[str]
    alive: int  # the read end of the pipe the holder keeps open
    mapped: bool
    pid_namespace: bool

    def cancel(self) -> None:
        os.close(self.alive)
        self.process.kill()
        self.process.wait()


def spawn(pid_namespace: bool = True) -> Starting:
    """A holder started, not waited for (`start` does both): a command
    starts it first, and reads its file meanwhile."""
    mapped = subids() is None
    own_pids = ["--pid", "--fork", "--kill-child", "--mount-proc"] if pid_namespace else []
    argv = ["unshare", "--user", "--map-root-user", *(["--map-auto"] if mapped else []),
            "--net", "--mount", *own_pids, "--propagation", "private", sys.executable, "-m",
            "nslab.kernel.holder", *([] if pid_namespace else ["--with-parent"])]
    alive_r, alive_w = os.pipe()  # held by the holder: slirp4netns ends when it closes
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True,
                         pass_fds=(alive_w,))
    os.close(alive_w)
    return Starting(p, alive_r, mapped, pid_namespace)


def start(lab: str, pid_namespace: bool = True, record: bool = True,
          outside: str | None = None, starting: Starting | None = None) -> Holder:
    """A new holder for `lab` (or the one `starting`), recorded; OSError when
    it could not be made. Without `pid_namespace` it is a plain process (for
    `join`): the lab's processes keep the machine's pids, and do not end with
    it. `outside`: a subnet (10.0.2.0/24) for slirp4netns, which gives the
    holder a way out to the machine's network (SLIRP_TAP, a default route)
    and ends with it."""
    s = starting or spawn(pid_namespace)
    p, alive_r, mapped, pid_namespace = s.process, s.alive, s.mapped, s.pid_namespace
    assert p.stdout is not None and p.stderr is not None
    said = p.stdout.readline().strip()
    if said != "ready":
        os.close(alive_r)
        p.kill()
        err = p.stderr.read().strip().splitlines()
        p.wait()
        raise OSError(f"the lab's holder did not start: {err[-1] if err else said or 'no word'}")
    p.stdout.close()
    p.stderr.close()
    pid = _child_of(p.pid) if pid_namespace else p.pid
    start = _start_time(pid)
    assert start is not None
    try:
        api = _way_out(lab, pid, outside, alive_r) if outside is not None else None
    except OSError:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(alive_r)
    h = Holder(lab, pid, start, mapped, api, outside)
    if not record:
        return h
    f = _pid_file(lab)
    f.parent.mkdir(parents=True, exist_ok=True)
    tmp = f.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": h.pid, "start": h.start, "subids": h.subids,
                               "outside": h.outside, "subnet": h.subnet}) + "\n")
    tmp.replace(f)
    return h


def _way_out(lab: str, pid: int, subnet: str, alive: int, within: float = 10) -> str:
    """slirp4netns for the holder `pid`: SLIRP_TAP in its network namespace,
    configured (address .100 of `subnet`, default route via .2), its API
    socket under the state folder; it ends when `alive` closes (the holder's
    end)."""
    api = state_dir() / f"{lab}.slirp"
    api.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        api.unlink()
    ready_r, ready_w = os.pipe()
    argv = ["slirp4netns", "--configure", "--mtu=65520", f"--cidr={subnet}",
            f"--exit-fd={alive}", f"--ready-fd={ready_w}", f"--api-socket={api}", str(pid),
            SLIRP_TAP]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, start_new_session=True,
                         pass_fds=(alive, ready_w))
    os.close(ready_w)
    try:
        import select

        if not select.select([ready_r], [], [], within)[0] or not os.read(ready_r, 1):
            p.kill()
            assert p.stderr is not None
            err = p.stderr.read().decode(errors="replace").strip().splitlines()
            raise OSError(f"slirp4netns did not start: {err[-1] if err else 'no word'}")
    finally:
        os.close(ready_r)
    if p.stderr is not None:
        p.stderr.close()
    return str(api)


def forward(h: Holder, proto: str, port: int) -> None:
    """The machine's `port` (every address) to the holder's, through its
    slirp4netns (whose forwards end with it)."""
    import ipaddress
    import socket

    assert h.outside is not None and h.subnet is not None
    guest = str(ipaddress.ip_network(h.subnet)[SLIRP_GUEST])
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(h.outside)
        s.sendall(json.dumps({"execute": "add_hostfwd", "arguments": {
            "proto": proto, "host_addr": "0.0.0.0", "host_port": port,
            "guest_addr": guest, "guest_port": port}}).encode())
        said = json.loads(s.recv(65536) or b"{}")
    if "error" in said:
        raise OSError(f"port {port}/{proto}: {said['error'].get('desc', said['error'])}")


def _child_of(pid: int) -> int:
    """The one child of `unshare --fork`: the holder itself."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0])


def end(h: Holder, within: float = 10) -> bool:
    """Kill the holder (and with it every process of its lab), forget it;
    False when it is still there after `within` seconds."""
    if _start_time(h.pid) == h.start:
        with contextlib.suppress(ProcessLookupError):
            os.kill(h.pid, signal.SIGKILL)
    deadline = time.monotonic() + within
    while _start_time(h.pid) == h.start:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    for f in (_pid_file(h.lab), state_dir() / f"{h.lab}.slirp"):
        with contextlib.suppress(OSError):
            f.unlink()
    return True


RELAYED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
SI_USER = 0  # siginfo's si_code of a signal a process sent (kill), not the terminal


def _wait(child: int) -> int:
    """`child`'s exit code, once it ends; the signals sent to this process
    (kill, a test's timeout) go on to it, those of the terminal (Ctrl-C, a
    hang-up) do not: the terminal sends them to the child itself."""
    watched = {*RELAYED, signal.SIGCHLD}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    try:
        while True:
            pid, status = os.waitpid(child, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            got = signal.sigwaitinfo(watched)
            if got.si_signo in RELAYED and got.si_code == SI_USER:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, got.si_signo)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def enter(h: Holder) -> int | None:
    """Run the rest of this command inside the holder's namespaces: None in
    the process that does (a grandchild, in the lab's PID namespace), the
    exit code it ended with in this one (which stays outside)."""
    fds = [(os.open(f"/proc/{h.pid}/ns/{name}", os.O_RDONLY), flag) for name, flag in NAMESPACES]
    if _start_time(h.pid) != h.start:  # the pid was reused between find and open
        for fd, _ in fds:
            os.close(fd)
        raise ProcessLookupError(f"the holder of lab '{h.lab}' has ended")
    cwd = os.getcwd()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child:
        for fd, _ in fds:
            os.close(fd)
        code = _wait(child)
        return 128 - code if code < 0 else code
    try:
        for fd, flag in fds:
            if _libc.setns(fd, flag) != 0:
                e = ctypes.get_errno()
                raise OSError(e, f"entering lab '{h.lab}' ({os.strerror(e)})")
            os.close(fd)
        grandchild = os.fork()  # the first process in the lab's PID namespace
    except OSError as e:
        print(f"nslab: {e.strerror or e}", file=sys.stderr)
        os._exit(1)
    if grandchild:
        code = _wait(grandchild)
        os._exit(128 - code if code < 0 else code)
    with contextlib.suppress(OSError):
        os.chdir(cwd)
    return None


def join(h: Holder) -> None:
    """This process (single-threaded) into the holder's user, mount and
    network namespaces, for good: it then runs as root there."""
    for name, flag in NAMESPACES[:3]:
        fd = os.open(f"/proc/{h.pid}/ns/{name}", os.O_RDONLY)
        try:
            if _libc.setns(fd, flag) != 0:
                e = ctypes.get_errno()
                hint = " (a process with threads cannot)" if e == 22 else ""
                raise OSError(e, f"joining a user namespace: {os.strerror(e)}{hint}")
        finally:
            os.close(fd)
