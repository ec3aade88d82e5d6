"""Sysctls of the network namespace the calling thread is in (/proc/sys/net
follows the thread), so the same calls serve the host and, inside
`netns.entered`, a lab node."""

from __future__ import annotations


def _path(key: str) -> str:
    return "/proc/sys/" + key.replace(".", "/")


def read(key: str) -> str:
    with open(_path(key)) as f:
        return f.read().strip()


def number(path: str) -> int | None:
    """A numeric sysctl by its path under /proc/sys/net (`ipv4/conf/eth0.5/forwarding`:
    a path, since interface names may hold dots); None when it is not there."""
    try:
        with open(f"/proc/sys/net/{path}") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def write(key: str, value: str) -> None:
    with open(_path(key), "w") as f:
        f.write(value)


def neighbour_thresh(family: int) -> tuple[int, int, int]:
    base = "net.ipv4.neigh.default" if family == 4 else "net.ipv6.neigh.default"
    a, b, c = (int(read(f"{base}.gc_thresh{i}")) for i in (1, 2, 3))
    return (a, b, c)


def set_neighbour_thresh(family: int, value: tuple[int, int, int]) -> None:
    base = "net.ipv4.neigh.default" if family == 4 else "net.ipv6.neigh.default"
    # raise the hard limit first and lower it last, so 1 <= 2 <= 3 holds throughout
    order = (3, 2, 1) if value[2] >= neighbour_thresh(family)[2] else (1, 2, 3)
    for i in order:
        write(f"{base}.gc_thresh{i}", str(value[i - 1]))
