"""nslab plan FILE"""

from __future__ import annotations

import argparse
import sys

from nslab.cli.common import compile_file, file_as_shell_or_json, print_json
from nslab.errors import ExitCode

HELP = "show what up would do"


def arguments(p: argparse.ArgumentParser) -> None:
    file_as_shell_or_json(p, "print the equivalent ip/sysctl commands as a bash script")


def run(a: argparse.Namespace) -> int:
    lab = compile_file(a.file)
    from nslab.verbs.up import build_plan
    from nslab.views import text

    p = build_plan(lab)
    if a.shell:
        sys.stdout.write(p.as_shell())
    elif a.json:
        print_json({"version": 1, "lab": lab.name, "steps": [
            {"step": type(s).__name__, "shell": s.as_shell()} for s in p.steps]})
    else:
        print(text.plan_text(p))
    return ExitCode.OK
