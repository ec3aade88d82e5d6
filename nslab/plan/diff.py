"""`changes(current, target) -> Change`: the steps that turn a running lab into
another plan's lab, touching only what differs. Pure.

`current` is what is in place, as steps: the plan the lab was built (or last
changed) from, or what `check` found satisfied in the kernel. A node whose
namespace must be made again (a new node, or one whose namespace settings
changed) gets every step of its own; a link made again gets every step that
names either of its ends; everything else is compared step by step. Removals
come first (services, daemons, links, namespaces, routes, addresses, files),
then additions in the order `plan` uses. Nodes that do not change are not
touched at all: same namespace, same processes, same neighbour entries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from nslab.errors import NslabError
from nslab.plan.build import Plan
from nslab.plan.steps import (
    AddAddress,
    AddBridge,
    AddNamespace,
    AddRoute,
    AddVeth,
    ClearRate,
    DelAddress,
    DelLink,
    DelRoute,
    LoadNftRuleset,
    ReloadDaemons,
    RemoveFile,
    RemoveNamespace,
    RunCommand,
    SetLinkDown,
    SetLinkUp,
    SetMaster,
    SetMtu,
    SetNeighbourLimits,
    SetNetem,
    SetRate,
    SetSysctl,
    StartDaemons,
    StartService,
    Step,
    StopDaemons,
    StopService,
    WriteFile,
)

DEFAULT_MTU = 1500
_IFACE_STEPS = (SetMaster, SetMtu, AddAddress, SetLinkUp, SetRate, SetNetem)


@dataclass(frozen=True)
class Change:
    """What `apply` does, and what it means in the lab's words."""

    lab: str
    steps: tuple[Step, ...]
    nodes_added: tuple[str, ...] = ()
    nodes_removed: tuple[str, ...] = ()
    nodes_remade: tuple[str, ...] = ()  # namespace made again (its settings changed)
    nodes_changed: tuple[str, ...] = ()  # same namespace, something in it changed
    links_added: tuple[str, ...] = ()  # "a:eth0 b:eth1"
    links_removed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.steps

    def plan(self) -> Plan:
        return Plan(self.lab, self.steps)

    def as_shell(self) -> str:
        head = ["#!/bin/bash", f"# nslab: the change to the running lab '{self.lab}', by hand.",
                "set -e"]
        return "\n".join(head + [s.as_shell() for s in self.steps]) + "\n"


def _norm(s: Step) -> Step:
    """A step as compared: `replace` is how a step is made, not what it makes."""
    if isinstance(s, SetRate | AddRoute) and s.replace:
        return dataclasses.replace(s, replace=False)
    return s


def _machine(s: Step) -> bool:
    """Whether a step puts something on the machine (which apply does not change)."""
    if isinstance(s, SetNeighbourLimits):
        return False  # the machine's tables: compared by up alone
    if isinstance(s, WriteFile):
        return False
    if isinstance(s, AddVeth):
        return s.peer_ns is None
    return getattr(s, "ns", "") is None


def _ns_of(s: Step, ns_of_node: dict[str, str]) -> str | None:
    if isinstance(s, WriteFile):
        return ns_of_node.get(s.node)
    ns = getattr(s, "ns", None)
    return ns if isinstance(ns, str) else None


def _ends(v: AddVeth) -> tuple[tuple[str, str], tuple[str, str]]:
    assert v.peer_ns is not None
    return (v.ns, v.name), (v.peer_ns, v.peer_name)


