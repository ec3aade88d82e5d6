"""nslab capture LAB TARGET..."""

from __future__ import annotations

import argparse
import sys

from nslab.cli import numbers
from nslab.errors import ExitCode, UsageError

HELP = ("capture packets on a running lab's interfaces, merged in time order: pcapng (-w FILE, "
        "-w - for wireshark -k -i -) or a line each")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lab")
    p.add_argument("targets", nargs="+", metavar="NODE|NODE:IFACE|A/B")
    p.add_argument("-w", dest="write", metavar="FILE", help="write pcapng here (- : stdout)")
    p.add_argument("--filter", metavar="EXPR", help="a tcpdump filter expression")
    p.add_argument("--count", type=numbers.packets, metavar="N", help="stop after N packets")
    p.add_argument("--duration", type=numbers.seconds, metavar="S",
                   help="stop after S seconds")
    p.add_argument("--json", action="store_true", help="a JSON object per packet")
    p.add_argument("--announce", action="store_true", help=argparse.SUPPRESS)  # across machines


def run(a: argparse.Namespace) -> int:
    from nslab.verbs.capture import capture_to

    if a.json and a.write:
        raise UsageError("--json prints a JSON object per packet; -w writes pcapng: one of them")
    if a.count is not None and a.count < 1:
        raise UsageError("--count takes a number of packets, 1 or more")
    sys.stdout.flush()
    from nslab.cli.across import is_spread

    if is_spread(a.lab):
        from nslab.verbs.capture import capture_across

        n = capture_across(a.lab, a.targets, a.write, a.filter, a.count, a.duration, a.json)
    else:
        n = capture_to(a.lab, a.targets, a.write, a.filter, a.count, a.duration, a.json,
                       a.announce)
    if n >= 0 and a.write != "-":
        print(f"nslab: {n} packets captured" + (f" in {a.write}" if a.write else ""),
              file=sys.stderr)
    return ExitCode.OK
