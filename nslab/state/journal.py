"""The per-lab record under /run/nslab/<lab>/ (tmpfs: it dies with the
namespaces at reboot) and the lock that serializes commands on one lab.

The journal is an append-only file of JSON lines, each written with one
write() before the step it announces, so that `down` can undo whatever an
interrupted `up` did, even after SIGKILL, without the topology file.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from nslab import signals
from nslab.errors import ConflictError, DamagedRecordError, NslabError
from nslab.names import is_lab_name, lab_argument
from nslab.state import shapes

ROOT = os.environ.get("NSLAB_STATE_DIR", "/run/nslab")


# the lock on the machine's borrowed settings, and their folder (no lab name
# starts with a dot, so neither can be a lab's)
MACHINE_LOCK = ".machine"


def lab_dir(lab: str) -> str:
    """The folder of lab `lab` (checked first: a name from the command line
    never becomes a path elsewhere)."""
    return os.path.join(ROOT, lab if lab == MACHINE_LOCK else lab_argument(lab))


LOCK_WAIT = float(os.environ.get("NSLAB_LOCK_WAIT", "300"))  # seconds, at most


@contextmanager
def locked(name: str, on_wait: Any = None, wait: float | None = None) -> Iterator[None]:
    """Hold the lock `name` (a lab name, or MACHINE_LOCK); wait for it when another
    nslab command holds it, calling `on_wait()` once first, for `wait` seconds
    at most (LOCK_WAIT), then fail naming the process that holds it. No signal
    can land between taking the lock and guarding it. The lock file is removed
    on release when the lab has no state left, so a machine with no lab up
    keeps nothing of nslab's (a waiter that finds its file unlinked takes the
    lock again on the new one)."""
    lab_dir(name)  # the name is checked before a lock file is made of it
    os.makedirs(ROOT, exist_ok=True)
    path = os.path.join(ROOT, f".{name}.lock")
    deadline = time.monotonic() + (LOCK_WAIT if wait is None else wait)
    taken: list[int] = []  # the fd, once locked: set while signals are held
    try:
        _take(path, name, on_wait, deadline, taken)
        yield
    finally:
        if taken:
            if not os.path.exists(lab_dir(name)):
                with suppress(FileNotFoundError):
                    os.unlink(path)
                with suppress(OSError):
                    os.rmdir(ROOT)
            os.close(taken[0])


def _take(path: str, name: str, on_wait: Any, deadline: float, taken: list[int]) -> None:
    waited = False
    while True:
        with signals.deferred():
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except FileNotFoundError:  # the last holder removed ROOT as it left
                os.makedirs(ROOT, exist_ok=True)
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                fd = -1
            if fd >= 0:
                try:
                    same = os.stat(path).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
                if same:
                    taken.append(fd)
                    return
                os.close(fd)
                continue  # unlinked under us: lock the new file
        if on_wait is not None and not waited:
            on_wait()
        waited = True
        if time.monotonic() >= deadline:
            what = "the machine's settings" if name == MACHINE_LOCK else f"lab '{name}'"
            raise ConflictError(f"{what} stayed locked by {_holder(path)}; wait for it "
                                "to finish, or end it")
        time.sleep(0.05)


def _holder(path: str) -> str:
    """Which process holds the flock on `path` (from /proc/locks)."""
    try:
        ino = os.stat(path).st_ino
        with open("/proc/locks") as f:
            for line in f:
                parts = line.split()
                if len(parts) > 5 and parts[1] == "FLOCK" and \
                        parts[5].rsplit(":", 1)[-1] == str(ino):
                    pid = parts[4]
                    try:
                        with open(f"/proc/{pid}/cmdline", "rb") as c:
                            cmd = c.read().replace(b"\0", b" ").decode(errors="replace").strip()
                    except OSError:
                        cmd = "?"
                    return f"process {pid} ({cmd[:80]})"
    except OSError:
        pass
    return "another process"


@dataclass
class Record:
    """What the journal of one lab says, replayed."""

    lab: str
    source: str | None = None
    instance: str = ""
    namespaces: dict[str, int | None] = field(default_factory=dict)  # name -> inode
    nodes: dict[str, str] = field(default_factory=dict)  # namespace name -> node
    services: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = False
    neighbour_limits: bool = False
    files: list[str] = field(default_factory=list)  # on the host, written for the lab
    dirs: list[str] = field(default_factory=list)  # on the host, made for the lab
    machine_links: dict[str, str] = field(default_factory=dict)  # machine link name -> alias
    machine_indexes: dict[str, int] = field(default_factory=dict)  # -> the index nslab chose
    machine_tables: list[str] = field(default_factory=list)  # nftables tables on the machine
    machine_sysctls: bool = False
    machine: int | None = None  # the inode of the namespace that played the machine
    shared_dirs: bool = False  # it holds a folder labs share (/etc/netns)
    bad_lines: int = 0  # lines that could not be read (torn, not UTF-8, incomplete)
    began: bool = False  # its first record (begin) was read
    neighbours: tuple[int, int] = (0, 0)  # ARP and NDP entries the lab can need
    # link ends changed while the lab runs (nslab link): "node:iface" -> its state now
    # ({"up": bool, "rate_bps": float | None, "loss": float | None}, as the file's when
    # cleared)
    link_ends: dict[str, dict[str, Any]] = field(default_factory=dict)
    stopped: set[str] = field(default_factory=set)  # nodes nslab node stop stopped
    changing: str | None = None  # an apply or repair that began and did not end
    # the events of a timeline run (nslab run) that began and did not end
    playing: list[dict[str, Any]] | None = None
    # its delayed links go through the wire (nslab.plan.wire): the kernel has no netem
    wire: bool = False

    @property
    def damaged(self) -> str | None:
        """Why this journal cannot be the whole story (None: it is well-formed)."""
        if not self.began:
            return "it is empty or lost its beginning"
        if self.bad_lines:
            return f"{self.bad_lines} line(s) of it cannot be read"
        return None


class Journal:
    def __init__(self, lab: str) -> None:
        self.lab = lab
        self.dir = lab_dir(lab)
        self.path = os.path.join(self.dir, "journal.jsonl")
        self.fd: int | None = None

    def exists(self) -> bool:
        return os.path.exists(self.path)

    def open(self) -> None:
        os.makedirs(self.dir, exist_ok=True)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
                          0o600)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def write(self, **entry: Any) -> None:
        """One record, whole, before the step it announces: a record the disk
        could take only part of (a full /run) is an error, and the step is
        not made (a torn line is skipped when read back)."""
        assert self.fd is not None, "journal not open"
        data = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
        try:
            written = os.write(self.fd, data)
        except OSError as e:
            raise JournalError(self, entry, e.strerror or str(e)) from None
        if written != len(data):
            raise JournalError(self, entry, f"only {written} of {len(data)} bytes written")

    def read(self) -> Record:
        """The journal replayed. A line that cannot be read (torn by a crash,
        not UTF-8, a record without the fields it needs) is skipped and
        counted in `bad_lines`; the rest still counts."""
        rec = Record(self.lab)
        try:
            with open(self.path, "rb") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return rec
        try:  # whole lines parse at once (a big lab's journal has 10,000)
            entries: list[Any] = json.loads(b"[" + b",".join(lines) + b"]")
        except ValueError:
            entries = []
        if len(entries) != len(lines):  # a line torn or not JSON (or two torn halves that
            entries = [_entry(line) for line in lines]  # read as one): each on its own
        for e in entries:
            try:
                if not isinstance(e, dict):
                    raise TypeError("not a record")
                _replay(rec, e)
            except (ValueError, KeyError, TypeError):
                rec.bad_lines += 1
        return rec

    def write_file(self, name: str, data: Any) -> None:
        """Write a whole file of the lab's state atomically (write, then rename)."""
        self.stage({name: data}).commit()

    def stage(self, files: dict[str, Any]) -> Staged:
        """The records `files` (name -> data) written beside the journal under
        temporary names, to be put in place by `commit()` (renames: no room
        needed) or dropped by `discard()`: a full disk shows before any change
        is made, and leaves no partial file."""
        os.makedirs(self.dir, exist_ok=True)
        staged = Staged(self.dir)
        try:
            for name, data in files.items():
                tmp = os.path.join(self.dir, f".{name}.tmp")
                staged.files.append((tmp, os.path.join(self.dir, name)))
                text = data if isinstance(data, str) else json.dumps(  # text: written as is
                    data, separators=(",", ":"))  # compact: the C encoder
                with open(tmp, "w") as f:
                    f.write(text)
        except OSError as e:
            staged.discard()
            need = sum(len(d if isinstance(d, str) else json.dumps(d, separators=(",", ":")))
                       for d in files.values())
            raise NslabError(f"cannot write the records of lab '{self.lab}' in {self.dir}: "
                             f"{e.strerror or e} (they need about {need // 1024 + 1} KiB; "
                             f"{_free(self.dir) // 1024} KiB free): free room in "
                             f"{os.path.dirname(self.dir)}, then try again; nothing was "
                             "changed") from None
        return staged

    def read_text(self, name: str) -> str | None:
        """A record beside the journal as text (None when it is not there)."""
        try:
            with open(os.path.join(self.dir, name), "rb") as f:
                return f.read().decode()
        except FileNotFoundError:
            return None
        except (ValueError, OSError) as e:
            raise self.damaged_file(name, f"it does not read ({e})") from None

    def read_intact(self) -> Record:
        """The journal replayed, for a verb that changes a running lab: one that
        is not whole (emptied, cut, torn lines) is an error that says how on."""
        rec = self.read()
        if rec.damaged:
            raise DamagedRecordError(f"the journal of lab '{self.lab}' ({self.path}) is "
                                     f"damaged: {rec.damaged}; nslab down {self.lab} removes "
                                     "what the lab made (by nslab's marks where the journal "
                                     "cannot say), then up again")
        return rec

    def read_file(self, name: str) -> Any:
        """A record beside the journal (lab.json, nodes.json, plan.json): None
        when it is not there; one that does not parse, or is not of its shape,
        is a DamagedRecordError naming it and the way on."""
        path = os.path.join(self.dir, name)
        try:
            with open(path, "rb") as f:
                data = json.loads(f.read())
        except FileNotFoundError:
            return None
        except (ValueError, OSError) as e:
            raise self.damaged_file(name, f"it does not parse ({e})") from None
        why = shapes.wrong(name, data)
        if why:
            raise self.damaged_file(name, why)
        return data

    def damaged_file(self, name: str, why: str) -> DamagedRecordError:
        return DamagedRecordError(f"{os.path.join(self.dir, name)} is damaged: {why}; nslab "
                                  f"down {self.lab} removes what the lab made, then up again")

    def remove(self) -> None:
        self.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def _free(folder: str) -> int:
    try:
        st = os.statvfs(folder)
    except OSError:
        return 0
    return st.f_bavail * st.f_frsize


