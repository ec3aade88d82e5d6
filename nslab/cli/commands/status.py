"""nslab status [LAB]"""

from __future__ import annotations

import argparse

from nslab.cli.commands import list as labs
from nslab.cli.common import print_json
from nslab.errors import ExitCode

HELP = ("a lab's nodes, interfaces and addresses, read from the kernel (no name: the labs "
        "that are up)")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?")
    p.add_argument("--json", action="store_true")


def run(a: argparse.Namespace) -> int:
    if a.name is None:
        return labs.run(a)
    from nslab.cli.across import is_spread

    if is_spread(a.name):
        return _across(a)
    from nslab.verbs.status import status
    from nslab.views import text

    st = status(a.name)
    if a.json:
        print_json(st)
    else:
        print(text.status_text(st))
    return ExitCode.OK if st["state"] == "up" else ExitCode.NOT_FULLY_UP


def _across(a: argparse.Namespace) -> int:
    from nslab.running import spread

    st = spread.status(a.name)
    if a.json:
        print_json(st)
    else:
        print(f"lab {st['lab']}: {st['state']} on {len(st['machines'])} machines")
        for name, m in st["machines"].items():
            print(f"  machine {name}: {m['state']}" + (f" ({m['error']})" if "error" in m
                                                        else ""))
        print(f"{'NODE':<16}{'MACHINE':<12}{'STATE':<10}INTERFACES")
        for n in st["nodes"]:
            ifaces = ", ".join(f"{i['name']} {' '.join(i.get('addresses', []))}".strip()
                               for i in n.get("interfaces", []))
            state = n.get("state") or ("stopped" if n.get("stopped") else
                                       "up" if n.get("present") else "missing")
            print(f"{n['name']:<16}{n['machine']:<12}{state:<10}{ifaces}")
    return ExitCode.OK if st["state"] == "up" else ExitCode.NOT_FULLY_UP
