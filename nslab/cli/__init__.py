"""The `nslab` command. Thin: parse, call the library, render, map errors to
exit codes (README: "Exit codes"). Only this package prints or exits; each
module holds a family of verbs."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from typing import Any

from nslab.cli import numbers
from nslab.cli.change import (
    cmd_apply,
    cmd_check,
    cmd_diff,
    cmd_node,
    cmd_run,
    cmd_web,
)
from nslab.cli.check import cmd_test, cmd_why
from nslab.cli.lab import (
    cmd_down,
    cmd_exec,
    cmd_gc,
    cmd_list,
    cmd_plan,
    cmd_shell,
    cmd_status,
    cmd_up,
    cmd_validate,
)
from nslab.cli.look import (
    client_command,
    cmd_capture,
    cmd_doctor,
    cmd_graph,
    cmd_inspect,
    cmd_link,
    cmd_ns,
)
from nslab.errors import ExitCode, NslabError, SpecError, Terminated
from nslab.records import observed
from nslab.suites import SUITES


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
    sp = add("apply", cmd_apply, "change a running lab into what the file says, touching "
             "only what differs (a lab that is not up is built)")
    sp.add_argument("file")
    sp.add_argument("--json", action="store_true")
    sp = add("diff", cmd_diff, "what apply FILE would change in the running lab; "
             "changes nothing")
    sp.add_argument("file")
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--shell", action="store_true",
                   help="print the change as the equivalent commands (a bash script)")
    g.add_argument("--json", action="store_true")
    sp = add("check", cmd_check, "compare a running lab with its file and journal, read "
             "from the kernel; exit 11 when they differ")
    sp.add_argument("lab")
    sp.add_argument("--repair", action="store_true", help="put back what differs")
    sp.add_argument("--json", action="store_true")
    sp = add("node", cmd_node, "stop a node (links down, services and daemons ended, "
             "namespace kept), start it again, or restart it")
    sp.add_argument("lab")
    sp.add_argument("node")
    sp.add_argument("action", choices=["stop", "start", "restart"])
    sp.add_argument("--json", action="store_true")
    sp = add("run", cmd_run, "play a running lab's timeline (faults at set times) while "
             "pairs are probed: how long each was cut off, when it came back")
    sp.add_argument("lab")
    sp.add_argument("--every", type=numbers.seconds, metavar="S",
                    help="seconds between probes (default: the file's timeline.every, 0.1)")
    sp.add_argument("--speed", type=numbers.speed, default=1.0, metavar="X",
                    help="play the events X times faster (0.01 to 100, default 1)")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    sp = add("web", cmd_web, "the running labs live in a browser: topology, link states "
             "and rates, inspect and why on a click, the tests")
    sp.add_argument("labs", nargs="*", metavar="LAB", help="only these labs (default: all)")
    sp.add_argument("--port", type=numbers.listen_port, default=8080)
    sp.add_argument("--bind", default="127.0.0.1",
                    help="the address to serve on (default 127.0.0.1; anything else needs a "
                         "token, made up unless --token gives one)")
    sp.add_argument("--token", help="the token every request must carry")
    sp.add_argument("--allow-changes", action="store_true",
                    help="let the page take links down and up and stop and start nodes")
    sp.add_argument("--open", action="store_true", help="open it in a browser")
    sp = add("down", cmd_down, "remove a lab (by name, or by its file)")
    sp.add_argument("target", metavar="NAME|FILE")
    sp.add_argument("--json", action="store_true")
    sp = add("status", cmd_status, "a lab's nodes, interfaces and addresses, read from the "
             "kernel (no name: the labs that are up)")
    sp.add_argument("name", nargs="?")
    sp.add_argument("--json", action="store_true")
    sp = add("gc", cmd_gc, "find what carries nslab's marks but no lab's journal claims "
             "(a lab whose /run/nslab record was lost) and, with --yes, remove it")
    sp.add_argument("--yes", action="store_true", help="remove what is found")
    sp.add_argument("--json", action="store_true")
    sp = add("list", cmd_list, "the labs that are up")
    sp.add_argument("--json", action="store_true")
    sp = add("exec", cmd_exec, "run a command inside a node; its exit status is passed through")
    sp.add_argument("lab")
    sp.add_argument("node")
    sp.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]")
    for suite, client in ((name, s.client) for name, s in SUITES.items()):
        sp = add(client, client_command(suite),
                 f"{client} of a router's {suite.upper()} (interactive without a command)")
        sp.add_argument("lab")
        sp.add_argument("node")
        sp.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- COMMAND")
    sp = add("link", cmd_link, "show or change a running lab's link: A B (the link "
             "between two nodes) or NODE:IFACE (one end), then show, down, up, "
             "set rate=RATE loss=PERCENT mtu=BYTES, clear (back to the file), flap")
    sp.add_argument("lab")
    sp.add_argument("words", nargs="+", metavar="A [B] [ACTION [KEY=VALUE...]]")
    sp.add_argument("--period", type=numbers.seconds, default=2.0, metavar="S",
                    help="flap: one down and up cycle takes this long (default 2)")
    sp.add_argument("--count", type=numbers.cycles, default=3, metavar="N",
                    help="flap: this many cycles (default 3)")
    sp.add_argument("--json", action="store_true")
    sp = add("capture", cmd_capture, "capture packets on a running lab's interfaces, merged "
             "in time order: pcapng (-w FILE, -w - for wireshark -k -i -) or a line each")
    sp.add_argument("lab")
    sp.add_argument("targets", nargs="+", metavar="NODE|NODE:IFACE|A/B")
    sp.add_argument("-w", dest="write", metavar="FILE", help="write pcapng here (- : stdout)")
    sp.add_argument("--filter", metavar="EXPR", help="a tcpdump filter expression")
    sp.add_argument("--count", type=numbers.packets, metavar="N", help="stop after N packets")
    sp.add_argument("--duration", type=numbers.seconds, metavar="S", help="stop after S seconds")
    sp.add_argument("--json", action="store_true", help="a JSON object per packet")
    sp = add("shell", cmd_shell, "an interactive shell inside a node")
    sp.add_argument("lab")
    sp.add_argument("node")
    sp = add("inspect", cmd_inspect, "everything inside a namespace: a lab node (LAB NODE), "
             "a whole lab (LAB), any named namespace, pid:PID, or host (where nslab runs)")
    sp.add_argument("target", metavar="LAB|NAMESPACE|pid:PID|host")
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
    sp.add_argument("--port", type=numbers.port)
    sp.add_argument("--family", type=int, choices=[4, 6])
    sp.add_argument("--timeout", type=numbers.seconds, metavar="S",
                    help="seconds per probe (default: the file's test.timeout, 1)")
    sp.add_argument("--no-matrix", action="store_true",
                    help="only the file's expectations")
    sp.add_argument("--converge", choices=["auto"],
                    help="first wait until every router's table holds every prefix it "
                         "should (routing daemons), as test.converge: auto")
    sp.add_argument("--converge-within", type=numbers.seconds, default=60.0, metavar="S",
                    help="at most this long (default 60)")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    sp = add("why", cmd_why, "why SRC reaches DST or not: the path hop by hop, the way "
             "back, and the first thing that stops the packet")
    sp.add_argument("lab")
    sp.add_argument("src", metavar="SRC")
    sp.add_argument("dst", metavar="DST", help="a node, or an address")
    sp.add_argument("--proto", choices=["icmp", "tcp", "udp"], default="icmp")
    sp.add_argument("--port", type=numbers.port)
    sp.add_argument("--timeout", type=numbers.seconds, default=1.0, metavar="S")
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


STOPPED: dict[int, str] = {signal.SIGINT: "interrupted (Ctrl-C)",
                           signal.SIGTERM: "terminated (SIGTERM)",
                           signal.SIGHUP: "hung up (SIGHUP)"}


def _terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):  # as Ctrl-C: roll back, then exit
        signal.signal(sig, _terminated)
    try:
        code: int = args.func(args)
        return code
    except SpecError as e:
        for line in e.lines:
            print(line, file=sys.stderr)
        return e.exit_code
    except NslabError as e:
        print(f"nslab: {e}", file=sys.stderr)
        for note in getattr(e, "__notes__", ()):
            print(f"nslab: {note}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt as e:
        signum = e.signum if isinstance(e, Terminated) else signal.SIGINT
        print(f"nslab: {STOPPED.get(signum, 'stopped')}", file=sys.stderr)
        return ExitCode(128 + signum)  # SIGINT, SIGTERM, SIGHUP: each has its code
    except BrokenPipeError:  # the reader went away (| head): nothing left to say
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return ExitCode.BROKEN_PIPE
    except OSError as e:  # the kernel or /proc said no where nslab did not expect it
        print(f"nslab: {e.strerror or e}{f': {e.filename}' if e.filename else ''}",
              file=sys.stderr)
        return ExitCode.ERROR


if __name__ == "__main__":
    sys.exit(main())
