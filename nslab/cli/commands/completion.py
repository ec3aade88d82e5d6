"""nslab completion bash|zsh|fish"""

from __future__ import annotations

import argparse
import sys

from nslab.errors import ExitCode

HELP = ("print the shell completion script: source <(nslab completion bash), "
        "source <(nslab completion zsh), nslab completion fish | source")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("shell", choices=["bash", "zsh", "fish"])


def run(a: argparse.Namespace) -> int:
    from nslab.cli.complete import SCRIPTS

    sys.stdout.write(SCRIPTS[a.shell])
    return ExitCode.OK
