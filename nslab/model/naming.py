"""Names nslab gives things in the kernel. Predictable, documented, short."""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def namespace_name(lab: str, node: str, chosen: str | None = None) -> str:
    """The name under /run/netns (and in `ip netns list`) of a lab node: the
    file's choice (`nodes.N.namespace`), or <lab>-<node>."""
    return chosen or f"{lab}-{node}"


def interface_names(taken: Iterable[str]) -> Iterator[str]:
    """eth0, eth1, ... skipping names the file already uses on this node."""
    used = set(taken)
    i = 0
    while True:
        name = f"eth{i}"
        if name not in used:
            yield name
        i += 1
