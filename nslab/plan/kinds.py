"""What each kind of step is, for a generic diff (nslab.plan.diff): the kernel
objects it makes (its identity first), what it lives in, its phase (where it
goes among additions; removals go in the reverse order), how what it made is
undone, and how it is brought from an older version of itself. Pure. Every
function matches every kind and ends in `assert_never`: a new kind that is not
described here is a type error, not a silent default.

Keys name kernel objects: ("ns", NS), ("link", NS, NAME), ("addr", NS, DEV, A),
("route", NS, DST), ... The same key on both sides of a diff is the same
object; a step whose key is only in the old plan went, only in the new one is
made, in both but different is updated.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import assert_never

from nslab.plan import steps as st
from nslab.plan.lives import Key, lives_on
from nslab.plan.nft import tables

DEFAULT_MTU = 1500


def _tables_gone(*texts: str) -> str:
    """nft lines that delete nslab's own tables named in `texts` (made first,
    so that the delete never fails): the user's tables are never flushed."""
    names = dict.fromkeys(t for text in texts for t in tables(text))
    return "".join(f"table {t}\ndelete table {t}\n" for t in names)

# additions in this order (the order `plan` builds a lab in); removals reversed
PHASES: tuple[type, ...] = (
    st.AddNamespace, st.SetSysctl, st.AddVeth, st.AddBridge, st.SetMaster, st.SetMtu,
    # the wire relays before any link of it is up: the first frames (ARP) are not lost
    st.SetWire, st.StartWire,
    st.AddAddress, st.SetLinkUp, st.SetRate, st.AddRoute, st.WriteFile, st.LoadNftRuleset,
    st.StartDaemons, st.RunCommand, st.StartService)


def phase(s: st.Step) -> int:
    """Where a step's kind stands in PHASES (a change step: with the kind it changes)."""
    match s:
        case st.SetNetem() | st.ClearRate():
            return PHASES.index(st.SetRate)
        case st.SetLinkDown():
            return PHASES.index(st.SetLinkUp)
        case st.DelLink() | st.AddVxlan():
            return PHASES.index(st.AddVeth)
        case st.DelAddress():
            return PHASES.index(st.AddAddress)
        case st.DelRoute():
            return PHASES.index(st.AddRoute)
        case st.RemoveNamespace():
            return PHASES.index(st.AddNamespace)
        case st.RemoveFile():
            return PHASES.index(st.WriteFile)
        case st.StopService():
            return PHASES.index(st.StartService)
        case st.ClearWire():
            return PHASES.index(st.SetWire)
        case st.StopDaemons() | st.ReloadDaemons():
            return PHASES.index(st.StartDaemons)
        case st.SetNeighbourLimits():
            return 0
        case (st.AddNamespace() | st.SetSysctl() | st.AddVeth() | st.AddBridge() | st.SetMaster()
              | st.SetMtu() | st.AddAddress() | st.SetLinkUp() | st.SetRate() | st.AddRoute()
              | st.WriteFile() | st.LoadNftRuleset() | st.StartDaemons() | st.RunCommand()
              | st.StartService() | st.SetWire() | st.StartWire()):
            return PHASES.index(type(s))
        case _:
            assert_never(s)


LinkStep = (st.AddVeth | st.AddVxlan | st.AddBridge | st.DelLink | st.SetMaster | st.SetMtu
            | st.AddAddress | st.DelAddress | st.SetLinkUp | st.SetLinkDown | st.SetRate
            | st.SetNetem | st.ClearRate)
LINK_STEPS = (st.AddVeth, st.AddVxlan, st.AddBridge, st.DelLink, st.SetMaster, st.SetMtu,
              st.AddAddress, st.DelAddress, st.SetLinkUp, st.SetLinkDown, st.SetRate,
              st.SetNetem, st.ClearRate)


