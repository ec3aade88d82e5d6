"""The netlink layer from byte strings, no root: requests packed as the
kernel reads them, replies parsed, and malformed, truncated, interrupted or
unexpected replies handled (an error, a retry, or dropped: never a loop)."""

from __future__ import annotations

import errno
import socket
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from nslab.kernel import netlink as nl
from nslab.kernel import netstate, readback
from tests.conftest import Handmade, kernel

HDR = struct.Struct("=LHHLL")


def msg(kind: int, seq: int, payload: bytes, flags: int = 0) -> bytes:
    data = HDR.pack(HDR.size + len(payload), kind, flags, seq, 0) + payload
    return data + b"\0" * (-len(data) % 4)


def ack(seq: int, err: int = 0, text: str | None = None) -> bytes:
    """An NLMSG_ERROR as a kernel with NETLINK_CAP_ACK and NETLINK_EXT_ACK sends it."""
    payload = struct.pack("=i", -err) + HDR.pack(16, 0, 0, seq, 0)
    flags = nl.F_CAPPED
    if text is not None:
        payload += nl.rta(nl.NLMSGERR_ATTR_MSG, text.encode() + b"\0")
        flags |= nl.F_ACK_TLVS
    return msg(nl.NLMSG_ERROR, seq, payload, flags)


class Wire:
    """Stands in for the kernel's end of the socket: `answer(requests)`
    returns the datagrams to read for what was sent."""

    def __init__(self, answer: Callable[[list[nl.Message]], list[bytes]]) -> None:
        self.answer = answer
        self.queue: list[bytes] = []
        self.sent: list[nl.Message] = []

    def sendall(self, data: bytes) -> None:
        got = list(nl.messages(data))
        self.sent += got
        self.queue += self.answer(got)

    def recv(self, _n: int) -> bytes:
        return self.queue.pop(0)

    def close(self) -> None:
        pass


def sock_on(wire: Wire) -> nl.Socket:
    s = nl.Socket()
    s.sock.close()
    s.sock = wire  # type: ignore[assignment]
    return s


def test_requests_are_packed_as_the_kernel_reads_them() -> None:
    req = nl.new_address(7, "10.0.9.1", 30)
    (m,) = nl.messages(HDR.pack(16 + len(req.body), req.kind, req.flags, 1, 0) + req.body)
    fam, plen, flags, _scope, index = struct.unpack_from("=BBBBI", m.payload)
    assert (m.kind, fam, plen, flags, index) == (nl.RTM_NEWADDR, socket.AF_INET, 30, 0, 7)
    a = nl.attrs(m.payload, 8)
    assert a[nl.IFA_LOCAL] == a[nl.IFA_ADDRESS] == bytes([10, 0, 9, 1])
    six = nl.new_address(7, "2001:db8::1", 64)
    assert struct.unpack_from("=BBBBI", six.body)[2] == nl.IFA_F_NODAD
    veth = nl.new_veth("eth0", 1024, "eth1", 1025, 9)
    a = nl.attrs(veth.body, 16)
    info = nl.attrs(a[nl.IFLA_LINKINFO])
    peer = nl.attrs(info[nl.IFLA_INFO_DATA])[nl.VETH_INFO_PEER]
    assert struct.unpack_from("=BxHiII", peer)[2] == 1025
    assert nl.attrs(peer, 16)[nl.IFLA_NET_NS_FD] == struct.pack("=I", 9)
    route = nl.new_route("10.0.0.0", 8, [("10.0.9.2", 1024), ("10.0.9.6", 1025)])
    hops = nl.attrs(route.body, 12)[nl.RTA_MULTIPATH]
    assert len(hops) == 2 * (8 + 8)  # two rtnexthop, each with its gateway
    # an IPv4 route through an IPv6 next hop: RTA_VIA (family, address), read back
    via6 = nl.attrs(nl.new_route("10.0.0.0", 8, [("fd00::2", 1024)]).body, 12)
    assert nl.RTA_GATEWAY not in via6
    assert via6[nl.RTA_VIA] == struct.pack("=H", socket.AF_INET6) + bytes.fromhex(
        "fd00" + "0" * 27 + "2")
    assert nl.gateway(via6) == "fd00::2"
    both = nl.new_route("10.0.0.0", 8, [("fd00::2", 1024), ("10.0.9.6", 1025)])
    mp = nl.attrs(both.body, 12)[nl.RTA_MULTIPATH]
    first = nl.attrs(mp[8:8 + nl._RTNH.unpack_from(mp, 0)[0] - 8])
    assert nl.gateway(first) == "fd00::2" and nl.RTA_VIA in first


