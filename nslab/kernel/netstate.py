"""Read a namespace's interfaces, addresses, routes, rules, neighbours and
bridge forwarding database over rtnetlink, into nslab.observed records.

Every reader takes a netlink socket opened inside the namespace; nothing here
runs a subprocess.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from ipaddress import ip_address

from nslab.kernel import netlink as nl
from nslab.records import observed as ob

RTM_GETRULE, RTM_GETNEIGH, RTM_GETNSID, RTM_NEWNSID = 34, 30, 90, 88
IFLA_STATS64, IFLA_CARRIER = 23, 33
IFA_LABEL, IFA_FLAGS_ATTR = 3, 8
RTA_PREFSRC = 7
FRA_DST, FRA_SRC, FRA_IIFNAME, FRA_GOTO, FRA_PRIORITY, FRA_FWMARK, FRA_TABLE = (
    1, 2, 3, 4, 6, 10, 15)
FRA_OIFNAME = 17
NDA_DST, NDA_LLADDR, NDA_VLAN, NDA_MASTER = 1, 2, 5, 9
NETNSA_NSID, NETNSA_FD = 1, 3
ARPHRD_LOOPBACK = 772
AF_BRIDGE = 7
IFF_LOWER_UP = 0x10000

_STATS = struct.Struct("=8Q")
_RULE = struct.Struct("=BBBBBBBBI")
_NDMSG = struct.Struct("=BxxxiHBB")

SCOPES = {0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"}
PROTOCOLS = {0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 8: "gated",
             9: "ra", 10: "mrt", 11: "zebra", 12: "bird", 16: "dhcp", 42: "babel",
             186: "bgp", 187: "isis", 188: "ospf", 189: "rip", 192: "eigrp"}
ROUTE_TYPES = {0: "unspec", 1: "unicast", 2: "local", 3: "broadcast", 4: "anycast",
               5: "multicast", 6: "blackhole", 7: "unreachable", 8: "prohibit", 9: "throw",
               10: "nat", 11: "xresolve"}
TABLES = {253: "default", 254: "main", 255: "local"}
RULE_ACTIONS = {1: "lookup", 2: "goto", 3: "nop", 6: "blackhole", 7: "unreachable",
                8: "prohibit"}
ADDR_FLAGS = {0x01: "secondary", 0x02: "nodad", 0x04: "optimistic", 0x08: "dadfailed",
              0x10: "homeaddress", 0x20: "deprecated", 0x40: "tentative", 0x80: "permanent",
              0x100: "mngtmpaddr", 0x200: "noprefixroute", 0x400: "autojoin",
              0x800: "stable-privacy"}
NUD = {0x01: "INCOMPLETE", 0x02: "REACHABLE", 0x04: "STALE", 0x08: "DELAY", 0x10: "PROBE",
       0x20: "FAILED", 0x40: "NOARP", 0x80: "PERMANENT"}
NTF_ROUTER = 0x80


def _str(b: bytes) -> str:
    return b.split(b"\0", 1)[0].decode(errors="replace")


def _u32(b: bytes | None) -> int | None:
    return struct.unpack("=I", b[:4])[0] if b else None


def _mac(b: bytes | None) -> str | None:
    return ":".join(f"{x:02x}" for x in b) if b else None


def _ip(raw: bytes) -> str:
    return nl._ip(raw)


def _family(fam: int) -> int:
    return 4 if fam == socket.AF_INET else 6


def _table(t: int) -> str:
    return TABLES.get(t, str(t))


@dataclass(frozen=True)
class RawLink:
    """A link before its veth peer is named (that needs the other namespace)."""

    record: ob.Interface
    peer_index: int | None
    peer_netnsid: int | None


def links(sock: nl.Socket) -> list[RawLink]:
    out = []
    names: dict[int, str] = {}
    rows = []
    for _t, p in sock.dump(nl.RTM_GETLINK, nl.ifinfo()):
        _fam, hwtype, index, flags, _ch = nl._IFINFO.unpack_from(p)
        a = nl.attrs(p, nl._IFINFO.size)
        names[index] = _str(a.get(nl.IFLA_IFNAME, b""))
        rows.append((hwtype, index, flags, a))
    for hwtype, index, flags, a in rows:
        info = nl.attrs(a.get(nl.IFLA_LINKINFO, b""))
        kind = _str(info[nl.IFLA_INFO_KIND]) if nl.IFLA_INFO_KIND in info else (
            "loopback" if hwtype == ARPHRD_LOOPBACK else "device")
        oper = a.get(nl.IFLA_OPERSTATE, b"\0")[0]
        stats = _STATS.unpack_from(a[IFLA_STATS64]) if IFLA_STATS64 in a else None
        link = _u32(a.get(nl.IFLA_LINK))
        nsid = struct.unpack("=i", a[nl.IFLA_LINK_NETNSID][:4])[0] \
            if nl.IFLA_LINK_NETNSID in a else None
        master = _u32(a.get(nl.IFLA_MASTER))
        carrier = a.get(IFLA_CARRIER, b"\0")[0] == 1 if IFLA_CARRIER in a \
            else bool(flags & IFF_LOWER_UP)
        rec = ob.Interface(
            index=index, name=names[index], kind=kind,
            state=nl.OPERSTATES[oper] if oper < len(nl.OPERSTATES) else str(oper),
            up=bool(flags & nl.IFF_UP), carrier=carrier,
            mac=_mac(a.get(nl.IFLA_ADDRESS)) or "", mtu=_u32(a.get(nl.IFLA_MTU)) or 0,
            master=names.get(master) if master else None,
            alias=_str(a[nl.IFLA_IFALIAS]) if nl.IFLA_IFALIAS in a else None,
            peer=None,
            counters=ob.Counters(stats[0], stats[1], stats[2], stats[3], stats[4], stats[5],
                                 stats[6], stats[7]) if stats else None)
        peer = link if kind == "veth" and link else None
        out.append(RawLink(rec, peer, nsid if peer else None))
    return out


def interfaces(sock: nl.Socket) -> list[ob.Interface]:
    """Every link of the socket's namespace (veth peers not named)."""
    return [r.record for r in links(sock)]


