"""nslab test LAB|FILE"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from nslab.cli import numbers
from nslab.cli.common import print_json
from nslab.errors import ExitCode, NslabError, require_root

HELP = ("probe a lab (all pairs, in parallel) and check the expectations of its file; on a "
        "FILE: up, test, down")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", metavar="LAB|FILE")
    p.add_argument("--nodes", metavar="A,B,...", help="only these nodes in the matrix")
    p.add_argument("--proto", choices=["icmp", "tcp", "udp"], default="icmp")
    p.add_argument("--port", type=numbers.port)
    p.add_argument("--family", type=int, choices=[4, 6])
    p.add_argument("--timeout", type=numbers.seconds, metavar="S",
                   help="seconds per probe (default: the file's test.timeout, 1)")
    p.add_argument("--no-matrix", action="store_true", help="only the file's expectations")
    p.add_argument("--converge", choices=["auto"],
                   help="first wait until every router's table holds every prefix it should "
                        "(routing daemons), as test.converge: auto")
    p.add_argument("--converge-within", type=numbers.seconds, default=60.0, metavar="S",
                   help="at most this long (default 60)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")


def run(a: argparse.Namespace) -> int:
    from nslab.names import names_a_file
    from nslab.verbs import test as reachability
    from nslab.views import testing

    if a.proto != "icmp" and a.port is None:
        raise NslabError(f"--proto {a.proto} needs --port")
    opts: dict[str, Any] = {
        "nodes": [n.strip() for n in a.nodes.split(",")] if a.nodes else None,
        "proto": a.proto, "port": a.port, "families": (a.family,) if a.family else (4, 6),
        "timeout": a.timeout, "with_matrix": not a.no_matrix,
        "settle": a.converge_within if a.converge == "auto" else None}
    from nslab.cli.across import is_spread

    if not names_a_file(a.target) and is_spread(a.target):
        require_root()
        report = reachability.check_across(a.target, **opts)
    elif names_a_file(a.target):
        require_root()
        report = reachability.check_file(a.target, **opts)
    else:
        report = reachability.check_lab(a.target, **opts)
    if a.junit:
        Path(a.junit).write_text(testing.junit(report))
    if a.json:
        print_json({"version": 1, **report.to_dict()})
    else:
        print(testing.report(report))
    return ExitCode.OK if report.ok else ExitCode.FAILED
