"""nslab schema"""

from __future__ import annotations

import argparse
import json

from nslab.errors import ExitCode

HELP = ("print the JSON Schema of the topology file, for editors (yaml-language-server, "
        "VS Code's YAML extension)")


def arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(a: argparse.Namespace) -> int:
    from nslab.spec.json_schema import schema

    print(json.dumps(schema(), indent=2, sort_keys=True))
    return ExitCode.OK
