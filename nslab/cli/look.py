"""Looking inside: inspect, ns, graph, doctor."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

from nslab.cli.common import print_json
from nslab.errors import ExitCode, NslabError, UsageError


def cmd_inspect(a: argparse.Namespace) -> int:
    from nslab.verbs import inspect as inspection
    from nslab.views import inspect as iv

    sections = inspection.parse_sections(a.only)
    text_mode = not a.json
    if a.node is None and inspection.is_lab(a.target):
        expected = inspection.node_count(a.target)
        lines = inspection.overview(a.target)
        short = inspection.short_of_interfaces(a.target, lines)
        if a.json:
            items = inspection.inspect_lab(a.target, sections, as_text=False)
            print_json({"version": 1, "lab": a.target, "nodes": inspection.to_json(items),
                        "missing_nodes": expected - len(items),
                        "short_of_interfaces": {n: {"have": have, "made": made}
                                                for n, (have, made) in short.items()}})
            return ExitCode.OK if len(items) == expected and not short else ExitCode.NOT_FULLY_UP
        print(iv.lab_overview(a.target, lines, expected))
        for node, (have, made) in short.items():
            print(f"nslab: node {node} has {have} of the {made} interfaces the lab made "
                  f"(nslab status {a.target})", file=sys.stderr)
        return ExitCode.OK if len(lines) == expected and not short else ExitCode.NOT_FULLY_UP
    one = inspection.inspect(a.target, a.node, sections, as_text=text_mode)
    if a.json:
        print_json({"version": 1, **one.to_dict()})
    else:
        print(iv.inspection(one))
    return ExitCode.OK


def cmd_ns(a: argparse.Namespace) -> int:
    from nslab.verbs import ns
    from nslab.views import inspect as iv

    if a.ns_command == "add":
        ino = ns.ns_add(a.name)
        if not a.quiet:
            print(f"namespace {a.name} added (id {ino})")
    elif a.ns_command == "del":
        ns.ns_del(a.name)
        if not a.quiet:
            print(f"namespace {a.name} removed")
    elif a.ns_command == "exec":
        argv = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
        if not argv:
            raise UsageError("nothing to run: nslab ns exec NAME -- COMMAND [ARGS...]")
        from nslab.verbs import enter

        return enter.named(a.name, argv)
    else:
        items = ns.ns_list()
        if a.json:
            print_json({"version": 1, "namespaces": [dataclasses.asdict(e) for e in items]})
        else:
            print(iv.ns_list(items))
    return ExitCode.OK


def cmd_graph(a: argparse.Namespace) -> int:
    import shutil
    import subprocess

    from nslab.views import graph

    fmt = a.format or (Path(a.output).suffix.lstrip(".") if a.output else "dot")
    if fmt not in ("svg", "png", "dot", "mermaid"):
        raise UsageError(f"cannot draw '{fmt}': use --format svg, png, dot or mermaid")
    from nslab.verbs.graph import source

    data, state, title = source(a.target)
    if fmt == "mermaid":
        out = graph.to_mermaid(data, state).encode()
    else:
        dot = graph.to_dot(data, state, title)
        if fmt == "dot":
            out = dot.encode()
        else:
            if shutil.which("dot") is None:
                raise NslabError("Graphviz is not installed (apt install graphviz); or use "
                                 "--format dot or --format mermaid")
            r = subprocess.run(["dot", f"-T{fmt}"], input=dot.encode(), capture_output=True)
            if r.returncode != 0:
                raise NslabError(f"graphviz failed: {r.stderr.decode().strip()[:200]}")
            out = r.stdout
    target = a.output or (f"{data['name']}.{fmt}" if fmt in ("svg", "png") else None)
    if target is None:
        sys.stdout.write(out.decode())
    else:
        Path(target).write_bytes(out)
        print(f"wrote {target} ({len(data['nodes'])} nodes)")
    return ExitCode.OK


def cmd_doctor(a: argparse.Namespace) -> int:
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




def _client(a: argparse.Namespace, suite: str) -> int:
    import os
    import shutil

    from nslab.running.daemons import client_argv

    words = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    argv = client_argv(a.lab, a.node, suite, words)
    if shutil.which(argv[0]) is None:
        raise NslabError(f"{argv[0]} is not installed (scripts/setup.sh installs it)")
    sys.stdout.flush()
    os.execvp(argv[0], argv)


def client_command(suite: str) -> Callable[[argparse.Namespace], int]:
    """`nslab vtysh`, `nslab birdc`, ...: the client of a routing suite."""
    return lambda a: _client(a, suite)


def cmd_link(a: argparse.Namespace) -> int:
    from nslab.verbs import link

    words = list(a.words)
    at = next((k for k, w in enumerate(words) if w in link.ACTIONS), len(words))
    names, action, rest = words[:at], (words[at] if at < len(words) else "show"), \
        words[at + 1:]
    props = dict(w.split("=", 1) for w in rest if "=" in w)
    if len(props) != len(rest) or (rest and action != "set"):
        raise UsageError(f"{action} takes no {' '.join(rest)}" if action != "set"
                         else "set takes KEY=VALUE words: rate=1mbit loss=5%")

    def say(view: link.LinkView) -> None:
        if a.json:
            print_json({"version": 1, **view.to_dict()})
            return
        for e in view.ends:
            rate = f"{e.rate_bps / 1e6:g}mbit" if e.rate_bps else "no limit"
            peer = next((p for p in view.peers if p.name != e.name), None)
            loss = f"{peer.loss * 100:g}%" if peer and peer.loss else "0%"
            print(f"{e.name}: {'up' if e.up else 'DOWN'}, sends at {rate}, "
                  f"{loss} of what it sends lost{' (changed)' if e.changed else ''}")

    if action == "flap":
        view = link.flap(a.lab, names, a.period, a.count, None if a.json else say)
        if a.json:
            say(view)
        return ExitCode.OK
    say(link.change(a.lab, names, action, props))
    return ExitCode.OK


def cmd_capture(a: argparse.Namespace) -> int:
    from nslab.verbs.capture import capture_to

    if a.json and a.write:
        raise UsageError("--json prints a JSON object per packet; -w writes pcapng: one of them")
    if a.count is not None and a.count < 1:
        raise UsageError("--count takes a number of packets, 1 or more")
    sys.stdout.flush()
    n = capture_to(a.lab, a.targets, a.write, a.filter, a.count, a.duration, a.json)
    if n >= 0 and a.write != "-":
        print(f"nslab: {n} packets captured" + (f" in {a.write}" if a.write else ""),
              file=sys.stderr)
    return ExitCode.OK