def addresses(sock: nl.Socket, names: dict[int, str]) -> list[ob.Address]:
    out = []
    for _t, p in sock.dump(nl.RTM_GETADDR, nl._IFADDR.pack(0, 0, 0, 0, 0)):
        fam, plen, flags8, scope, index = nl._IFADDR.unpack_from(p)
        a = nl.attrs(p, nl._IFADDR.size)
        raw = a.get(nl.IFA_LOCAL) or a.get(nl.IFA_ADDRESS)
        if not raw:
            continue
        flags = _u32(a.get(IFA_FLAGS_ATTR)) or flags8
        out.append(ob.Address(
            interface=names.get(index, str(index)), family=_family(fam), address=_ip(raw),
            prefixlen=plen, scope=SCOPES.get(scope, str(scope)),
            flags=tuple(n for bit, n in ADDR_FLAGS.items() if flags & bit)))
    return out


def _prefix(a: dict[int, bytes], key: int, plen: int, fam: int) -> str | None:
    if key in a:
        return f"{_ip(a[key])}/{plen}"
    return None if not plen else f"{'0.0.0.0' if fam == socket.AF_INET else '::'}/{plen}"


def routes(sock: nl.Socket, names: dict[int, str]) -> list[ob.Route]:
    out = []
    for _t, p in sock.dump(nl.RTM_GETROUTE, nl._RTMSG.pack(0, 0, 0, 0, 0, 0, 0, 0, 0)):
        out += decode_route(p, names)
    return out


def decode_route(p: bytes, names: dict[int, str]) -> list[ob.Route]:
    """One RTM_NEWROUTE message (a list of one)."""
    fam, dlen, _s, _tos, table, proto, scope, rtype, _fl = nl._RTMSG.unpack_from(p)
    a = nl.attrs(p, nl._RTMSG.size)
    table = _u32(a.get(nl.RTA_TABLE)) or table
    hops: list[ob.Nexthop] = []
    if nl.RTA_MULTIPATH in a:
        mp, off = a[nl.RTA_MULTIPATH], 0
        while off + nl._RTNH.size <= len(mp):
            size, _f, weight, oif = nl._RTNH.unpack_from(mp, off)
            sub = nl.attrs(mp[off + nl._RTNH.size:off + size])
            hops.append(ob.Nexthop(nl.gateway(sub), names.get(oif), weight + 1))
            off += (size + 3) & ~3
    else:
        oif = _u32(a.get(nl.RTA_OIF))
        hops.append(ob.Nexthop(nl.gateway(a), names.get(oif) if oif else None, 1))
    dst = _prefix(a, nl.RTA_DST, dlen, fam)
    return [ob.Route(
        family=_family(fam), table=_table(table), type=ROUTE_TYPES.get(rtype, str(rtype)),
        dst=dst if dst else "default", protocol=PROTOCOLS.get(proto, str(proto)),
        scope=SCOPES.get(scope, str(scope)), metric=_u32(a.get(nl.RTA_PRIORITY)),
        prefsrc=_ip(a[RTA_PREFSRC]) if RTA_PREFSRC in a else None, nexthops=tuple(hops))]


