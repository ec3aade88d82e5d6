"""A small rtnetlink client: pack requests, send them in batches, read acks and
dumps. Talks to the kernel directly over a NETLINK_ROUTE socket, in-process.

A socket is bound to the network namespace it was opened in, so the executor
opens one per lab namespace while inside it (see nslab.kernel.netns).
"""

from __future__ import annotations

import errno
import functools
import os
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address

# message types
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE = 24, 25, 26
# flags
F_REQUEST, F_ACK, F_EXCL, F_CREATE, F_DUMP = 0x1, 0x4, 0x200, 0x400, 0x300
F_REPLACE = 0x100
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
RTA_VIA = 18  # a gateway of another family (struct rtvia: its family, then its address)
RT_TABLE_MAIN, RTPROT_BOOT, RTN_UNICAST = 254, 3, 1
RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RT_SCOPE_NOWHERE = 0, 253, 255

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


IFLA_VXLAN_ID, IFLA_VXLAN_GROUP, IFLA_VXLAN_LOCAL, IFLA_VXLAN_PORT = 1, 2, 4, 15
IFLA_VXLAN_GROUP6, IFLA_VXLAN_LOCAL6 = 16, 17


def new_vxlan(name: str, index: int, vni: int, local: str, remote: str, port: int, mtu: int,
              ns_fd: int) -> Request:
    """A VXLAN to `remote`, made where the request is sent (its UDP socket
    there) and put into the namespace of `ns_fd` as `name`."""
    six = ":" in remote
    group, here = (IFLA_VXLAN_GROUP6, IFLA_VXLAN_LOCAL6) if six else (
        IFLA_VXLAN_GROUP, IFLA_VXLAN_LOCAL)
    data = (rta(IFLA_VXLAN_ID, _u32(vni)) + rta(group, ip_address(remote).packed)
            + rta(here, ip_address(local).packed) + rta(IFLA_VXLAN_PORT, struct.pack("!H", port)))
    info = rta(IFLA_INFO_KIND, b"vxlan\0") + rta(IFLA_INFO_DATA, data)
    body = (ifinfo(index) + rta(IFLA_IFNAME, _cstr(name)) + rta(IFLA_MTU, _u32(mtu))
            + rta(IFLA_LINKINFO, info) + rta(IFLA_NET_NS_FD, _u32(ns_fd)))
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
             alias: str | None = None, mtu: int | None = None, down: bool = False) -> Request:
    body = ifinfo(index, IFF_UP if up else 0, IFF_UP if up or down else 0)
    if master is not None:
        body += rta(IFLA_MASTER, _u32(master))
    if mtu is not None:
        body += rta(IFLA_MTU, _u32(mtu))
    if alias is not None:
        body += rta(IFLA_IFALIAS, _cstr(alias))
    return Request(RTM_NEWLINK, 0, body)


RTM_NEWQDISC = 36
_TCMSG = struct.Struct("=BxxxiIII")  # family, ifindex, handle, parent, info
TCA_KIND, TCA_OPTIONS = 1, 2
TCA_TBF_PARMS, TCA_TBF_RATE64, TCA_TBF_BURST = 1, 4, 6
TC_H_ROOT = 0xFFFFFFFF
TC_LINKLAYER_ETHERNET = 1
_RATESPEC = struct.Struct("=BBHhHI")  # cell_log, linklayer, overhead, cell_align, mpu, rate
PSCHED_TICK_NS = 64  # the kernel's packet-scheduler tick (/proc/net/psched: 1000/64 per us)


RTM_DELQDISC = 37


def del_root_qdisc(index: int) -> Request:
    """`tc qdisc del dev D root`: back to the device's default queue."""
    return Request(RTM_DELQDISC, 0, _TCMSG.pack(0, index, 0, TC_H_ROOT, 0))


