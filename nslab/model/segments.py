"""Layer-2 segments: which link ends share a broadcast domain. Pure.

A link between two non-switch nodes is a segment of its own. A switch joins
every link attached to it into one segment, and switches linked to each other
join their segments.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)


class Groups(Generic[T]):
    """Which items are joined, directly or through others (union-find)."""

    def __init__(self, items: Iterable[T]) -> None:
        self._up: dict[T, T] = {x: x for x in items}

    def root(self, x: T) -> T:
        while self._up[x] != x:
            self._up[x] = self._up[self._up[x]]
            x = self._up[x]
        return x

    def join(self, a: T, b: T) -> None:
        self._up[self.root(a)] = self.root(b)


@dataclass(frozen=True)
class End:
    node: str
    ifname: str
    is_switch: bool


@dataclass(frozen=True)
class RawSegment:
    links: tuple[int, ...]           # indexes into the file's links
    members: tuple[tuple[int, int], ...]  # (link index, end index) of layer-3 ends
    switches: tuple[str, ...]


def group(links: list[tuple[End, End]]) -> list[RawSegment]:
    joined = Groups(range(len(links)))
    first_link_of_switch: dict[str, int] = {}
    for i, ends in enumerate(links):
        for end in ends:
            if end.is_switch:
                joined.join(i, first_link_of_switch.setdefault(end.node, i))
    by_root: dict[int, list[int]] = {}
    for i in range(len(links)):
        by_root.setdefault(joined.root(i), []).append(i)
    out = []
    for members in sorted(by_root.values(), key=lambda m: m[0]):
        l3 = tuple((i, j) for i in members for j, e in enumerate(links[i]) if not e.is_switch)
        sw: list[str] = []
        for i in members:
            for e in links[i]:
                if e.is_switch and e.node not in sw:
                    sw.append(e.node)
        out.append(RawSegment(tuple(members), l3, tuple(sw)))
    return out