def count_routes(sock: nl.Socket) -> int:
    """Unicast routes of the main table that the kernel did not add itself (a
    number for overviews: no record per route)."""
    n = 0
    for _t, p in sock.dump(nl.RTM_GETROUTE, nl._RTMSG.pack(0, 0, 0, 0, 0, 0, 0, 0, 0)):
        _f, _d, _s, _tos, table, proto, _sc, rtype, _fl = nl._RTMSG.unpack_from(p)
        n += table == 254 and proto != 2 and rtype == 1
    return n


def rules(sock: nl.Socket) -> list[ob.Rule]:
    out = []
    for _t, p in sock.dump(RTM_GETRULE, _RULE.pack(0, 0, 0, 0, 0, 0, 0, 0, 0)):
        fam, dlen, slen, _tos, table, _r1, _r2, action, _fl = _RULE.unpack_from(p)
        if fam not in (socket.AF_INET, socket.AF_INET6):
            continue  # multicast routing's own rules (RTNL_FAMILY_IPMR...)
        a = nl.attrs(p, _RULE.size)
        table = _u32(a.get(FRA_TABLE)) or table
        act = RULE_ACTIONS.get(action, str(action))
        out.append(ob.Rule(
            family=_family(fam), priority=_u32(a.get(FRA_PRIORITY)) or 0,
            src=_prefix(a, FRA_SRC, slen, fam), dst=_prefix(a, FRA_DST, dlen, fam),
            iif=_str(a[FRA_IIFNAME]) if FRA_IIFNAME in a else None,
            oif=_str(a[FRA_OIFNAME]) if FRA_OIFNAME in a else None,
            fwmark=_u32(a.get(FRA_FWMARK)), action=act,
            table=_table(table) if act == "lookup" else None))
    return sorted(out, key=lambda r: (r.family, r.priority))


def _ndmsg_dump(sock: nl.Socket, family: int) -> list[tuple[int, int, int, dict[int, bytes]]]:
    rows = []
    for _t, p in sock.dump(RTM_GETNEIGH, _NDMSG.pack(family, 0, 0, 0, 0)):
        _fam, index, state, flags, _type = _NDMSG.unpack_from(p)
        rows.append((index, state, flags, nl.attrs(p, _NDMSG.size)))
    return rows


def neighbours(sock: nl.Socket, names: dict[int, str]) -> list[ob.Neighbour]:
    out = []
    for fam in (socket.AF_INET, socket.AF_INET6):
        for index, state, flags, a in _ndmsg_dump(sock, fam):
            if NDA_DST not in a:
                continue
            out.append(ob.Neighbour(
                interface=names.get(index, str(index)), family=_family(fam),
                address=_ip(a[NDA_DST]), mac=_mac(a.get(NDA_LLADDR)),
                state=tuple(n for bit, n in NUD.items() if state & bit),
                router=bool(flags & NTF_ROUTER)))
    return out


def fdb(sock: nl.Socket, names: dict[int, str], bridges: set[str]) -> list[ob.FdbEntry]:
    """The forwarding database of every bridge: which MAC is behind which port."""
    if not bridges:
        return []
    out = []
    for index, state, _flags, a in _ndmsg_dump(sock, AF_BRIDGE):
        master = _u32(a.get(NDA_MASTER))
        bridge = names.get(master) if master else None
        if bridge is None and names.get(index) in bridges:
            bridge = names[index]  # the bridge's own entries
        if bridge not in bridges or NDA_LLADDR not in a:
            continue
        vlan = struct.unpack("=H", a[NDA_VLAN][:2])[0] if NDA_VLAN in a else None
        kind = "permanent" if state & 0x80 else ("static" if state & 0x40 else "dynamic")
        out.append(ob.FdbEntry(bridge=bridge, port=names.get(index, str(index)),
                               mac=_mac(a[NDA_LLADDR]) or "", vlan=vlan, state=kind))
    return out


def netnsid(sock: nl.Socket, fd: int) -> int | None:
    """The id the socket's namespace gives to the namespace `fd` (None: none yet)."""
    try:
        p = sock.query(RTM_GETNSID, b"\0\0\0\0" + nl.rta(NETNSA_FD, struct.pack("=I", fd)))
    except OSError:
        return None
    a = nl.attrs(p, 4)
    value = struct.unpack("=i", a[NETNSA_NSID][:4])[0] if NETNSA_NSID in a else -1
    return value if value >= 0 else None


