"""A kernel kept as data in memory, behind the same seam as the machine
(`nslab.kernel.seam.Kernel`): namespaces with their links, addresses and
routes (from the very netlink requests nslab sends), sysctls, files, nftables
tables, processes. It answers like the kernel (EEXIST, ENODEV, EBUSY,
ENOTEMPTY...) and can be told to fail at effect K (`fail_at`: that effect is
refused with EIO) or to crash after effect K (`crash_after`: the process dies,
nothing more happens until `restart()`, which also drops what only the dead
process held). Objects made with `foreign=True` are someone else's: deleting
one is recorded in `violations`. No root needed; nothing real is touched.
"""

from __future__ import annotations

import copy
import errno
import ipaddress
import os
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from nslab.kernel import netlink as nl
from nslab.kernel import netstate
from nslab.kernel.seam import MACHINE, Kernel, Ref
from nslab.plan.nft import rule_counts
from nslab.records import observed as ob

MACHINE_FD = 1 << 20  # the fd a request names the machine's namespace by
_IFINFO = struct.Struct("=BxHiII")
_IFADDR = struct.Struct("=BBBBI")
_TABLE = re.compile(r"^table (\w+) (\S+) \{(?:\s*comment \"([^\"]*)\")?", re.M)


class Crash(BaseException):
    """The process running nslab died (SIGKILL): nothing after it happens."""


@dataclass
class Link:
    name: str
    index: int
    kind: str
    up: bool = False
    master: int | None = None
    alias: str | None = None
    peer: tuple[int, int] | None = None  # (namespace inode, index) of a veth's other end
    addresses: set[str] = field(default_factory=set)
    foreign: bool = False
    mtu: int = 1500


@dataclass
class Namespace:
    inode: int
    links: dict[int, Link] = field(default_factory=dict)
    sysctls: dict[str, str] = field(default_factory=dict)
    routes: list[str] = field(default_factory=list)
    nft: dict[str, str | None] = field(default_factory=dict)  # "family name" -> comment
    foreign: bool = False
    qdiscs: dict[int, str] = field(default_factory=dict)  # ifindex -> root qdisc kind
    rates: dict[int, float] = field(default_factory=dict)  # ifindex -> its tbf's bits/s
    rules: dict[str, int] = field(default_factory=dict)  # "family name" -> rules it holds

    def by_name(self, name: str) -> Link | None:
        return next((li for li in self.links.values() if li.name == name), None)


MACHINE_SYSCTLS = {"net.ipv4.ip_forward": "0", "net.ipv6.conf.all.forwarding": "0"}


