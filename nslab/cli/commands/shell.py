"""nslab shell LAB NODE"""

from __future__ import annotations

import argparse
import os

HELP = "an interactive shell inside a node"


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lab")
    p.add_argument("node")


def run(a: argparse.Namespace) -> int:
    shell = os.environ.get("SHELL") or "/bin/bash"
    from nslab.verbs import enter

    return enter.node(a.lab, a.node, [shell])
