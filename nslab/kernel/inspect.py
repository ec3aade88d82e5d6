"""Read everything inside a network namespace, in-process: rtnetlink for
links, addresses, routes, rules, neighbours and the bridge fdb; sock_diag for
sockets; nfnetlink for nftables tables; /proc for sysctls and processes.
Subprocesses only for what has no in-process way (printing an nft ruleset).

One `Reader` serves a whole command: it scans /proc once, keeps one fd per
namespace it has seen, and names the far end of every veth.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable

from nslab.kernel import firewall, netns, netstate, procs, sockets, sysctl
from nslab.kernel import netlink as nl
from nslab.plan.steps import WIRE_NODE
from nslab.plan.wire import wire_dir
from nslab.records import observed as ob

RUN_NETNS = netns.RUN_NETNS
SYSCTLS4 = ("forwarding", "rp_filter", "proxy_arp")
SYSCTLS6 = ("forwarding", "disable_ipv6", "accept_ra")


def named_namespaces() -> dict[str, int]:
    """name -> inode for every name under /run/netns with a namespace mounted on it."""
    out: dict[str, int] = {}
    try:
        names = sorted(os.listdir(RUN_NETNS))
    except FileNotFoundError:
        return out
    for name in names:
        ino = netns.inode(name)
        if ino is not None:
            out[name] = ino
    return out


def _sysctls(ifnames: Iterable[str]) -> ob.Sysctls:
    per: dict[str, dict[str, int | None]] = {}
    for name in ("all", "default", *ifnames):
        values: dict[str, int | None] = {}
        for key in SYSCTLS4:
            values[f"ipv4.{key}"] = sysctl.number(f"ipv4/conf/{name}/{key}")
        for key in SYSCTLS6:
            values[f"ipv6.{key}"] = sysctl.number(f"ipv6/conf/{name}/{key}")
        per[name] = values
    return ob.Sysctls(ip_forward=sysctl.number("ipv4/ip_forward"),
                      ipv6_forwarding=per["all"]["ipv6.forwarding"],
                      rp_filter=per["all"]["ipv4.rp_filter"], per_interface=per)


def _process(pid: int) -> ob.Process | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        with open(f"/proc/{pid}/cmdline", "rb") as fb:
            cmdline = fb.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    comm = stat[stat.index("(") + 1:stat.rindex(")")]
    ppid = int(stat[stat.rindex(")") + 2:].split()[1])
    return ob.Process(pid, ppid, comm, cmdline)


class Reader:
    """`many`: the command reads many namespaces (a whole lab, ns list)."""

    def __init__(self, many: bool = False) -> None:
        self.many = many
        self._ids: dict[int, dict[int, int]] = {}
        self.procs = procs.namespaces()
        self.named = named_namespaces()
        self._fds: dict[int, int] = {}  # inode -> fd
        self._socks: dict[int, nl.Socket] = {}  # inode -> rtnetlink socket inside
        self._owners: dict[int, list[ob.Owner]] | None = None
        self.host = os.stat("/proc/self/ns/net").st_ino  # the one nslab runs in
        self._candidates: dict[int, str] | None = None
        self._links: dict[int, list[netstate.RawLink]] = {}
        self._addrs: dict[int, list[ob.Address]] = {}
        self._ends: dict[tuple[int, int], list[int]] | None = None

    def close(self) -> None:
        for s in self._socks.values():
            s.close()
        for fd in self._fds.values():
            os.close(fd)
        self._socks.clear()
        self._fds.clear()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ namespaces
    def name_of(self, ino: int) -> str | None:
        return next((n for n, i in self.named.items() if i == ino), None)

    def holders_of(self, ino: int) -> list[int]:
        return sorted(p for p, i in self.procs.items() if i == ino)

    def candidates(self) -> dict[int, str]:
        """Every namespace in sight: inode -> a path that opens it."""
        if self._candidates is None:
            out = {ino: netns.path(name) for name, ino in self.named.items()}
            for pid, ino in sorted(self.procs.items()):
                out.setdefault(ino, f"/proc/{pid}/ns/net")
            self._candidates = out
        return self._candidates

    def fd(self, ino: int, path: str | None = None) -> int:
        if ino not in self._fds:
            where = path or self.candidates()[ino]
            fd = os.open(where, os.O_RDONLY | os.O_CLOEXEC)
            if os.fstat(fd).st_ino != ino:
                os.close(fd)
                raise FileNotFoundError(f"namespace {ino} is gone")
            self._fds[ino] = fd
        return self._fds[ino]

    def sock(self, ino: int) -> nl.Socket:
        if ino not in self._socks:
            with netns.entered(self.fd(ino)):
                self._socks[ino] = nl.Socket()
        return self._socks[ino]

    def owners(self) -> dict[int, list[ob.Owner]]:
        if self._owners is None:
            self._owners = sockets.holders(self.procs)
        return self._owners

    def links(self, ino: int) -> list[netstate.RawLink]:
        if ino not in self._links:
            self._links[ino] = netstate.links(self.sock(ino))
        return self._links[ino]

    def _veth_ends(self) -> dict[tuple[int, int], list[int]]:
        """(index, peer index) of every veth end in sight -> the namespaces
        holding such an end: who may hold the far end of a given veth."""
        if self._ends is None:
            self._ends = {}
            for other, path in self.candidates().items():
                try:
                    self.fd(other, path)
                    ends = self.links(other)
                except OSError:
                    continue
                for r in ends:
                    if r.peer_index is not None and r.peer_netnsid is not None:
                        key = (r.record.index, r.peer_index)
                        self._ends.setdefault(key, []).append(other)
        return self._ends

    def _nsids(self, ino: int) -> dict[int, int]:
        """nsid (as namespace `ino` numbers the others) -> inode, asking the
        kernel about every namespace in sight."""
        if ino not in self._ids:
            sock = self.sock(ino)
            ids: dict[int, int] = {}
            for other, path in self.candidates().items():
                try:
                    nsid = netstate.netnsid(sock, self.fd(other, path))
                except OSError:
                    continue
                if nsid is not None:
                    ids[nsid] = other
            self._ids[ino] = ids
        return self._ids[ino]

    def _far_end(self, ino: int, r: netstate.RawLink) -> int | None:
        """The namespace holding the other end of veth `r` of namespace `ino`:
        the one `ino` calls by the link's netnsid (asked of the kernel, never
        guessed). Reading many namespaces, only those holding a matching end
        are asked (one link dump each, instead of every pair of namespaces)."""
        assert r.peer_index is not None and r.peer_netnsid is not None
        if not self.many:
            return self._nsids(ino).get(r.peer_netnsid)
        sock = self.sock(ino)
        for other in self._veth_ends().get((r.peer_index, r.record.index), []):
            if netstate.netnsid(sock, self.fd(other)) == r.peer_netnsid:
                return other
        return None

    def _peers(self, ino: int, raw: list[netstate.RawLink],
               names: dict[int, str]) -> list[ob.Interface]:
        out = []
        for r in raw:
            peer = None
            if r.peer_index is not None:
                if r.peer_netnsid is None:  # both ends here
                    peer = ob.Peer(self._label(ino), None, r.peer_index,
                                   names.get(r.peer_index))
                else:
                    other = self._far_end(ino, r)
                    index, wire = r.peer_index, False
                    beyond = self._through_wire(other, index) if other is not None else None
                    if beyond is not None:
                        (other, index), wire = beyond, True
                    pname = next((x.record.name for x in self.links(other)
                                  if x.record.index == index), None) \
                        if other is not None else None
                    peer = ob.Peer(self._label(other) if other is not None else None,
                                   r.peer_netnsid, index, pname, wire)
            out.append(dataclasses.replace(r.record, peer=peer))
        return out

    def peer_of(self, ino: int, index: int, through: bool = True) -> tuple[int, int] | None:
        """The far end (namespace inode, interface index) of veth `index` of
        namespace `ino` (across the lab's wire, where a delayed link goes
        through it); None for any other kind of link, or when unseen."""
        r = next((x for x in self.links(ino) if x.record.index == index), None)
        if r is None or r.peer_index is None:
            return None
        if r.peer_netnsid is None:
            return ino, r.peer_index
        other = self._far_end(ino, r)
        if other is None:
            return None
        beyond = self._through_wire(other, r.peer_index) if through else None
        return beyond or (other, r.peer_index)

    def _through_wire(self, ino: int, index: int) -> tuple[int, int] | None:
        """When interface `index` of `ino` is an end of a lab's wire: the node
        end across it (the far end of the wire's other end, which the relay's
        file for this direction names); else None."""
        name = self.name_of(ino)
        if not name or not name.endswith(WIRE_NODE):
            return None
        mine = next((x.record.name for x in self.links(ino) if x.record.index == index), None)
        try:
            with open(f"{wire_dir(name[:-len(WIRE_NODE)])}/{mine}.json") as f:
                out = str(json.load(f)["out"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        other = next((x.record.index for x in self.links(ino) if x.record.name == out), None)
        return self.peer_of(ino, other, through=False) if other is not None else None

    def addresses(self, ino: int) -> list[ob.Address]:
        if ino not in self._addrs:
            names = {r.record.index: r.record.name for r in self.links(ino)}
            self._addrs[ino] = netstate.addresses(self.sock(ino), names)
        return self._addrs[ino]

    def label(self, ino: int) -> str:
        return self._label(ino)

    def _label(self, ino: int) -> str:
        name = self.name_of(ino)
        if name:
            return name
        if ino == self.host:
            return "host"
        holders = self.holders_of(ino)
        return f"pid:{holders[0]}" if holders else f"net:[{ino}]"

    def summary(self, ino: int, node: str, namespace: str) -> ob.NodeSummary:
        links = [r.record for r in self.links(ino) if r.record.kind != "loopback"]
        sock = self.sock(ino)
        with netns.entered(self.fd(ino)):
            forwarding = sysctl.number("ipv4/ip_forward") == 1
            try:
                tables = tuple(t.name for t in firewall.tables())
            except OSError:
                tables = ()
            with nl.Socket(sockets.NETLINK_SOCK_DIAG) as diag:
                listening = sum(s.state in ("LISTEN", "UNCONN")
                                for s in sockets.read(diag, {}))
        neigh = [n for n in netstate.neighbours(sock, {}) if "NOARP" not in n.state]
        return ob.NodeSummary(
            node, namespace, sum(x.state == "up" for x in links), len(links),
            tuple(f"{a.address}/{a.prefixlen}" for a in self.addresses(ino)
                  if a.scope == "global"),
            netstate.count_routes(sock), len(neigh), listening, len(self.holders_of(ino)),
            forwarding, tables)

    # ------------------------------------------------------------ reading
    def inspect(self, ino: int, where: ob.Where, sections: Iterable[str],
                as_text: bool = False) -> ob.Inspection:
        want = set(sections)
        sock = self.sock(ino)
        raw = self.links(ino)
        names = {r.record.index: r.record.name for r in raw}
        got: dict[str, object] = {}
        if "interfaces" in want:
            got["interfaces"] = tuple(self._peers(ino, raw, names))
        if "addresses" in want:
            got["addresses"] = tuple(netstate.addresses(sock, names))
        if "routes" in want:
            got["routes"] = tuple(netstate.routes(sock, names))
        if "rules" in want:
            got["rules"] = tuple(netstate.rules(sock))
        if "neighbours" in want:
            got["neighbours"] = tuple(netstate.neighbours(sock, names))
        if "fdb" in want:
            bridges = {r.record.name for r in raw if r.record.kind == "bridge"}
            got["fdb"] = tuple(netstate.fdb(sock, names, bridges))
        if "sockets" in want:
            with netns.entered(self.fd(ino)), nl.Socket(sockets.NETLINK_SOCK_DIAG) as diag:
                got["sockets"] = tuple(sockets.read(diag, self.owners()))
        if "firewall" in want:
            got["firewall"] = firewall.read(self.fd(ino), as_text)
        if "sysctls" in want:
            with netns.entered(self.fd(ino)):
                got["sysctls"] = _sysctls(r.record.name for r in raw)
        if "tc" in want:
            got["tc"] = tuple(netstate.qdiscs(sock, names))
        if "processes" in want:
            found = (_process(p) for p in self.holders_of(ino))
            got["processes"] = tuple(p for p in found if p is not None)
        return ob.Inspection(where, **got)  # type: ignore[arg-type]
