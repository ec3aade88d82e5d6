"""nslab list"""

from __future__ import annotations

import argparse

from nslab.cli.common import print_json
from nslab.errors import ExitCode

HELP = "the labs that are up"


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")


def run(a: argparse.Namespace) -> int:
    from nslab.verbs.status import list_labs
    from nslab.views import text

    items = list_labs()
    if a.json:
        print_json({"version": 1, "labs": items})
    else:
        print(text.list_text(items))
    return ExitCode.OK
