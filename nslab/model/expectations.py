"""Resolve the file's `test:` section: check the node names, decide each
destination address, and phrase each expectation for people. Pure."""

from __future__ import annotations

import ipaddress

from nslab.errors import Problem
from nslab.model.lab import Expectation, Kind, Lab, LabTests
from nslab.spec.schema import ISIS_STATES, OSPF_STATES, ExpectSpec, LabTestsSpec
from nslab.units import rate as parse_rate


def _text(e: ExpectSpec, dst: str) -> str:
    if e.listens is not None:
        return f"{e.node} listens on {e.proto if e.proto != 'icmp' else 'tcp'}/{e.listens}"
    on = f" on {e.proto}/{e.port}" if e.proto != "icmp" else ""
    if not e.reach:
        return f"{e.from_} does not reach {dst}{on}"
    if e.via:
        return f"{e.from_} reaches {dst}{on} through {e.via}"
    if e.throughput:
        return f"{e.from_} sends to {dst} at {e.throughput} or more"
    return f"{e.from_} reaches {dst}{on}"


def _destination(lab: Lab, to: str) -> tuple[str | None, str | None, str | None]:
    """(node, address, problem) for `to`: a node, node:interface, or an address."""
    try:
        return None, str(ipaddress.ip_address(to)), None
    except ValueError:
        pass
    node, _, iface = to.partition(":")
    names = [n.name for n in lab.nodes]
    if node not in names:
        return None, None, f"node '{node}' is not defined"
    n = lab.node(node)
    if iface:
        found = [i for i in n.interfaces if i.name == iface]
        if not found:
            have = ", ".join(i.name for i in n.interfaces) or "none"
            return None, None, f"'{node}' has no interface '{iface}' (its interfaces: {have})"
        addrs = found[0].addresses
        return node, (str(addrs[0].ip) if addrs else None), (
            None if addrs else f"{node}:{iface} has no address")
    addr = lab.primary_address(node)
    return node, addr, None if addr else f"'{node}' has no address (a switch?)"


def _daemon_expectation(k: int, e: ExpectSpec, lab: Lab, where: tuple[str | int, ...],
                        hint: str, problems: list[Problem]) -> Expectation | None:
    """A route in a node's kernel table, a BGP session or an OSPF neighbour."""
    names = [n.name for n in lab.nodes]
    node = e.node or ""
    peer = e.via if e.route else (e.session or e.neighbour)
    bad = False
    for key, name in (("node", node), ("via" if e.route else "session" if e.session
                                       else "neighbour", peer)):
        if name is not None and name not in names:
            problems.append(Problem((*where, key), f"node '{name}' is not defined", hint))
            bad = True
    if bad:
        return None
    daemons = lab.node(node).daemons
    igp = "isis" if daemons is not None and "isis" in daemons.protocols else "ospf"
    if e.session or e.neighbour:
        want, key = ("bgp", "session") if e.session else (igp, "neighbour")
        for name, at in ((node, "node"), (peer or "", key)):
            d = lab.node(name).daemons
            if d is None or want not in d.protocols:
                problems.append(Problem((*where, at), f"'{name}' does not run "
                                        f"{PROTOCOL_NAMES[want]}",
                                        "routing: ospf, isis or bgp, or bgp: on the router"))
                return None
    if e.route:
        origin = e.proto if "proto" in e.model_fields_set else ""
        text = f"{node} has a route to {e.route}" + (f" via {peer}" if peer else "") + (
            f" ({origin})" if origin else "")
        return Expectation(k, e.name or text, "route", node, peer, e.route, origin, None,
                           True, peer, None, None, e.within)
    assert daemons is not None
    if e.session:
        state = (e.state or "established").lower()
        text = f"{node}'s BGP session with {peer} is {state}"
        return Expectation(k, e.name or text, "session", node, peer, None, "bgp", None, True,
                           None, None, state, e.within)
    state = (e.state or ("up" if igp == "isis" else "full")).lower()
    states = ISIS_STATES if igp == "isis" else OSPF_STATES
    if state not in states:
        problems.append(Problem((*where, "state"), f"an {PROTOCOL_NAMES[igp]} neighbour's state "
                                f"is one of {', '.join(states)}"))
        return None
    text = f"{node}'s {PROTOCOL_NAMES[igp]} neighbour {peer} is {state}"
    return Expectation(k, e.name or text, "neighbour", node, peer, None, igp, None, True,
                       None, None, state, e.within)


PROTOCOL_NAMES = {"ospf": "OSPF", "isis": "IS-IS", "bgp": "BGP"}


SETTLE_RETRY = 5.0  # seconds probes are tried again once the tables are complete
AFTER_WITHIN = 10.0  # seconds an expectation `after` an event has, unless `within` says


def _after(e: ExpectSpec, lab: Lab, where: tuple[str | int, ...],
           problems: list[Problem]) -> str | None:
    """The timeline event an expectation is judged after, checked."""
    if e.after is None:
        return None
    events = [ev.name for ev in lab.timeline.events] if lab.timeline else []
    if e.after not in events:
        problems.append(Problem((*where, "after"), f"no timeline event is named '{e.after}'",
                                f"events: {', '.join(events[:12])}" if events
                                else "the file has no timeline"))
        return None
    return e.after


def resolve_tests(spec: LabTestsSpec, lab: Lab, problems: list[Problem]) -> LabTests:
    names = [n.name for n in lab.nodes]
    hint = f"nodes: {', '.join(names[:12])}" + (", ..." if len(names) > 12 else "")
    out = []
    for k, e in enumerate(spec.expect):
        where: tuple[str | int, ...] = ("test", "expect", k)
        if e.route or e.session or e.neighbour:
            found = _daemon_expectation(k, e, lab, where, hint, problems)
            if found is not None:
                out.append(found)
            continue
        if e.listens is not None:
            assert e.node is not None
            if e.node not in names:
                problems.append(Problem((*where, "node"), f"node '{e.node}' is not defined",
                                        hint))
                continue
            proto = "tcp" if e.proto == "icmp" else e.proto
            out.append(Expectation(k, e.name or _text(e, e.node), "listens", None, e.node,
                                   None, proto, e.listens, True, None, None))
            continue
        assert e.from_ is not None and e.to is not None
        bad = False
        for key, node in (("from", e.from_), ("via", e.via)):
            if node is not None and node not in names:
                problems.append(Problem((*where, key), f"node '{node}' is not defined", hint))
                bad = True
        if e.from_ in names and lab.primary_address(e.from_) is None:
            problems.append(Problem((*where, "from"), f"'{e.from_}' has no address to send "
                                    "from (a switch?)", "probe from a host or a router"))
            bad = True
        dst, address, why = _destination(lab, e.to)
        if why:
            problems.append(Problem((*where, "to"), why, "" if "(" in why else hint))
            bad = True
        if bad:
            continue
        kind: Kind = "throughput" if e.throughput else ("path" if e.via else "reach")
        after = _after(e, lab, where, problems)
        text = e.name or _text(e, e.to) + (f" within {e.within or AFTER_WITHIN:g} s of "
                                           f"{e.after}" if e.after else "")
        out.append(Expectation(
            k, text, kind, e.from_, dst, address, e.proto, e.port,
            e.reach, e.via, parse_rate(e.throughput) if e.throughput else None,
            within=(e.within or AFTER_WITHIN) if after else e.within, after=after))
    if spec.converge == "auto":  # the routers' tables first, then probes for a few seconds
        return LabTests(spec.timeout, SETTLE_RETRY, spec.converge_within, tuple(out))
    return LabTests(spec.timeout, spec.converge, 0.0, tuple(out))
