"""nslab doctor"""

from __future__ import annotations

import argparse
import dataclasses

from nslab.cli.common import print_json
from nslab.errors import ExitCode

HELP = "can this machine run labs? kernel features, tools, limits"


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")


def run(a: argparse.Namespace) -> int:
    from nslab.verbs import doctor
    from nslab.views import inspect as iv

    checks = doctor.run()
    ok = doctor.ready(checks)
    if a.json:
        print_json({"version": 1, "ready": ok,
                    "checks": [dataclasses.asdict(c) for c in checks]})
    else:
        print(iv.doctor(checks, ok))
    return ExitCode.OK if ok else ExitCode.ERROR