class FakeKernel:
    def __init__(self, fail_at: int | None = None, crash_after: int | None = None,
                 missing: Iterable[str] = ()) -> None:
        self.missing = set(missing)  # kernel features it plays without (netem...)
        self.underlays: dict[str, int] = {"198.51.100.7": 1500}  # its address -> MTU
        self.fail_at = fail_at
        self.crash_after = crash_after
        self.effects = 0
        self.dead = False
        self.violations: list[str] = []
        self._next_inode = 1000
        self._next_pid = 5000
        self._next_ref = 3
        machine = self._new_ns()
        machine.links[2] = Link("eth0", 2, "veth", up=True, addresses={"198.51.100.7/24"},
                                foreign=True)
        machine.routes.append("default via 198.51.100.1 dev eth0")
        machine.sysctls = dict(MACHINE_SYSCTLS)
        self.machine = machine.inode
        self.namespaces: dict[int, Namespace] = {machine.inode: machine}
        self.names: dict[str, int] = {}
        self.refs: dict[Ref, int] = {}
        self.thresh = {4: (128, 512, 1024), 6: (128, 512, 1024)}
        self.dirs: set[str] = {"/", "/etc", "/run"}
        self.files: dict[str, str] = {"/etc/hosts": "127.0.0.1\tlocalhost\n"}
        self.processes: dict[int, int] = {}  # pid -> namespace inode
        self.foreign_pids: set[int] = set()
        self.foreign_files: set[str] = set()
        self.failing_commands: set[tuple[str, ...]] = set()
        self.wires: dict[str, dict[str, str]] = {}  # a relay's folder -> into -> its file
        self.relays: dict[int, str] = {}  # the pid of a relay -> its folder

    # ---------------------------------------------------------------- the test's side
    def snapshot(self) -> dict[str, Any]:
        """Everything, as comparable data (what must be as before after down)."""
        return copy.deepcopy({"namespaces": self.namespaces, "names": self.names,
                              "thresh": self.thresh, "dirs": self.dirs, "files": self.files,
                              "processes": self.processes})

    def restart(self) -> None:
        """The process that crashed is gone: its handles close, and a namespace
        only they held goes with them (a fresh nslab process comes next)."""
        self.dead = False
        self.crash_after = None
        self.refs.clear()
        self._collect()

    def add_foreign_namespace(self, name: str) -> int:
        ns = self._new_ns()
        ns.foreign = True
        self.names[name] = ns.inode
        self.namespaces[ns.inode] = ns
        return ns.inode

    def add_foreign_link(self, name: str, alias: str | None = None,
                         addresses: Iterable[str] = ()) -> None:
        m = self.namespaces[self.machine]
        index = max(m.links) + 1
        m.links[index] = Link(name, index, "bridge", True, alias=alias,
                              addresses=set(addresses), foreign=True)

    def add_foreign_file(self, path: str, text: str) -> None:
        self.dirs.add(os.path.dirname(os.path.dirname(path)))
        self.dirs.add(os.path.dirname(path))
        self.files[path] = text
        self.foreign_files.add(path)

    def add_foreign_process(self, inode: int) -> int:
        pid = self._pid()
        self.processes[pid] = inode
        self.foreign_pids.add(pid)
        return pid

    # ---------------------------------------------------------------- effects
    def _effect(self) -> bool:
        """Count an effect; False when it is to be refused (fail_at)."""
        if self.dead:
            raise Crash()
        self.effects += 1
        return self.effects != self.fail_at

    def _after(self) -> None:
        if self.crash_after is not None and self.effects >= self.crash_after:
            self.dead = True
            raise Crash()

    def _alive(self) -> None:
        if self.dead:
            raise Crash()

    def _refuse(self) -> OSError:
        return OSError(errno.EIO, "injected failure")

    # ---------------------------------------------------------------- who
    def privileged(self) -> bool:
        return True

    def missing_features(self, wanted: Iterable[str]) -> list[str]:
        return [f for f in wanted if f in self.missing]

    # ---------------------------------------------------------------- namespaces
    def _new_ns(self) -> Namespace:
        self._next_inode += 1
        ns = Namespace(self._next_inode)
        ns.links[1] = Link("lo", 1, "loopback")
        return ns

    def _pid(self) -> int:
        self._next_pid += 1
        return self._next_pid

    def make_namespace(self, name: str, sysctls: list[tuple[str, str]], marker: str) -> Ref:
        if not self._effect():
            raise self._refuse()
        ns = self._new_ns()
        ns.sysctls.update(sysctls)
        ns.links[1].up, ns.links[1].alias = True, marker
        self.namespaces[ns.inode] = ns
        self._next_ref += 1
        ref = self._next_ref
        self.refs[ref] = ns.inode
        self._after()
        refused: OSError | None = None
        if not self._effect():  # naming it is an effect of its own
            refused = self._refuse()
        elif name in self.names:
            refused = FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), name)
        if refused is not None:  # the handle is closed: the unnamed namespace goes
            del self.refs[ref]
            self._collect()
            raise refused
        self.names[name] = ns.inode
        self._after()
        return ref

    def open_namespace(self, name: str) -> Ref:
        self._alive()
        if name not in self.names:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)
        self._next_ref += 1
        self.refs[self._next_ref] = self.names[name]
        return self._next_ref

    def release(self, ref: Ref) -> None:
        if self.dead:
            return
        self.refs.pop(ref, None)
        self._collect()

    def fd_of(self, ref: Ref) -> int:
        return MACHINE_FD if ref == MACHINE else ref

    def inode_of(self, ref: Ref) -> int:
        self._alive()
        return self.machine if ref == MACHINE else self.refs[ref]

    def name_taken(self, name: str) -> bool:
        self._alive()
        return name in self.names

    def namespace_inode(self, name: str) -> int | None:
        self._alive()
        return self.names.get(name)

    def namespace_marker(self, name: str) -> str | None:
        self._alive()
        ino = self.names.get(name)
        return self.namespaces[ino].links[1].alias if ino is not None else None

    def unmounted_placeholder(self, name: str) -> bool:
        self._alive()
        return False

    def remove_namespace(self, name: str) -> None:
        if not self._effect():
            raise self._refuse()
        ino = self.names.pop(name, None)
        if ino is not None and self.namespaces[ino].foreign:
            self.violations.append(f"namespace {name}")
        self._collect()
        self._after()

    def prepare_names(self) -> None:
        self._alive()

    def _collect(self) -> None:
        """Namespaces nothing holds (no name, handle or process) are freed,
        with the far ends of their veths."""
        held = set(self.names.values()) | set(self.refs.values()) | set(
            self.processes.values()) | {self.machine}
        for ino in [i for i in self.namespaces if i not in held]:
            ns = self.namespaces.pop(ino)
            for li in ns.links.values():
                if li.peer is not None and li.peer[0] in self.namespaces:
                    self._delete_link(self.namespaces[li.peer[0]], li.peer[1])

    def _delete_link(self, ns: Namespace, index: int) -> None:
        li = ns.links.pop(index, None)
        if li is None:
            return
        ns.routes = [r for r in ns.routes if not r.endswith(f" dev {index}")]  # gone with it
        if li.foreign:
            self.violations.append(f"link {li.name}")
        for other in ns.links.values():
            if other.master == index:
                other.master = None
        if li.peer is not None and li.peer[0] in self.namespaces:
            far = self.namespaces[li.peer[0]]
            far_link = far.links.get(li.peer[1])
            if far_link is not None:
                far_link.peer = None
                self._delete_link(far, li.peer[1])

    # ---------------------------------------------------------------- netlink
    def _ns_of_fd(self, fd: int) -> Namespace:
        return self.namespaces[self.machine if fd == MACHINE_FD else self.refs[fd]]

    def transact(self, ref: Ref, requests: list[tuple[nl.Request, object]]) -> \
            list[nl.NetlinkError]:
        ns = self.namespaces[self.inode_of(ref)]
        errors = []
        for req, tag in requests:
            if not self._effect():
                errors.append(nl.NetlinkError(errno.EIO, tag))
                self._after()
                continue
            code = self._apply(ns, req)
            if code:
                errors.append(nl.NetlinkError(code, tag))
            self._after()
        return errors

    def _apply(self, ns: Namespace, req: nl.Request) -> int:
        """A request as the kernel answers it (0, or an errno)."""
        handler = {
            nl.RTM_NEWLINK: self._newlink,
            nl.RTM_DELLINK: self._dellink,
            nl.RTM_NEWADDR: self._newaddr,
            nl.RTM_DELADDR: self._deladdr,
            nl.RTM_DELROUTE: self._delroute,
            nl.RTM_NEWROUTE: self._newroute,
            nl.RTM_DELQDISC: self._delqdisc,
            nl.RTM_NEWQDISC: self._newqdisc,
        }.get(req.kind)
        return handler(ns, req) if handler is not None else errno.EOPNOTSUPP

    def _dellink(self, ns: Namespace, req: nl.Request) -> int:
        index = _IFINFO.unpack_from(req.body)[2]
        if index not in ns.links:
            return errno.ENODEV
        self._delete_link(ns, index)
        return 0

    def _newaddr(self, ns: Namespace, req: nl.Request) -> int:
        _fam, plen, _f, _s, index = _IFADDR.unpack_from(req.body)
        a = nl.attrs(req.body, _IFADDR.size)
        if index not in ns.links:
            return errno.ENODEV
        raw = a[nl.IFA_LOCAL]
        addr = f"{ipaddress.ip_address(raw)}/{plen}"
        if addr in ns.links[index].addresses:
            return errno.EEXIST
        ns.links[index].addresses.add(addr)
        return 0

    def _deladdr(self, ns: Namespace, req: nl.Request) -> int:
        _fam, plen, _f, _s, index = _IFADDR.unpack_from(req.body)
        a = nl.attrs(req.body, _IFADDR.size)
        addr = f"{ipaddress.ip_address(a[nl.IFA_LOCAL])}/{plen}"
        if index not in ns.links or addr not in ns.links[index].addresses:
            return errno.EADDRNOTAVAIL
        ns.links[index].addresses.discard(addr)
        return 0

    def _delroute(self, ns: Namespace, req: nl.Request) -> int:
        dst = _route_dst(req.body)
        left = [r for r in ns.routes if not r.startswith(f"{dst} ")]
        if len(left) == len(ns.routes):
            return errno.ESRCH
        ns.routes = left
        return 0

    def _newroute(self, ns: Namespace, req: nl.Request) -> int:
        a = nl.attrs(req.body, 12)
        oif = struct.unpack("=I", a[nl.RTA_OIF][:4])[0] if nl.RTA_OIF in a else None
        if oif is None and nl.RTA_GATEWAY in a:  # the kernel finds the device
            via = ipaddress.ip_address(a[nl.RTA_GATEWAY])
            oif = next((li.index for li in ns.links.values() for addr in li.addresses
                        if via in ipaddress.ip_interface(addr).network), None)
            if oif is None:
                return errno.ENETUNREACH
        if oif is not None and oif not in ns.links:
            return errno.ENODEV
        dst = _route_dst(req.body)
        if any(r.startswith(f"{dst} ") for r in ns.routes):
            if not req.flags & nl.F_REPLACE:
                return errno.EEXIST
            ns.routes = [r for r in ns.routes if not r.startswith(f"{dst} ")]
        ns.routes.append(f"{dst} {req.body.hex()} dev {oif}")
        return 0

    def _delqdisc(self, ns: Namespace, req: nl.Request) -> int:
        index = nl._TCMSG.unpack_from(req.body)[1]
        ns.rates.pop(index, None)
        return 0 if ns.qdiscs.pop(index, None) else errno.ENOENT

    def _newqdisc(self, ns: Namespace, req: nl.Request) -> int:
        index = nl._TCMSG.unpack_from(req.body)[1]
        if index not in ns.links:
            return errno.ENODEV
        if index in ns.qdiscs and not req.flags & nl.F_REPLACE:
            return errno.EEXIST
        a = nl.attrs(req.body, nl._TCMSG.size)
        kind = a[nl.TCA_KIND].split(b"\0")[0].decode()
        if kind in self.missing:  # "Error: Specified qdisc kind is unknown."
            return errno.ENOENT
        ns.qdiscs[index] = kind
        shape = netstate.tbf_shape(a[nl.TCA_OPTIONS]) if kind == "tbf" and \
            nl.TCA_OPTIONS in a else None
        ns.rates.pop(index, None)
        if shape is not None:
            ns.rates[index] = shape[0]
        return 0

    def _newlink(self, ns: Namespace, req: nl.Request) -> int:
        _fam, _t, index, flags, change = _IFINFO.unpack_from(req.body)
        a = nl.attrs(req.body, _IFINFO.size)
        name = a[nl.IFLA_IFNAME].split(b"\0")[0].decode() if nl.IFLA_IFNAME in a else None
        if req.flags & nl.F_CREATE:
            assert name is not None
            info = nl.attrs(a[nl.IFLA_LINKINFO])
            kind = info[nl.IFLA_INFO_KIND].split(b"\0")[0].decode()
            if nl.IFLA_NET_NS_FD in a:  # made here, put there (a VXLAN into a node)
                ns = self._ns_of_fd(struct.unpack("=I", a[nl.IFLA_NET_NS_FD][:4])[0])
            if ns.by_name(name) is not None:
                return errno.EEXIST
            index = index or max(ns.links) + 1
            if index in ns.links:
                return errno.EBUSY
            link = Link(name, index, kind)
            if nl.IFLA_MTU in a:
                link.mtu = struct.unpack("=I", a[nl.IFLA_MTU][:4])[0]
            if kind == "veth":
                code = self._veth_peer(ns, link, nl.attrs(info[nl.IFLA_INFO_DATA]))
                if code:
                    return code
            ns.links[index] = link
            return 0
        found = ns.links.get(index) if index else (ns.by_name(name) if name else None)
        if found is None:
            return errno.ENODEV
        link = found
        if change & nl.IFF_UP:
            link.up = bool(flags & nl.IFF_UP)
        if nl.IFLA_MASTER in a:
            master = struct.unpack("=I", a[nl.IFLA_MASTER][:4])[0]
            if master not in ns.links:
                return errno.ENODEV
            link.master = master
        if nl.IFLA_IFALIAS in a:
            link.alias = a[nl.IFLA_IFALIAS].split(b"\0")[0].decode()
        if nl.IFLA_MTU in a:
            link.mtu = struct.unpack("=I", a[nl.IFLA_MTU][:4])[0]
        if change & nl.IFF_UP and not link.up:  # the kernel drops the routes through it
            ns.routes = [r for r in ns.routes if not r.endswith(f" dev {index}")]
        return 0

    def _veth_peer(self, ns: Namespace, link: Link, data: dict[int, bytes]) -> int:
        """The other end of a veth being made (0, or the kernel's errno)."""
        peer = data[nl.VETH_INFO_PEER]
        p_index = _IFINFO.unpack_from(peer)[2]
        pa = nl.attrs(peer, _IFINFO.size)
        p_name = pa[nl.IFLA_IFNAME].split(b"\0")[0].decode()
        far = self._ns_of_fd(struct.unpack("=I", pa[nl.IFLA_NET_NS_FD][:4])[0])
        if far.by_name(p_name) is not None:
            return errno.EEXIST
        p_index = p_index or max(max(far.links) + 1, link.index + 1 if far is ns else 0)
        if p_index in far.links or (far is ns and p_index == link.index):
            return errno.EBUSY
        far.links[p_index] = Link(p_name, p_index, "veth", peer=(ns.inode, link.index))
        link.peer = (far.inode, p_index)
        return 0

    def underlay_mtu(self, address: str) -> int | None:
        return self.underlays.get(address)

    def link_indexes(self, ref: Ref) -> dict[str, int]:
        return {li.name: i for i, li in self.namespaces[self.inode_of(ref)].links.items()}

    def read_namespace(self, name: str, tables: bool = True, qdiscs: bool = True,
                       routes: bool = True) -> ob.NamespaceView:
        return self._view(self._named(name))

    def read_machine(self) -> ob.NamespaceView:
        return self._view(self.namespaces[self.machine])

    def read_routes(self, ref: Ref, devices: bool = True) -> list[ob.Route]:
        self._alive()
        ns = self.namespaces[self.inode_of(ref)]
        names = {i: li.name for i, li in ns.links.items()} if devices else {}
        out = []
        for r in ns.routes:
            out += netstate.decode_route(bytes.fromhex(r.split(" ")[1]), names)
        return [r for r in out if r.table == "main"]

    def _named(self, name: str) -> Namespace:
        self._alive()
        if name not in self.names:
            raise FileNotFoundError(errno.ENOENT, "no such namespace", name)
        return self.namespaces[self.names[name]]

    def _view(self, ns: Namespace) -> ob.NamespaceView:
        names = {i: li.name for i, li in ns.links.items()}
        links = {li.name: ob.Interface(i, li.name, li.kind, "up" if li.up else "down", li.up,
                                       li.up, "", li.mtu, names.get(li.master or 0), li.alias,
                                       None, None) for i, li in ns.links.items()}
        routes = {}
        for r in ns.routes:
            dst, body = r.split(" ")[:2]
            if body != "via":  # the machine's default route, there from the start
                routes[dst] = _route_hops(bytes.fromhex(body), names)
        return ob.NamespaceView(links, {li.name: li.peer[1] for li in ns.links.values()
                                        if li.peer}, frozenset(
            (li.name, a) for li in ns.links.values() for a in li.addresses),
            routes, {names[i]: k for i, k in ns.qdiscs.items() if i in names},
            frozenset(ns.nft), ns.sysctls.get("net.ipv4.ip_forward") == "1",
            {names[i]: r for i, r in ns.rates.items() if i in names},
            {t: n for t, n in ns.rules.items() if t in ns.nft})

    # ---------------------------------------------------------------- sysctls
    def set_sysctl(self, ref: Ref, key: str, value: str) -> None:
        ns = self.namespaces[self.inode_of(ref)]
        if not self._effect():
            raise self._refuse()
        ns.sysctls[key] = value
        self._after()

    def read_sysctl(self, key: str) -> str:
        self._alive()
        return self.namespaces[self.machine].sysctls.get(key, "0")

    def neighbour_thresh(self, family: int) -> tuple[int, int, int]:
        self._alive()
        return self.thresh[family]

    def set_neighbour_thresh(self, family: int, value: tuple[int, int, int]) -> None:
        if not self._effect():
            raise self._refuse()
        self.thresh[family] = value
        self._after()

    # ---------------------------------------------------------------- files
    def read_text(self, path: str) -> str | None:
        self._alive()
        folder, name = os.path.split(path)
        if folder in self.wires and name.endswith(".json"):  # what set_wire wrote
            return self.wires[folder].get(name[:-5])
        return self.files.get(path)

    def create_file(self, path: str, text: str) -> None:
        if not self._effect():
            raise self._refuse()
        if path in self.files or path in self.dirs:
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path)
        if os.path.dirname(path) not in self.dirs:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
        self.files[path] = text
        self._after()

    def remove_file(self, path: str) -> None:
        if not self._effect():
            raise self._refuse()
        if path in self.dirs:
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if path not in self.files:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
        if path in self.foreign_files:
            self.violations.append(f"file {path}")
        del self.files[path]
        self._after()

    def make_dir(self, path: str) -> None:
        if not self._effect():
            raise self._refuse()
        if path in self.dirs or path in self.files:
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path)
        if os.path.dirname(path) not in self.dirs:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
        self.dirs.add(path)
        self._after()

    def remove_dir(self, path: str) -> None:
        if not self._effect():
            raise self._refuse()
        if path not in self.dirs:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
        if any(os.path.dirname(p) == path for p in (*self.files, *self.dirs)):
            raise OSError(errno.ENOTEMPTY, os.strerror(errno.ENOTEMPTY), path)
        self.dirs.discard(path)
        self._after()

    def is_dir(self, path: str) -> bool:
        self._alive()
        return path in self.dirs

    # ---------------------------------------------------------------- the wire
    def set_wire(self, folder: str, into: str, config: str | None) -> None:
        if not self._effect():
            raise self._refuse()
        mine = self.wires.setdefault(folder, {})
        if config is None:
            mine.pop(into, None)
        else:
            mine[into] = config
        self._after()

    def ask_wire(self, folder: str, line: str) -> str | None:
        self._alive()
        alive = [p for p, f in self.relays.items() if f == folder and p in self.processes]
        return f"ok {len(self.wires.get(folder, {}))}" if alive else None

    # ---------------------------------------------------------------- nftables
    def load_nft(self, ref: Ref, text: str) -> str | None:
        ns = self.namespaces[self.inode_of(ref)]
        if not self._effect():
            return "injected failure"
        if text.startswith("flush ruleset"):
            ns.nft.clear()
            ns.rules.clear()
        for fam, name in re.findall(r"^delete table (\w+) (\S+)$", text, re.M):
            ns.nft.pop(f"{fam} {name}", None)
            ns.rules.pop(f"{fam} {name}", None)
        for fam, name, comment in _TABLE.findall(text):
            ns.nft[f"{fam} {name}"] = comment or None
        ns.rules.update(rule_counts(text))
        self._after()
        return None

    def nft_tables(self) -> set[str]:
        self._alive()
        return set(self.namespaces[self.machine].nft)

    def delete_nft_table(self, table: str) -> str | None:
        m = self.namespaces[self.machine]
        if f"inet {table}" not in m.nft:
            self._alive()
            return None
        if not self._effect():
            return "injected failure"
        del m.nft[f"inet {table}"]
        m.rules.pop(f"inet {table}", None)
        self._after()
        return None

    # ---------------------------------------------------------------- processes
    def run_command(self, ns: str, argv: tuple[str, ...]) -> tuple[int, str]:
        if not self._effect():
            return 1, "injected failure"
        if argv in self.failing_commands:
            self._after()
            return 1, "failed"
        self._after()
        return 0, ""

    def start_service(self, ns: str, argv: tuple[str, ...], log: str) -> int:
        if not self._effect():
            raise self._refuse()
        pid = self._pid()
        self.processes[pid] = self.names[ns]
        if any(a.endswith("/relay.py") for a in argv):  # nslab's wire
            self.relays[pid] = argv[-1]
        self._after()
        return pid

    def start_daemons(self, scripts: list[tuple[str, str]]) -> list[tuple[int, str]]:
        out = []
        for ns, _script in scripts:
            if not self._effect():
                raise self._refuse()
            self.processes[self._pid()] = self.names[ns]  # the daemons live in the namespace
            self._after()
            out.append((0, ""))
        return out

    def exited_at_once(self, pids: list[int]) -> tuple[int, int] | None:
        self._alive()
        return None

    def processes_mentioning(self, text: str) -> list[int]:
        self._alive()
        return []  # the fake's daemon scripts end before start_daemons returns

    def processes_in(self, inodes: set[int]) -> dict[int, int]:
        self._alive()
        return {pid: ino for pid, ino in self.processes.items() if ino in inodes}

    def end_processes(self, pids: list[int]) -> list[int]:
        self._alive()
        for pid in pids:
            if pid in self.processes:
                self.effects += 1
                if pid in self.foreign_pids:
                    self.violations.append(f"process {pid}")
                del self.processes[pid]
        self._collect()
        return []

    def service_processes(self, pid: int) -> list[int]:
        self._alive()
        return [pid] if pid in self.processes else []

    # ---------------------------------------------------------------- the machine
    def machine_links(self) -> dict[str, tuple[int, str | None]]:
        self._alive()
        return {li.name: (li.index, li.alias)
                for li in self.namespaces[self.machine].links.values()}

    def delete_machine_link(self, index: int) -> None:
        m = self.namespaces[self.machine]
        self._alive()
        if index not in m.links:
            raise OSError(errno.ENODEV, "no such device")
        if not self._effect():
            raise self._refuse()
        self._delete_link(m, index)
        self._after()

    def machine_addresses(self) -> list[tuple[str, str]]:
        self._alive()
        return [(li.name, a) for li in self.namespaces[self.machine].links.values()
                for a in sorted(li.addresses)]

    def uplink(self) -> str | None:
        self._alive()
        return "eth0"

    def forward_drops(self) -> list[str]:
        self._alive()
        return []


