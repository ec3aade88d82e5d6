"""nslab gc [--yes]"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from nslab.cli.common import print_json
from nslab.errors import ExitCode

HELP = ("find what carries nslab's marks but no lab's journal claims (a lab whose /run/nslab "
        "record was lost) and, with --yes, remove it")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--yes", action="store_true", help="remove what is found")
    p.add_argument("--json", action="store_true")


def run(a: argparse.Namespace) -> int:
    from nslab.verbs import gc
    from nslab.views import text

    found = gc.find()
    failed = gc.remove(found) if a.yes and found else []
    if a.json:
        print_json({"version": 1, "removed": bool(a.yes),
                    "found": [dataclasses.asdict(d) for d in found], "failed": failed})
        return ExitCode.ERROR if failed else ExitCode.OK
    if not found:
        print("nothing of nslab's is left on this machine outside the labs that are up")
        return ExitCode.OK
    print(text.table([[d.kind, d.name, d.lab, d.detail] for d in found],
                     ["KIND", "NAME", "LAB", "DETAIL"]))
    if not a.yes:
        print(f"{len(found)} objects carry nslab's marks and no lab claims them; "
              "remove them: nslab gc --yes")
        return ExitCode.OK
    for f in failed:
        print(f"nslab: could not remove {f}", file=sys.stderr)
    print(f"removed {len(found) - len(failed)} of {len(found)}")
    return ExitCode.ERROR if failed else ExitCode.OK
