"""Layer-2 segments: which link ends share a broadcast domain. Pure.

A link between two non-switch nodes is a segment of its own. A switch joins
every link attached to it into one segment, and switches linked to each other
join their segments.
"""

from __future__ import annotations

from dataclasses import dataclass


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
    parent = list(range(len(links)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_link_of_switch: dict[str, int] = {}
    for i, ends in enumerate(links):
        for end in ends:
            if end.is_switch:
                j = first_link_of_switch.setdefault(end.node, i)
                parent[find(i)] = find(j)
    by_root: dict[int, list[int]] = {}
    for i in range(len(links)):
        by_root.setdefault(find(i), []).append(i)
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
