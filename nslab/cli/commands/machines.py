"""nslab machines check FILE"""

from __future__ import annotations

import argparse

from nslab.cli.common import compile_file, print_json
from nslab.errors import ExitCode, UsageError

HELP = ("the machines of a lab across machines: check that each is reached, runs the same "
        "nslab, has VXLAN, which MTU the links between them get, and that a full-size packet "
        "crosses between every two of them unfragmented")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["check"])
    p.add_argument("file")
    p.add_argument("--json", action="store_true")


def run(a: argparse.Namespace) -> int:
    lab = compile_file(a.file)
    if lab.spread is None:
        raise UsageError(f"{a.file} names no machines (machines: NAME: {{ssh: user@host}})")
    from nslab.cli import version
    from nslab.running import spread

    out = spread.check(lab, version())
    if a.json:
        print_json(out)
    else:
        for name, m in out["machines"].items():
            print(f"  {name:<12} {'ok' if m['ok'] else 'FAILED':<7} " + (
                f"{m['hostname']} underlay {m['underlay']} MTU {m['mtu']}" if m["ok"]
                else m["error"]))
        for path in out.get("paths", []):
            if not path["reached"]:
                print(f"  {path['from']} -> {path['to']}: a {path.get('size', '?')}-byte packet "
                      f"that may not be fragmented does not get through ({path['said']})")
        if "mtu" in out:
            print(f"links between machines: VXLAN on UDP {out['port']}, MTU {out['mtu']}"
                  + ("" if out["ok"] else ": too big for the paths above (cross: {mtu: N}, "
                     "or a larger MTU between the machines)"))
    return ExitCode.OK if out["ok"] else ExitCode.ERROR
