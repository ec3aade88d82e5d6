"""A path through a lab across machines (nslab why, path expectations):
each machine walks its own stretch (nslab.kernel.path: routes, veths,
bridges) to the end of a link between machines, and the machine at the
other end takes it on from there; the controller joins the stretches."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from nslab.errors import NotFoundError
from nslab.kernel.inspect import Reader
from nslab.kernel.path import Leave, Walker
from nslab.records import verdicts as vd
from nslab.state.record import node_list

if TYPE_CHECKING:
    from nslab.running import spread

MAX_CROSSINGS = 16  # machines a path may cross before it is called a loop


def walk_here(lab: str, node: str, dst: str, src_addr: str | None, ends: list[str],
              enter: str | None = None, target: str | None = None) -> dict[str, Any]:
    """One machine's stretch of a path across machines: from `node` (`enter`:
    its interface where the packet comes in from another machine, for
    `target`) to `dst` or to where it leaves this machine. `ends`: this
    machine's ends of links between machines ("node:iface")."""
    nodes = {n["name"]: n for n in node_list(lab)}
    if node not in nodes:
        raise NotFoundError(f"node '{node}' is not on this machine")
    with Reader(many=True) as reader:
        inos = {reader.named[str(d["namespace"])]: n for n, d in nodes.items()
                if str(d["namespace"]) in reader.named}
        ino_of = {n: i for i, n in inos.items()}
        remote = {(ino_of[n], i): e for e in ends
                  for n, _, i in [e.partition(":")] if n in ino_of}
        walker = Walker(reader, inos, remote)
        start = ino_of.get(node)
        if start is None:
            raise NotFoundError(f"the namespace of node '{node}' is gone")
        hops: list[vd.Hop] = []
        iif = None
        if enter is not None:
            index = next((x.record.index for x in reader.links(start)
                          if x.record.name == enter), None)
            if index is None:
                return _stretch([vd.Hop(reader.label(start), node, None, None, None, None)],
                                False, f"{enter} of node {node} is gone", node, src_addr,
                                None, entered=False)
            found = walker.enter(start, index, target or dst)
            if isinstance(found, str):
                return _stretch([vd.Hop(reader.label(start), node, enter, None, None, None)],
                                False, found, node, src_addr, None, entered=False)
            if isinstance(found, Leave):
                walker.bridged(hops, found.bridges)
                return _stretch(hops, False, "", node, src_addr, found)
            start, iif, bridges = found
            walker.bridged(hops, bridges)
        path = walker.walk(start, src_addr, dst, iif)
        return _stretch(hops + list(path.hops), path.ok, path.reason, path.at,
                        path.src_address, walker.left)


def _stretch(hops: list[vd.Hop], ok: bool, reason: str | None, at: str | None,
             src_addr: str | None, left: Leave | None, entered: bool = True) -> dict[str, Any]:
    return {"hops": [asdict(h) for h in hops], "passes": ok, "reason": reason, "at": at,
            "src_address": src_addr, "entered": entered,
            "leave": None if left is None else {"ends": list(left.ends), "target": left.target}}


def walk_across(lab: str, src: str, src_addr: str | None, dst: str,
                session: spread.Session | None = None) -> vd.Path:
    """The path from node `src` to `dst` through the machines of a lab across
    machines, hop by hop, as one path (`session`: the connections to the
    machines to ask on, else one each stretch)."""
    from nslab.running import spread

    where, other_end, ends = spread.crossings(lab)

    def stretch(node: str, **more: Any) -> dict[str, Any]:
        machine = where[node]
        return spread.ask(machine, {"op": "walk", "lab": lab, "node": node, "dst": dst,
                                    "src_address": src_addr, "ends": ends[machine["name"]],
                                    **more}, session=session)

    hops: list[vd.Hop] = []
    said = stretch(src)
    for _ in range(MAX_CROSSINGS):
        hops += [vd.Hop(**h) for h in said["hops"]]
        src_addr = said["src_address"] or src_addr
        leave = said["leave"]
        if leave is None:
            return vd.Path(src, src_addr, dst, bool(said["passes"]), tuple(hops), said["reason"],
                           said["at"])
        answers = []
        for end in leave["ends"]:  # a switch's ports to other machines: the one that holds it
            node, iface = other_end[end]
            answers.append(stretch(node, enter=iface, target=leave["target"]))
            if answers[-1]["entered"]:
                break
        said = next((x for x in answers if x["entered"]), answers[0])
    return vd.Path(src, src_addr, dst, False, tuple(hops), f"more than {MAX_CROSSINGS} "
                   "crossings between machines: a routing loop", None)
