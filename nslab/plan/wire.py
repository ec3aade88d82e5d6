"""The wire: delay, jitter, duplication, reordering and corruption on a kernel
without netem. Pure.

A link that needs any of them is not one veth pair but two, through a
namespace of the lab's own (the wire namespace, `LAB~wire`):

    a:eth0 ─── wa │ wire namespace │ wb ─── b:eth0

and one relay process in that namespace moves the frames from wa to wb and
back, holding each as the sending end's setting says (nslab.wire). The nodes
see their own ends only: addresses, MTU, rate (tbf) and loss (nft) stay where
they are. `wired` turns a lab's plan (with SetNetem steps, as on a kernel
with netem) into the plan for a kernel without: the same function for `up`,
for every change to a running lab and for `check`, so the diff of two wired
plans is what changes on the machine.
"""

from __future__ import annotations

from collections.abc import Iterable

from nslab.plan import steps as st
from nslab.plan.kinds import phase

STATE_ROOT = "/run/nslab"
DEFAULT_MTU = 1500  # a new veth's; a wire end is given a larger one only where a node has it


def wire_namespace(lab: str) -> str:
    """The lab's wire namespace ('~' is in no node's namespace name)."""
    return f"{lab}{st.WIRE_NODE}"


def wire_dir(lab: str) -> str:
    """The relay's folder: one file per direction, its control socket."""
    return f"{STATE_ROOT}/{lab}/wire"


def wire_end(ns: str, name: str) -> str:
    """The wire's end facing the node end `name` in namespace `ns`: 'w' and
    12 hex digits of a hash (stable whatever else the lab holds; within the
    15 characters of an interface name)."""
    import hashlib  # (~3 ms at start: only for labs with delays through the wire)

    return "w" + hashlib.sha1(f"{ns}/{name}".encode()).hexdigest()[:12]


def wire_marker(lab: str, instance: str) -> str:
    return f"nslab lab={lab} node={st.WIRE_NODE} id={instance}"


def wired(steps: Iterable[st.Step], lab: str, instance: str) -> tuple[st.Step, ...]:
    """`steps` with every link that has a SetNetem at either end made through
    the wire: the veth pair becomes two, the relay is told each direction,
    the end's rate stays a tbf. A wire end faces the node end it is peered
    with and is up only while the far node end is up, so that a link end set
    down (or a node stopped) takes the carrier from the other side too, as a
    plain veth would. Steps without SetNetem come back as they are."""
    steps = list(steps)
    netem = {(s.ns, s.name): s for s in steps if isinstance(s, st.SetNetem)}
    links = [s for s in steps if isinstance(s, st.AddVeth) and s.peer_ns is not None
             and ((s.ns, s.name) in netem or (s.peer_ns, s.peer_name) in netem)]
    if not links:
        return tuple(steps)
    ns, folder = wire_namespace(lab), wire_dir(lab)
    node = {s.ns: s.node for s in steps if isinstance(s, st.AddNamespace)}
    up = {(s.ns, s.name) for s in steps if isinstance(s, st.SetLinkUp)}
    mtu = {(s.ns, s.name): s.mtu for s in steps if isinstance(s, st.SetMtu)}
    wired_veths = set(links)
    ends = {e for v in links for e in ((v.ns, v.name), (v.peer_ns, v.peer_name))}
    out: list[st.Step] = [s for s in steps if s not in wired_veths and not (
        isinstance(s, st.SetNetem) and (s.ns, s.name) in ends)]
    out.append(st.AddNamespace(ns, wire_marker(lab, instance), False, False, st.WIRE_NODE))
    for v in links:
        assert v.peer_ns is not None
        a, b = (v.ns, v.name), (v.peer_ns, v.peer_name)
        wa, wb = wire_end(*a), wire_end(*b)
        out += [st.AddVeth(v.ns, v.name, ns, wa), st.AddVeth(v.peer_ns, v.peer_name, ns, wb)]
        # a frame larger than the MTU of the end it arrives on is dropped: the wire's
        # ends take the larger of the link's (the two node ends may differ for a while)
        big = max(mtu.get(a, DEFAULT_MTU), mtu.get(b, DEFAULT_MTU))
        out += [st.SetMtu(ns, w, big) for w in (wa, wb) if big > DEFAULT_MTU]
        out += [st.SetLinkUp(ns, w) for w, far in ((wa, b), (wb, a)) if far in up]
        for (end_ns, end_name), into, away in ((a, wa, wb), (b, wb, wa)):
            sent = netem.get((end_ns, end_name))
            out.append(st.SetWire(ns, into, away, f"{node.get(end_ns, end_ns)}:{end_name}",
                                  sent.netem if sent else None, folder))
            if sent is not None and sent.rate_bps:
                out.append(st.SetRate(end_ns, end_name, sent.rate_bps))
    out.append(st.StartWire(ns, folder, f"{STATE_ROOT}/{lab}/wire.log"))
    # machine-wide steps first as they were; the rest in the order of their phases
    return tuple(sorted(out, key=phase))