def changes(current: Iterable[Step], target: Plan) -> Change:
    """The steps from `current` to `target` (see the module's account)."""
    cur_list = [_norm(s) for s in current if not isinstance(s, SetNeighbourLimits)]
    tgt_list = [_norm(s) for s in target.steps if not isinstance(s, SetNeighbourLimits)]
    cur, tgt = set(cur_list), set(tgt_list)
    machine_now = {s for s in cur if _machine(s)}
    machine_new = {s for s in tgt if _machine(s)}
    if machine_now != machine_new:
        raise NslabError("this change reaches the machine (a link to it, its bridge, egress, "
                         "port forwards or its routes into the lab), which apply does not "
                         f"change yet: nslab down {target.lab}, then nslab up the file")
    ns_cur = {s.ns: s for s in cur if isinstance(s, AddNamespace)}
    ns_tgt = {s.ns: s for s in tgt if isinstance(s, AddNamespace)}
    node_ns = {s.node: s.ns for s in (*ns_cur.values(), *ns_tgt.values())}
    removed = [ns for ns in ns_cur if ns not in ns_tgt]
    added = [ns for ns in ns_tgt if ns not in ns_cur]
    remade = [ns for ns in ns_tgt if ns in ns_cur and dataclasses.replace(
        ns_cur[ns], forwarding=ns_tgt[ns].forwarding) != ns_tgt[ns]]
    forwarding = [ns for ns in ns_tgt if ns in ns_cur and ns not in remade
                  and ns_cur[ns].forwarding != ns_tgt[ns].forwarding]
    fresh_ns = set(added) | set(remade)
    gone_ns = set(removed) | set(remade)

    # links (veths between nodes, and switches' bridges)
    veth_cur = [s for s in cur_list if isinstance(s, AddVeth) and s.peer_ns is not None]
    veth_tgt = [s for s in tgt_list if isinstance(s, AddVeth) and s.peer_ns is not None]
    new_veths = [v for v in veth_tgt if v not in cur or {v.ns, v.peer_ns} & fresh_ns]
    fresh: set[tuple[str, str]] = {e for v in new_veths for e in _ends(v)}
    bridges_tgt = [s for s in tgt_list if isinstance(s, AddBridge) and s.ns is not None]
    new_bridges = [b for b in bridges_tgt if b not in cur or b.ns in fresh_ns]
    fresh |= {(b.ns, b.name) for b in new_bridges if b.ns is not None}
    removals: list[Step] = []
    dropped: set[tuple[str, str]] = set()
    links_removed = []
    for v in veth_cur:
        if v in tgt and not {v.ns, v.peer_ns} & fresh_ns:
            continue
        a, b = _ends(v)
        if v not in tgt:
            links_removed.append(f"{_node(a[0], ns_cur)}:{a[1]} {_node(b[0], ns_cur)}:{b[1]}")
        dropped |= {a, b}
        keep = next((e for e in (a, b) if e[0] not in gone_ns), None)
        if keep is not None:  # made synchronous: the other end's name is free at once
            removals.append(DelLink(*keep))
    for br in (s for s in cur_list if isinstance(s, AddBridge)):
        if br.ns is not None and (br not in tgt or br.ns in fresh_ns) and br.ns not in gone_ns:
            removals.append(DelLink(br.ns, br.name))
            dropped.add((br.ns, br.name))

    # services and daemons end before their node or links go
    stops: list[Step] = []
    svc_cur = {(s.ns, s.name): s for s in cur_list if isinstance(s, StartService)}
    svc_tgt = {(s.ns, s.name): s for s in tgt_list if isinstance(s, StartService)}
    for key, svc in svc_cur.items():
        if svc.ns not in gone_ns and svc_tgt.get(key) != svc:
            stops.append(StopService(svc.ns, svc.node, svc.name))
    dmn_cur = {s.ns: s for s in cur_list if isinstance(s, StartDaemons)}
    dmn_tgt = {s.ns: s for s in tgt_list if isinstance(s, StartDaemons)}
    daemons: list[Step] = []
    for ns in sorted(set(dmn_cur) | set(dmn_tgt)):
        old, new = dmn_cur.get(ns), dmn_tgt.get(ns)
        if ns in fresh_ns:
            daemons += [new] if new else []
        elif old == new or ns in gone_ns:
            continue
        elif old and new and (old.suite, old.daemons, old.dir) == (new.suite, new.daemons,
                                                                   new.dir):
            daemons.append(ReloadDaemons(ns, new.node, new.suite, new.dir, new.config))
        else:
            if old:
                stops.append(StopDaemons(ns, old.node, old.suite, old.dir, old.daemons))
            daemons += [new] if new else []

    # interface-level steps: what is new, or on a link or namespace made again
    def wanted(s: Step) -> bool:
        if _machine(s):
            return False
        if isinstance(s, AddVeth):
            return s in new_veths
        if isinstance(s, AddBridge):
            return s in new_bridges
        if isinstance(s, AddNamespace):
            return s.ns in fresh_ns
        ns = _ns_of(s, node_ns)
        if s not in cur or (ns is not None and ns in fresh_ns):
            return True
        if isinstance(s, _IFACE_STEPS):
            name = s.dev if isinstance(s, AddAddress) else s.name
            if (s.ns, name) in fresh or (isinstance(s, SetMaster) and (s.ns, s.master) in fresh):
                return True
        return False

    adds = [s for s in tgt_list if wanted(s) and not isinstance(
        s, StartDaemons | StartService | LoadNftRuleset | AddRoute | WriteFile)]
    iface_tgt = {(s.ns, s.dev if isinstance(s, AddAddress) else s.name, type(s))
                 for s in tgt_list if isinstance(s, _IFACE_STEPS)}
    later: list[Step] = []
    shaped_now = {(s.ns, s.name) for s in cur_list if isinstance(s, SetRate | SetNetem)}
    for was in cur_list:
        if not isinstance(was, SetMtu | AddAddress | SetRate | SetNetem | SetLinkUp) \
                or was in tgt or was.ns is None or was.ns in gone_ns:
            continue
        name = was.dev if isinstance(was, AddAddress) else was.name
        if (was.ns, name) in dropped:
            continue
        if isinstance(was, AddAddress):
            later.append(DelAddress(was.ns, was.dev, was.address))
        elif isinstance(was, SetLinkUp):
            adds.append(SetLinkDown(was.ns, was.name))
        elif isinstance(was, SetMtu) and (was.ns, name, SetMtu) not in iface_tgt:
            adds.append(SetMtu(was.ns, was.name, DEFAULT_MTU))
        elif isinstance(was, SetRate | SetNetem) and (was.ns, name, SetRate) not in iface_tgt \
                and (was.ns, name, SetNetem) not in iface_tgt:
            later.append(ClearRate(was.ns, was.name))
    for k, step in enumerate(adds):
        if isinstance(step, SetRate) and (step.ns, step.name) in shaped_now \
                and (step.ns, step.name) not in fresh:
            adds[k] = dataclasses.replace(step, replace=True)
        elif isinstance(step, SetNetem) and (step.ns, step.name) in shaped_now \
                and (step.ns, step.name) not in fresh:
            later.append(ClearRate(step.ns, step.name))

    # routes: every route of a node whose links or addresses changed is put
    # back (the kernel drops the routes through what went); the others as compared
    touched = {_ns_of(s, node_ns) for s in [*adds, *later, *removals]} | fresh_ns
    routes_tgt = [s for s in tgt_list if isinstance(s, AddRoute) and s.ns is not None]
    routes = [dataclasses.replace(r, replace=True) for r in routes_tgt
              if r not in cur or r.ns in touched]
    dsts = {(r.ns, r.dst) for r in routes_tgt}
    del_routes: list[Step] = [DelRoute(r.ns, r.dst) for r in cur_list
                              if isinstance(r, AddRoute) and r.ns is not None
                              and r.ns not in gone_ns and (r.ns, r.dst) not in dsts]

    # files on the host (/etc/netns/<ns>/...): written again when they differ
    files_cur = {s.path: s for s in cur_list if isinstance(s, WriteFile)}
    files_tgt = {s.path: s for s in tgt_list if isinstance(s, WriteFile)}
    file_steps: list[Step] = [RemoveFile(s.node, p) for p, s in files_cur.items()
                              if files_tgt.get(p) != s]
    writes = [s for p, s in files_tgt.items() if files_cur.get(p) != s]

    # nftables: a node's whole ruleset, loaded again in one transaction
    nft = _nft(cur_list, tgt_list, fresh_ns, gone_ns, fresh)

    svc_steps: list[Step] = [s for key, s in svc_tgt.items()
                             if s.ns in fresh_ns or svc_cur.get(key) != s]
    runs = [s for s in adds if isinstance(s, RunCommand)]
    adds = [s for s in adds if not isinstance(s, RunCommand)]
    sysctls: list[Step] = [SetSysctl(ns, key, "1" if ns_tgt[ns].forwarding else "0")
                           for ns in forwarding
                           for key in ("net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding")]
    out: list[Step] = [*stops, *removals, *(RemoveNamespace(ns, ns_cur[ns].node)
                                            for ns in [*removed, *remade])]
    out += del_routes + [s for s in later if isinstance(s, DelAddress)] + file_steps
    out += [s for s in later if isinstance(s, ClearRate)]
    out += [s for s in adds if isinstance(s, AddNamespace)] + sysctls
    out += sorted((s for s in adds if not isinstance(s, AddNamespace)), key=_phase)
    out += routes + writes + nft + daemons + runs + svc_steps
    touched_ns = {_ns_of(s, node_ns) for s in out}
    changed = sorted(_node(ns, ns_tgt) for ns in touched_ns
                     if ns is not None and ns in ns_tgt and ns not in fresh_ns)
    return Change(target.lab, tuple(out),
                  tuple(ns_tgt[ns].node for ns in added),
                  tuple(ns_cur[ns].node for ns in removed),
                  tuple(ns_tgt[ns].node for ns in remade), tuple(changed),
                  tuple(f"{_node(v.ns, ns_tgt)}:{v.name} {_node(v.peer_ns or '', ns_tgt)}:"
                        f"{v.peer_name}" for v in veth_tgt if v not in cur),
                  tuple(links_removed))


