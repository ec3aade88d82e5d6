"""nslab exec, nslab shell, nslab ns exec: become `ip netns exec NS ARGV...`
inside a lab's node or a named namespace (its /etc/netns and /sys handling
included), passing the exit status through."""

from __future__ import annotations

import os
import sys

from nslab.errors import NotFoundError, NslabError, require_root
from nslab.kernel import netns
from nslab.shell import as_node
from nslab.state.record import namespace_of


def node(lab: str, node: str, argv: list[str]) -> int:
    """Become `argv` in a lab's node, with the node's name as its hostname."""
    require_root()
    return namespace(namespace_of(lab, node), as_node(node, argv))


def named(name: str, argv: list[str]) -> int:
    require_root()
    if not os.path.lexists(netns.path(name)):
        raise NotFoundError(f"no namespace '{name}' (see nslab ns list)")
    return namespace(name, argv)


def namespace(ns: str, argv: list[str]) -> int:
    sys.stdout.flush()
    try:
        os.execvp("ip", ["ip", "netns", "exec", ns, *argv])
    except OSError as e:
        raise NslabError(f"cannot run ip netns exec: {e.strerror} (is iproute2 installed?)"
                         ) from None
