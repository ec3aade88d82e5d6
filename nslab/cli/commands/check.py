"""nslab check LAB [--repair]"""

from __future__ import annotations

import argparse

from nslab.cli.common import print_json
from nslab.errors import ExitCode, require_root

HELP = ("compare a running lab with its file and journal, read from the kernel; exit 11 when "
        "they differ")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lab")
    p.add_argument("--repair", action="store_true", help="put back what differs")
    p.add_argument("--json", action="store_true")


def run(a: argparse.Namespace) -> int:
    require_root()
    from nslab.verbs.check import check
    from nslab.views.change import check_text

    res = check(a.lab, repair=a.repair)
    d = res.to_dict()
    if a.json:
        print_json(d)
    else:
        print(check_text(d))
    return ExitCode.OK if res.ok else ExitCode.DRIFT
