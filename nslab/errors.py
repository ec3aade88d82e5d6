"""Errors nslab raises. The library raises; only the CLI prints and exits.

Every error carries a one-line message that says where and what to do next,
and an exit code documented in docs/reference/cli.md ("Exit codes").
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """What the `nslab` command exits with (docs/reference/cli.md: "Exit codes")."""

    OK = 0
    ERROR = 1  # any other error
    USAGE = 2  # the command line asks for what cannot be
    SPEC = 3  # the topology file is invalid
    NOT_FOUND = 4  # a lab, node, namespace or process that is not there
    KERNEL = 5  # the kernel refused a step, or lacks a feature the lab needs
    NOT_ROOT = 6
    CONFLICT = 7  # a name nslab needs is taken
    COMMAND = 8  # a command or service from the file failed
    NOT_FULLY_UP = 9  # status, inspect: a namespace is missing, or up was cut short
    FAILED = 10  # test, why, run: an expectation does not hold, a packet does not pass
    DRIFT = 11  # check: the lab differs from its file (or repair left something)
    DAMAGED = 12  # a record of the lab under /run/nslab is damaged
    PARTLY_DOWN = 12  # down across machines: a machine that could not be reached keeps its part
    HANGUP = 129  # 128 + SIGHUP
    INTERRUPTED = 130  # 128 + SIGINT
    BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of the output went away
    TERMINATED = 143  # 128 + SIGTERM


class NslabError(Exception):
    """Base class. `exit_code` is what the CLI exits with."""

    exit_code = ExitCode.ERROR


@dataclass(frozen=True)
class Problem:
    """One problem in a topology file: where (a path into the document) and what."""

    path: tuple[str | int, ...]
    message: str
    hint: str = ""


class UsageError(NslabError):
    """The command line asks for something that cannot be (a section that does
    not exist, nothing to run): exit 2, as argparse's own usage errors."""

    exit_code = ExitCode.USAGE


class SpecError(NslabError):
    """The topology file is invalid. Holds every problem found, already rendered."""

    exit_code = ExitCode.SPEC

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


class NotRootError(NslabError):
    exit_code = ExitCode.NOT_ROOT


class NotFoundError(NslabError):
    """A lab, node, namespace or process that is not there."""

    exit_code = ExitCode.NOT_FOUND


class LabNotFoundError(NotFoundError):
    pass


class ConflictError(NslabError):
    """A name nslab needs is taken, or the lab is owned by another file."""

    exit_code = ExitCode.CONFLICT


class KernelError(NslabError):
    """The kernel refused a step. `step` is the equivalent shell command."""

    exit_code = ExitCode.KERNEL

    def __init__(self, step: str, reason: str, hint: str = "") -> None:
        self.step = step
        self.reason = reason
        msg = f"kernel refused: {step}: {reason}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


class MissingFeatureError(NslabError):
    """The lab needs a kernel feature this machine lacks (found before anything is made)."""

    exit_code = ExitCode.KERNEL


class CommandError(NslabError):
    """A command the topology file asked to run inside a node failed."""

    exit_code = ExitCode.COMMAND


class DamagedRecordError(NslabError):
    """A record of a running lab under /run/nslab (its journal, lab.json,
    plan.json, nodes.json) is not whole or not of its shape: the message names
    it, and `nslab down LAB` (which falls back to nslab's marks) as the way on."""

    exit_code = ExitCode.DAMAGED


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, taken like Ctrl-C (what `up` is doing is rolled
    back); the CLI then exits 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


ROOT_NEEDED = "nslab needs root to make network namespaces: run it with sudo"


def require_root() -> None:
    if os.geteuid() != 0:
        raise NotRootError(ROOT_NEEDED)
