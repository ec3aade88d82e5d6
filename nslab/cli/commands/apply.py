"""nslab apply FILE"""

from __future__ import annotations

import argparse
from pathlib import Path

from nslab.cli.common import compile_file, print_json, waiting
from nslab.errors import ExitCode, require_root

HELP = ("change a running lab into what the file says, touching only what differs (a lab "
        "that is not up is built)")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument("--json", action="store_true")


def run(a: argparse.Namespace) -> int:
    require_root()
    lab = compile_file(a.file)
    from nslab.verbs.apply import apply
    from nslab.views.change import change_text

    d = apply(lab, str(Path(a.file).resolve()), on_wait=waiting(lab.name)).to_dict()
    if a.json:
        print_json(d)
    else:
        print(change_text(d, "apply"))
    return ExitCode.OK
