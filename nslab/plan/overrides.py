"""What a running lab is meant to be now: its plan, as the file made it, with
the overrides that `nslab link`, `nslab node` and timelines journaled on top
(an end set down, a rate, a loss, an MTU; a node stopped). Pure.

Every change to a running lab is then one diff: from the plan with the old
overrides to the plan with the new ones (nslab.plan.diff.changes), and `check`
compares the kernel with the plan with the overrides in force.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nslab.model.lab import Netem
from nslab.plan import steps as st
from nslab.plan.nft import tables

_LOSS = "netdev nslab_loss"


@dataclass(frozen=True)
class End:
    """One end of a link as it is meant to be now: `rate_bps` caps what it
    sends, `loss` is the share of what arrives on it that is dropped, `mtu`
    (None: the file's) its MTU, `netem` what netem does to what it sends."""

    node: str
    iface: str
    namespace: str
    up: bool
    rate_bps: float | None
    loss: float | None
    changed: bool  # differs from the file
    mtu: int | None = None
    netem: Netem | None = None  # delay, jitter, duplication... on what it sends

    @property
    def name(self) -> str:
        return f"{self.node}:{self.iface}"


def _is_loss(s: st.Step) -> bool:
    return isinstance(s, st.LoadNftRuleset) and \
        set(tables(s.text)) == {_LOSS}


def _routes_through(s: st.AddRoute, down: set[tuple[str, str]]) -> bool:
    return s.ns is not None and any((s.ns, h.dev) in down for h in s.nexthops if h.dev)


def overridden(steps: Iterable[st.Step], ends: Iterable[End], stopped: Iterable[str] = ()
               ) -> tuple[st.Step, ...]:
    """`steps` (a lab's plan) as `ends` (every link end, as it is meant to be
    now) and `stopped` (the namespaces of stopped nodes) make it: an end down is
    not set up, and the routes through it are not there (the kernel drops them);
    a stopped node's ends are down and its services and daemons do not run; a
    changed end has its rate, MTU and loss as changed."""
    all_ends = list(ends)
    off = set(stopped)
    changed = {(e.namespace, e.iface): e for e in all_ends if e.changed}
    down = {k for k, e in changed.items() if not e.up} | {
        (e.namespace, e.iface) for e in all_ends if e.namespace in off}
    if not changed and not off:  # nothing overridden: the plan as it is
        return tuple(steps)
    relossed = {ns for ns, _ in changed}
    out: list[st.Step] = []
    for s in steps:
        match s:
            case st.SetLinkUp() if (s.ns, s.name) in down:
                continue
            case st.AddRoute() if _routes_through(s, down):
                continue
            case st.StartService() | st.StartDaemons() if s.ns in off:
                continue
            case st.SetRate() | st.SetNetem() if (s.ns, s.name) in changed:
                continue
            case st.SetMtu() if (s.ns, s.name) in changed and \
                    changed[(s.ns or "", s.name)].mtu is not None:
                continue
            case st.LoadNftRuleset() if s.ns in relossed and _is_loss(s):
                continue
        out.append(s)
    for e in changed.values():
        if e.netem is not None:
            out.append(st.SetNetem(e.namespace, e.iface, e.netem, e.rate_bps))
        elif e.rate_bps:
            out.append(st.SetRate(e.namespace, e.iface, e.rate_bps))
        if e.mtu is not None:
            out.append(st.SetMtu(e.namespace, e.iface, e.mtu))
    for ns in sorted(relossed):
        drops = [(e.iface, e.loss) for e in all_ends if e.namespace == ns and e.loss]
        if drops:
            node = next(e.node for e in all_ends if e.namespace == ns)
            out.append(st.LoadNftRuleset(ns, node, st.loss_ruleset(drops)))
    return tuple(out)


def quiet(ends: Iterable[End], stopped: Iterable[str] = ()) -> set[str]:
    """The namespaces whose routes `check` does not compare: those with an end
    down (the kernel drops more than the routes through it: a route learnt by
    a daemon, one via a gateway reached through it) or stopped."""
    return {e.namespace for e in ends if e.changed and not e.up} | set(stopped)
