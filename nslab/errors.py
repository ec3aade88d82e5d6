"""Errors nslab raises. The library raises; only the CLI prints and exits.

Every error carries a one-line message that says where and what to do next,
and an exit code documented in the README (CLI reference, "Exit codes").
"""

from __future__ import annotations

import os
from dataclasses import dataclass


class NslabError(Exception):
    """Base class. `exit_code` is what the CLI exits with."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One problem in a topology file: where (a path into the document) and what."""

    path: tuple[str | int, ...]
    message: str
    hint: str = ""


class UsageError(NslabError):
    """The command line asks for something that cannot be (a section that does
    not exist, nothing to run): exit 2, as argparse's own usage errors."""

    exit_code = 2


class SpecError(NslabError):
    """The topology file is invalid. Holds every problem found, already rendered."""

    exit_code = 3

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


class NotRootError(NslabError):
    exit_code = 6


class NotFoundError(NslabError):
    """A lab, node, namespace or process that is not there."""

    exit_code = 4


class LabNotFoundError(NotFoundError):
    pass


class ConflictError(NslabError):
    """A name nslab needs is taken, or the lab is owned by another file."""

    exit_code = 7


class KernelError(NslabError):
    """The kernel refused a step. `step` is the equivalent shell command."""

    exit_code = 5

    def __init__(self, step: str, reason: str, hint: str = "") -> None:
        self.step = step
        self.reason = reason
        msg = f"kernel refused: {step}: {reason}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


class MissingFeatureError(NslabError):
    """The lab needs a kernel feature this machine lacks (found before anything is made)."""

    exit_code = 5


class CommandError(NslabError):
    """A command the topology file asked to run inside a node failed."""

    exit_code = 8


class DamagedRecordError(NslabError):
    """A record of a running lab under /run/nslab (its journal, lab.json,
    plan.json, nodes.json) is not whole or not of its shape: the message names
    it, and `nslab down LAB` (which falls back to nslab's marks) as the way on."""

    exit_code = 12


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