@dataclass
class Staged:
    """Records written under temporary names (Journal.stage)."""

    dir: str
    files: list[tuple[str, str]] = field(default_factory=list)  # (temporary, final)

    def commit(self) -> None:
        for tmp, final in self.files:
            os.replace(tmp, final)
        self.files = []

    def discard(self) -> None:
        for tmp, _final in self.files:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
        self.files = []


def _begin(rec: Record, e: dict[str, Any]) -> None:
    rec.began = True
    rec.source, rec.instance = e.get("source"), str(e.get("instance", ""))
    need = e.get("neighbours") or [0, 0]
    rec.neighbours = (int(need[0]), int(need[1]))
    rec.wire = bool(e.get("wire", False))


def _ns(rec: Record, e: dict[str, Any]) -> None:
    name = str(e["name"])
    rec.namespaces[name] = e.get("ino")
    rec.nodes[name] = str(e.get("node", ""))


def _unns(rec: Record, e: dict[str, Any]) -> None:  # removed by apply: down leaves its name
    rec.namespaces.pop(str(e["name"]), None)
    rec.nodes.pop(str(e["name"]), None)


def _service(rec: Record, e: dict[str, Any]) -> None:
    if not isinstance(e.get("pid"), int) or "node" not in e or "name" not in e:
        raise TypeError("a service record without its pid, node or name")
    rec.services.append(e)


