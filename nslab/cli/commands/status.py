"""nslab status [LAB]"""

from __future__ import annotations

import argparse

from nslab.cli.commands import list as labs
from nslab.cli.common import print_json
from nslab.errors import ExitCode

HELP = ("a lab's nodes, interfaces and addresses, read from the kernel (no name: the labs "
        "that are up)")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?")
    p.add_argument("--json", action="store_true")


def run(a: argparse.Namespace) -> int:
    if a.name is None:
        return labs.run(a)
    from nslab.verbs.status import status
    from nslab.views import text

    st = status(a.name)
    if a.json:
        print_json(st)
    else:
        print(text.status_text(st))
    return ExitCode.OK if st["state"] == "up" else ExitCode.NOT_FULLY_UP
