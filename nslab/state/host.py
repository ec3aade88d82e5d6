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


# ---------------------------------------------------------------- machine sysctls
def _sysctl_path() -> str:
    return os.path.join(journal.ROOT, ".host", "sysctl.json")


def _load_sysctls() -> dict[str, dict[str, object]]:
    try:
        with open(_sysctl_path()) as f:
            data: dict[str, dict[str, object]] = json.load(f)
            return data
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _save_sysctls(data: dict[str, dict[str, object]]) -> None:
    path = _sysctl_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = {k: v for k, v in data.items() if v.get("holders")}
    if not data:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(path))
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def _here() -> int:
    return os.stat("/proc/self/ns/net").st_ino


def hold_sysctl(lab: str, key: str, value: str, read: Callable[[str], str],
                write: Callable[[str, str], None]) -> str:
    """Lab `lab` needs `key` = `value` on the machine (the namespace nslab runs
    in: entries are kept per namespace): record the original (the first holder
    does), then set it. Returns the value it had. Call with the 'host' lock held."""
    data = _load_sysctls()
    before = read(key)
    entry = data.setdefault(f"{_here()}/{key}", {"original": before, "holders": {}})
    holders = entry["holders"]
    assert isinstance(holders, dict)
    holders[lab] = value
    _save_sysctls(data)  # recorded before the kernel is touched
    write(key, value)
    return before


def release_sysctls(lab: str, write: Callable[[str, str], None]) -> list[str]:
    """Lab `lab` goes: the keys no other lab holds get their original value
    back, in this namespace only (a holder recorded in another one is dropped
    without writing: that namespace is not this machine). Returns the keys
    restored."""
    data = _load_sysctls()
    restored = []
    here = str(_here())
    for where_key, entry in data.items():
        holders = entry.get("holders")
        assert isinstance(holders, dict)
        if lab not in holders:
            continue
        del holders[lab]
        ino, _, key = where_key.partition("/")
        if not holders and ino == here:
            write(key, str(entry["original"]))
            restored.append(key)
    _save_sysctls(data)
    return restored


# ---------------------------------------------------------------- shared folders
def _dirs_path() -> str:
    return os.path.join(journal.ROOT, ".host", "dirs.json")


def hold_dir(lab: str, path: str) -> None:
    """Lab `lab` puts files in `path` (such as /etc/netns), making it if it is
    not there; the last lab out removes it, if nslab made it and it is empty.
    Call with the 'host' lock held."""
    try:
        with open(_dirs_path()) as f:
            data: dict[str, dict[str, Any]] = json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        data = {}
    entry = data.setdefault(path, {"made": not os.path.isdir(path), "holders": []})
    if lab not in entry["holders"]:
        entry["holders"].append(lab)
    _save_dirs(data)  # recorded before the folder is made
    os.makedirs(path, exist_ok=True)


def release_dirs(lab: str) -> None:
    try:
        with open(_dirs_path()) as f:
            data: dict[str, dict[str, Any]] = json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        return
    for path, entry in data.items():
        if lab in entry["holders"]:
            entry["holders"].remove(lab)
            if not entry["holders"] and entry["made"]:
                with contextlib.suppress(OSError):
                    os.rmdir(path)  # only when empty: what others put there stays
    _save_dirs(data)


def _save_dirs(data: dict[str, dict[str, Any]]) -> None:
    path = _dirs_path()
    data = {k: v for k, v in data.items() if v["holders"]}
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
