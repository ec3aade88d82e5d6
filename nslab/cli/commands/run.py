"""nslab run LAB"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nslab.cli import numbers
from nslab.cli.common import print_json
from nslab.errors import ExitCode, require_root

HELP = ("play a running lab's timeline (faults at set times) while pairs are probed: how long "
        "each was cut off, when it came back")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lab")
    p.add_argument("--every", type=numbers.seconds, metavar="S",
                   help="seconds between probes (default: the file's timeline.every, 0.1)")
    p.add_argument("--speed", type=numbers.speed, default=1.0, metavar="X",
                   help="play the events X times faster (0.01 to 100, default 1)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")


def run(a: argparse.Namespace) -> int:
    require_root()
    from nslab.verbs.run import run as play
    from nslab.views import timeline as view

    def live(e: object) -> None:
        if not a.json:
            print(view.event_line(e), file=sys.stderr)  # type: ignore[arg-type]

    report = play(a.lab, live, a.every, a.speed)
    if a.junit:
        Path(a.junit).write_text(view.junit(report))
    if a.json:
        print_json(report.to_dict())
    else:
        print(view.report(report))
    return ExitCode.OK if report.ok else ExitCode.FAILED
