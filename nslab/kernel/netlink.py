"""A small rtnetlink client: pack requests, send them in batches, read acks and
dumps. Talks to the kernel directly over a NETLINK_ROUTE socket, in-process.

A socket is bound to the network namespace it was opened in, so the executor
opens one per lab namespace while inside it (see nslab.kernel.netns).
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address, ip_address

# message types
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
RTM_NEWADDR, RTM_GETADDR = 20, 22
RTM_NEWROUTE, RTM_GETROUTE = 24, 26
# flags
F_REQUEST, F_ACK, F_EXCL, F_CREATE, F_DUMP = 0x1, 0x4, 0x200, 0x400, 0x300
# link attributes
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_MASTER = 1, 3, 4, 5, 10
IFLA_OPERSTATE, IFLA_LINKINFO, IFLA_IFALIAS, IFLA_NET_NS_FD = 16, 18, 20, 28
IFLA_LINK_NETNSID = 37
IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER = 1, 2, 1
IFF_UP = 0x1
# address attributes
IFA_ADDRESS, IFA_LOCAL, IFA_FLAGS = 1, 2, 8
IFA_F_NODAD = 0x02
# route attributes
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_MULTIPATH, RTA_TABLE = 1, 4, 5, 6, 9, 15
RT_TABLE_MAIN, RTPROT_BOOT, RTN_UNICAST = 254, 3, 1
RT_SCOPE_UNIVERSE, RT_SCOPE_LINK = 0, 253

_HDR = struct.Struct("=LHHLL")
_IFINFO = struct.Struct("=BxHiII")
_IFADDR = struct.Struct("=BBBBI")
_RTMSG = struct.Struct("=BBBBBBBBI")
_RTNH = struct.Struct("=HBBi")
OPERSTATES = ("unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up")


def rta(kind: int, payload: bytes) -> bytes:
    size = 4 + len(payload)
    return struct.pack("=HH", size, kind) + payload + b"\0" * (-size % 4)


def _cstr(text: str) -> bytes:
    return text.encode() + b"\0"


def _u32(v: int) -> bytes:
    return struct.pack("=I", v)


def ifinfo(index: int = 0, flags: int = 0, change: int = 0, family: int = 0) -> bytes:
    return _IFINFO.pack(family, 0, index, flags, change)


# ---------------------------------------------------------------- requests
@dataclass(frozen=True)
class Request:
    kind: int
    flags: int
    body: bytes


def new_veth(name: str, index: int, peer: str, peer_index: int, peer_ns_fd: int) -> Request:
    peer_body = ifinfo(peer_index) + rta(IFLA_IFNAME, _cstr(peer)) + rta(
        IFLA_NET_NS_FD, _u32(peer_ns_fd))
    info = rta(IFLA_INFO_KIND, b"veth\0") + rta(IFLA_INFO_DATA, rta(VETH_INFO_PEER, peer_body))
    body = ifinfo(index) + rta(IFLA_IFNAME, _cstr(name)) + rta(IFLA_LINKINFO, info)
    return Request(RTM_NEWLINK, F_CREATE | F_EXCL, body)


def new_bridge(name: str, index: int) -> Request:
    info = rta(IFLA_INFO_KIND, b"bridge\0")
    body = ifinfo(index) + rta(IFLA_IFNAME, _cstr(name)) + rta(IFLA_LINKINFO, info)
    return Request(RTM_NEWLINK, F_CREATE | F_EXCL, body)


def new_link(kind: str, name: str, data: bytes = b"", parent: int | None = None) -> Request:
    """Any link kind, with its IFLA_INFO_DATA attributes already packed."""
    info = rta(IFLA_INFO_KIND, _cstr(kind)) + (rta(IFLA_INFO_DATA, data) if data else b"")
    body = ifinfo() + rta(IFLA_IFNAME, _cstr(name)) + rta(IFLA_LINKINFO, info)
    if parent is not None:
        body += rta(IFLA_LINK, _u32(parent))
    return Request(RTM_NEWLINK, F_CREATE | F_EXCL, body)


def set_alias(name: str, alias: str) -> Request:
    """Set the alias of the link called `name` (found by name, no index needed)."""
    return Request(RTM_NEWLINK, 0, ifinfo() + rta(IFLA_IFNAME, _cstr(name))
                   + rta(IFLA_IFALIAS, _cstr(alias)))


def del_link(index: int) -> Request:
    return Request(RTM_DELLINK, 0, ifinfo(index))


def set_link(index: int, up: bool = False, master: int | None = None,
             alias: str | None = None) -> Request:
    body = ifinfo(index, IFF_UP if up else 0, IFF_UP if up else 0)
    if master is not None:
        body += rta(IFLA_MASTER, _u32(master))
    if alias is not None:
        body += rta(IFLA_IFALIAS, _cstr(alias))
    return Request(RTM_NEWLINK, 0, body)


def new_address(index: int, address: str, prefixlen: int) -> Request:
    ip = ip_address(address)
    fam = socket.AF_INET if ip.version == 4 else socket.AF_INET6
    flags = IFA_F_NODAD if ip.version == 6 else 0
    raw = ip.packed
    body = _IFADDR.pack(fam, prefixlen, flags, 0, index) + rta(IFA_LOCAL, raw) + rta(
        IFA_ADDRESS, raw)
    return Request(RTM_NEWADDR, F_CREATE | F_EXCL, body)


def new_route(dst: str, prefixlen: int, hops: list[tuple[str | None, int | None]]) -> Request:
    """`hops` is [(gateway or None, oif index or None)]; more than one: multipath."""
    net = ip_address(dst)
    fam = socket.AF_INET if net.version == 4 else socket.AF_INET6
    scope = RT_SCOPE_LINK if len(hops) == 1 and hops[0][0] is None else RT_SCOPE_UNIVERSE
    body = _RTMSG.pack(fam, prefixlen, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, scope, RTN_UNICAST, 0)
    if prefixlen:
        body += rta(RTA_DST, net.packed)
    if len(hops) == 1:
        via, oif = hops[0]
        if via is not None:
            body += rta(RTA_GATEWAY, ip_address(via).packed)
        if oif is not None:
            body += rta(RTA_OIF, _u32(oif))
    else:
        parts = b""
        for via, oif in hops:
            attrs = rta(RTA_GATEWAY, ip_address(via).packed) if via else b""
            parts += _RTNH.pack(_RTNH.size + len(attrs), 0, 0, oif or 0) + attrs
        body += rta(RTA_MULTIPATH, parts)
    return Request(RTM_NEWROUTE, F_CREATE | F_EXCL, body)


# ---------------------------------------------------------------- socket
class NetlinkError(OSError):
    def __init__(self, errno_: int, tag: object) -> None:
        super().__init__(errno_, os.strerror(errno_))
        self.tag = tag


class Socket:
    """A netlink socket (NETLINK_ROUTE unless told) in the namespace that was
    current when it opened."""

    def __init__(self, protocol: int = socket.NETLINK_ROUTE) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, protocol)
        try:  # SO_SNDBUFFORCE / SO_RCVBUFFORCE: root may go past the sysctl caps
            self.sock.setsockopt(socket.SOL_SOCKET, 32, 1 << 20)
            self.sock.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)
        except OSError:
            pass
        self.sock.bind((0, 0))
        self.seq = 0

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Socket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pack(self, req: Request, extra_flags: int) -> tuple[int, bytes]:
        self.seq += 1
        flags = F_REQUEST | req.flags | extra_flags
        return self.seq, _HDR.pack(_HDR.size + len(req.body), req.kind, flags, self.seq, 0) \
            + req.body

    def transact(self, requests: list[tuple[Request, object]], chunk: int = 128) -> \
            list[NetlinkError]:
        """Send every request, wait for every ack; return the errors (each with
        the tag given with its request). Requests after a failed one still run:
        the caller rolls back as a whole."""
        errors: list[NetlinkError] = []
        for k in range(0, len(requests), chunk):
            part = requests[k:k + chunk]
            pending: dict[int, object] = {}
            out = []
            for req, tag in part:
                seq, data = self._pack(req, F_ACK)
                pending[seq] = tag
                out.append(data)
            self.sock.sendall(b"".join(out))
            while pending:
                data = self.sock.recv(1 << 20)
                for mtype, seq, payload in _messages(data):
                    if mtype == NLMSG_ERROR:
                        (err,) = struct.unpack_from("=i", payload)
                        tag = pending.pop(seq, None)
                        if err:
                            errors.append(NetlinkError(-err, tag))
        return errors

    def request(self, req: Request) -> None:
        errors = self.transact([(req, None)])
        if errors:
            raise errors[0]

    def query(self, kind: int, body: bytes) -> bytes:
        """One request, one answer: the payload of the reply message."""
        seq, data = self._pack(Request(kind, 0, body), 0)
        self.sock.sendall(data)
        while True:
            for mtype, mseq, payload in _messages(self.sock.recv(1 << 16)):
                if mseq != seq:
                    continue
                if mtype == NLMSG_ERROR:
                    (err,) = struct.unpack_from("=i", payload)
                    raise NetlinkError(-err, None)
                return payload

    def dump(self, kind: int, body: bytes) -> Iterator[tuple[int, bytes]]:
        seq, data = self._pack(Request(kind, F_DUMP, body), 0)
        self.sock.sendall(data)
        while True:
            data = self.sock.recv(1 << 20)
            for mtype, mseq, payload in _messages(data):
                if mseq != seq:
                    continue
                if mtype == NLMSG_DONE:
                    return
                if mtype == NLMSG_ERROR:
                    (err,) = struct.unpack_from("=i", payload)
                    raise NetlinkError(-err, None)
                yield mtype, payload


def _messages(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    off = 0
    while off + _HDR.size <= len(data):
        size, mtype, _flags, seq, _pid = _HDR.unpack_from(data, off)
        yield mtype, seq, data[off + _HDR.size:off + size]
        off += (size + 3) & ~3


def attrs(data: bytes, off: int = 0) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    while off + 4 <= len(data):
        size, kind = struct.unpack_from("=HH", data, off)
        if size < 4:
            break
        out[kind & 0x3FFF] = data[off + 4:off + size]
        off += (size + 3) & ~3
    return out


# ---------------------------------------------------------------- reading back
@dataclass(frozen=True)
class LinkInfo:
    index: int
    name: str
    kind: str
    up: bool
    operstate: str
    mac: str
    mtu: int
    master: int | None
    peer_index: int | None
    peer_netnsid: int | None
    alias: str | None


@dataclass(frozen=True)
class AddrInfo:
    index: int
    address: str
    prefixlen: int
    family: int


@dataclass(frozen=True)
class RouteInfo:
    dst: str
    prefixlen: int
    family: int
    table: int
    protocol: int
    hops: tuple[tuple[str | None, int | None], ...] = field(default=())


def _str(b: bytes) -> str:
    return b.split(b"\0", 1)[0].decode(errors="replace")


def _u32v(b: bytes | None) -> int | None:
    return struct.unpack("=I", b[:4])[0] if b else None


def links(sock: Socket) -> list[LinkInfo]:
    out = []
    for _t, p in sock.dump(RTM_GETLINK, ifinfo()):
        _fam, _type, index, flags, _ch = _IFINFO.unpack_from(p)
        a = attrs(p, _IFINFO.size)
        info = attrs(a.get(IFLA_LINKINFO, b""))
        kind = _str(info[IFLA_INFO_KIND]) if IFLA_INFO_KIND in info else (
            "loopback" if index == 1 else "")
        oper = a.get(IFLA_OPERSTATE, b"\0")[0]
        peer = _u32v(a.get(IFLA_LINK))
        out.append(LinkInfo(
            index=index, name=_str(a.get(IFLA_IFNAME, b"")), kind=kind,
            up=bool(flags & IFF_UP),
            operstate=OPERSTATES[oper] if oper < len(OPERSTATES) else str(oper),
            mac=":".join(f"{x:02x}" for x in a.get(IFLA_ADDRESS, b"")),
            mtu=_u32v(a.get(IFLA_MTU)) or 0, master=_u32v(a.get(IFLA_MASTER)),
            peer_index=peer if peer != index else None,
            peer_netnsid=struct.unpack("=i", a[IFLA_LINK_NETNSID][:4])[0]
            if IFLA_LINK_NETNSID in a else None,
            alias=_str(a[IFLA_IFALIAS]) if IFLA_IFALIAS in a else None))
    return out


def _ip(raw: bytes) -> str:
    return str(IPv4Address(raw) if len(raw) == 4 else IPv6Address(raw))


def addresses(sock: Socket) -> list[AddrInfo]:
    out = []
    for _t, p in sock.dump(RTM_GETADDR, _IFADDR.pack(0, 0, 0, 0, 0)):
        fam, plen, _fl, _scope, index = _IFADDR.unpack_from(p)
        a = attrs(p, _IFADDR.size)
        raw = a.get(IFA_LOCAL) or a.get(IFA_ADDRESS)
        if raw:
            out.append(AddrInfo(index, _ip(raw), plen, 4 if fam == socket.AF_INET else 6))
    return out


def routes(sock: Socket) -> list[RouteInfo]:
    out = []
    for _t, p in sock.dump(RTM_GETROUTE, _RTMSG.pack(0, 0, 0, 0, 0, 0, 0, 0, 0)):
        fam, dlen, _s, _tos, table, proto, _scope, rtype, _fl = _RTMSG.unpack_from(p)
        if rtype != RTN_UNICAST:
            continue
        a = attrs(p, _RTMSG.size)
        if RTA_TABLE in a:
            table = _u32v(a[RTA_TABLE]) or table
        dst = _ip(a[RTA_DST]) if RTA_DST in a else ("0.0.0.0" if fam == socket.AF_INET else "::")
        hops: list[tuple[str | None, int | None]] = []
        if RTA_MULTIPATH in a:
            mp, off = a[RTA_MULTIPATH], 0
            while off + _RTNH.size <= len(mp):
                size, _f, _h, oif = _RTNH.unpack_from(mp, off)
                sub = attrs(mp[off + _RTNH.size:off + size])
                hops.append((_ip(sub[RTA_GATEWAY]) if RTA_GATEWAY in sub else None, oif))
                off += (size + 3) & ~3
        else:
            hops.append((_ip(a[RTA_GATEWAY]) if RTA_GATEWAY in a else None,
                         _u32v(a.get(RTA_OIF))))
        out.append(RouteInfo(dst, dlen, 4 if fam == socket.AF_INET else 6, table, proto,
                             tuple(hops)))
    return out
