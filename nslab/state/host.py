"""Machine-wide settings nslab changes for a while: recorded with their old
values, shared by the labs that need them, restored when the last one goes.

Today: the neighbour table limits (gc_thresh1..3 of ARP and NDP), which every
namespace of the machine shares.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable

from nslab.state import journal

Thresh = tuple[int, int, int]


def _path() -> str:
    return os.path.join(journal.ROOT, ".host", "neigh.json")


def _load() -> dict[str, dict[str, object]]:
    try:
        with open(_path()) as f:
            data: dict[str, dict[str, object]] = json.load(f)
            return data
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _save(data: dict[str, dict[str, object]]) -> None:
    os.makedirs(os.path.dirname(_path()), exist_ok=True)
    if not any(v.get("holders") for v in data.values()):
        try:
            os.unlink(_path())
            os.rmdir(os.path.dirname(_path()))
        except OSError:
            pass
        return
    tmp = _path() + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, _path())


def hold(lab: str, family: int, want: Thresh, read: Callable[[], Thresh],
         write: Callable[[Thresh], None]) -> None:
    """Lab `lab` needs at least `want`; record the original values first.
    Call with the 'host' lock held."""
    data = _load()
    entry = data.setdefault(str(family), {"original": list(read()), "holders": {}})
    holders = entry["holders"]
    assert isinstance(holders, dict)
    holders[lab] = list(want)
    _save(data)  # recorded before the kernel is touched
    write(_max(holders.values(), read()))


def release(lab: str, write: Callable[[int, Thresh], None]) -> list[int]:
    """Lab `lab` no longer needs its limits: lower them to what the other
    holders need, or restore the originals when none is left. Returns the
    families restored or lowered."""
    data = _load()
    changed = []
    for fam, entry in data.items():
        holders = entry.get("holders")
        assert isinstance(holders, dict)
        if lab not in holders:
            continue
        del holders[lab]
        original = entry["original"]
        assert isinstance(original, list)
        orig: Thresh = (int(original[0]), int(original[1]), int(original[2]))
        write(int(fam), _max(holders.values(), orig) if holders else orig)
        changed.append(int(fam))
    _save(data)
    return changed


def _max(values: Iterable[list[int]], floor: Thresh) -> Thresh:
    best = list(floor)
    for v in values:
        best = [max(a, int(b)) for a, b in zip(best, v, strict=True)]
    return (best[0], best[1], best[2])