def _machine_link(rec: Record, e: dict[str, Any]) -> None:
    rec.machine_links[str(e["name"])] = str(e.get("alias") or "")
    if e.get("index"):
        rec.machine_indexes[str(e["name"])] = int(e["index"])


def _unfile(rec: Record, e: dict[str, Any]) -> None:
    if e["path"] in rec.files:
        rec.files.remove(e["path"])


def _node(rec: Record, e: dict[str, Any]) -> None:
    if e.get("state") == "stopped":
        rec.stopped.add(str(e["node"]))
    else:
        rec.stopped.discard(str(e["node"]))


def _change(rec: Record, e: dict[str, Any]) -> None:
    rec.changing = str(e.get("what", "apply"))
    rec.source = e.get("source") or rec.source  # apply of another file: now its


def _linkend(rec: Record, e: dict[str, Any]) -> None:
    rec.link_ends[str(e["end"])] = {"up": bool(e.get("up", True)),
                                    "rate_bps": e.get("rate_bps"), "loss": e.get("loss"),
                                    "mtu": e.get("mtu"),
                                    "changed": bool(e.get("changed", True))}
    if "netem" in e:  # delay, jitter... as set (a record without: the file's)
        rec.link_ends[str(e["end"])]["netem"] = e["netem"]


def _set(**fields: Any) -> Any:
    """A record that sets fields of the replay to fixed values, or from the record."""
    def replay(rec: Record, e: dict[str, Any]) -> None:
        for name, value in fields.items():
            setattr(rec, name, value(e) if callable(value) else value)
    return replay


