"""nslab's marks: what carries them on this machine but no lab's journal
claims, after CNI's GC. For when /run/nslab/<lab> was lost (removed by hand,
a tmpfs remounted, a bug): `down` no longer knows the lab, and its objects
would stay forever.

nslab's marks: a namespace whose `lo` alias is `nslab lab=... node=... id=...`,
a machine link whose alias starts `nslab <lab> `, a table on the machine with
the comment `nslab lab=<lab>`, a file under /etc/netns whose first line is
`# nslab lab=<lab>...`, a process inside a marked namespace. Nothing without a
mark is ever touched, whatever its name.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field

from nslab.errors import require_root
from nslab.kernel import firewall, netns, procs
from nslab.kernel.seam import MACHINE, Kernel, RealKernel
from nslab.plan.build import NETNS_ETC
from nslab.records import observed as ob
from nslab.running import machine_side
from nslab.state import machine as borrowed
from nslab.state.journal import MACHINE_LOCK, Journal, labs, locked

_NS_MARK = re.compile(r"nslab lab=([a-z][a-z0-9-]*) node=\S* id=\S+")
_LINK_MARK = re.compile(r"nslab ([a-z][a-z0-9-]*) \S")
_TABLE_MARK = re.compile(r"nslab lab=([a-z][a-z0-9-]*)")
_FILE_MARK = re.compile(r"# nslab lab=([a-z][a-z0-9-]*)")


@dataclass(frozen=True)
class Debris:
    kind: str  # namespace, link, nft-table, file, process, setting
    name: str
    lab: str  # the lab its mark names
    detail: str = ""


@dataclass
class Claims:
    """What the journals of the labs that are up claim."""

    namespaces: dict[str, int | None] = field(default_factory=dict)
    links: set[str] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)
    labs: set[str] = field(default_factory=set)


def _claims() -> Claims:
    c = Claims()
    for name in labs():
        rec = Journal(name).read()
        c.labs.add(name)
        c.namespaces.update(rec.namespaces)
        c.links.update(rec.machine_links)
        c.tables.update(rec.machine_tables)
        c.files.update(rec.files)
    return c


def find(kernel: Kernel | None = None) -> list[Debris]:
    """Everything marked as nslab's that no journal claims, processes first
    (they hold namespaces), then namespaces, links, tables, files, settings."""
    require_root()
    k = kernel or RealKernel()
    claims = _claims()
    out: list[Debris] = []
    owned: dict[str, int] = {}
    for ns in sorted(os.listdir(netns.RUN_NETNS)) if os.path.isdir(netns.RUN_NETNS) else []:
        ino = netns.inode(ns)
        if ino is None or claims.namespaces.get(ns, -1) in (ino, None):
            continue
        try:
            m = _NS_MARK.fullmatch(k.namespace_marker(ns) or "")
        except OSError:
            continue
        if m:
            owned[ns] = ino
            out.append(Debris("namespace", ns, m.group(1), f"id {ino}"))
    holders = procs.in_namespaces(set(owned.values()))
    by_ino = {ino: ns for ns, ino in owned.items()}
    out[:0] = [Debris("process", str(pid), _lab_of(out, by_ino[ino]),
                      f"{procs.comm(pid) or '?'} in {by_ino[ino]}")
               for pid, ino in sorted(holders.items())]
    for name, (_index, alias) in k.machine_links().items():
        m = _LINK_MARK.match(alias or "")
        if m and name not in claims.links:
            out.append(Debris("link", name, m.group(1), alias or ""))
    for t in _tables():
        m = _TABLE_MARK.fullmatch(t.comment or "")
        if m and t.name not in claims.tables:
            out.append(Debris("nft-table", f"{t.family} {t.name}", m.group(1)))
    for path in _files():
        m = _FILE_MARK.match(_first_line(path))
        if m and path not in claims.files:
            out.append(Debris("file", path, m.group(1)))
    for lab in sorted(borrowed.holders() - claims.labs):
        out.append(Debris("setting", lab, lab, "machine settings held for it (restored)"))
    return out


def _lab_of(found: list[Debris], ns: str) -> str:
    return next(d.lab for d in found if d.kind == "namespace" and d.name == ns)


def _tables() -> list[ob.NftTable]:
    try:
        return [t for t in firewall.tables() if t.family == "inet"]
    except OSError:
        return []


def _files() -> list[str]:
    out = []
    with contextlib.suppress(FileNotFoundError):
        for d in sorted(os.scandir(NETNS_ETC), key=lambda e: e.name):
            if d.is_dir(follow_symlinks=False):
                out += [os.path.join(d.path, f) for f in ("hosts", "resolv.conf")
                        if os.path.isfile(os.path.join(d.path, f))]
    return out


def _first_line(path: str) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.readline().rstrip("\n")
    except OSError:
        return ""


def remove(found: list[Debris], kernel: Kernel | None = None) -> list[str]:
    """Remove what `find` found (processes first), through the effect seam as
    `down` does; what could not be removed, with the reason."""
    k = kernel or RealKernel()
    failed = [f"process {pid}: it did not end, even after SIGKILL" for pid in
              k.end_processes([int(d.name) for d in found if d.kind == "process"])]
    for d in found:
        try:
            _remove(d, k)
        except OSError as e:
            failed.append(f"{d.kind} {d.name}: {e.strerror or e}")
    return failed


def _remove(d: Debris, k: Kernel) -> None:
    match d.kind:
        case "namespace":
            k.remove_namespace(d.name)
        case "link":
            # deleted only while it still carries the alias it was found with
            _deleted, failed = machine_side.delete_ours(k, {d.name: d.detail}, {})
            if failed:
                raise OSError(0, failed[0])
        case "nft-table":
            why = k.delete_nft_table(d.name.split(" ", 1)[1])  # inet tables only
            if why:
                raise OSError(0, why)
        case "file":
            k.remove_file(d.name)
            with contextlib.suppress(OSError):
                k.remove_dir(os.path.dirname(d.name))  # only when empty
        case "setting":
            with locked(MACHINE_LOCK):
                borrowed.release(d.lab, k.set_neighbour_thresh)
                borrowed.release_sysctls(d.lab, machine_side.writer(k), k.inode_of(MACHINE))
                borrowed.release_dirs(d.lab, k.remove_dir)
