"""nslab diff FILE"""

from __future__ import annotations

import argparse

from nslab.cli.common import compile_file, file_as_shell_or_json, print_json
from nslab.errors import ExitCode, require_root

HELP = "what apply FILE would change in the running lab; changes nothing"


def arguments(p: argparse.ArgumentParser) -> None:
    file_as_shell_or_json(p, "print the change as the equivalent commands (a bash script)")


def run(a: argparse.Namespace) -> int:
    require_root()
    lab = compile_file(a.file)
    from nslab.verbs.apply import ApplyResult, diff
    from nslab.views.change import change_text

    change = diff(lab)
    if a.shell:
        print(change.as_shell(), end="")
        return ExitCode.OK
    d = ApplyResult(lab, change, 0.0).to_dict()
    if a.json:
        print_json(d)
    else:
        print(change_text(d, "diff"))
    return ExitCode.OK
