"""nslab exec LAB NODE -- CMD"""

from __future__ import annotations

import argparse

from nslab.cli.common import command_words, node_and_command
from nslab.errors import UsageError

HELP = "run a command inside a node; its exit status is passed through"


def arguments(p: argparse.ArgumentParser) -> None:
    node_and_command(p, "-- CMD [ARGS...]")


def run(a: argparse.Namespace) -> int:
    argv = command_words(a.cmd)
    if not argv:
        raise UsageError("nothing to run: nslab exec LAB NODE -- COMMAND [ARGS...]")
    from nslab.cli.across import is_spread

    if is_spread(a.lab):  # on the node's machine, its output passed back
        import sys

        from nslab.running import spread

        out = spread.run_on(a.lab, a.node, argv)
        sys.stdout.write(out["stdout"])
        sys.stderr.write(out["stderr"])
        return int(out["code"])
    from nslab.verbs import enter

    return enter.node(a.lab, a.node, argv)
