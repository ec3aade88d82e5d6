"""Checking a lab: test, why."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from nslab.cli.common import print_json
from nslab.errors import ExitCode, NslabError, require_root


def cmd_test(a: argparse.Namespace) -> int:
    from nslab.verbs import test as reachability
    from nslab.views import testing

    if a.proto != "icmp" and a.port is None:
        raise NslabError(f"--proto {a.proto} needs --port")
    opts: dict[str, Any] = {
        "nodes": [n.strip() for n in a.nodes.split(",")] if a.nodes else None,
        "proto": a.proto, "port": a.port, "families": (a.family,) if a.family else (4, 6),
        "timeout": a.timeout, "with_matrix": not a.no_matrix,
        "settle": a.converge_within if a.converge == "auto" else None}
    from nslab.model.compile import names_a_file

    if names_a_file(a.target):
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


def cmd_why(a: argparse.Namespace) -> int:
    from nslab.verbs.why import why
    from nslab.views import testing

    d = why(a.lab, a.src, a.dst, a.proto, a.port, a.timeout)
    if a.json:
        print_json({"version": 1, **d.to_dict()})
    else:
        print(testing.diagnosis(d))
    return ExitCode.OK if d.reached else ExitCode.FAILED


