"""What a step lives on: the kernel objects it needs, as keys —
("ns", NAMESPACE), ("link", NAMESPACE, NAME), ("file", PATH) — so that a
change can leave out everything that lives on something it must not touch
(a repair that meets the user's namespace, link or file in place of the
lab's). Pure; every step kind is named (a new one is a type error here)."""

from __future__ import annotations

from typing import assert_never

from nslab.plan import steps as st

Key = tuple[str, ...]


def _ns(ns: str | None) -> set[Key]:
    return {("ns", ns)} if ns is not None else set()


def _link(ns: str | None, name: str) -> set[Key]:
    return _ns(ns) | ({("link", ns, name)} if ns is not None else set())


def lives_on(s: st.Step) -> set[Key]:
    """The keys of what `s` needs in place."""
    match s:
        case st.AddVeth():
            return _link(s.ns, s.name) | _link(s.peer_ns, s.peer_name)
        case (st.SetMaster() | st.SetMtu() | st.SetRate() | st.SetNetem() | st.ClearRate()
              | st.SetLinkDown() | st.SetLinkUp() | st.DelLink() | st.AddBridge()
              | st.AddVxlan()):
            return _link(s.ns, s.name)
        case st.AddAddress() | st.DelAddress():
            return _link(s.ns, s.dev)
        case st.AddRoute():
            out = _ns(s.ns)
            for h in s.nexthops:
                out |= _link(s.ns, h.dev) if h.dev else set()
            return out
        case st.WriteFile() | st.RemoveFile():
            return {("file", s.path)}
        case st.SetWire():
            return _link(s.ns, s.into) | _link(s.ns, s.out)
        case st.ClearWire() | st.StartWire():
            return _ns(s.ns)
        case (st.AddNamespace() | st.SetSysctl() | st.RunCommand() | st.StartService()
              | st.LoadNftRuleset() | st.StartDaemons() | st.RemoveNamespace() | st.DelRoute()
              | st.StopService() | st.StopDaemons() | st.ReloadDaemons()):
            return _ns(s.ns)
        case st.SetNeighbourLimits():
            return set()
        case _:
            assert_never(s)


def widened(steps: tuple[st.Step, ...] | list[st.Step], blocked: set[Key]) -> set[Key]:
    """`blocked` with the other end of every veth one of whose ends is blocked."""
    wide = set(blocked)
    for s in steps:
        if isinstance(s, st.AddVeth) and lives_on(s) & blocked:
            wide |= {k for k in lives_on(s) if k[0] == "link"}
    return wide


def without(steps: tuple[st.Step, ...] | list[st.Step], blocked: set[Key]
            ) -> list[st.Step]:
    """`steps` less those that live on anything `blocked` (a blocked link
    end blocks its veth's other end too)."""
    if not blocked:
        return list(steps)
    wide = widened(steps, blocked)
    return [s for s in steps if not lives_on(s) & wide]
