"""The man page, nslab(1), written from the command line's own parser: one
section per verb with its usage, its help and its flags, and the exit codes
from nslab.errors.ExitCode. The package ships it (nslab/data/nslab.1, installed
as share/man/man1/nslab.1); tests/test_package.py checks that the shipped page
is the one this writes. Regenerate: python -m nslab.cli.manual > nslab/data/nslab.1
"""

from __future__ import annotations

import argparse
import sys

from nslab.cli import VERBS, parser
from nslab.errors import ExitCode

# what each exit code means, as docs/reference/cli.md's "Exit codes" says it
EXITS = {
    ExitCode.OK: "success",
    ExitCode.ERROR: "another error (the message says what, and what to do)",
    ExitCode.USAGE: "a wrong command line: an unknown option, a section or format that does "
                    "not exist, nothing to run",
    ExitCode.SPEC: "the topology file is invalid (every problem printed, with file:line:col)",
    ExitCode.NOT_FOUND: "a lab, node, namespace or process not found",
    ExitCode.KERNEL: "the kernel refused a step (up has rolled back), or lacks a feature the "
                     "lab uses (found before anything is made; nslab doctor)",
    ExitCode.NOT_ROOT: "not root",
    ExitCode.CONFLICT: "a name is taken: a namespace or machine interface nslab did not "
                       "make, a lab already up from another file, an address the machine has",
    ExitCode.COMMAND: "a command or service from the file failed (up has rolled back)",
    ExitCode.NOT_FULLY_UP: "status, inspect LAB: the lab is not fully up",
    ExitCode.FAILED: "test: an expectation does not hold; why: the packet does not get "
                     "through; run: an expectation after an event fails",
    ExitCode.DRIFT: "check: the running lab differs from its file (check --repair: "
                    "something could not be repaired)",
    ExitCode.DAMAGED: "a record of the lab under /run/nslab is damaged: nslab down removes "
                      "the lab by nslab's marks; down of a lab across machines: a machine "
                      "that could not be reached keeps its part (partly down)",
}


def _roff(text: str) -> str:
    """Text as roff reads it: backslashes and a leading dot or quote escaped."""
    out = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + out if out.startswith((".", "'")) else out


def _flags(sp: argparse.ArgumentParser) -> list[str]:
    out = []
    for a in sp._actions:
        if isinstance(a, argparse._HelpAction) or not a.option_strings or \
                a.help == argparse.SUPPRESS:
            continue
        names = ", ".join(f"\\fB{_roff(o)}\\fR" for o in a.option_strings)
        if a.nargs != 0 and a.metavar is not None:
            names += f" \\fI{_roff(str(a.metavar))}\\fR"
        elif a.nargs != 0 and a.choices:
            names += f" {{{_roff(','.join(str(c) for c in a.choices))}}}"
        elif a.nargs != 0:
            names += f" \\fI{_roff(a.dest.upper())}\\fR"
        said = a.help or ("the result as JSON (its shape: docs/json.md)"
                          if a.option_strings == ["--json"] else "")
        out += [".TP", names, _roff(said)]
    return out


def manual() -> str:
    from nslab.cli import version

    top = parser()
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    lines = [f'.TH NSLAB 1 "" "nslab {version()}" "User Commands"', ".SH NAME",
             "nslab \\- virtual networks out of Linux network namespaces",
             ".SH SYNOPSIS", "\\fBnslab\\fR \\fICOMMAND\\fR [\\fIARGS\\fR...]",
             ".br", "\\fBnslab\\fR \\fB\\-\\-version\\fR", ".SH DESCRIPTION",
             "nslab builds virtual networks out of network namespaces from one YAML file "
             "(hosts, routers, switches, links, addresses, routes, NAT, firewalls, routing "
             "daemons), tests them, explains why a packet does not get through, changes them "
             "while they run and removes them, leaving the machine as it was found. Every "
             "command that reads takes \\fB\\-\\-json\\fR where it says so.",
             ".SH COMMANDS"]
    for verb, _ in VERBS:
        sp = sub.choices[verb]
        usage = " ".join(sp.format_usage().split())[len("usage: "):]
        lines += [f".SS {verb}", f"\\fB{_roff(usage)}\\fR", ".PP",
                  _roff(sp.description or ""), *_flags(sp)]
    lines += [".SH EXIT STATUS"]
    for code, meaning in EXITS.items():
        lines += [".TP", f"\\fB{int(code)}\\fR", _roff(meaning)]
    lines += [".TP", "\\fB130\\fR, \\fB143\\fR, \\fB129\\fR",
              "interrupted by SIGINT, SIGTERM or SIGHUP (what was under way is rolled back)",
              ".TP", "\\fB141\\fR", "the reader of the output went away (SIGPIPE)",
              ".SH FILES", ".TP", "\\fI/run/nslab/LAB/\\fR",
              "the journal and records of a lab that is up (removed by down)",
              ".TP", "\\fI/run/netns/\\fR, \\fI/etc/netns/\\fR",
              "named namespaces and their per-namespace files, as ip netns keeps them",
              ".SH SEE ALSO", "\\fBip\\-netns\\fR(8), \\fBnft\\fR(8), \\fBtc\\fR(8), "
              "\\fBvtysh\\fR(1), \\fBbirdc\\fR(8)"]
    return "\n".join(lines) + "\n"


def markdown() -> str:
    """The same, as the docs site's page of every command and flag
    (docs/reference/commands.md; regenerate: python -m nslab.cli.manual --markdown)."""
    top = parser()
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    lines = ["# Every command and flag", "",
             "Written from the command line's own parser (as `man nslab` is); the "
             "[command-line guide](cli.md) says more, with examples.", ""]
    for verb, _ in VERBS:
        sp = sub.choices[verb]
        usage = " ".join(sp.format_usage().split())[len("usage: "):]
        lines += [f"## {verb}", "", f"`{usage}`", "", sp.description or "", ""]
        rows = []
        for a in sp._actions:
            if isinstance(a, argparse._HelpAction) or not a.option_strings or \
                    a.help == argparse.SUPPRESS:
                continue
            said = a.help or ("the result as JSON (its shape: [JSON outputs](../json.md))"
                              if a.option_strings == ["--json"] else "")
            choices = f" ({', '.join(str(c) for c in a.choices)})" if a.choices else ""
            rows.append(f"| `{', '.join(a.option_strings)}` | {said}{choices} |")
        if rows:
            lines += ["| flag | what it does |", "|---|---|", *rows, ""]
    lines += ["## Exit codes", "", "| code | meaning |", "|---|---|",
              *(f"| {int(c)} | {m} |" for c, m in EXITS.items()), ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown() if sys.argv[1:] == ["--markdown"] else manual())