_ORDER = [AddVeth, AddBridge, SetMaster, SetMtu, AddAddress, SetLinkUp, SetLinkDown, SetRate,
          SetNetem]


def _phase(s: Step) -> int:
    """Where a step goes among the additions: plan's order, stable within."""
    return _ORDER.index(type(s)) if type(s) in _ORDER else len(_ORDER)


def _node(ns: str, nodes: dict[str, AddNamespace]) -> str:
    return nodes[ns].node if ns in nodes else ns


def _nft(cur: list[Step], tgt: list[Step], fresh_ns: set[str], gone_ns: set[str],
         fresh: set[tuple[str, str]]) -> list[Step]:
    """Each node's nftables as one load: the new rules as they are on a node
    made now; on one that stays, its old rules flushed in the same transaction
    when they differ or when a link its rules hook to was made again."""
    def texts(steps: list[Step]) -> dict[str, list[LoadNftRuleset]]:
        out: dict[str, list[LoadNftRuleset]] = {}
        for s in steps:
            if isinstance(s, LoadNftRuleset) and s.ns is not None:
                out.setdefault(s.ns, []).append(s)
        return out

    now, new = texts(cur), texts(tgt)
    relinked = {ns for ns, _ in fresh}
    out: list[Step] = []
    for ns in sorted(set(now) | set(new)):
        if ns in fresh_ns:
            out += new.get(ns, [])
            continue
        if ns in gone_ns:
            continue
        old_t = [s.text for s in now.get(ns, [])]
        new_t = [s.text for s in new.get(ns, [])]
        if old_t == new_t and not (ns in relinked and new_t):
            continue
        node = (new.get(ns) or now[ns])[0].node
        out.append(LoadNftRuleset(ns, node, "flush ruleset\n" + "".join(new_t)))
    return out
