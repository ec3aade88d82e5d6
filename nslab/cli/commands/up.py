"""nslab up FILE"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from nslab.cli.common import compile_file, print_json, waiting
from nslab.errors import ExitCode, require_root

HELP = "build a lab from a topology file"

_PHASES = {"AddNamespace": "namespaces", "SetSysctl": "sysctls", "AddVeth": "veth pairs",
           "AddBridge": "bridges", "SetMaster": "bridge ports", "AddAddress": "addresses",
           "SetLinkUp": "links up", "AddRoute": "routes", "RunCommand": "commands",
           "StartService": "services", "SetNeighbourLimits": "neighbour limits"}


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.add_argument("--persist", action="store_true",
                   help="bring the lab back after a reboot (systemd: nslab@LAB.service; "
                        "nslab down --forget LAB ends that)")


def progress_printer(total_nodes: int) -> Any:
    """Progress on stderr for labs of 100 nodes or more: each phase when it is
    done, and every 500 namespaces while they are made."""
    if total_nodes < 100:
        return None

    def show(phase: str, done: int, total: int) -> None:
        if done == total or (done and done % 500 == 0):
            with contextlib.suppress(OSError):  # a closed stderr must not abort up
                print(f"nslab: {_PHASES.get(phase, phase)} {done}/{total}", file=sys.stderr)
    return show


def run(a: argparse.Namespace) -> int:
    require_root()
    lab = compile_file(a.file)
    if lab.spread is not None:
        return _across(a, lab)
    from nslab.verbs.up import persist, up
    from nslab.views import text

    if a.persist:
        persist.require_systemd()  # refused before anything is made
    res = up(lab, str(Path(a.file).resolve()), progress_printer(len(lab.nodes)),
             waiting(lab.name))
    kept = persist.persist(lab.name, a.file) if a.persist else []
    if a.json:
        print_json({"version": 1, "lab": lab.name, "seconds": round(res.seconds, 4),
                    "notes": res.notes, "persisted": kept, "topology": res.recorded()})
        return ExitCode.OK
    for note in res.notes:
        print(f"nslab: {note}", file=sys.stderr)
    print(f"lab {lab.name} is up: {text.counts(lab)} ({res.seconds:.2f} s)")
    if len(lab.nodes) <= 60:
        print(text.lab_summary(lab))
    if lab.machine:
        print(text.machine_text(res.recorded()["machine"]))
    if kept:
        print(f"lab {lab.name} comes back after a reboot (nslab@{lab.name}.service); "
              f"nslab down --forget {lab.name} ends that")
    print(f"try: nslab exec {lab.name} {lab.nodes[0].name} -- ip addr    "
          f"|  remove: nslab down {lab.name}")
    return ExitCode.OK


def _across(a: argparse.Namespace, lab: Any) -> int:
    """A lab across machines: each machine makes its part (nslab.running.spread)."""
    from nslab.cli import version
    from nslab.errors import UsageError
    from nslab.running import spread

    if a.persist:
        raise UsageError("a lab across machines does not come back after a reboot (--persist): "
                         "its machines reboot on their own")
    res = spread.up(lab, version(), str(Path(a.file).resolve()))
    if a.json:
        print_json({"version": 1, "lab": lab.name, "seconds": round(res.seconds, 4),
                    "machines": res.machines, "cross": res.cross})
        return ExitCode.OK
    print(f"lab {lab.name} is up on {len(res.machines)} machines: {len(lab.nodes)} nodes, "
          f"{len(res.cross)} links between machines ({res.seconds:.2f} s)")
    for name, m in res.machines.items():
        print(f"  {name:<12} {m['underlay']:<16} {len(m['nodes'])} nodes, {m['cross']} VXLAN "
              f"ends: {', '.join(m['nodes'][:8])}{' ...' if len(m['nodes']) > 8 else ''}")
    print(f"try: nslab exec {lab.name} {lab.nodes[0].name} -- ip addr    "
          f"|  remove: nslab down {lab.name}")
    return ExitCode.OK
