"""nslab node LAB NODE stop|start|restart"""

from __future__ import annotations

import argparse

from nslab.cli.common import print_json
from nslab.errors import ExitCode, require_root

HELP = ("stop a node (links down, services and daemons ended, namespace kept), start it "
        "again, or restart it")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lab")
    p.add_argument("node")
    p.add_argument("action", choices=["stop", "start", "restart"])
    p.add_argument("--json", action="store_true")


def run(a: argparse.Namespace) -> int:
    require_root()
    from nslab.verbs.node import node

    res = node(a.lab, a.node, a.action)
    if a.json:
        print_json(res.to_dict())
    else:
        print(f"node {res.node} of lab {res.lab} is {res.state} ({len(res.steps)} step(s), "
              f"{res.seconds:.2f} s)")
    return ExitCode.OK
