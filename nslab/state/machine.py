"""Machine-wide settings nslab changes for a while: recorded with their old
values, shared by the labs that need them, restored when the last one goes.

The neighbour table limits (gc_thresh1..3 of ARP and NDP), which every
namespace of the machine shares; and the machine's own sysctls a lab needs
(net.ipv4.ip_forward for labs that route through it).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable
from typing import Any

from nslab.state import journal

Thresh = tuple[int, int, int]
NEIGH, SYSCTL, DIRS = "neigh.json", "sysctl.json", "dirs.json"


def _path(name: str) -> str:
    return os.path.join(journal.lab_dir(journal.MACHINE_LOCK), name)


def _load(name: str) -> dict[str, dict[str, Any]]:
    """One record of the machine's borrowed settings (neigh, sysctl, dirs.json)."""
    try:
        with open(_path(name)) as f:
            data: dict[str, dict[str, Any]] = json.load(f)
            return data
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _save(name: str, data: dict[str, dict[str, Any]]) -> None:
    """Write it atomically; entries no lab holds are dropped, and so are the
    file and the .machine folder once nothing is left."""
    path = _path(name)
    data = {k: v for k, v in data.items() if v.get("holders")}
    if not data:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(path))
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def hold(lab: str, family: int, want: Thresh, read: Callable[[], Thresh],
         write: Callable[[Thresh], None]) -> None:
    """Lab `lab` needs at least `want`; record the original values first.
    Call with MACHINE_LOCK held."""
    data = _load(NEIGH)
    entry = data.setdefault(str(family), {"original": list(read()), "holders": {}})
    holders = entry["holders"]
    assert isinstance(holders, dict)
    holders[lab] = list(want)
    _save(NEIGH, data)  # recorded before the kernel is touched
    write(_max(holders.values(), read()))


def release(lab: str, write: Callable[[int, Thresh], None]) -> list[int]:
    """Lab `lab` no longer needs its limits: lower them to what the other
    holders need, or restore the originals when none is left. Returns the
    families restored or lowered."""
    data = _load(NEIGH)
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
    _save(NEIGH, data)
    return changed


def _max(values: Iterable[list[int]], floor: Thresh) -> Thresh:
    best = list(floor)
    for v in values:
        best = [max(a, int(b)) for a, b in zip(best, v, strict=True)]
    return (best[0], best[1], best[2])


# ---------------------------------------------------------------- machine sysctls
def hold_sysctl(lab: str, key: str, value: str, read: Callable[[str], str],
                write: Callable[[str, str], None], here: int) -> str:
    """Lab `lab` needs `key` = `value` on the machine (the namespace nslab runs
    in: entries are kept per namespace): record the original (the first holder
    does), then set it. Returns the value it had. Call with MACHINE_LOCK held."""
    data = _load(SYSCTL)
    before = read(key)
    entry = data.setdefault(f"{here}/{key}", {"original": before, "holders": {}})
    holders = entry["holders"]
    assert isinstance(holders, dict)
    holders[lab] = value
    _save(SYSCTL, data)  # recorded before the kernel is touched
    write(key, value)
    return before


def release_sysctls(lab: str, write: Callable[[str, str], None], here: int) -> list[str]:
    """Lab `lab` goes: the keys no other lab holds get their original value
    back, in this namespace only (a holder recorded in another one is dropped
    without writing: that namespace is not this machine). Returns the keys
    restored."""
    data = _load(SYSCTL)
    restored = []
    for where_key, entry in data.items():
        holders = entry.get("holders")
        assert isinstance(holders, dict)
        if lab not in holders:
            continue
        del holders[lab]
        ino, _, key = where_key.partition("/")
        if not holders and ino == str(here):
            write(key, str(entry["original"]))
            restored.append(key)
    _save(SYSCTL, data)
    return restored


# ---------------------------------------------------------------- shared folders
def hold_dir(lab: str, path: str, is_dir: Callable[[str], bool],
             make_dir: Callable[[str], None]) -> None:
    """Lab `lab` puts files in `path` (such as /etc/netns), making it if it is
    not there; the last lab out removes it, if nslab made it and it is empty.
    Call with MACHINE_LOCK held."""
    data = _load(DIRS)
    entry = data.setdefault(path, {"made": not is_dir(path), "holders": []})
    if lab not in entry["holders"]:
        entry["holders"].append(lab)
    _save(DIRS, data)  # recorded before the folder is made
    if not is_dir(path):
        make_dir(path)


def release_dirs(lab: str, remove_dir: Callable[[str], None]) -> None:
    data = _load(DIRS)
    for path, entry in data.items():
        if lab in entry["holders"]:
            entry["holders"].remove(lab)
            if not entry["holders"] and entry["made"]:
                with contextlib.suppress(OSError):
                    remove_dir(path)  # only when empty: what others put there stays
    _save(DIRS, data)


def holders() -> set[str]:
    """Every lab that holds a machine setting or a shared folder on record."""
    out: set[str] = set()
    for name in (NEIGH, SYSCTL, DIRS):
        for entry in _load(name).values():
            out.update(entry.get("holders") or ())
    return out
