"""`changes(current, target) -> Change`: the steps that turn a running lab into
another plan's lab, touching only what differs. Pure, and generic: every step
kind describes itself (nslab.plan.kinds: what it makes, what it lives in, its
phase, its undo, its update), and the diff is

1. index both sides by identity (the kernel object a step makes);
2. undo what went, unless what it lived in goes too (a namespace deleted takes
   its links, addresses and routes with it);
3. update what changed (in place where the kernel allows it: a rate replaced,
   a route replaced, daemons reloaded; else undone and made again);
4. make again all that lives in anything made again (a namespace or a link
   made again gets back its addresses, its state, its shaping);
5. put back the routes of every namespace the change touched (the kernel drops
   the routes through what went), and a namespace's ruleset when a link its
   rules name was made again;
6. order: removals in the reverse of the phases, then additions in phase order.

`current` is what is in place, as steps: the plan the lab was built (or last
changed) from, or what `check` found satisfied in the kernel. Nodes that do not
change are not touched at all: same namespace, same processes, same neighbour
entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nslab.errors import NslabError
from nslab.plan import kinds
from nslab.plan.build import Plan
from nslab.plan.lives import Key
from nslab.plan.steps import (
    AddAddress,
    AddBridge,
    AddNamespace,
    AddRoute,
    AddVeth,
    DelAddress,
    DelLink,
    LoadNftRuleset,
    RemoveNamespace,
    RunCommand,
    SetLinkDown,
    SetLinkUp,
    SetNeighbourLimits,
    Step,
    WriteFile,
)


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


def _machine(s: Step) -> bool:
    """Whether a step puts something on the machine (which apply does not change)."""
    if isinstance(s, SetNeighbourLimits | WriteFile):
        return False  # the machine's tables: compared by up alone; files: the lab's own
    if isinstance(s, AddVeth):
        return s.peer_ns is None
    return getattr(s, "ns", "") is None


def _merged(steps: Iterable[Step]) -> list[Step]:
    """The steps as compared: `replace` flags dropped, the neighbour limits (the
    machine's, set by up alone) left out, and each namespace's rulesets as one
    (a namespace's nftables are loaded in one transaction)."""
    out: list[Step] = []
    rules: dict[str, int] = {}
    for s in steps:
        s = kinds.normal(s)
        if isinstance(s, SetNeighbourLimits):
            continue
        if isinstance(s, LoadNftRuleset) and s.ns is not None:
            if s.ns in rules:
                first = out[rules[s.ns]]
                assert isinstance(first, LoadNftRuleset)
                out[rules[s.ns]] = LoadNftRuleset(s.ns, first.node, first.text + s.text)
                continue
            rules[s.ns] = len(out)
        out.append(s)
    return out


def _split(steps: Iterable[Step]) -> tuple[list[Step], list[Step]]:
    """The steps as compared (`_merged`): those in the lab, those on the machine."""
    lab: list[Step] = []
    machine: list[Step] = []
    for s in _merged(steps):
        (machine if _machine(s) else lab).append(s)
    return lab, machine


def _index(steps: list[Step], target: dict[Key, Step] | None = None) -> dict[Key, Step]:
    """Steps by identity. The same command run twice is two (numbered); two
    steps for one object (a readback of two plans at once, after a change cut
    short) are one: the one the target has, if either, else the last."""
    out: dict[Key, Step] = {}
    for s in steps:
        key = kinds.identity(s)
        if isinstance(s, RunCommand):
            n = 1
            while key in out:
                key, n = (*kinds.identity(s), f"#{n}"), n + 1
        elif key in out and target is not None and out[key] == target.get(key):
            continue
        out[key] = s
    return out


def _ns(s: Step) -> str | None:
    ns = getattr(s, "ns", None)
    return ns if isinstance(ns, str) else None


def changes(current: Iterable[Step], target: Plan) -> Change:
    """The steps from `current` to `target` (see the module's account)."""
    (cur_list, cur_machine), (tgt_list, tgt_machine) = _split(current), _split(target.steps)
    if set(cur_machine) != set(tgt_machine):
        raise NslabError("this change reaches the machine (a link to it, its bridge, egress, "
                         "port forwards or its routes into the lab), which apply does not "
                         f"change yet: nslab down {target.lab}, then nslab up the file")
    tgt = _index(tgt_list)
    cur = _index(cur_list, tgt)
    removals: list[Step] = []
    additions: list[tuple[Key, Step]] = []
    remade: set[Key] = set()  # objects made now: what lives in them is made again
    # namespaces first: what goes with a namespace that is deleted is not undone
    gone_ns = {k[1] for k in cur if k[0] == "ns" and cur[k] != tgt.get(k) and (
        k not in tgt or kinds.update(cur[k], tgt[k], set()).remade)}
    gone: set[Key] = {("ns", ns) for ns in gone_ns}
    lost = sorted(s.ns for s in tgt_machine if isinstance(s, AddVeth) and s.ns in gone_ns)
    if lost:  # its end on the machine goes with the namespace: apply does not make it
        raise NslabError(f"this change makes namespace {lost[0]} again, which takes its link "
                         "to the machine with it (apply does not change the machine yet): "
                         f"nslab down {target.lab}, then nslab up the file")
    for key, old in cur.items():
        new = tgt.get(key)
        if new is old or new == old:  # (most are the same object: nslab.plan.codec)
            continue
        if new is None:
            if not kinds.goes_with(old) & gone:
                removals += kinds.undo(old, gone_ns)
            gone |= set(kinds.makes(old))
            continue
        up = kinds.update(old, new, gone_ns)
        if not kinds.goes_with(old) & gone:
            removals += up.removals
        elif not up.remade:
            up = kinds.Update((), (new,), True)  # what it lived in went: made anew
        additions += [(key, s) for s in up.additions]
        if up.remade:
            remade |= set(kinds.makes(new))
    additions += [(key, s) for key, s in tgt.items() if key not in cur]
    remade |= {k for key, s in tgt.items() if key not in cur for k in kinds.makes(s)}
    additions = _made_again(tgt, cur, additions, remade)
    additions = _put_back(tgt, cur, additions, removals, remade, gone_ns)
    removals.sort(key=kinds.phase, reverse=True)
    order = {key: n for n, key in enumerate(tgt)}
    additions.sort(key=lambda ks: (kinds.phase(ks[1]), order.get(ks[0], 0)))
    steps = tuple(removals) + tuple(s for _k, s in additions)
    return _described(target.lab, steps, cur, tgt, gone_ns)


def _made_again(tgt: dict[Key, Step], cur: dict[Key, Step],
                additions: list[tuple[Key, Step]], remade: set[Key]
                ) -> list[tuple[Key, Step]]:
    """Every step of the target that lives in something made again, made again
    too (to a fixpoint: a namespace, then its links, then their addresses)."""
    if not remade:
        return additions
    done = {key for key, _s in additions}
    # what a step lives in is in its own namespace: the steps are looked at
    # only in the namespaces where something is made again (a veth in both of
    # its ends': a namespace made again takes its end, and so the whole pair)
    by_ns: dict[str, list[tuple[Key, Step]]] = {}
    for key, s in tgt.items():
        if key in done:
            continue
        for ns in (s.ns, s.peer_ns) if isinstance(s, AddVeth) else (_ns(s),):
            if ns is not None:
                by_ns.setdefault(ns, []).append((key, s))
    inside: dict[Key, list[tuple[Key, Step]]] = {}  # what lives in each object
    todo = list(remade)
    while todo:
        made = todo.pop()
        if made[0] in ("ns", "link"):
            for key, s in by_ns.pop(made[1], ()):
                for c in ({("ns", made[1])} if isinstance(s, AddVeth)
                          else kinds.container_keys(s)):
                    inside.setdefault(c, []).append((key, s))
        for key, s in inside.pop(made, ()):
            if key not in done:
                additions.append((key, s))
                done.add(key)
                fresh = set(kinds.makes(s)) - remade
                remade |= fresh
                todo += fresh
    return additions


# what takes routes with it in the kernel: links, addresses, a link's state
_DROP_ROUTES = (AddNamespace, RemoveNamespace, AddVeth, AddBridge, DelLink, AddAddress,
                DelAddress, SetLinkUp, SetLinkDown)


def _put_back(tgt: dict[Key, Step], cur: dict[Key, Step], additions: list[tuple[Key, Step]],
              removals: list[Step], remade: set[Key], gone_ns: set[str]
              ) -> list[tuple[Key, Step]]:
    """The routes of every namespace whose links, addresses or link states the
    change touches (the kernel drops the routes through what went), and a
    ruleset whose namespace has a link made again (its rules name links).
    Every route is added as a replacement: it may be there already."""
    done = {key for key, _s in additions}
    touched = {_ns(s) for s in [*removals, *(s for _k, s in additions)]
               if isinstance(s, _DROP_ROUTES)} - {None}
    relinked = {k[1] for k in remade if k[0] == "link"}
    fresh_ns = {k[1] for k in remade if k[0] == "ns"}
    # a route may be there already; so may a ruleset found wanting in a namespace that stays
    out = [(k, kinds.redone(s) if isinstance(s, AddRoute) or (
        isinstance(s, LoadNftRuleset) and k not in cur and s.ns not in fresh_ns) else s)
        for k, s in additions]
    for key, s in tgt.items():
        if key in done or _ns(s) in gone_ns:
            continue
        if (isinstance(s, AddRoute) and _ns(s) in touched) or \
                (isinstance(s, LoadNftRuleset) and s.ns in relinked and s.text):
            out.append((key, kinds.redone(s)))
    return out


def _described(lab: str, steps: tuple[Step, ...], cur: dict[Key, Step],
               tgt: dict[Key, Step], gone_ns: set[str]) -> Change:
    """The change, with what it means in the lab's words."""
    ns_cur = {s.ns: s for s in cur.values() if isinstance(s, AddNamespace)}
    ns_tgt = {s.ns: s for s in tgt.values() if isinstance(s, AddNamespace)}
    fresh = {ns for ns in ns_tgt if ns not in ns_cur} | (gone_ns & set(ns_tgt))
    node_ns = {s.node: s.ns for s in (*ns_cur.values(), *ns_tgt.values())}
    veths_cur = {s for s in cur.values() if isinstance(s, AddVeth)}
    veths_tgt = {s for s in tgt.values() if isinstance(s, AddVeth)}

    def node(ns: str | None) -> str:
        made = ns_tgt.get(ns or "") or ns_cur.get(ns or "")
        return made.node if made is not None else (ns or "")

    def where(s: Step) -> str | None:
        return node_ns.get(s.node) if isinstance(s, WriteFile) else _ns(s)

    touched = {where(s) for s in steps}
    return Change(lab, steps,
                  tuple(ns_tgt[ns].node for ns in ns_tgt if ns not in ns_cur),
                  tuple(ns_cur[ns].node for ns in ns_cur if ns not in ns_tgt),
                  tuple(ns_tgt[ns].node for ns in ns_tgt if ns in gone_ns and ns in ns_cur),
                  tuple(sorted(node(ns) for ns in touched
                               if ns is not None and ns in ns_tgt and ns not in fresh)),
                  tuple(f"{node(v.ns)}:{v.name} {node(v.peer_ns)}:{v.peer_name}"
                        for v in tgt.values() if isinstance(v, AddVeth) and v not in veths_cur),
                  tuple(f"{node(v.ns)}:{v.name} {node(v.peer_ns)}:{v.peer_name}"
                        for v in cur.values() if isinstance(v, AddVeth)
                        and v not in veths_tgt))
