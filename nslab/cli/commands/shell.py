"""nslab shell LAB NODE"""

from __future__ import annotations

import argparse
import os

HELP = "an interactive shell inside a node"


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lab")
    p.add_argument("node")


def run(a: argparse.Namespace) -> int:
    from nslab.cli.across import is_spread

    if is_spread(a.lab):  # on the node's machine, on a terminal there when this is one
        import sys

        from nslab.running import spread

        terminal = sys.stdin.isatty() and sys.stdout.isatty()
        return spread.attach(a.lab, a.node, ["shell", a.lab, a.node], terminal)
    shell = os.environ.get("SHELL") or "/bin/bash"
    from nslab.verbs import enter

    return enter.node(a.lab, a.node, [shell])
