"""nslab vtysh|birdc LAB NODE [-- COMMAND]: a routing suite's client inside a
router (one verb per suite in nslab.suites.SUITES)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from nslab.cli.common import command_words, node_and_command
from nslab.errors import NslabError
from nslab.suites import SUITES

HELP = "{client} of a router's {SUITE} (interactive without a command)"


def arguments(p: argparse.ArgumentParser) -> None:
    node_and_command(p, "-- COMMAND")


def run(a: argparse.Namespace) -> int:
    from nslab.running.daemons import client_argv

    suite = next(name for name, s in SUITES.items() if s.client == a.command)
    argv = client_argv(a.lab, a.node, suite, command_words(a.cmd))
    if shutil.which(argv[0]) is None:
        raise NslabError(f"{argv[0]} is not installed (scripts/setup.sh installs it)")
    sys.stdout.flush()
    os.execvp(argv[0], argv)