def tbf_qdisc(index: int, rate_bps: float, burst: int, limit: int,
              replace: bool = False) -> Request:
    """A tbf qdisc at the root of interface `index`: `rate_bps` bits per second,
    a bucket of `burst` bytes, `limit` bytes of queue (what `tc qdisc add dev
    D root tbf rate R burst B limit L` sends; no rate table: the kernel computes
    with the link layer it is told)."""
    rate = int(rate_bps // 8)  # bytes per second
    rate32 = min(rate, 0xFFFFFFFF)
    spec = _RATESPEC.pack(0, TC_LINKLAYER_ETHERNET, 0, -1, 0, rate32)
    buffer_ticks = min(int(burst * 1e9 / rate / PSCHED_TICK_NS), 0xFFFFFFFF)
    parms = spec + bytes(_RATESPEC.size) + struct.pack("=III", limit, buffer_ticks, 0)
    opts = rta(TCA_TBF_PARMS, parms) + rta(TCA_TBF_BURST, _u32(burst))
    if rate > 0xFFFFFFFF:
        opts += rta(TCA_TBF_RATE64, struct.pack("=Q", rate))
    body = _TCMSG.pack(0, index, 0x10000, TC_H_ROOT, 0) + rta(TCA_KIND, _cstr("tbf")) + rta(
        TCA_OPTIONS, opts)
    return Request(RTM_NEWQDISC, F_CREATE | (F_REPLACE if replace else F_EXCL), body)


TCA_NETEM_DELAY_DIST = 2
TCA_NETEM_REORDER, TCA_NETEM_CORRUPT, TCA_NETEM_RATE, TCA_NETEM_RATE64 = 3, 4, 6, 8
NETEM_DIST_SCALE, NETEM_DIST_SIZE = 8192, 4096  # as tc's own normal.dist


@functools.cache
def normal_table() -> bytes:
    """netem's table of the normal distribution (what tc loads from its
    normal.dist): the quantiles of N(0, 1) at k/4,096, times 8,192, as signed
    16 bits (the first, minus infinity, at the least)."""
    import statistics  # (only for a delay with a distribution: not at every start)

    nd = statistics.NormalDist()
    values = [-32768] + [round(nd.inv_cdf(k / NETEM_DIST_SIZE) * NETEM_DIST_SCALE)
                         for k in range(1, NETEM_DIST_SIZE)]
    return struct.pack(f"={NETEM_DIST_SIZE}h", *(max(-32768, min(32767, v)) for v in values))
_NETEM_QOPT = struct.Struct("=IIIIII")  # latency, limit, loss, gap, duplicate, jitter
NETEM_LIMIT = 1000  # packets held at most (tc's default)


def share_u32(share: float) -> int:
    """A share (0 to 1) as netem's probabilities are given: of 2^32 - 1."""
    return int(0xFFFFFFFF * share)


def ticks(ms: float) -> int:
    """Milliseconds in the packet scheduler's ticks (whole microseconds first)."""
    return round(ms * 1000) * 1000 // PSCHED_TICK_NS


def netem_qdisc(index: int, delay_ms: float, jitter_ms: float, duplicate: float,
                reorder: float, corrupt: float, rate_bps: float | None = None,
                replace: bool = False, normal: bool = False) -> Request:
    """netem at the root of interface `index` (what `tc qdisc add dev D root
    netem delay D J duplicate P reorder P corrupt P rate R` sends): the
    options struct, then reordering, corruption and rate as attributes after
    it (netem's options are not nested). Reordering needs a gap of at least
    one packet, as tc sets it. `normal`: the jitter spreads as a normal
    distribution (its table sent along), else uniformly."""
    opts = _NETEM_QOPT.pack(ticks(delay_ms), NETEM_LIMIT, 0, 1 if reorder else 0,
                            share_u32(duplicate), ticks(jitter_ms))
    if normal and jitter_ms:
        opts += rta(TCA_NETEM_DELAY_DIST, normal_table())
    if reorder:
        opts += rta(TCA_NETEM_REORDER, struct.pack("=II", share_u32(reorder), 0))
    if corrupt:
        opts += rta(TCA_NETEM_CORRUPT, struct.pack("=II", share_u32(corrupt), 0))
    if rate_bps:
        rate = int(rate_bps // 8)  # bytes per second
        opts += rta(TCA_NETEM_RATE, struct.pack("=IiIi", min(rate, 0xFFFFFFFF), 0, 0, 0))
        if rate > 0xFFFFFFFF:
            opts += rta(TCA_NETEM_RATE64, struct.pack("=Q", rate))
    body = _TCMSG.pack(0, index, 0x10000, TC_H_ROOT, 0) + rta(TCA_KIND, _cstr("netem")) + rta(
        TCA_OPTIONS, opts)
    return Request(RTM_NEWQDISC, F_CREATE | (F_REPLACE if replace else F_EXCL), body)


def new_address(index: int, address: str, prefixlen: int) -> Request:
    ip = ip_address(address)
    fam = socket.AF_INET if ip.version == 4 else socket.AF_INET6
    flags = IFA_F_NODAD if ip.version == 6 else 0
    raw = ip.packed
    body = _IFADDR.pack(fam, prefixlen, flags, 0, index) + rta(IFA_LOCAL, raw) + rta(
        IFA_ADDRESS, raw)
    return Request(RTM_NEWADDR, F_CREATE | F_EXCL, body)


def del_address(index: int, address: str, prefixlen: int) -> Request:
    ip = ip_address(address)
    fam = socket.AF_INET if ip.version == 4 else socket.AF_INET6
    return Request(RTM_DELADDR, 0, _IFADDR.pack(fam, prefixlen, 0, 0, index)
                   + rta(IFA_LOCAL, ip.packed) + rta(IFA_ADDRESS, ip.packed))


def del_route(dst: str, prefixlen: int) -> Request:
    """`ip route del DST` in the main table, whatever its next hops."""
    net = ip_address(dst)
    fam = socket.AF_INET if net.version == 4 else socket.AF_INET6
    body = _RTMSG.pack(fam, prefixlen, 0, 0, RT_TABLE_MAIN, 0, RT_SCOPE_NOWHERE, 0, 0)
    if prefixlen:
        body += rta(RTA_DST, net.packed)
    return Request(RTM_DELROUTE, 0, body)


def _gateway(via: str, version: int) -> bytes:
    """A next hop: RTA_GATEWAY, or RTA_VIA (its family, then its address) for one
    of the other family (an IPv4 route through an IPv6 next hop, Linux 5.2)."""
    gw = ip_address(via)
    if gw.version == version:
        return rta(RTA_GATEWAY, gw.packed)
    fam = socket.AF_INET if gw.version == 4 else socket.AF_INET6
    return rta(RTA_VIA, struct.pack("=H", fam) + gw.packed)


def new_route(dst: str, prefixlen: int, hops: list[tuple[str | None, int | None]],
              replace: bool = False) -> Request:
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
            body += _gateway(via, net.version)
        if oif is not None:
            body += rta(RTA_OIF, _u32(oif))
    else:
        parts = b""
        for via, oif in hops:
            attrs = _gateway(via, net.version) if via else b""
            parts += _RTNH.pack(_RTNH.size + len(attrs), 0, 0, oif or 0) + attrs
        body += rta(RTA_MULTIPATH, parts)
    return Request(RTM_NEWROUTE, F_CREATE | (F_REPLACE if replace else F_EXCL), body)


# ---------------------------------------------------------------- socket
class NetlinkError(OSError):
    """The kernel refused a request: errno, the request's tag, and the
    kernel's own sentence when it gave one (extended ack)."""

    def __init__(self, errno_: int, tag: object, message: str | None = None) -> None:
        super().__init__(errno_, os.strerror(errno_))
        self.tag = tag
        self.message = message


class MalformedMessage(OSError):
    """A reply nslab cannot read: a header shorter than 16 bytes, or longer
    than what arrived."""

    def __init__(self, what: str) -> None:
        super().__init__(errno.EBADMSG, f"malformed netlink reply: {what}")


SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 10, 11
F_MULTI, F_DUMP_INTR, F_CAPPED, F_ACK_TLVS = 0x2, 0x10, 0x100, 0x200
NLMSGERR_ATTR_MSG = 1
DUMP_TRIES = 5  # a dump the kernel says changed under it is started again, this often


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
        try:  # errors say why in words, and do not echo the request back
            self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
            self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
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
        the caller rolls back as a whole. An ack for no request of this batch
        (a late answer to an earlier one) is dropped, never blamed here."""
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
                for msg in messages(self.sock.recv(1 << 20)):
                    if msg.kind != NLMSG_ERROR or msg.seq not in pending:
                        continue
                    tag = pending.pop(msg.seq)
                    err, text = error_of(msg)
                    if err:
                        errors.append(NetlinkError(err, tag, text))
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
            for msg in messages(self.sock.recv(1 << 16)):
                if msg.seq != seq:
                    continue
                if msg.kind == NLMSG_ERROR:
                    err, text = error_of(msg)
                    raise NetlinkError(err or errno.EPROTO, None, text)
                return msg.payload

    def dump(self, kind: int, body: bytes) -> Iterator[tuple[int, bytes]]:
        """Every message of a dump. One the kernel flags as interrupted (the
        table changed while it was read) is read again from the start, up to
        DUMP_TRIES times; an error, in NLMSG_ERROR or in NLMSG_DONE, raises."""
        for _ in range(DUMP_TRIES):
            got, interrupted = self._dump_once(kind, body)
            if not interrupted:
                yield from got
                return
        raise NetlinkError(errno.EINTR, None, f"the dump changed under it {DUMP_TRIES} times")

    def _dump_once(self, kind: int, body: bytes) -> tuple[list[tuple[int, bytes]], bool]:
        seq, data = self._pack(Request(kind, F_DUMP, body), 0)
        self.sock.sendall(data)
        got: list[tuple[int, bytes]] = []
        interrupted = False
        while True:
            for msg in messages(self.sock.recv(1 << 20)):
                if msg.seq != seq:
                    continue
                interrupted = interrupted or bool(msg.flags & F_DUMP_INTR)
                if msg.kind in (NLMSG_DONE, NLMSG_ERROR):
                    err, text = error_of(msg)
                    if err:
                        raise NetlinkError(err, None, text)
                    return got, interrupted
                got.append((msg.kind, msg.payload))


@dataclass(frozen=True)
class Message:
    kind: int
    flags: int
    seq: int
    payload: bytes


def messages(data: bytes) -> Iterator[Message]:
    """The messages of one read. A header shorter than 16 bytes, or a length
    past the end of what arrived, is MalformedMessage (never a loop)."""
    off = 0
    while off < len(data):
        if len(data) - off < _HDR.size:
            raise MalformedMessage(f"{len(data) - off} bytes left, too few for a header")
        size, kind, flags, seq, _pid = _HDR.unpack_from(data, off)
        if size < _HDR.size or off + size > len(data):
            raise MalformedMessage(f"message length {size} at offset {off} of {len(data)}")
        yield Message(kind, flags, seq, data[off + _HDR.size:off + size])
        off += (size + 3) & ~3


def error_of(msg: Message) -> tuple[int, str | None]:
    """(errno, the kernel's sentence) of an NLMSG_ERROR or NLMSG_DONE; errno 0
    is an ack or a clean end."""
    if len(msg.payload) < 4:
        if msg.kind == NLMSG_DONE:
            return 0, None
        raise MalformedMessage("an error message without its code")
    (err,) = struct.unpack_from("=i", msg.payload)
    text = None
    if msg.flags & F_ACK_TLVS:
        if msg.kind == NLMSG_DONE:
            off = 4
        elif msg.flags & F_CAPPED:
            off = 4 + _HDR.size
        else:
            off = 4 + (_HDR.unpack_from(msg.payload, 4)[0] if len(msg.payload) >= 20 else 16)
        raw = attrs(msg.payload, (off + 3) & ~3).get(NLMSGERR_ATTR_MSG)
        text = raw.split(b"\0", 1)[0].decode(errors="replace") if raw else None
    return -err, text


def link_indexes(sock: Socket) -> dict[str, int]:
    """name -> index of every link of the socket's namespace (what making links
    needs: no record of each, nslab.kernel.netstate reads those)."""
    out = {}
    for _t, p in sock.dump(RTM_GETLINK, ifinfo()):
        index = _IFINFO.unpack_from(p)[2]
        out[attrs(p, _IFINFO.size).get(IFLA_IFNAME, b"").split(b"\0", 1)[0].decode(
            errors="replace")] = index
    return out


def attrs(data: bytes, off: int = 0) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    while off + 4 <= len(data):
        size, kind = struct.unpack_from("=HH", data, off)
        if size < 4:
            break
        out[kind & 0x3FFF] = data[off + 4:off + size]
        off += (size + 3) & ~3
    return out


def _ip(raw: bytes) -> str:
    return str(IPv4Address(raw) if len(raw) == 4 else IPv6Address(raw))


def gateway(a: dict[int, bytes]) -> str | None:
    """A route's (or next hop's) gateway: RTA_GATEWAY, or RTA_VIA (its family,
    then the address: an IPv4 route through an IPv6 next hop, as BGP over an
    unnumbered or IPv6-only link installs, RFC 8950)."""
    if RTA_GATEWAY in a:
        return _ip(a[RTA_GATEWAY])
    via = a.get(RTA_VIA)
    return _ip(via[2:]) if via is not None and len(via) in (6, 18) else None
