"""Helpers the command modules share."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

from nslab.errors import NslabError, require_root
from nslab.state.record import namespace_of

if TYPE_CHECKING:
    from types import ModuleType


def lifecycle() -> ModuleType:
    """The topology machinery (pydantic, YAML): imported by the commands that
    need it, so that inspect and ns start in a few tens of milliseconds."""
    from nslab import lifecycle

    return lifecycle


def lab_to_dict(lab: Any) -> dict[str, Any]:
    from nslab.model.serialize import lab_to_dict as to_dict

    return to_dict(lab)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2))


def waiting(lab: str) -> Any:
    return lambda: print(f"nslab: waiting for another nslab command on lab '{lab}'...",
                         file=sys.stderr)


def enter(lab: str, node: str, argv: list[str]) -> int:
    require_root()
    return exec_ip(namespace_of(lab, node), argv)


def exec_ip(ns: str, argv: list[str]) -> int:
    """Become `ip netns exec NS ARGV...` (its /etc/netns and /sys handling included)."""
    sys.stdout.flush()
    try:
        os.execvp("ip", ["ip", "netns", "exec", ns, *argv])
    except OSError as e:
        raise NslabError(f"cannot run ip netns exec: {e.strerror} (is iproute2 installed?)"
                         ) from None


