"""The rules for the names nslab gives and takes (whole strings, checked with
re.fullmatch: a `$` would let "h1\\n" in). Pure, no dependencies: the state
layer checks a lab name given on the command line before it touches a path."""

from __future__ import annotations

import os
import re

from nslab.errors import UsageError

LAB_NAME = r"[a-z][a-z0-9-]{0,19}"
NODE_NAME = r"[a-z][a-z0-9_-]{0,29}"


def is_lab_name(name: str) -> bool:
    return re.fullmatch(LAB_NAME, name) is not None


def lab_argument(name: str) -> str:
    """`name` when it is a lab name; otherwise a usage error (before any path
    is made of it: `nslab down ../../tmp/x` must not reach /tmp/x)."""
    if not is_lab_name(name):
        shown = repr(name)[1:-1]
        raise UsageError(f"'{shown}' is not a lab name (lowercase letters, digits and '-', "
                         "starting with a letter, at most 20 characters); nslab list shows "
                         "the labs that are up")
    return name


def names_a_file(target: str) -> bool:
    """Whether a command's LAB|FILE argument is a topology file (it exists, or
    ends in .yaml/.yml) rather than the name of a lab that is up."""
    return os.path.isfile(target) or target.endswith((".yaml", ".yml"))