@dataclass(frozen=True)
class Lookup:
    """The kernel's answer to `ip route get DST [from SRC iif DEV]`."""

    type: str  # unicast, local, unreachable, blackhole, prohibit...
    oif: int | None
    gateway: str | None
    prefsrc: str | None
    table: str


RTA_SRC, RTA_IIF = 2, 3


def route_get(sock: nl.Socket, dst: str, src: str | None = None,
              iif: int | None = None) -> Lookup:
    """Ask the kernel which route a packet to `dst` takes: sent from here
    (iif None), or arriving on interface `iif` from `src` (forwarded: the
    kernel then also applies forwarding and reverse-path checks). Raises
    OSError with the kernel's errno (ENETUNREACH: no route; EXDEV: the
    reverse-path filter drops it)."""
    d = ip_address(dst)
    fam = socket.AF_INET if d.version == 4 else socket.AF_INET6
    full = 32 if d.version == 4 else 128
    body = nl._RTMSG.pack(fam, full, full if src else 0, 0, 0, 0, 0, 0, 0)
    body += nl.rta(nl.RTA_DST, d.packed)
    if src:
        body += nl.rta(RTA_SRC, ip_address(src).packed)
    if iif is not None:
        body += nl.rta(RTA_IIF, struct.pack("=I", iif))
    p = sock.query(nl.RTM_GETROUTE, body)
    _f, _d, _s, _t, table, _p, _sc, rtype, _fl = nl._RTMSG.unpack_from(p)
    a = nl.attrs(p, nl._RTMSG.size)
    return Lookup(ROUTE_TYPES.get(rtype, str(rtype)), _u32(a.get(nl.RTA_OIF)), nl.gateway(a),
                  _ip(a[RTA_PREFSRC]) if RTA_PREFSRC in a else None,
                  _table(_u32(a.get(nl.RTA_TABLE)) or table))


RTM_GETQDISC, TCA_STATS = 38, 3
_TC_PARENTS = {0xFFFFFFFF: "root", 0xFFFFFFF1: "ingress"}  # clsact and ingress share it


def _handle(h: int) -> str:
    return f"{h >> 16:x}:" if h & 0xFFFF == 0 else f"{h >> 16:x}:{h & 0xFFFF:x}"


def tbf_shape(options: bytes) -> tuple[float, int, int] | None:
    """A tbf qdisc's TCA_OPTIONS as (rate in bits/s, burst bytes, limit bytes)."""
    o = nl.attrs(options)
    if nl.TCA_TBF_PARMS not in o:
        return None
    raw = o[nl.TCA_TBF_PARMS]
    rate_bytes = nl._RATESPEC.unpack_from(raw)[5]
    if nl.TCA_TBF_RATE64 in o:
        rate_bytes = struct.unpack("=Q", o[nl.TCA_TBF_RATE64][:8])[0]
    limit, buffer_ticks, _mtu = struct.unpack_from("=III", raw, 2 * nl._RATESPEC.size)
    return (rate_bytes * 8.0, round(buffer_ticks * nl.PSCHED_TICK_NS / 1e9 * rate_bytes),
            limit)


def qdiscs(sock: nl.Socket, names: dict[int, str]) -> list[ob.Qdisc]:
    """Every qdisc of the namespace, with its counters and, for tbf, its shape."""
    out = []
    for _t, p in sock.dump(RTM_GETQDISC, nl._TCMSG.pack(0, 0, 0, 0, 0)):
        _fam, index, handle, parent, _info = nl._TCMSG.unpack_from(p)
        a = nl.attrs(p, nl._TCMSG.size)
        kind = _str(a.get(nl.TCA_KIND, b""))
        rate = burst = limit = None
        if kind == "tbf" and nl.TCA_OPTIONS in a:
            rate, burst, limit = tbf_shape(a[nl.TCA_OPTIONS]) or (None, None, None)
        sent = packets = drops = over = 0
        if TCA_STATS in a and len(a[TCA_STATS]) >= 20:
            sent, packets, drops, over = struct.unpack_from("=QIII", a[TCA_STATS])
        out.append(ob.Qdisc(names.get(index, str(index)), kind, _handle(handle),
                            _TC_PARENTS.get(parent, _handle(parent)), rate, burst, limit,
                            sent, packets, drops, over))
    return out
