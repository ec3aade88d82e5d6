"""Helpers the command modules share."""

from __future__ import annotations

import json
import sys
from typing import Any


def compile_file(path: str) -> Any:
    """The topology machinery (pydantic, YAML) is imported only by the
    commands that need it, so that inspect and ns start in a few tens of
    milliseconds."""
    from nslab.model.compile import compile_file as compile_

    return compile_(path)


def lab_to_dict(lab: Any) -> dict[str, Any]:
    from nslab.model.serialize import lab_to_dict as to_dict

    return to_dict(lab)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2))


def waiting(lab: str) -> Any:
    return lambda: print(f"nslab: waiting for another nslab command on lab '{lab}'...",
                         file=sys.stderr)


def command_words(words: list[str]) -> list[str]:
    """A command after `--` (argparse keeps the `--` in a REMAINDER)."""
    return words[1:] if words and words[0] == "--" else words