@functools.lru_cache(maxsize=1 << 16)
def makes(s: st.Step) -> tuple[Key, ...]:
    """The kernel objects (or settings) `s` makes; the first is its identity
    (kept for the steps seen: a diff asks it of each step several times, and
    of the equal steps of both plans)."""
    if isinstance(s, LINK_STEPS):
        return _link_makes(s)
    match s:
        case st.AddNamespace() | st.RemoveNamespace():
            return (("ns", s.ns),)
        case st.SetSysctl():
            return (("sysctl", str(s.ns), s.key),)
        case st.AddRoute() | st.DelRoute():
            return (("route", str(s.ns), str(s.dst)),)
        case st.WriteFile() | st.RemoveFile():
            return (("file", s.path),)
        case st.LoadNftRuleset():
            return (("nft", str(s.ns)),)
        case st.StartDaemons() | st.StopDaemons() | st.ReloadDaemons():
            return (("daemons", s.ns),)
        case st.RunCommand():
            return (("run", s.ns, *s.argv),)
        case st.StartService() | st.StopService():
            return (("service", s.ns, s.name),)
        case st.SetWire() | st.ClearWire():
            return (("wire", s.ns, s.into),)
        case st.StartWire():
            return (("service", s.ns, st.RELAY),)
        case st.SetNeighbourLimits():
            return (("neighbours", str(s.family)),)
        case _:
            assert_never(s)


def _link_makes(s: LinkStep) -> tuple[Key, ...]:
    """What a step on a link makes: the link, or one of its settings."""
    match s:
        case st.AddVeth():
            return (("link", str(s.ns), s.name), ("link", str(s.peer_ns), s.peer_name))
        case st.AddBridge() | st.DelLink() | st.AddVxlan():
            return (("link", str(s.ns), s.name),)
        case st.SetMaster():
            return (("master", str(s.ns), s.name),)
        case st.SetMtu():
            return (("mtu", str(s.ns), s.name),)
        case st.AddAddress() | st.DelAddress():
            return (("addr", str(s.ns), s.dev, str(s.address)),)
        case st.SetLinkUp() | st.SetLinkDown():
            return (("up", str(s.ns), s.name),)
        case st.SetRate() | st.SetNetem() | st.ClearRate():
            return (("qdisc", s.ns, s.name),)
        case _:
            assert_never(s)


def identity(s: st.Step) -> Key:
    return makes(s)[0]


def container_keys(s: st.Step) -> set[Key]:
    """What `s` lives in (goes with): its namespace, its link. A veth lives in
    two namespaces and goes only when both do (undo says so)."""
    if isinstance(s, st.AddVeth):
        return set()
    if isinstance(s, st.AddRoute):  # a multipath route outlives one of its devices
        return {("ns", s.ns)} if s.ns is not None else set()
    return lives_on(s) - set(makes(s))


def goes_with(s: st.Step) -> set[Key]:
    """What takes `s` with it when it goes (so that `s` needs no undo): what it
    lives in, but for a direction of the wire, whose file outlives its links
    and namespace (it is always removed by its own undo)."""
    return set() if isinstance(s, st.SetWire) else container_keys(s)


def normal(s: st.Step) -> st.Step:
    """A step as compared: `replace` is how it is made, not what it makes."""
    if isinstance(s, st.SetRate | st.AddRoute) and s.replace:
        return dataclasses.replace(s, replace=False)
    return s


def undo(s: st.Step, gone_ns: set[str]) -> list[st.Step]:
    """The steps that remove what `s` made (`gone_ns`: namespaces this change
    deletes, with all that is in them)."""
    match s:
        case st.AddNamespace():
            return [st.RemoveNamespace(s.ns, s.node)]
        case st.AddVeth():
            # one end deleted, at once: the other end's name is free right away
            ends = [(s.ns, s.name), (s.peer_ns, s.peer_name)]
            keep = next(((ns, n) for ns, n in ends if ns is not None and ns not in gone_ns),
                        None)
            return [st.DelLink(keep[0], keep[1])] if keep is not None else []
        case st.AddBridge() | st.AddVxlan():
            return [st.DelLink(s.ns, s.name)] if s.ns is not None else []
        case st.AddAddress():
            return [st.DelAddress(s.ns, s.dev, s.address)] if s.ns is not None else []
        case st.SetLinkUp():
            return [st.SetLinkDown(s.ns, s.name)] if s.ns is not None else []
        case st.SetMtu():
            return [st.SetMtu(s.ns, s.name, DEFAULT_MTU)]
        case st.SetRate() | st.SetNetem():
            return [st.ClearRate(s.ns, s.name)]
        case st.AddRoute():
            return [st.DelRoute(s.ns, s.dst)] if s.ns is not None else []
        case st.WriteFile():
            return [st.RemoveFile(s.node, s.path)]
        case st.LoadNftRuleset():
            gone = _tables_gone(s.text)
            return [st.LoadNftRuleset(s.ns, s.node, gone)] if gone else []
        case st.StartDaemons():
            return [st.StopDaemons(s.ns, s.node, s.suite, s.dir, s.daemons)]
        case st.StartService() | st.StartWire() | st.SetWire():
            return [_stopped(s)]
        case st.SetMaster() | st.SetSysctl() | st.RunCommand() | st.SetNeighbourLimits():
            return _setting_back(s)
        case (st.RemoveNamespace() | st.DelLink() | st.DelAddress() | st.DelRoute()
              | st.SetLinkDown() | st.ClearRate() | st.StopService() | st.StopDaemons()
              | st.ReloadDaemons() | st.RemoveFile() | st.ClearWire()):
            raise ValueError(f"a change step is not in a lab's plan: {s}")
        case _:
            assert_never(s)


