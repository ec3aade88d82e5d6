"""nslab validate FILE"""

from __future__ import annotations

import argparse

from nslab.cli.common import compile_file, lab_to_dict, print_json
from nslab.errors import ExitCode

HELP = "check a topology file, change nothing"


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument("--json", action="store_true")


def run(a: argparse.Namespace) -> int:
    from nslab.views import text

    lab = compile_file(a.file)
    if a.json:
        print_json({"version": 1, "valid": True, "lab": lab_to_dict(lab)})
    else:
        print(f"{a.file}: valid: lab '{lab.name}', {text.counts(lab)}")
    return ExitCode.OK
