"""The lab verbs: validate, plan, up, down, status, list, exec, shell."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from nslab.cli.common import compile_file, lab_to_dict, print_json, waiting
from nslab.errors import ExitCode, UsageError, require_root
from nslab.views import text

_PHASES = {"AddNamespace": "namespaces", "SetSysctl": "sysctls", "AddVeth": "veth pairs",
           "AddBridge": "bridges", "SetMaster": "bridge ports", "AddAddress": "addresses",
           "SetLinkUp": "links up", "AddRoute": "routes", "RunCommand": "commands",
           "StartService": "services", "SetNeighbourLimits": "neighbour limits"}


def _progress_printer(total_nodes: int) -> Any:
    """Progress on stderr for labs of 100 nodes or more: each phase when it is
    done, and every 500 namespaces while they are made."""
    if total_nodes < 100:
        return None

    def show(phase: str, done: int, total: int) -> None:
        if done == total or (done and done % 500 == 0):
            with contextlib.suppress(OSError):  # a closed stderr must not abort up
                print(f"nslab: {_PHASES.get(phase, phase)} {done}/{total}", file=sys.stderr)
    return show


def cmd_validate(a: argparse.Namespace) -> int:
    lab = compile_file(a.file)
    if a.json:
        print_json({"version": 1, "valid": True, "lab": lab_to_dict(lab)})
    else:
        print(f"{a.file}: valid: lab '{lab.name}', {text.counts(lab)}")
    return ExitCode.OK


def cmd_plan(a: argparse.Namespace) -> int:
    lab = compile_file(a.file)
    from nslab.verbs.up import build_plan

    p = build_plan(lab)
    if a.shell:
        sys.stdout.write(p.as_shell())
    elif a.json:
        print_json({"version": 1, "lab": lab.name, "steps": [
            {"step": type(s).__name__, "shell": s.as_shell()} for s in p.steps]})
    else:
        print(text.plan_text(p))
    return ExitCode.OK


def cmd_up(a: argparse.Namespace) -> int:
    require_root()
    lab = compile_file(a.file)
    from nslab.verbs.up import up

    res = up(lab, str(Path(a.file).resolve()), _progress_printer(len(lab.nodes)),
                       waiting(lab.name))
    if a.json:
        print_json({"version": 1, "lab": lab.name, "seconds": round(res.seconds, 4),
                     "notes": res.notes, "topology": res.recorded()})
        return ExitCode.OK
    for note in res.notes:
        print(f"nslab: {note}", file=sys.stderr)
    print(f"lab {lab.name} is up: {text.counts(lab)} ({res.seconds:.2f} s)")
    if len(lab.nodes) <= 60:
        print(text.lab_summary(lab))
    if lab.machine:
        print(text.machine_text(res.recorded()["machine"]))
    print(f"try: nslab exec {lab.name} {lab.nodes[0].name} -- ip addr    "
          f"|  remove: nslab down {lab.name}")
    return ExitCode.OK


def cmd_down(a: argparse.Namespace) -> int:
    require_root()
    from nslab.verbs.down import down

    res = down(a.target, waiting(a.target))
    if a.json:
        print_json({"version": 1, "lab": res.lab, "was_up": res.was_up,
                     "removed": res.removed, "skipped": res.skipped,
                     "processes_ended": res.processes, "seconds": round(res.seconds, 4),
                     "notes": res.notes, "failed": res.failed})
        return ExitCode.ERROR if res.failed else ExitCode.OK
    if not res.was_up:
        print(f"lab {res.lab} is not up: nothing to remove")
        return ExitCode.OK
    print(f"lab {res.lab} is down: removed {len(res.removed)} namespaces, ended "
          f"{res.processes} processes ({res.seconds:.2f} s)")
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


def cmd_status(a: argparse.Namespace) -> int:
    if a.name is None:
        return cmd_list(a)
    from nslab.verbs.status import status

    st = status(a.name)
    if a.json:
        print_json(st)
    else:
        print(text.status_text(st))
    return ExitCode.OK if st["state"] == "up" else ExitCode.NOT_FULLY_UP


def cmd_list(a: argparse.Namespace) -> int:
    from nslab.verbs.status import list_labs

    items = list_labs()
    if a.json:
        print_json({"version": 1, "labs": items})
    else:
        print(text.list_text(items))
    return ExitCode.OK


def cmd_exec(a: argparse.Namespace) -> int:
    argv = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not argv:
        raise UsageError("nothing to run: nslab exec LAB NODE -- COMMAND [ARGS...]")
    from nslab.verbs import enter

    return enter.node(a.lab, a.node, argv)


def cmd_shell(a: argparse.Namespace) -> int:
    shell = os.environ.get("SHELL") or "/bin/bash"
    from nslab.verbs import enter

    return enter.node(a.lab, a.node, [shell])




def cmd_gc(a: argparse.Namespace) -> int:
    """What carries nslab's marks but no lab claims; removed with --yes."""
    import dataclasses

    from nslab.verbs import gc

    found = gc.find()
    failed = gc.remove(found) if a.yes and found else []
    if a.json:
        print_json({"version": 1, "removed": bool(a.yes),
                     "found": [dataclasses.asdict(d) for d in found], "failed": failed})
        return ExitCode.ERROR if failed else ExitCode.OK
    if not found:
        print("nothing of nslab's is left on this machine outside the labs that are up")
        return ExitCode.OK
    print(text.table([[d.kind, d.name, d.lab, d.detail] for d in found],
                     ["KIND", "NAME", "LAB", "DETAIL"]))
    if not a.yes:
        print(f"{len(found)} objects carry nslab's marks and no lab claims them; "
              "remove them: nslab gc --yes")
        return ExitCode.OK
    for f in failed:
        print(f"nslab: could not remove {f}", file=sys.stderr)
    print(f"removed {len(found) - len(failed)} of {len(found)}")
    return ExitCode.ERROR if failed else ExitCode.OK
