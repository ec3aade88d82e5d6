"""nslab ns add|del|exec|list: named network namespaces, as ip netns manages them"""

from __future__ import annotations

import argparse
import dataclasses

from nslab.cli.common import command_words, print_json
from nslab.errors import ExitCode, UsageError

HELP = "named network namespaces, as ip netns manages them"


def arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="ns_command", required=True, metavar="add|del|exec|list")
    x = sub.add_parser("add", help="make an empty named namespace (ip netns add)")
    x.add_argument("name")
    x.add_argument("-q", "--quiet", action="store_true")
    x = sub.add_parser("del", help="remove a named namespace that no lab owns (ip netns del)")
    x.add_argument("name")
    x.add_argument("-q", "--quiet", action="store_true")
    x = sub.add_parser("exec", help="run a command inside (ip netns exec)")
    x.add_argument("name")
    x.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]")
    x = sub.add_parser("list", help="every network namespace, named or held by a process")
    x.add_argument("--json", action="store_true")


def run(a: argparse.Namespace) -> int:
    from nslab.verbs import ns

    if a.ns_command == "add":
        ino = ns.ns_add(a.name)
        if not a.quiet:
            print(f"namespace {a.name} added (id {ino})")
    elif a.ns_command == "del":
        ns.ns_del(a.name)
        if not a.quiet:
            print(f"namespace {a.name} removed")
    elif a.ns_command == "exec":
        argv = command_words(a.cmd)
        if not argv:
            raise UsageError("nothing to run: nslab ns exec NAME -- COMMAND [ARGS...]")
        from nslab.verbs import enter

        return enter.named(a.name, argv)
    else:
        from nslab.views import inspect as iv

        items = ns.ns_list()
        if a.json:
            print_json({"version": 1, "namespaces": [dataclasses.asdict(e) for e in items]})
        else:
            print(iv.ns_list(items))
    return ExitCode.OK
