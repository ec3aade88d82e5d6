"""TCP and UDP sockets of a namespace through sock_diag (what `ss` uses), and
the processes that hold them (through /proc/PID/fd, as `ss -p` does)."""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterable, Iterator

from nslab.kernel import netlink as nl
from nslab.kernel import procs
from nslab.records import observed as ob

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
_REQ = struct.Struct("=BBBBI")  # family, protocol, ext, pad, states
_SOCKID = struct.Struct("!HH16s16sI8s")  # sport, dport, src, dst, if, cookie
_MSG = struct.Struct("=BBBB")  # family, state, timer, retrans
_TAIL = struct.Struct("=IIIII")  # expires, rqueue, wqueue, uid, inode
TCP_STATES = {1: "ESTAB", 2: "SYN-SENT", 3: "SYN-RECV", 4: "FIN-WAIT-1", 5: "FIN-WAIT-2",
              6: "TIME-WAIT", 7: "UNCONN", 8: "CLOSE-WAIT", 9: "LAST-ACK", 10: "LISTEN",
              11: "CLOSING"}


def _addr(family: int, raw: bytes) -> str:
    return socket.inet_ntop(family, raw[:4] if family == socket.AF_INET else raw)


def _dump(sock: nl.Socket, family: int, proto: int) -> Iterator[bytes]:
    body = _REQ.pack(family, proto, 0, 0, 0xFFFFFFFF) + b"\0" * _SOCKID.size
    for _t, p in sock.dump(SOCK_DIAG_BY_FAMILY, body):
        yield p


def read(sock: nl.Socket, owners: dict[int, list[ob.Owner]]) -> list[ob.Socket]:
    """Every TCP and UDP socket, v4 and v6, with its owners (`owners`: socket
    inode -> holders, from `holders()`)."""
    out = []
    for proto, pname in ((socket.IPPROTO_TCP, "tcp"), (socket.IPPROTO_UDP, "udp")):
        for family in (socket.AF_INET, socket.AF_INET6):
            for p in _dump(sock, family, proto):
                fam, state, _timer, _retrans = _MSG.unpack_from(p)
                sport, dport, src, dst, _if, _cookie = _SOCKID.unpack_from(p, _MSG.size)
                _exp, _rq, _wq, _uid, inode = _TAIL.unpack_from(p, _MSG.size + _SOCKID.size)
                st = TCP_STATES.get(state, str(state))
                if pname == "udp" and state == 1:
                    st = "ESTAB"
                out.append(ob.Socket(
                    protocol=pname, family=4 if fam == socket.AF_INET else 6, state=st,
                    local=_addr(fam, src), local_port=sport, remote=_addr(fam, dst),
                    remote_port=dport, inode=inode, owners=tuple(owners.get(inode, ()))))
    return out


def holders(pids: Iterable[int]) -> dict[int, list[ob.Owner]]:
    """Socket inode -> the processes (among `pids`) holding it, and by which fd."""
    found: dict[int, list[ob.Owner]] = {}
    for pid in pids:
        fd_dir = f"/proc/{pid}/fd"
        try:
            entries = os.listdir(fd_dir)
        except OSError:
            continue
        command = None
        for fd in entries:
            try:
                target = os.readlink(f"{fd_dir}/{fd}")
            except OSError:
                continue
            if not target.startswith("socket:["):
                continue
            if command is None:
                command = procs.comm(pid) or "?"
            found.setdefault(int(target[8:-1]), []).append(ob.Owner(pid, command, int(fd)))
    return found