# what each kind of journal record does to the replay
_REPLAY: dict[str, Any] = {
    "begin": _begin, "ns": _ns, "unns": _unns, "service": _service,
    "neigh": _set(neighbour_limits=True), "machinelink": _machine_link,
    "machinebridge": _machine_link, "shareddir": _set(shared_dirs=True),
    "machine": _set(machine=lambda e: e.get("ino")),
    "machinenft": lambda rec, e: rec.machine_tables.append(str(e["table"])),
    "machinesysctl": _set(machine_sysctls=True),
    "file": lambda rec, e: rec.files.append(str(e["path"])), "unfile": _unfile,
    "dir": lambda rec, e: rec.dirs.append(str(e["path"])), "up": _set(complete=True),
    "node": _node,
    "timeline": _set(playing=lambda e: list(e.get("events") or [])
                     if e.get("state") == "playing" else None),
    "change": _change, "changed": _set(changing=None), "linkend": _linkend,
    "wire": _set(wire=True),
}


# the names an older nslab wrote for the machine's records (a lab up across an upgrade)
_REPLAY |= {"host" + k.removeprefix("machine"): v for k, v in _REPLAY.items()
            if k.startswith("machine") and k != "machine"}


def _entry(line: bytes) -> Any:
    """A journal line's record, or None for one that does not read."""
    try:
        return json.loads(line.decode())
    except (UnicodeDecodeError, ValueError):
        return None


def _replay(rec: Record, e: dict[str, Any]) -> None:
    handler = _REPLAY.get(str(e.get("t")))
    if handler is not None:
        handler(rec, e)


class JournalError(NslabError):
    """A record could not be written whole: the step it announced is not made."""

    def __init__(self, journal: Journal, entry: dict[str, Any], why: str) -> None:
        what = entry.get("name") or entry.get("path") or entry.get("table") or ""
        super().__init__(f"cannot record {entry.get('t', 'a step')} {what} in "
                         f"{journal.path}: {why}; nothing was made for it (free room in "
                         f"{ROOT}, then nslab down {journal.lab})".replace("  ", " "))


def labs() -> list[str]:
    try:
        return sorted(e for e in os.listdir(ROOT)
                      if is_lab_name(e)
                      and os.path.exists(os.path.join(ROOT, e, "journal.jsonl")))
    except FileNotFoundError:
        return []