@pytest.mark.parametrize("data, what", [
    (b"\x10\x00\x00", "too few for a header"),
    (HDR.pack(0, 2, 0, 1, 0), "message length 0"),  # once a loop that never ended
    (HDR.pack(8, 2, 0, 1, 0), "message length 8"),
    (HDR.pack(64, 2, 0, 1, 0) + b"\0" * 8, "message length 64"),
    (msg(3, 1, b"\0\0\0\0") + b"\x01\x02", "too few for a header"),
])
def test_malformed_replies_are_errors(data: bytes, what: str) -> None:
    with pytest.raises(nl.MalformedMessage, match=what):
        list(nl.messages(data))


def test_the_kernels_own_sentence_comes_with_the_error() -> None:
    wire = Wire(lambda sent: [ack(m.seq, errno.ENETDOWN, "Nexthop device is not up")
                              for m in sent])
    with pytest.raises(nl.NetlinkError) as info:
        sock_on(wire).request(nl.new_route("10.0.0.0", 8, [("10.0.9.2", 1024)]))
    assert info.value.errno == errno.ENETDOWN
    assert info.value.message == "Nexthop device is not up"


def test_an_ack_for_no_pending_request_is_dropped() -> None:
    def answer(sent: list[nl.Message]) -> list[bytes]:
        # a late error for a request of an earlier batch, then the real acks
        return [ack(999, errno.EEXIST) + b"".join(ack(m.seq) for m in sent)]

    errors = sock_on(Wire(answer)).transact([(nl.set_link(5, up=True), "a"),
                                             (nl.set_link(6, up=True), "b")])
    assert errors == []


def test_errors_are_tagged_with_their_own_request() -> None:
    def answer(sent: list[nl.Message]) -> list[bytes]:
        return [ack(sent[0].seq), ack(sent[1].seq, errno.EEXIST)]

    errors = sock_on(Wire(answer)).transact([(nl.set_link(5, up=True), "a"),
                                             (nl.set_link(6, up=True), "b")])
    assert [(e.errno, e.tag) for e in errors] == [(errno.EEXIST, "b")]


def dump_reply(seq: int, rows: list[bytes], flags: int = 0, done_err: int = 0) -> bytes:
    return b"".join(msg(nl.RTM_NEWLINK, seq, r, nl.F_MULTI | flags) for r in rows) + msg(
        nl.NLMSG_DONE, seq, struct.pack("=i", -done_err), nl.F_MULTI | flags)


def test_an_interrupted_dump_is_read_again() -> None:
    tries: list[int] = []

    def answer(sent: list[nl.Message]) -> list[bytes]:
        tries.append(sent[0].seq)
        intr = nl.F_DUMP_INTR if len(tries) < 3 else 0
        return [dump_reply(sent[0].seq, [b"A" * 16, b"B" * 16], intr)]

    got = list(sock_on(Wire(answer)).dump(nl.RTM_GETLINK, nl.ifinfo()))
    assert len(tries) == 3 and [p for _k, p in got] == [b"A" * 16, b"B" * 16]


def test_a_dump_that_keeps_changing_gives_up_and_says_so() -> None:
    wire = Wire(lambda sent: [dump_reply(sent[0].seq, [b"A" * 16], nl.F_DUMP_INTR)])
    with pytest.raises(nl.NetlinkError) as info:
        list(sock_on(wire).dump(nl.RTM_GETLINK, nl.ifinfo()))
    assert info.value.errno == errno.EINTR
    assert info.value.message == "the dump changed under it 5 times"


def test_an_error_carried_in_done_raises() -> None:
    wire = Wire(lambda sent: [dump_reply(sent[0].seq, [b"A" * 16], 0, errno.ENOBUFS)])
    with pytest.raises(nl.NetlinkError) as info:
        list(sock_on(wire).dump(nl.RTM_GETLINK, nl.ifinfo()))
    assert info.value.errno == errno.ENOBUFS


