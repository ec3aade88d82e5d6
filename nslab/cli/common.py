"""Helpers the command modules share."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

_COMPILED: dict[tuple[str, int, int], Any] = {}  # (path, mtime, size): a file read once


def compile_file(path: str) -> Any:
    """The topology machinery (the schema, YAML) is imported only by the
    commands that need it, so that inspect and ns start in a few tens of
    milliseconds. A file is compiled once per command (rootless mode reads
    it before entering the lab's holder, the verb after)."""
    from nslab.model.compile import compile_file as compile_

    try:
        st = os.stat(path)
        key = (os.path.abspath(path), st.st_mtime_ns, st.st_size)
    except OSError:
        return compile_(path)  # its own error, located
    if key not in _COMPILED:
        _COMPILED[key] = compile_(path)
    return _COMPILED[key]


def lab_to_dict(lab: Any) -> dict[str, Any]:
    from nslab.model.serialize import lab_to_dict as to_dict

    return to_dict(lab)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2))


def waiting(lab: str) -> Any:
    return lambda: print(f"nslab: waiting for another nslab command on lab '{lab}'...",
                         file=sys.stderr)


def file_as_shell_or_json(p: argparse.ArgumentParser, shell_help: str) -> None:
    """FILE, then --shell (the equivalent commands) or --json: plan and diff."""
    p.add_argument("file")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--shell", action="store_true", help=shell_help)
    g.add_argument("--json", action="store_true")


def node_and_command(p: argparse.ArgumentParser, metavar: str) -> None:
    """LAB NODE [-- COMMAND...]: exec and the routing suites' clients."""
    p.add_argument("lab")
    p.add_argument("node")
    p.add_argument("cmd", nargs=argparse.REMAINDER, metavar=metavar)


def command_words(words: list[str]) -> list[str]:
    """A command after `--` (argparse keeps the `--` in a REMAINDER)."""
    return words[1:] if words and words[0] == "--" else words
