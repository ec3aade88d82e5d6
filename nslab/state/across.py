"""The records of the labs across machines this machine controls
(/run/nslab/.machines/LAB.json: its machines, the state of each, what each
holds), and the controller's hold on a lab while it changes it. Read cheaply:
`nslab list` and every verb that names a lab look here first."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from typing import Any

from nslab.errors import ConflictError, LabNotFoundError, NslabError

RECORDS = "/run/nslab/.machines"


@contextlib.contextmanager
def controlling(name: str) -> Iterator[None]:
    """This controller's hold on the lab while it makes or removes it: another
    nslab up or down of the same lab from here is refused (it would take down
    the parts this one makes)."""
    os.makedirs(RECORDS, exist_ok=True)
    path = os.path.join(RECORDS, f".{name}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    held = False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConflictError(f"another nslab is making or removing lab '{name}' across "
                                "machines from here: wait for it") from None
        held = True
        yield
    finally:
        if held and not is_spread(name):  # the lab is gone: nothing of it stays here
            with contextlib.suppress(OSError):
                os.unlink(path)
            for folder in (RECORDS, os.path.dirname(RECORDS)):  # when nothing else is there
                with contextlib.suppress(OSError):
                    os.rmdir(folder)
        os.close(fd)


def record_path(name: str) -> str:
    return os.path.join(RECORDS, f"{name}.json")


def is_spread(name: str) -> bool:
    """Whether `name` is a lab across machines that this machine controls."""
    return os.path.exists(record_path(name))


def recorded_labs() -> dict[str, dict[str, Any]]:
    """Every lab across machines this machine controls: name -> its record."""
    out = {}
    try:
        names = sorted(f[:-5] for f in os.listdir(RECORDS) if f.endswith(".json"))
    except FileNotFoundError:
        return {}
    for name in names:
        try:
            out[name] = read_record(name)
        except NslabError:
            out[name] = {"machines": [], "source": None}
    return out


def read_record(name: str) -> dict[str, Any]:
    try:
        with open(record_path(name)) as f:
            data: dict[str, Any] = json.load(f)
    except FileNotFoundError:
        raise LabNotFoundError(f"lab '{name}' is not up across machines from here") from None
    except (OSError, ValueError) as e:
        raise NslabError(f"{record_path(name)} does not read ({e}): its machines are named "
                         "in it; remove it when each machine has taken the lab down "
                         f"(nslab down {name} there)") from None
    return data


def write_record(name: str, data: dict[str, Any]) -> None:
    """The record replaced whole (a new file renamed over it: never half written)."""
    os.makedirs(RECORDS, exist_ok=True)
    tmp = record_path(name) + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, record_path(name))