def _route_dst(body: bytes) -> str:
    """A route request's destination as `ip route` writes it."""
    fam, plen = body[0], body[1]
    a = nl.attrs(body, 12)
    if not plen:
        return "0.0.0.0/0" if fam == 2 else "::/0"
    return f"{ipaddress.ip_address(a[nl.RTA_DST])}/{plen}"


def _route_hops(body: bytes, names: dict[int, str]) -> tuple[ob.Nexthop, ...]:
    a = nl.attrs(body, 12)
    if nl.RTA_MULTIPATH in a:
        out, mp, off = [], a[nl.RTA_MULTIPATH], 0
        while off + nl._RTNH.size <= len(mp):
            size, _f, _w, oif = nl._RTNH.unpack_from(mp, off)
            sub = nl.attrs(mp[off + nl._RTNH.size:off + size])
            out.append(ob.Nexthop(nl.gateway(sub), names.get(oif), 1))
            off += (size + 3) & ~3
        return tuple(out)
    oif = struct.unpack("=I", a[nl.RTA_OIF][:4])[0] if nl.RTA_OIF in a else None
    return (ob.Nexthop(nl.gateway(a), names.get(oif) if oif else None, 1),)


def _conforms(k: FakeKernel) -> Kernel:
    return k  # mypy checks that the fake offers everything the seam asks for
