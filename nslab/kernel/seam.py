"""The effect seam: every change `up` and `down` make to the machine goes
through one interface, `Kernel`. `RealKernel` is the machine (netlink,
namespaces, /proc/sys, files, processes, nft); `nslab.kernel.fake.FakeKernel`
keeps a kernel as data in memory, answers like one (EEXIST, ENOENT, EBUSY...)
and can be told to fail or crash at any effect, so that rollback, recovery
from the journal and ownership are tested for every failure point without
root (tests/test_seam.py).

A namespace is reached through a handle (`Ref`): for the real kernel, an open
fd of the namespace (which also keeps it alive while a lab is made).
`MACHINE` names the namespace nslab runs in.
"""

from __future__ import annotations

import contextlib
import os
import resource
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol

from nslab import signals
from nslab.kernel import features, netns, procs, sysctl
from nslab.kernel import netlink as nl

if TYPE_CHECKING:  # the readers and their records: imported by the methods that read
    from nslab.records import observed as ob
    from nslab.records.observed import NamespaceView

Ref = int  # a handle on a namespace
MACHINE: Ref = -1  # the namespace nslab runs in


class Kernel(Protocol):
    """What nslab may do to a machine. Methods that change something raise
    OSError (errno set) when the kernel refuses."""

    # ---------------------------------------------------------------- who
    def privileged(self) -> bool: ...

    def missing_features(self, wanted: Iterable[str]) -> list[str]: ...

    # ---------------------------------------------------------------- namespaces
    def make_namespace(self, name: str, sysctls: list[tuple[str, str]], marker: str) -> Ref:
        """A new namespace with `sysctls` set, `lo` up with `marker` as its
        alias, then named `name` (FileExistsError when the name is taken)."""
        ...

    def release(self, ref: Ref) -> None: ...

    def open_namespace(self, name: str) -> Ref:
        """A handle on the existing named namespace `name` (a running lab's)."""
        ...

    def fd_of(self, ref: Ref) -> int:
        """The fd a netlink request names the namespace by (IFLA_NET_NS_FD)."""
        ...

    def inode_of(self, ref: Ref) -> int: ...

    def name_taken(self, name: str) -> bool:
        """Whether `name` exists among the named namespaces (mounted or not)."""
        ...

    def namespace_inode(self, name: str) -> int | None: ...

    def namespace_marker(self, name: str) -> str | None: ...

    def unmounted_placeholder(self, name: str) -> bool: ...

    def remove_namespace(self, name: str) -> None: ...

    def prepare_names(self) -> None:
        """Make sure named namespaces can be made (/run/netns)."""
        ...

    # ---------------------------------------------------------------- netlink
    def transact(self, ref: Ref, requests: list[tuple[nl.Request, object]]) -> \
            list[nl.NetlinkError]: ...

    def link_indexes(self, ref: Ref) -> dict[str, int]: ...

    def read_namespace(self, name: str, tables: bool = True, qdiscs: bool = True,
                       routes: bool = True) -> NamespaceView:
        """What `check` and `status` compare, read from the named namespace
        (OSError: gone); its nftables tables, root qdiscs and routes only when
        asked."""
        ...

    def read_machine(self) -> NamespaceView:
        """The same of the namespace nslab runs in: its links and addresses."""
        ...

    def read_routes(self, ref: Ref, devices: bool = True) -> list[ob.Route]:
        """Every route of the main table of an opened namespace, a routing
        daemon's too; `devices`: with their interfaces' names (a dump more)."""
        ...

    # ---------------------------------------------------------------- sysctls
    def set_sysctl(self, ref: Ref, key: str, value: str) -> None: ...

    def read_sysctl(self, key: str) -> str:
        """One of the machine's."""
        ...

    def neighbour_thresh(self, family: int) -> tuple[int, int, int]: ...

    def set_neighbour_thresh(self, family: int, value: tuple[int, int, int]) -> None: ...

    # ---------------------------------------------------------------- files
    def read_text(self, path: str) -> str | None: ...

    def create_file(self, path: str, text: str) -> None:
        """Create `path` (FileExistsError when something is there already)."""
        ...

    def remove_file(self, path: str) -> None: ...

    def make_dir(self, path: str) -> None: ...

    def remove_dir(self, path: str) -> None:
        """Only when empty (OSError otherwise)."""
        ...

    def is_dir(self, path: str) -> bool: ...

    # ---------------------------------------------------------------- the wire
    def set_wire(self, folder: str, into: str, config: str | None) -> None:
        """One direction of a lab's wire written in `folder` (None: removed),
        then the relay told, when one runs (nslab.wire.relay)."""
        ...

    def ask_wire(self, folder: str, line: str) -> str | None:
        """The answer of the relay of `folder` to `line` (None: none answers)."""
        ...

    # ---------------------------------------------------------------- nftables
    def load_nft(self, ref: Ref, text: str) -> str | None:
        """Load a ruleset; None, or why it failed."""
        ...

    def nft_tables(self) -> set[str]:
        """The machine's, as 'family name'."""
        ...

    def delete_nft_table(self, table: str) -> str | None: ...

    # ---------------------------------------------------------------- processes
    def run_command(self, ns: str, argv: tuple[str, ...]) -> tuple[int, str]:
        """Run inside the named namespace; exit status and the last line."""
        ...

    def start_service(self, ns: str, argv: tuple[str, ...], log: str) -> int: ...

    def start_daemons(self, scripts: list[tuple[str, str]]) -> list[tuple[int, str]]:
        """Run routers' daemon start scripts (`StartDaemons.script`, each of which
        starts the daemons inside its namespace `ns`), several at a time: the
        exit status and output of each, in order."""
        ...

    def exited_at_once(self, pids: list[int]) -> tuple[int, int] | None:
        """(pid, exit status) of a service just started that ended at once
        (it could not start), else None."""
        ...

    def processes_in(self, inodes: set[int]) -> dict[int, int]: ...

    def processes_mentioning(self, text: str) -> list[int]:
        """Processes whose command line holds `text` (a lab's own state path)."""
        ...

    def end_processes(self, pids: list[int]) -> list[int]:
        """End `pids` (SIGTERM, then SIGKILL after a grace period); return
        when each is gone: the pids that would not go."""
        ...

    def service_processes(self, pid: int) -> list[int]:
        """The processes of the service started as `pid` (its session)."""
        ...

    # ---------------------------------------------------------------- the machine
    def machine_links(self) -> dict[str, tuple[int, str | None]]:
        """name -> (index, alias) of every link of the machine."""
        ...

    def delete_machine_link(self, index: int) -> None:
        """Delete the machine's link `index` (OSError ENODEV: it is gone). Which
        links are nslab's is decided above the seam (running.machine_side.ours)."""
        ...

    def machine_addresses(self) -> list[tuple[str, str]]: ...

    def uplink(self) -> str | None: ...

    def underlay_mtu(self, address: str) -> int | None:
        """The MTU of the machine's interface that holds `address` (None: none does)."""
        ...

    def forward_drops(self) -> list[str]: ...


