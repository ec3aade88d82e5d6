"""nslab down NAME|FILE"""

from __future__ import annotations

import argparse
import sys

from nslab.cli.common import print_json, waiting
from nslab.errors import ExitCode, UsageError, require_root

HELP = "remove a lab (by name, or by its file)"


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", metavar="NAME|FILE")
    p.add_argument("--json", action="store_true")
    p.add_argument("--forget", action="store_true",
                   help="and no longer bring it back after a reboot (up --persist)")
    p.add_argument("--forget-machine", metavar="MACHINE",
                   help="a lab across machines: stop trying MACHINE (it keeps its part; "
                        "nslab down LAB there removes it)")


def run(a: argparse.Namespace) -> int:
    require_root()
    from nslab.cli.across import is_spread
    from nslab.running.teardown import lab_name

    if is_spread(lab_name(a.target)):
        return _across(a, lab_name(a.target))
    if a.forget_machine:
        raise UsageError(f"lab '{lab_name(a.target)}' is not a lab across machines: "
                         "--forget-machine is for those")
    from nslab.verbs.down import down, persist

    res = down(a.target, waiting(a.target))
    forgotten = persist.forget(res.lab) if a.forget else []
    if a.json:
        print_json({"version": 1, "lab": res.lab, "was_up": res.was_up,
                    "removed": res.removed, "skipped": res.skipped,
                    "processes_ended": res.processes, "seconds": round(res.seconds, 4),
                    "notes": res.notes, "failed": res.failed, "forgotten": forgotten})
        return ExitCode.ERROR if res.failed else ExitCode.OK
    if forgotten:
        print(f"lab {res.lab} no longer comes back after a reboot (removed "
              f"{', '.join(forgotten)})")
    elif not a.forget and res.lab in persist.persisted():
        print(f"nslab: lab {res.lab} comes back after a reboot; nslab down --forget "
              f"{res.lab} ends that", file=sys.stderr)
    if not res.was_up:
        print(f"lab {res.lab} is not up: nothing to remove")
        return ExitCode.OK
    from nslab.plan.steps import WIRE_NODE  # here: --help imports every verb's module

    wire = [ns for ns in res.removed if ns.endswith(WIRE_NODE)]
    print(f"lab {res.lab} is down: removed {len(res.removed) - len(wire)} namespaces"
          f"{' and its wire' if wire else ''}, ended {res.processes} processes "
          f"({res.seconds:.2f} s)")
    for note in res.notes:
        print(f"nslab: {note}", file=sys.stderr)
    for ns in res.skipped:
        print(f"nslab: left namespace '{ns}' alone: it is not the one this lab made",
              file=sys.stderr)
    for what in res.failed:
        print(f"nslab: could not remove {what}", file=sys.stderr)
    if res.failed:
        print(f"nslab: the lab stays recorded; nslab down {res.lab} tries again",
              file=sys.stderr)
        return ExitCode.ERROR
    return ExitCode.OK


def _across(a: argparse.Namespace, name: str) -> int:
    from nslab.running import spread

    try:
        out = spread.down(name, a.forget_machine)
    except spread.PartlyDownError as e:
        if a.json:
            print_json(getattr(e, "result", {}))
        raise
    if a.json:
        print_json(out)
        return ExitCode.OK
    gone = sum(len(v) for v in out["removed"].values())
    print(f"lab {name} is down on {len(out['removed'])} machines: removed {gone} namespaces "
          f"({out['seconds']:.2f} s)")
    for m in out["forgotten"]:
        print(f"nslab: machine {m} was forgotten, not reached: nslab down {name} there "
              "removes its part", file=sys.stderr)
    return ExitCode.OK
