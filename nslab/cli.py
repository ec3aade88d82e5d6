"""The `nslab` command. Thin: parse, call the library, render, map errors to
exit codes (README: "Exit codes"). Only this module prints or exits."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nslab import observed
from nslab.errors import NotFoundError, NslabError, SpecError, require_root
from nslab.state.record import namespace_of, node_list, recorded
from nslab.views import text

if TYPE_CHECKING:
    from types import ModuleType


def _lifecycle() -> ModuleType:
    """The topology machinery (pydantic, YAML): imported by the commands that
    need it, so that inspect and ns start in a few tens of milliseconds."""
    from nslab import lifecycle

    return lifecycle


def lab_to_dict(lab: Any) -> dict[str, Any]:
    from nslab.model.serialize import lab_to_dict as to_dict

    return to_dict(lab)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2))


def _waiting(lab: str) -> Any:
    return lambda: print(f"nslab: waiting for another nslab command on lab '{lab}'...",
                         file=sys.stderr)


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
    lab = _lifecycle().compile_file(a.file)
    if a.json:
        _print_json({"version": 1, "valid": True, "lab": lab_to_dict(lab)})
    else:
        print(f"{a.file}: valid: lab '{lab.name}', {text.counts(lab)}")
    return 0


def cmd_plan(a: argparse.Namespace) -> int:
    lab = _lifecycle().compile_file(a.file)
    p = _lifecycle().build_plan(lab)
    if a.shell:
        sys.stdout.write(p.as_shell())
    elif a.json:
        _print_json({"version": 1, "lab": lab.name, "steps": [
            {"step": type(s).__name__, "shell": s.as_shell()} for s in p.steps]})
    else:
        print(text.plan_text(p))
    return 0


def cmd_up(a: argparse.Namespace) -> int:
    require_root()
    lab = _lifecycle().compile_file(a.file)
    res = _lifecycle().up(lab, str(Path(a.file).resolve()), _progress_printer(len(lab.nodes)),
                       _waiting(lab.name))
    if a.json:
        _print_json({"version": 1, "lab": lab.name, "seconds": round(res.seconds, 4),
                     "notes": res.notes, "topology": lab_to_dict(lab)})
        return 0
    for note in res.notes:
        print(f"nslab: {note}", file=sys.stderr)
    print(f"lab {lab.name} is up: {text.counts(lab)} ({res.seconds:.2f} s)")
    if len(lab.nodes) <= 60:
        print(text.lab_summary(lab))
    print(f"try: nslab exec {lab.name} {lab.nodes[0].name} -- ip addr    "
          f"|  remove: nslab down {lab.name}")
    return 0


def cmd_down(a: argparse.Namespace) -> int:
    require_root()
    res = _lifecycle().down(a.target, _waiting(a.target))
    if a.json:
        _print_json({"version": 1, "lab": res.lab, "was_up": res.was_up,
                     "removed": res.removed, "skipped": res.skipped,
                     "processes_ended": res.processes, "seconds": round(res.seconds, 4)})
        return 0
    if not res.was_up:
        print(f"lab {res.lab} is not up: nothing to remove")
        return 0
    print(f"lab {res.lab} is down: removed {len(res.removed)} namespaces, ended "
          f"{res.processes} processes ({res.seconds:.2f} s)")
    for ns in res.skipped:
        print(f"nslab: left namespace '{ns}' alone: it is not the one this lab made",
              file=sys.stderr)
    return 0


def cmd_status(a: argparse.Namespace) -> int:
    if a.name is None:
        return cmd_list(a)
    st = _lifecycle().status(a.name)
    if a.json:
        _print_json(st)
    else:
        print(text.status_text(st))
    return 0 if st["state"] == "up" else 9


def cmd_list(a: argparse.Namespace) -> int:
    items = _lifecycle().list_labs()
    if a.json:
        _print_json({"version": 1, "labs": items})
    else:
        print(text.list_text(items))
    return 0


def _enter(lab: str, node: str, argv: list[str]) -> int:
    require_root()
    return _exec_ip(namespace_of(lab, node), argv)


def _exec_ip(ns: str, argv: list[str]) -> int:
    """Become `ip netns exec NS ARGV...` (its /etc/netns and /sys handling included)."""
    sys.stdout.flush()
    try:
        os.execvp("ip", ["ip", "netns", "exec", ns, *argv])
    except OSError as e:
        raise NslabError(f"cannot run ip netns exec: {e.strerror} (is iproute2 installed?)"
                         ) from None


def cmd_exec(a: argparse.Namespace) -> int:
    argv = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not argv:
        raise NslabError("nothing to run: nslab exec LAB NODE -- COMMAND [ARGS...]")
    return _enter(a.lab, a.node, argv)


def cmd_shell(a: argparse.Namespace) -> int:
    shell = os.environ.get("SHELL") or "/bin/bash"
    return _enter(a.lab, a.node, [shell])


def cmd_inspect(a: argparse.Namespace) -> int:
    from nslab import inspection
    from nslab.views import inspect as iv

    sections = inspection.parse_sections(a.only)
    text_mode = not a.json
    if a.node is None and inspection.is_lab(a.target):
        if a.only is None and text_mode:
            sections = ("interfaces", "addresses", "routes", "neighbours", "sockets",
                        "firewall", "sysctls", "processes")
        items = inspection.inspect_lab(a.target, sections, as_text=False)
        expected = len(node_list(a.target))
        if a.json:
            _print_json({"version": 1, "lab": a.target, "nodes": inspection.to_json(items)})
        else:
            print(iv.lab_overview(a.target, items, expected))
        return 0 if len(items) == expected else 9
    one = inspection.inspect(a.target, a.node, sections, as_text=text_mode)
    if a.json:
        _print_json({"version": 1, **one.to_dict()})
    else:
        print(iv.inspection(one))
    return 0


def cmd_ns(a: argparse.Namespace) -> int:
    from nslab import inspection
    from nslab.views import inspect as iv

    if a.ns_command == "add":
        ino = inspection.ns_add(a.name)
        if not a.quiet:
            print(f"namespace {a.name} added (id {ino})")
    elif a.ns_command == "del":
        inspection.ns_del(a.name)
        if not a.quiet:
            print(f"namespace {a.name} removed")
    elif a.ns_command == "exec":
        argv = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
        if not argv:
            raise NslabError("nothing to run: nslab ns exec NAME -- COMMAND [ARGS...]")
        require_root()
        if not os.path.lexists(f"/run/netns/{a.name}"):
            raise NotFoundError(f"no namespace '{a.name}' (see nslab ns list)")
        return _exec_ip(a.name, argv)
    else:
        items = inspection.ns_list()
        if a.json:
            _print_json({"version": 1, "namespaces": [dataclasses.asdict(e) for e in items]})
        else:
            print(iv.ns_list(items))
    return 0


def _graph_source(target: str) -> tuple[dict[str, Any], dict[tuple[str, str], str] | None, str]:
    if os.path.isfile(target) or target.endswith((".yaml", ".yml")):
        lab = _lifecycle().compile_file(target)
        return lab_to_dict(lab), None, f"lab {lab.name} (from {target})"
    _journal, data = recorded(target)
    st = _lifecycle().status(target)
    state = {(n["name"], i["name"]): i["state"] for n in st["nodes"] for i in n["interfaces"]}
    return data, state, f"lab {target} (running: green up, red dashed down)"


def cmd_graph(a: argparse.Namespace) -> int:
    import shutil
    import subprocess

    from nslab.views import graph

    fmt = a.format or (Path(a.output).suffix.lstrip(".") if a.output else "dot")
    if fmt not in ("svg", "png", "dot", "mermaid"):
        raise NslabError(f"cannot draw '{fmt}': use --format svg, png, dot or mermaid")
    data, state, title = _graph_source(a.target)
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
    return 0


def cmd_doctor(a: argparse.Namespace) -> int:
    from nslab import doctor
    from nslab.views import inspect as iv

    checks = doctor.run()
    ok = doctor.ready(checks)
    if a.json:
        _print_json({"version": 1, "ready": ok,
                     "checks": [dataclasses.asdict(c) for c in checks]})
    else:
        print(iv.doctor(checks, ok))
    return 0 if ok else 1


TEST_FAILED = 10


def cmd_test(a: argparse.Namespace) -> int:
    from nslab import reachability
    from nslab.views import testing

    if a.proto != "icmp" and a.port is None:
        raise NslabError(f"--proto {a.proto} needs --port")
    opts: dict[str, Any] = {
        "nodes": [n.strip() for n in a.nodes.split(",")] if a.nodes else None,
        "proto": a.proto, "port": a.port, "families": (a.family,) if a.family else (4, 6),
        "timeout": a.timeout, "with_matrix": not a.no_matrix}
    if os.path.isfile(a.target) or a.target.endswith((".yaml", ".yml")):
        require_root()
        report = reachability.check_file(a.target, **opts)
    else:
        report = reachability.check_lab(a.target, **opts)
    if a.junit:
        Path(a.junit).write_text(testing.junit(report))
    if a.json:
        _print_json({"version": 1, **report.to_dict()})
    else:
        print(testing.report(report))
    return 0 if report.ok else TEST_FAILED


def cmd_why(a: argparse.Namespace) -> int:
    from nslab.diagnose import why
    from nslab.views import testing

    d = why(a.lab, a.src, a.dst, a.proto, a.port, a.timeout)
    if a.json:
        _print_json({"version": 1, **d.to_dict()})
    else:
        print(testing.diagnosis(d))
    return 0 if d.reached else TEST_FAILED


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nslab", description="Virtual networks out of Linux "
                                "network namespaces.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Any, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=func)
        return sp

    sp = add("validate", cmd_validate, "check a topology file, change nothing")
    sp.add_argument("file")
    sp.add_argument("--json", action="store_true")
    sp = add("plan", cmd_plan, "show what up would do")
    sp.add_argument("file")
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--shell", action="store_true",
                   help="print the equivalent ip/sysctl commands as a bash script")
    g.add_argument("--json", action="store_true")
    sp = add("up", cmd_up, "build a lab from a topology file")
    sp.add_argument("file")
    sp.add_argument("--json", action="store_true")
    sp = add("down", cmd_down, "remove a lab (by name, or by its file)")
    sp.add_argument("target", metavar="NAME|FILE")
    sp.add_argument("--json", action="store_true")
    sp = add("status", cmd_status, "a lab's nodes, interfaces and addresses, read from the "
             "kernel (no name: the labs that are up)")
    sp.add_argument("name", nargs="?")
    sp.add_argument("--json", action="store_true")
    sp = add("list", cmd_list, "the labs that are up")
    sp.add_argument("--json", action="store_true")
    sp = add("exec", cmd_exec, "run a command inside a node; its exit status is passed through")
    sp.add_argument("lab")
    sp.add_argument("node")
    sp.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]")
    sp = add("shell", cmd_shell, "an interactive shell inside a node")
    sp.add_argument("lab")
    sp.add_argument("node")
    sp = add("inspect", cmd_inspect, "everything inside a namespace: a lab node (LAB NODE), "
             "a whole lab (LAB), any named namespace, or pid:PID")
    sp.add_argument("target", metavar="LAB|NAMESPACE|pid:PID")
    sp.add_argument("node", nargs="?", metavar="NODE")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--only", metavar="SECTION,...",
                    help="some of: " + ",".join(observed.SECTIONS))
    sp = add("graph", cmd_graph, "draw a lab: from its file, or live from a running lab")
    sp.add_argument("target", metavar="FILE|LAB")
    sp.add_argument("-o", "--output", metavar="FILE",
                    help="write here (format from the suffix unless --format says)")
    sp.add_argument("--format", choices=["svg", "png", "dot", "mermaid"],
                    help="default: dot on stdout, or the suffix of -o")
    sp = add("test", cmd_test, "probe a lab (all pairs, in parallel) and check the "
             "expectations of its file; on a FILE: up, test, down")
    sp.add_argument("target", metavar="LAB|FILE")
    sp.add_argument("--nodes", metavar="A,B,...", help="only these nodes in the matrix")
    sp.add_argument("--proto", choices=["icmp", "tcp", "udp"], default="icmp")
    sp.add_argument("--port", type=int)
    sp.add_argument("--family", type=int, choices=[4, 6])
    sp.add_argument("--timeout", type=float, metavar="S",
                    help="seconds per probe (default: the file's test.timeout, 1)")
    sp.add_argument("--no-matrix", action="store_true",
                    help="only the file's expectations")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    sp = add("why", cmd_why, "why SRC reaches DST or not: the path hop by hop, the way "
             "back, and the first thing that stops the packet")
    sp.add_argument("lab")
    sp.add_argument("src", metavar="SRC")
    sp.add_argument("dst", metavar="DST", help="a node, or an address")
    sp.add_argument("--proto", choices=["icmp", "tcp", "udp"], default="icmp")
    sp.add_argument("--port", type=int)
    sp.add_argument("--timeout", type=float, default=1.0, metavar="S")
    sp.add_argument("--json", action="store_true")
    sp = add("doctor", cmd_doctor, "can this machine run labs? kernel features, tools, limits")
    sp.add_argument("--json", action="store_true")
    sp = add("ns", cmd_ns, "named network namespaces, as ip netns manages them")
    nsub = sp.add_subparsers(dest="ns_command", required=True, metavar="add|del|exec|list")
    x = nsub.add_parser("add", help="make an empty named namespace (ip netns add)")
    x.add_argument("name")
    x.add_argument("-q", "--quiet", action="store_true")
    x = nsub.add_parser("del", help="remove a named namespace that no lab owns (ip netns del)")
    x.add_argument("name")
    x.add_argument("-q", "--quiet", action="store_true")
    x = nsub.add_parser("exec", help="run a command inside (ip netns exec)")
    x.add_argument("name")
    x.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]")
    x = nsub.add_parser("list", help="every network namespace, named or held by a process")
    x.add_argument("--json", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except SpecError as e:
        for line in e.lines:
            print(line, file=sys.stderr)
        return e.exit_code
    except NslabError as e:
        print(f"nslab: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("nslab: interrupted", file=sys.stderr)
        return 130
    except OSError as e:  # the kernel or /proc said no where nslab did not expect it
        print(f"nslab: {e.strerror or e}{f': {e.filename}' if e.filename else ''}",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
