"""nslab agent --stdio (hidden: what a transport starts on a machine of a lab
across machines)"""

from __future__ import annotations

import argparse
import sys

from nslab.errors import UsageError, require_root

HELP = "nslab on a machine of a lab across machines, for the controller (JSON lines on stdio)"
HIDDEN = True


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stdio", action="store_true", help="requests on stdin, answers on stdout")


def run(a: argparse.Namespace) -> int:
    if not a.stdio:
        raise UsageError("nslab agent speaks on stdio only: nslab agent --stdio")
    require_root()
    from nslab.cli import version
    from nslab.verbs.agent import serve

    return serve(sys.stdin, sys.stdout, version())
