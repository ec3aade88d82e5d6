"""OSPF and IS-IS details, decided: each router's settings (`nodes.N.ospf`) and each
interface's (`links[].ospf`, else the router's area), and what cannot form
an adjacency said before anything is made: two routers of a segment in
different areas, with different timers or keys, an area that does not touch
the backbone. Pure."""

from __future__ import annotations

from collections.abc import Mapping

from nslab.errors import Problem
from nslab.model.lab import Lab
from nslab.model.routers import (
    BACKBONE,
    DEAD,
    HELLO,
    Isis,
    IsisPort,
    Ospf,
    OspfPort,
    area_word,
    net_of,
)
from nslab.spec.schema import LabSpec

End = tuple[str, str]  # (node, interface)


def routers(spec: LabSpec, runs_ospf: set[str], problems: list[Problem]) -> dict[str, Ospf]:
    out = {}
    for name, ns in spec.nodes.items():
        o = ns.ospf
        if o is None:
            continue
        if name not in runs_ospf:
            problems.append(Problem(("nodes", name, "ospf"), f"'{name}' runs no OSPF",
                                    "routing: ospf, or routing: bgp with routers of one "
                                    "ASN linked together"))
            continue
        out[name] = Ospf(area=str(o.area) if o.area is not None else BACKBONE,
                         priority=o.priority,
                         hello=o.timers.hello if o.timers else HELLO,
                         dead=o.timers.dead if o.timers else DEAD,
                         md5=o.auth.md5 if o.auth else None,
                         default_originate=o.default_originate,
                         redistribute=tuple(o.redistribute))
    return out


def ports(spec: LabSpec, lab: Lab, runs_ospf: set[str], nodes: Mapping[str, Ospf],
          problems: list[Problem]) -> dict[End, OspfPort]:
    """Each OSPF router's interfaces: the link's settings, in the link's area
    or else the router's."""
    out: dict[End, OspfPort] = {}
    link_of: dict[End, int] = {}
    for i, link in enumerate(lab.links):
        lo = spec.links[i].ospf
        ends = [e for e in (link.a, link.b) if e[0] in runs_ospf]
        for e in (link.a, link.b):
            link_of[e] = i
        if lo is not None and not ends:
            problems.append(Problem(("links", i, "ospf"), "neither end of the link runs OSPF"))
        costs = lo.cost if lo is not None else None
        if isinstance(costs, dict):
            for node in set(costs) - {link.a[0], link.b[0]}:
                problems.append(Problem(("links", i, "ospf", "cost", node),
                                        f"'{node}' is not an end of this link",
                                        f"its ends: {link.a[0]}, {link.b[0]}"))
        for e in ends:
            own = nodes.get(e[0], Ospf())
            out[e] = OspfPort(str(lo.area) if lo and lo.area is not None else own.area,
                              costs.get(e[0]) if isinstance(costs, dict) else costs,
                              bool(lo and lo.passive), lo.network if lo else None)
    _agree(lab, out, nodes, link_of, problems)
    _backbone(spec, nodes, out, link_of, problems)
    return out


def _agree(lab: Lab, ports: Mapping[End, OspfPort], nodes: Mapping[str, Ospf],
           link_of: Mapping[End, int], problems: list[Problem]) -> None:
    """The routers of a segment must agree on what an adjacency needs."""
    for seg in lab.segments:
        ends = [e for e in seg.members if e in ports and not ports[e].passive]
        if len(ends) < 2:
            continue
        first = ends[0]
        for e in ends[1:]:
            where: tuple[str | int, ...] = ("links", link_of[e], "ospf")
            a, b = ports[first], ports[e]
            na, nb = nodes.get(first[0], Ospf()), nodes.get(e[0], Ospf())
            if a.area != b.area:
                problems.append(Problem(where, f"'{first[0]}' is in area {area_word(a.area)} "
                                        f"and '{e[0]}' in area {area_word(b.area)} here: "
                                        "they would never be neighbours",
                                        "say the link's area: ospf: {area: N}"))
            elif (na.hello, na.dead) != (nb.hello, nb.dead):
                problems.append(Problem(where, f"'{first[0]}' and '{e[0]}' have different "
                                        "OSPF timers: they would never be neighbours",
                                        "give both routers the same ospf.timers"))
            elif na.md5 != nb.md5:
                problems.append(Problem(where, f"'{first[0]}' and '{e[0]}' authenticate OSPF "
                                        "differently: they would never be neighbours",
                                        "give both routers the same ospf.auth"))
            else:
                continue
            break


def _backbone(spec: LabSpec, nodes: Mapping[str, Ospf], ports: Mapping[End, OspfPort],
              link_of: Mapping[End, int], problems: list[Problem]) -> None:
    """With areas besides the backbone, each must have a router that is also
    in the backbone (an ABR): nslab writes no virtual links."""
    areas: dict[str, set[str]] = {}
    for name, o in nodes.items():
        areas.setdefault(name, set()).add(o.area)
    for (node, _), p in ports.items():
        areas.setdefault(node, set()).add(p.area)
    used = set().union(*areas.values()) if areas else set()
    if used <= {BACKBONE} or len(used) == 1:
        return
    for a in sorted(used - {BACKBONE}):
        if not any(a in mine and BACKBONE in mine for mine in areas.values()):
            where = next((("links", link_of[e], "ospf", "area") for e, p in ports.items()
                          if p.area == a and spec.links[link_of[e]].ospf is not None),
                         next((("nodes", n, "ospf", "area") for n, o in nodes.items()
                               if o.area == a), ()))
            problems.append(Problem(where, f"area {area_word(a)} has no router that is also "
                                    "in the backbone (area 0)",
                                    "an area reaches the others through an ABR: a router "
                                    "with links in both"))


def isis_routers(spec: LabSpec, runs_isis: set[str], router_ids: Mapping[str, str],
                 problems: list[Problem]) -> dict[str, Isis]:
    """Each IS-IS router's NET (the file's, or one from its router id) and level."""
    out = {}
    for name, ns in spec.nodes.items():
        if ns.isis is not None and name not in runs_isis:
            problems.append(Problem(("nodes", name, "isis"), f"'{name}' runs no IS-IS",
                                    "routing: isis, or routing: bgp with igp: isis and "
                                    "routers of one ASN linked together"))
    seen: dict[str, str] = {}
    for name in sorted(runs_isis, key=list(spec.nodes).index):
        own = spec.nodes[name].isis
        net = own.net if own and own.net else net_of(router_ids[name])
        system = net.rsplit(".", 4)[1:4]
        key = ".".join(system)
        if key in seen:
            problems.append(Problem(("nodes", name, "isis", "net"), f"system id {key} is "
                                    f"'{seen[key]}'s too", "each router has its own"))
        seen[key] = name
        out[name] = Isis(net, str(own.level) if own else "2")
    return out


def isis_ports(spec: LabSpec, lab: Lab, runs_isis: set[str], problems: list[Problem]
               ) -> dict[End, IsisPort]:
    out: dict[End, IsisPort] = {}
    for i, link in enumerate(lab.links):
        li = spec.links[i].isis
        if li is None:
            continue
        ends = [e for e in (link.a, link.b) if e[0] in runs_isis]
        if not ends:
            problems.append(Problem(("links", i, "isis"), "neither end of the link runs IS-IS"))
        for e in ends:
            out[e] = IsisPort(li.metric, li.passive)
    return out
