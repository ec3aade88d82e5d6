"""nslab why LAB SRC DST"""

from __future__ import annotations

import argparse

from nslab.cli import numbers
from nslab.cli.common import print_json
from nslab.errors import ExitCode

HELP = ("why SRC reaches DST or not: the path hop by hop, the way back, and the first thing "
        "that stops the packet")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lab")
    p.add_argument("src", metavar="SRC")
    p.add_argument("dst", metavar="DST", help="a node, or an address")
    p.add_argument("--proto", choices=["icmp", "tcp", "udp"], default="icmp")
    p.add_argument("--port", type=numbers.port)
    p.add_argument("--timeout", type=numbers.seconds, default=1.0, metavar="S")
    p.add_argument("--json", action="store_true")


def run(a: argparse.Namespace) -> int:
    from nslab.cli.across import is_spread
    from nslab.verbs.why import why, why_across
    from nslab.views import testing

    d = (why_across if is_spread(a.lab) else why)(a.lab, a.src, a.dst, a.proto, a.port,
                                                  a.timeout)
    if a.json:
        print_json({"version": 1, **d.to_dict()})
    else:
        print(testing.diagnosis(d))
    return ExitCode.OK if d.reached else ExitCode.FAILED
