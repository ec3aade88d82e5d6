"""nslab inspect LAB [NODE] | NAMESPACE | pid:PID | host"""

from __future__ import annotations

import argparse
import sys

from nslab.cli.common import print_json
from nslab.errors import ExitCode
from nslab.records import observed

HELP = ("everything inside a namespace: a lab node (LAB NODE), a whole lab (LAB), any named "
        "namespace, pid:PID, or host (where nslab runs)")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", metavar="LAB|NAMESPACE|pid:PID|host")
    p.add_argument("node", nargs="?", metavar="NODE")
    p.add_argument("--json", action="store_true")
    p.add_argument("--only", metavar="SECTION,...",
                   help="some of: " + ",".join(observed.SECTIONS))


def _whole_lab(a: argparse.Namespace, sections: tuple[str, ...]) -> int:
    from nslab.verbs import inspect as inspection
    from nslab.views import inspect as iv

    expected = inspection.node_count(a.target)
    lines = inspection.overview(a.target)
    short = inspection.short_of_interfaces(a.target, lines)
    if a.json:
        items = inspection.inspect_lab(a.target, sections, as_text=False)
        print_json({"version": 1, "lab": a.target, "nodes": inspection.to_json(items),
                    "missing_nodes": expected - len(items),
                    "short_of_interfaces": {n: {"have": have, "made": made}
                                            for n, (have, made) in short.items()}})
        return ExitCode.OK if len(items) == expected and not short else ExitCode.NOT_FULLY_UP
    print(iv.lab_overview(a.target, lines, expected))
    for node, (have, made) in short.items():
        print(f"nslab: node {node} has {have} of the {made} interfaces the lab made "
              f"(nslab status {a.target})", file=sys.stderr)
    return ExitCode.OK if len(lines) == expected and not short else ExitCode.NOT_FULLY_UP


def run(a: argparse.Namespace) -> int:
    from nslab.verbs import inspect as inspection
    from nslab.views import inspect as iv

    sections = inspection.parse_sections(a.only)
    if a.node is None and inspection.is_lab(a.target):
        return _whole_lab(a, sections)
    one = inspection.inspect(a.target, a.node, sections, as_text=not a.json)
    if a.json:
        print_json({"version": 1, **one.to_dict()})
    else:
        print(iv.inspection(one))
    return ExitCode.OK