def _setting_back(s: st.SetMaster | st.SetSysctl | st.RunCommand | st.SetNeighbourLimits
                  ) -> list[st.Step]:
    """A port goes with its link; a command has run; a setting stays, but a
    namespace's own that nslab knows the default of, which it gets back."""
    if isinstance(s, st.SetSysctl) and s.ns is not None and s.key in st.NAMESPACE_DEFAULTS:
        return [st.SetSysctl(s.ns, s.key, st.NAMESPACE_DEFAULTS[s.key])]
    return []


def _stopped(s: st.StartService | st.StartWire | st.SetWire) -> st.Step:
    """What ends a process, or takes a link off the wire."""
    match s:
        case st.StartService():
            return st.StopService(s.ns, s.node, s.name)
        case st.StartWire():
            return st.StopService(s.ns, st.WIRE_NODE, st.RELAY)
        case st.SetWire():
            return st.ClearWire(s.ns, s.into, s.dir)
        case _:
            assert_never(s)


@dataclasses.dataclass(frozen=True)
class Update:
    """How an object goes from its old step to its new one: what to remove
    first, what to make, and whether the object is made again (then all that
    lives in it is made again too)."""

    removals: tuple[st.Step, ...]
    additions: tuple[st.Step, ...]
    remade: bool = False


def update(old: st.Step, new: st.Step, gone_ns: set[str]) -> Update:
    """From `old` to `new` (the same identity, not equal)."""
    match new:
        case st.AddNamespace() if isinstance(old, st.AddNamespace) and \
                dataclasses.replace(old, forwarding=new.forwarding) == new:
            on = "1" if new.forwarding else "0"
            return Update((), tuple(st.SetSysctl(new.ns, k, on) for k in (
                "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding")))
        case st.SetSysctl() | st.SetMtu() | st.SetMaster():
            return Update((), (new,))
        case st.SetRate():
            return Update((), (dataclasses.replace(new, replace=True),))
        case st.SetNetem():
            return Update((st.ClearRate(new.ns, new.name),), (new,))
        case st.SetWire():  # the relay reads it again: nothing stops
            return Update((), (new,))
        case st.AddRoute():
            return Update((), (dataclasses.replace(new, replace=True),))
        case st.LoadNftRuleset() if isinstance(old, st.LoadNftRuleset):
            return Update((), (st.LoadNftRuleset(new.ns, new.node, _tables_gone(
                old.text, new.text) + new.text),))
        case st.StartDaemons() if isinstance(old, st.StartDaemons) and \
                (old.suite, old.daemons, old.dir) == (new.suite, new.daemons, new.dir):
            return Update((), (st.ReloadDaemons(new.ns, new.node, new.suite, new.dir,
                                                new.config),))
        case (st.AddNamespace() | st.AddVeth() | st.AddVxlan() | st.AddBridge()
              | st.AddAddress() | st.SetLinkUp() | st.WriteFile() | st.StartDaemons()
              | st.RunCommand() | st.StartService() | st.SetNeighbourLimits()
              | st.LoadNftRuleset() | st.StartWire()):
            return Update(tuple(undo(old, gone_ns)), (new,), remade=True)
        case (st.RemoveNamespace() | st.DelLink() | st.DelAddress() | st.DelRoute()
              | st.SetLinkDown() | st.ClearRate() | st.StopService() | st.StopDaemons()
              | st.ReloadDaemons() | st.RemoveFile() | st.ClearWire()):
            raise ValueError(f"a change step is not in a lab's plan: {new}")
        case _:
            assert_never(new)


def redone(s: st.Step) -> st.Step:
    """A step made again over what may still be there (idempotent where the
    kernel allows it): a route replaced, nslab's own tables deleted first."""
    match s:
        case st.AddRoute():
            return dataclasses.replace(s, replace=True)
        case st.LoadNftRuleset():
            return st.LoadNftRuleset(s.ns, s.node, _tables_gone(s.text) + s.text)
        case _:
            return s
