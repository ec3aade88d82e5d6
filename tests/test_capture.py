"""nslab capture against real packets: interfaces of a router merged in time
order into pcapng (an interface block per node:iface), streamed to stdout,
filtered, summarised a line each; bad targets refused."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import time
from pathlib import Path

from tests.conftest import NSLAB, Labs, kernel, nslab, ping

LAB = """
name: x
nodes:
  h1: {}
  r1: {kind: router}
  h2: {}
links: [[h1, r1], [r1, h2]]
"""
H2 = "10.128.0.6"


def blocks(data: bytes) -> list[tuple[int, bytes]]:
    """(block type, body) of every pcapng block."""
    out, off = [], 0
    while off + 12 <= len(data):
        kind, size = struct.unpack_from("=II", data, off)
        out.append((kind, data[off + 8:off + size - 4]))
        off += size
    assert off == len(data), "a torn block"
    return out


def names_of(idb: bytes) -> str:
    off = 8
    while off + 4 <= len(idb):
        code, length = struct.unpack_from("=HH", idb, off)
        if code == 2:
            return idb[off + 4:off + 4 + length].decode()
        off += 4 + length + (-length % 4)
    return ""


def capture(name: str, *args: str) -> subprocess.Popen[bytes]:
    p = subprocess.Popen([*NSLAB, "capture", name, *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    time.sleep(0.8)  # its sockets are open
    return p


@kernel
def test_a_routers_interfaces_merge_in_time_order_into_pcapng(labs: Labs, tmp_path: Path) -> None:
    name, path = labs.file(LAB)
    nslab("up", str(path), check=True)
    assert ping(f"{name}-h1", H2)  # neighbours known: only the ping's packets follow
    out = tmp_path / "r1.pcapng"
    p = capture(name, "r1", "-w", str(out), "--filter", "icmp", "--count", "4")
    assert ping(f"{name}-h1", H2)
    _, err = p.communicate(timeout=20)
    assert p.returncode == 0 and b"4 packets captured" in err, err
    got = blocks(out.read_bytes())
    assert [k for k, _ in got] == [0x0A0D0D0A, 1, 1, 6, 6, 6, 6]
    assert [names_of(b) for k, b in got if k == 1] == ["r1:eth0", "r1:eth1"]
    packets = [struct.unpack_from("=IIIII", b) for k, b in got if k == 6]
    assert [q[0] for q in packets] == [0, 1, 1, 0]  # request in, out; reply in, out
    stamps = [(q[1] << 32) | q[2] for q in packets]
    assert stamps == sorted(stamps) and stamps[-1] - stamps[0] < 1e9
    if shutil.which("tcpdump"):
        r = subprocess.run(["tcpdump", "-r", str(out), "-n"], capture_output=True, text=True)
        assert r.stdout.count("ICMP echo request") == 2 and r.stdout.count("echo reply") == 2


@kernel
def test_stream_to_stdout_and_a_line_per_packet(labs: Labs) -> None:
    name, path = labs.file(LAB)
    nslab("up", str(path), check=True)
    assert ping(f"{name}-h1", H2)
    p = capture(name, "h1/r1", "-w", "-", "--filter", "icmp", "--count", "2")
    assert ping(f"{name}-h1", H2)
    data, _ = p.communicate(timeout=20)
    got = blocks(data)
    assert [names_of(b) for k, b in got if k == 1] == ["h1:eth0", "r1:eth0"]
    assert sum(k == 6 for k, _ in got) == 2
    p = capture(name, "r1:eth1", "--filter", "icmp", "--count", "2")
    assert ping(f"{name}-h1", H2)
    text, err = p.communicate(timeout=20)
    lines = text.decode().splitlines()
    assert len(lines) == 2, (text, err)
    assert lines[0].split()[1:] == ["r1:eth1", ">", "IP", "10.128.0.2", ">", "10.128.0.6:",
                                    "ICMP", "echo", "request"]
    assert "r1:eth1 < IP 10.128.0.6 > 10.128.0.2: ICMP echo reply" in lines[1]
    p = capture(name, "r1:eth0", "--filter", "icmp", "--count", "2", "--json")
    assert ping(f"{name}-h1", H2)
    text, err = p.communicate(timeout=20)
    seen = [json.loads(line) for line in text.decode().splitlines()]
    assert [(x["interface"], x["direction"]) for x in seen] == [("r1:eth0", "in"),
                                                                 ("r1:eth0", "out")]
    assert seen[0]["summary"] == "IP 10.128.0.2 > 10.128.0.6: ICMP echo request"
    assert seen[0]["length"] == 98 and seen[0]["time_ns"] <= seen[1]["time_ns"]
    r = nslab("capture", name, "r1", "--duration", "0.3")
    assert r.returncode == 0 and "packets captured" in r.stderr
    for bad, says in ((["r9"], "has no node 'r9'"), (["r1:eth7"], "has no interface 'eth7'"),
                      (["h1/h2"], "no link between h1 and h2")):
        r = nslab("capture", name, *bad, "--count", "1")
        assert r.returncode == 4 and says in r.stderr and "Traceback" not in r.stderr
    r = nslab("capture", name, "r1", "--filter", "icmp and", "--count", "1")
    assert r.returncode == 2 and "filter 'icmp and'" in r.stderr, r.stderr


def test_capture_needs_a_lab_that_is_up() -> None:
    r = nslab("capture", "no-such-lab", "r1", "--count", "1")
    assert r.returncode in (3, 4) and "Traceback" not in r.stderr
    if r.returncode == 4:
        assert "is not up" in r.stderr