@kernel
def test_the_real_kernel_says_why(handmade: Handmade) -> None:
    ns = handmade.ns("ack")
    subprocess.run(["ip", "-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
                   check=True)
    with readback.socket_in(ns) as sock:
        index = next(li.index for li in netstate.interfaces(sock) if li.name == "v0")
        with pytest.raises(nl.NetlinkError) as info:  # v0 is down
            sock.request(nl.new_route("10.9.0.0", 16, [(None, index)]))
    assert info.value.errno == errno.ENETDOWN
    assert info.value.message == "Device for nexthop is not up"


NETEM_CASES = [  # what the file says -> pyroute2's words for it
    ((20, 0, 0, 0, 0, None), {"delay": 20000}),
    ((20, 5, 0, 0, 0, None), {"delay": 20000, "jitter": 5000}),
    ((1, 0.5, 0.01, 0, 0, None), {"delay": 1000, "jitter": 500, "duplicate": 1}),
    ((50, 0, 0, 0.25, 0, None), {"delay": 50000, "prob_reorder": 25}),
    ((10, 0, 0, 0, 0.005, 80e6), {"delay": 10000, "prob_corrupt": 0.5,
                                  "rate": "80000000bit"}),
    ((20, 5, 0.01, 0.25, 0.005, 10e6), {"delay": 20000, "jitter": 5000, "duplicate": 1,
                                        "prob_reorder": 25, "prob_corrupt": 0.5,
                                        "rate": "10000000bit"}),
]


@pytest.mark.parametrize(("ours", "theirs"), NETEM_CASES)
def test_netem_is_encoded_as_pyroute2_encodes_it(ours: tuple[float, ...],
                                                 theirs: dict[str, object]) -> None:
    """This kernel has no netem to answer, so the request is held against
    pyroute2's own netem encoder (the struct tc would send, then reordering,
    corruption and rate), byte for byte."""
    from pyroute2.netlink.rtnl import TC_H_ROOT
    from pyroute2.netlink.rtnl.tcmsg import common, sched_netem, tcmsg

    if common.tick_in_usec != 1000 / nl.PSCHED_TICK_NS:
        pytest.skip(f"this kernel's scheduler ticks are not {nl.PSCHED_TICK_NS} ns")
    m = tcmsg()
    m["family"], m["index"], m["handle"], m["parent"] = 0, 7, 0x10000, TC_H_ROOT
    m["attrs"] = [["TCA_KIND", "netem"], ["TCA_OPTIONS", sched_netem.get_parameters(theirs)]]
    m.encode()
    delay, jitter, dup, reorder, corrupt, rate = ours
    req = nl.netem_qdisc(7, delay, jitter, dup, reorder, corrupt, rate)
    assert req.kind == nl.RTM_NEWQDISC and req.flags & nl.F_CREATE
    assert req.body == bytes(m.data[16:m["header"]["length"]])


def test_netem_above_4_gbytes_a_second_carries_its_64_bit_rate() -> None:
    req = nl.netem_qdisc(3, 1, 0, 0, 0, 0, 40e9)
    opts = nl.attrs(nl.attrs(req.body, nl._TCMSG.size)[nl.TCA_OPTIONS], struct.calcsize("=6I"))
    assert struct.unpack("=I", opts[nl.TCA_NETEM_RATE][:4]) == (0xFFFFFFFF,)
    assert struct.unpack("=Q", opts[nl.TCA_NETEM_RATE64]) == (5_000_000_000,)


def test_a_normal_jitter_sends_tcs_table_of_the_normal_distribution() -> None:
    """netem spreads the jitter by a table tc loads from normal.dist: nslab
    makes the same table (compared with tc's own file where iproute2 ships it)."""
    import glob

    req = nl.netem_qdisc(3, 20, 5, 0, 0, 0, normal=True)
    opts = nl.attrs(nl.attrs(req.body, nl._TCMSG.size)[nl.TCA_OPTIONS], struct.calcsize("=6I"))
    table = struct.unpack("=4096h", opts[nl.TCA_NETEM_DELAY_DIST])
    assert table == tuple(sorted(table)) and table[2048] == 0
    assert all(a == -b for a, b in zip(table[1:2048], table[4095:2048:-1], strict=True))
    uniform = nl.netem_qdisc(3, 20, 5, 0, 0, 0)
    assert nl.TCA_NETEM_DELAY_DIST not in nl.attrs(nl.attrs(
        uniform.body, nl._TCMSG.size)[nl.TCA_OPTIONS], struct.calcsize("=6I"))
    shipped = glob.glob("/usr/lib/*/tc/normal.dist") + glob.glob("/usr/lib/tc/normal.dist")
    if shipped:
        text = Path(shipped[0]).read_text()
        theirs = [int(x) for line in text.splitlines() if not line.startswith("#")
                  for x in line.split()]
        off = sorted(abs(a - b) for a, b in zip(theirs, table, strict=True))
        # of 8,192 a standard deviation: the same but in the far tails (tc steps x by 0.00005)
        assert off[len(off) // 2] <= 2 and off[int(len(off) * 0.98)] <= 16
