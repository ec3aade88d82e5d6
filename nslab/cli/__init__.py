"""The `nslab` command. Thin: parse, call the library, render, map errors to
exit codes (docs/reference/cli.md: "Exit codes"). Only this package prints or exits; the
top level is a table of verbs, each verb one module of `commands` with its
flags beside its handler."""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import os
import signal
import sys
from typing import Any

from nslab.cli import rootless
from nslab.cli.rootless import OUTSIDE
from nslab.errors import ExitCode, NslabError, SpecError, Terminated
from nslab.suites import SUITES

# The verbs, in the order --help lists them; each is a module of
# nslab.cli.commands (HELP, arguments, run), imported when it is run.
VERBS: tuple[tuple[str, str], ...] = (
    ("new", "new"), ("validate", "validate"), ("convert", "convert"), ("plan", "plan"),
    ("up", "up"), ("apply", "apply"),
    ("diff", "diff"), ("check", "check"), ("node", "node"), ("run", "run"), ("web", "web"),
    ("down", "down"), ("status", "status"), ("gc", "gc"), ("list", "list"),
    ("exec", "exec"), *((s.client, "client") for s in SUITES.values()),
    ("link", "link"), ("capture", "capture"), ("shell", "shell"), ("inspect", "inspect"),
    ("graph", "graph"), ("test", "test"), ("why", "why"), ("doctor", "doctor"),
    ("ns", "ns"), ("machines", "machines"), ("k8s", "k8s"), ("schema", "schema"),
    ("completion", "completion"), ("agent", "agent"))
MODULES = dict(VERBS)
GC_THRESHOLD = 50_000  # objects allocated between two collections (Python's: 700)


def version() -> str:
    """The installed distribution's version (pyproject.toml's, in a checkout
    installed with pip -e too)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("nslab")
    except PackageNotFoundError:  # run from a checkout that pip never installed
        return "0+unknown"


class _Version(argparse.Action):
    """--version, read from the package's metadata only when asked."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"nslab {version()}")
        parser.exit()


def command(verb: str) -> Any:
    """The module of a verb (nslab.cli.commands.NAME)."""
    return importlib.import_module(f"nslab.cli.commands.{MODULES[verb]}")


def _help(verb: str, module: Any) -> str:
    suite = next((name for name, s in SUITES.items() if s.client == verb), "")
    return str(module.HELP).format(client=verb, SUITE=suite.upper())


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or (`only`) the top level and that one verb:
    running a verb imports its module and no other."""
    p = argparse.ArgumentParser(prog="nslab", description="Virtual networks out of Linux "
                                "network namespaces.")
    p.add_argument("--version", action=_Version, nargs=0,
                   help="print nslab's version and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for verb, _ in VERBS:
        if only is not None and verb != only:
            continue
        module = command(verb)
        text = _help(verb, module)
        # argparse formats a help with %: a literal one is %% there (not in a description)
        hidden = getattr(module, "HIDDEN", False)  # (what a transport starts: not listed)
        sp = sub.add_parser(verb, description=text) if hidden else sub.add_parser(
            verb, help=text.replace("%", "%%"), description=text)
        module.arguments(sp)
        if verb not in OUTSIDE:
            sp.add_argument("--rootless", action="store_true",
                            help="the lab in its own user namespace (automatic without root)")
        sp.set_defaults(func=module.run)
    return p


STOPPED: dict[int, str] = {signal.SIGINT: "interrupted (Ctrl-C)",
                           signal.SIGTERM: "terminated (SIGTERM)",
                           signal.SIGHUP: "hung up (SIGHUP)"}


def _terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


def main(argv: list[str] | None = None) -> int:
    """The command line; as the program (`argv` None) it leaves at once when
    the verb is done: a big compiled lab is not torn down object by object
    (~40 ms at 1,000 routers). Every verb has closed what it opened by then."""
    if argv is None:
        # a command builds a lab's objects by the thousand and none of them are
        # garbage: the cycle collector looks less often (a tenth of resolving a
        # big file went to it); a long-lived one (web, agent) still collects
        gc.set_threshold(GC_THRESHOLD, 20, 20)
    code = _main(argv)
    if argv is not None:
        return code
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = ExitCode.BROKEN_PIPE
    except OSError:
        pass
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    os._exit(code)


def _main(argv: list[str] | None) -> int:
    words = sys.argv[1:] if argv is None else argv
    if words == ["--version"]:  # without building the parser
        print(f"nslab {version()}")
        return ExitCode.OK
    if words[:1] == ["__complete"]:  # what the completion scripts ask, per TAB
        from nslab.cli import complete

        return complete.main(words[1:])
    args = parser(words[0] if words and words[0] in MODULES else None).parse_args(words)
    for sig in (signal.SIGTERM, signal.SIGHUP):  # as Ctrl-C: roll back, then exit
        signal.signal(sig, _terminated)
    try:
        from nslab.cli import across  # a lab across machines: the verb on its machines

        spread = across.route(args.command, args, words)
        if spread is not None:
            return spread
        if rootless.wanted(args.command, args):
            outside = rootless.route(args.command, args)
            if outside is not None:  # the verb ran inside the lab's holder
                return outside
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
