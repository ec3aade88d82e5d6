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

    if is_spread(a.lab):  # on the node's machine, stdin and stdout joined to it
        from nslab.running import spread

        return spread.attach(a.lab, a.node, ["exec", a.lab, a.node, "--", *argv], False)
    from nslab.verbs import enter

    return enter.node(a.lab, a.node, argv)