class RealKernel:
    """The machine nslab runs on."""

    def __init__(self) -> None:
        self.socks: dict[Ref, nl.Socket] = {}
        self.services: dict[int, subprocess.Popen[bytes]] = {}
        self.machine_fd: int | None = None

    def privileged(self) -> bool:
        return os.geteuid() == 0

    def missing_features(self, wanted: Iterable[str]) -> list[str]:
        return features.missing(wanted)

    # ---------------------------------------------------------------- namespaces
    def make_namespace(self, name: str, sysctls: list[tuple[str, str]], marker: str) -> Ref:
        with netns.fresh() as fd:
            try:
                sysctl.write_all(sysctls)
                sock = nl.Socket()
                try:
                    sock.request(nl.set_link(1, up=True, alias=marker))
                    netns.bind_current(name)
                except BaseException:
                    sock.close()
                    raise
            except BaseException:
                os.close(fd)
                raise
        if self._keep():
            self.socks[fd] = sock
        else:
            sock.close()
        return fd

    def open_namespace(self, name: str) -> Ref:
        return netns.open_fd(name)  # its socket made on first use

    def _keep(self) -> bool:
        """Whether one more namespace's socket may stay open. A lab holds a
        file per namespace and, while the limit on open files leaves room, its
        netlink socket: 10,000 nodes would hold 20,000, a usual hard limit
        (which root may raise only with CAP_SYS_RESOURCE). Past that, a
        namespace gets a socket for each use."""
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        return soft == resource.RLIM_INFINITY or len(self.socks) < soft // 2 - 256

    @contextlib.contextmanager
    def _sock(self, ref: Ref) -> Iterator[nl.Socket]:
        sock = self.socks.get(ref)
        if sock is not None:
            yield sock
            return
        if ref == MACHINE:  # the machine's, opened on first use
            sock = nl.Socket()
        else:
            with netns.entered(ref):
                sock = nl.Socket()
        if ref == MACHINE or self._keep():
            self.socks[ref] = sock
            yield sock
            return
        try:
            yield sock
        finally:
            sock.close()

    def release(self, ref: Ref) -> None:
        sock = self.socks.pop(ref, None)
        if sock is not None:
            sock.close()
        if ref != MACHINE:
            os.close(ref)
        elif self.machine_fd is not None:
            os.close(self.machine_fd)
            self.machine_fd = None

    def fd_of(self, ref: Ref) -> int:
        if ref != MACHINE:
            return ref
        if self.machine_fd is None:
            self.machine_fd = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        return self.machine_fd

    def inode_of(self, ref: Ref) -> int:
        if ref == MACHINE:
            return os.stat("/proc/self/ns/net").st_ino
        return os.fstat(ref).st_ino

    def name_taken(self, name: str) -> bool:
        return os.path.lexists(netns.path(name))

    def namespace_inode(self, name: str) -> int | None:
        return netns.inode(name)

    def namespace_marker(self, name: str) -> str | None:
        lo = self.read_namespace(name, tables=False, qdiscs=False, routes=False).links.get("lo")
        return lo.alias if lo else None

    def unmounted_placeholder(self, name: str) -> bool:
        return netns.unmounted_placeholder(name)

    def remove_namespace(self, name: str) -> None:
        netns.remove(name)

    def prepare_names(self) -> None:
        netns.ensure_rundir()

    # ---------------------------------------------------------------- netlink
    def transact(self, ref: Ref, requests: list[tuple[nl.Request, object]]) -> \
            list[nl.NetlinkError]:
        with self._sock(ref) as sock:
            return sock.transact(requests)

    def link_indexes(self, ref: Ref) -> dict[str, int]:
        with self._sock(ref) as sock:
            return nl.link_indexes(sock)

    def read_namespace(self, name: str, tables: bool = True, qdiscs: bool = True,
                       routes: bool = True) -> NamespaceView:
        from nslab.kernel import readback

        return readback.read(name, tables, qdiscs, routes)

    def read_machine(self) -> NamespaceView:
        from nslab.kernel import readback

        return readback.read_here(tables=False, qdiscs=False, routes=False)

    def read_routes(self, ref: Ref, devices: bool = True) -> list[ob.Route]:
        from nslab.kernel import netstate

        with self._sock(ref) as sock:
            names = {li.index: li.name for li in netstate.interfaces(sock)} if devices else {}
            return [r for r in netstate.routes(sock, names) if r.table == "main"]

    # ---------------------------------------------------------------- sysctls
    def set_sysctl(self, ref: Ref, key: str, value: str) -> None:
        if ref == MACHINE:
            sysctl.write(key, value)
            return
        with netns.entered(ref):
            sysctl.write(key, value)

    def read_sysctl(self, key: str) -> str:
        return sysctl.read(key)

    def neighbour_thresh(self, family: int) -> tuple[int, int, int]:
        return sysctl.neighbour_thresh(family)

    def set_neighbour_thresh(self, family: int, value: tuple[int, int, int]) -> None:
        sysctl.set_neighbour_thresh(family, value)

    # ---------------------------------------------------------------- files
    def read_text(self, path: str) -> str | None:
        try:
            with open(path) as f:
                return f.read()
        except FileNotFoundError:
            return None

    def create_file(self, path: str, text: str) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "w") as f:
            f.write(text)

    def remove_file(self, path: str) -> None:
        os.unlink(path)

    def make_dir(self, path: str) -> None:
        os.mkdir(path)

    def remove_dir(self, path: str) -> None:
        os.rmdir(path)

    def is_dir(self, path: str) -> bool:
        return os.path.isdir(path)

    # ---------------------------------------------------------------- the wire
    def set_wire(self, folder: str, into: str, config: str | None) -> None:
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{into}.json")
        if config is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        else:
            with open(f"{path}.new", "w") as f:
                f.write(config)
            os.replace(f"{path}.new", path)
        self.ask_wire(folder, f"reload {into}")

    def ask_wire(self, folder: str, line: str, timeout: float = 5.0) -> str | None:
        path = os.path.join(folder, "control")
        if not os.path.exists(path):
            return None
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(timeout)
                s.connect(path)
                s.sendall(f"{line}\n".encode())
                answer = b""
                while not answer.endswith(b"\n"):
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
            return answer.decode().strip() or None
        except OSError:  # no relay listens (it ended, or never started)
            return None

    # ---------------------------------------------------------------- nftables
    def load_nft(self, ref: Ref, text: str) -> str | None:
        argv = ["nft", "-f", "-"]
        r = (subprocess.run(argv, input=text, capture_output=True, text=True)
             if ref == MACHINE else
             netns.run(ref, argv, input=text, capture_output=True, text=True))
        if r.returncode == 0:
            return None
        return " ".join(r.stderr.strip().splitlines()[:1]) or f"exit {r.returncode}"

    def nft_tables(self) -> set[str]:
        from nslab.kernel import machine

        return machine.nft_tables()

    def delete_nft_table(self, table: str) -> str | None:
        from nslab.kernel import machine

        return machine.delete_nft_table(table)

    # ---------------------------------------------------------------- processes
    def run_command(self, ns: str, argv: tuple[str, ...]) -> tuple[int, str]:
        r = subprocess.run(["ip", "netns", "exec", ns, *argv], capture_output=True,
                           text=True, stdin=subprocess.DEVNULL)
        tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
        return r.returncode, tail[0]

    def start_service(self, ns: str, argv: tuple[str, ...], log: str) -> int:
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log, "ab") as f:
            p = subprocess.Popen(["ip", "netns", "exec", ns, *argv], stdout=f,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 start_new_session=True)
        self.services[p.pid] = p
        return p.pid

    def start_daemons(self, scripts: list[tuple[str, str]], parallel: int = 16
                      ) -> list[tuple[int, str]]:
        def one(script: str) -> tuple[int, str]:
            r = subprocess.run(["bash", "-ec", script], capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, start_new_session=True)
            return r.returncode, r.stdout + r.stderr

        from concurrent.futures import ThreadPoolExecutor  # (~5 ms: only with daemons)

        pool = ThreadPoolExecutor(max_workers=parallel)
        try:
            # every script is handed to a worker the pool knows of before a signal can
            # land (one that lands while a worker thread starts would leave that thread
            # unjoined, running its script while `up` rolls back)
            with signals.deferred():
                futures = [pool.submit(one, script) for _ns, script in scripts]
            return [f.result() for f in futures]
        finally:  # interrupted: no queued script starts; those running finish first
            pool.shutdown(wait=True, cancel_futures=True)

    def exited_at_once(self, pids: list[int], grace: float = 0.1) -> tuple[int, int] | None:
        deadline = time.monotonic() + grace
        while pids:
            for pid in pids:
                p = self.services.get(pid)
                code = p.poll() if p is not None else None
                if code is not None:
                    return pid, code
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.01)
        return None

    def processes_in(self, inodes: set[int]) -> dict[int, int]:
        return procs.in_namespaces(inodes)

    def processes_mentioning(self, text: str) -> list[int]:
        return procs.mentioning(text)

    def end_processes(self, pids: list[int]) -> list[int]:
        return procs.end(pids)

    def service_processes(self, pid: int) -> list[int]:
        return procs.in_session(pid)

    # ---------------------------------------------------------------- the machine
    def machine_links(self) -> dict[str, tuple[int, str | None]]:
        from nslab.kernel import machine

        return {name: (li.index, li.alias) for name, li in machine.links().items()}

    def delete_machine_link(self, index: int) -> None:
        with nl.Socket() as sock:
            sock.request(nl.del_link(index))

    def machine_addresses(self) -> list[tuple[str, str]]:
        from nslab.kernel import machine

        return machine.addresses()

    def uplink(self) -> str | None:
        from nslab.kernel import machine

        return machine.uplink()

    def underlay_mtu(self, address: str) -> int | None:
        from nslab.kernel import netstate

        with nl.Socket() as sock:
            links = {li.index: li for li in netstate.interfaces(sock)}
            names = {i: li.name for i, li in links.items()}
            for a in netstate.addresses(sock, names):
                if a.address == address:
                    return next((li.mtu for li in links.values() if li.name == a.interface),
                                None)
        return None

    def forward_drops(self) -> list[str]:
        from nslab.kernel import machine

        return machine.forward_drops()

