#!/usr/bin/env python3
"""Capture from 10 interfaces at once (the 10 ports of a switch), in a sandbox
that plays the machine: 5 pairs of hosts flood-ping each other, every ping
crosses 4 port captures (request in and out, reply in and out); nslab capture
writes pcapng to /dev/null. Prints packets expected, captured, lost, and the
packets per second it captured while the floods ran.

Usage (root):  .venv/bin/python bench/capture.py [-c 2000]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.sandbox import bench, enter, nslab  # noqa: E402

LAB = "name: cap\nnodes:\n  sw: {kind: switch}\n" + "".join(
    f"  h{i}: {{}}\n" for i in range(10)) + "links:\n" + "".join(
    f"  - [h{i}, sw]\n" for i in range(10))


def inside(count: int) -> None:
    from nslab.kernel import capture
    from nslab.verbs.capture import targets

    enter()
    Path("/run/cap.yaml").write_text(LAB)
    assert nslab("up", "/run/cap.yaml").returncode == 0
    for i in range(0, 10, 2):  # neighbours known first: only the pings are counted
        subprocess.run(["ip", "netns", "exec", f"cap-h{i}", "ping", "-c1", "-W1",
                        f"10.128.0.{i + 2}"], capture_output=True)
    where = targets("cap", ["sw"])
    program = capture.compile_filter("icmp")
    socks = [capture.open_socket(w.namespace, w.iface, program) for w in where]
    for s in socks:  # a bigger socket buffer than the default, as tcpdump takes (-B)
        s.setsockopt(capture.socket.SOL_SOCKET, capture.socket.SO_RCVBUF, 4 << 20)
    expected = 5 * count * 4
    pings = [subprocess.Popen(["ip", "netns", "exec", f"cap-h{i}", "ping", "-f", "-q", "-c",
                               str(count), f"10.128.0.{i + 2}"], stdout=subprocess.DEVNULL)
             for i in range(0, 10, 2)]
    with open("/dev/null", "wb") as out:
        writer = capture.PcapngWriter(out, [w.name for w in where])
        t0 = time.monotonic()
        got = 0
        while any(p.poll() is None for p in pings):  # in slices, until the floods end
            got += capture.run(socks, writer.write, None, 0.25)
        seconds = time.monotonic() - t0
        got += capture.run(socks, writer.write, None, 0.5)  # what is still queued
    nslab("down", "cap")
    print(f"10 interfaces, 5 flood pings of {count}: {expected} packets expected, {got} "
          f"captured, {expected - got} lost; {got / seconds:,.0f} packets/s over the "
          f"{seconds:.2f} s of the floods")


def main() -> int:
    return bench(__file__, inside, "-c", 2000, "pings per pair")[0]

if __name__ == "__main__":
    sys.exit(main())
