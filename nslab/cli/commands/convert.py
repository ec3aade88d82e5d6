"""nslab convert FILE"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nslab.errors import ExitCode, SpecError

HELP = "print a netlab topology as an nslab topology file"


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="a netlab topology (resolved by netlab's own library)")


def run(a: argparse.Namespace) -> int:
    from nslab.spec.loader import netlab_text

    path = Path(a.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError([f"{path}: cannot read it: {e}"]) from None
    out = netlab_text(path, text)
    if out is None:
        raise SpecError([f"{path}: not a netlab topology (no key only netlab has: module, "
                         "provider, groups, validate, dotted keys such as defaults.device)"])
    from nslab.spec import load_text

    load_text(out, f"{path} (as nslab)")  # what up would refuse, said now
    sys.stdout.write(out)
    return ExitCode.OK
