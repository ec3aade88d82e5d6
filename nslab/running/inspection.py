"""inspect and ns: see inside any network namespace, and manage named ones the
way `ip netns` does. Orchestration over nslab.kernel.inspect; knows which
namespaces belong to which lab from the labs' journals."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from nslab.errors import NotFoundError, UsageError, require_root
from nslab.kernel.inspect import Reader
from nslab.names import is_lab_name
from nslab.records import observed as ob
from nslab.state.journal import Journal, labs
from nslab.state.record import namespace_of, node_list


def lab_owners() -> dict[int, tuple[str, str]]:
    """namespace inode -> (lab, node), for every namespace a lab made."""
    out: dict[int, tuple[str, str]] = {}
    for name in labs():
        rec = Journal(name).read()
        for ns, ino in rec.namespaces.items():
            if ino is not None:
                out[ino] = (name, rec.nodes.get(ns, ""))
    return out


def parse_sections(only: str | None) -> tuple[str, ...]:
    if not only:
        return ob.SECTIONS
    asked = tuple(s.strip() for s in only.split(",") if s.strip())
    bad = [s for s in asked if s not in ob.SECTIONS]
    if bad:
        raise UsageError(f"no section '{bad[0]}' (sections: {', '.join(ob.SECTIONS)})")
    return asked


@dataclass(frozen=True)
class Target:
    ino: int
    where: ob.Where


def owner_of(ns: str | None, ino: int) -> tuple[str, str] | None:
    """(lab, node) when the namespace named `ns` is the one a lab made (its
    inode is the one a lab's journal recorded under that name)."""
    if ns is None:
        return None
    for lab in labs():
        rec = Journal(lab).read()
        if rec.namespaces.get(ns) == ino:
            return lab, rec.nodes.get(ns, "")
    return None


def _where(reader: Reader, ino: int, pid: int | None = None) -> ob.Where:
    name = reader.name_of(ino)
    lab, node = owner_of(name, ino) or (None, None)
    return ob.Where(name, ino, lab, node, pid)


def find(reader: Reader, target: str, node: str | None = None) -> Target:
    """A lab node (`LAB NODE`), a named namespace, `pid:PID`, or `host` (the
    namespace nslab runs in)."""
    if node is not None:
        ns = namespace_of(target, node)
        ino = reader.named.get(ns)
        if ino is None or owner_of(ns, ino) is None:
            raise NotFoundError(f"node '{node}' of lab '{target}' has no namespace (it is "
                                f"damaged: nslab status {target})")
        return Target(ino, ob.Where(ns, ino, target, node, None))
    if target.startswith("pid:"):
        try:
            pid = int(target[4:])
            ino = os.stat(f"/proc/{pid}/ns/net").st_ino
        except (ValueError, OSError):
            raise NotFoundError(f"no process {target[4:]} (pid:PID takes a running "
                                "process id)") from None
        return Target(ino, _where(reader, ino, pid))
    if target in reader.named:
        return Target(reader.named[target], _where(reader, reader.named[target]))
    if target == "host":  # the namespace nslab runs in
        return Target(reader.host, ob.Where(None, reader.host, None, None, None, host=True))
    known = labs()
    hint = f"labs up: {', '.join(known)}; " if known else ""
    raise NotFoundError(f"no lab, namespace or process '{target}' ({hint}see nslab ns list)")


def inspect(target: str, node: str | None = None, sections: Iterable[str] = ob.SECTIONS,
            as_text: bool = False) -> ob.Inspection:
    require_root()
    with Reader() as reader:
        t = find(reader, target, node)
        found = reader.inspect(t.ino, t.where, sections, as_text)
    return _with_routing(found, sections)


def _with_routing(found: ob.Inspection, sections: Iterable[str]) -> ob.Inspection:
    """The routing section: asked for, and the namespace is a lab router with
    daemons (asked from the daemons themselves)."""
    w = found.where
    if "routing" not in sections or not w.lab or not w.node:
        return found
    from nslab.running import daemons

    try:
        return replace(found, routing=daemons.status_of(w.lab, w.node))
    except UsageError:  # no daemons on this node: nothing to say
        return found


def inspect_lab(name: str, sections: Iterable[str] = ob.SECTIONS,
                as_text: bool = False) -> list[ob.Inspection]:
    """Every node of a lab that is up, in the order of its file."""
    want = tuple(sections)
    with Reader(many=True) as reader:
        found = [reader.inspect(ino, ob.Where(ns, ino, name, node, None), want, as_text)
                 for node, ns, ino in _present(reader, name)]
    return [_with_routing(f, want) for f in found]


def overview(name: str) -> list[ob.NodeSummary]:
    """A line of counts per node of a lab that is up (missing nodes left out)."""
    with Reader(many=True) as reader:
        return [reader.summary(ino, node, ns) for node, ns, ino in _present(reader, name)]


def _present(reader: Reader, name: str) -> list[tuple[str, str, int]]:
    """(node, namespace, inode) of each node of lab `name` whose namespace is
    the one the lab made, in the order of its file (a missing node: status
    says so)."""
    require_root()
    owners = lab_owners()
    out = []
    for n in node_list(name):
        ino = reader.named.get(n["namespace"])
        if ino is not None and owners.get(ino) == (name, n["name"]):
            out.append((n["name"], n["namespace"], ino))
    return out


def node_count(lab: str) -> int:
    """How many nodes the running lab `lab` recorded."""
    return len(node_list(lab))


def short_of_interfaces(lab: str, lines: list[ob.NodeSummary]) -> dict[str, tuple[int, int]]:
    """node -> (interfaces it has, interfaces the lab made) for the nodes that
    lost some (deleted behind nslab's back)."""
    made = {n["name"]: len(n.get("interfaces") or ()) for n in node_list(lab)}
    return {s.node: (s.interfaces, made[s.node]) for s in lines
            if s.interfaces < made.get(s.node, 0)}


def is_lab(name: str) -> bool:
    """Whether `name` is a lab that is up (a namespace name, pid:PID or host
    is not a lab name at all)."""
    return is_lab_name(name) and Journal(name).exists()


# ---------------------------------------------------------------- ns tools
def to_json(items: Iterable[ob.Inspection]) -> list[dict[str, Any]]:
    return [i.to_dict() for i in items]
