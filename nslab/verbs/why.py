"""`nslab why LAB SRC DST`: walk the path as the kernel would (route lookups,
interfaces, bridges, forwarding, reverse-path filter), walk the answer's way
back, send one real probe, and when it is lost anyway, ask nftables which rule
drops it. The first thing that stops the packet is said in one sentence."""

from __future__ import annotations

from contextlib import ExitStack
from ipaddress import ip_address

from nslab.errors import NotFoundError, NslabError, require_root
from nslab.kernel import firewall, netns, probe
from nslab.kernel.inspect import Reader
from nslab.kernel.path import Walker
from nslab.kernel.trace import Tracer, Verdict
from nslab.records import verdicts as vd
from nslab.state.record import node_list


def _addresses(nodes: dict[str, dict[str, object]], node: str, family: int) -> str | None:
    addrs = nodes[node]["addresses"]
    assert isinstance(addrs, list)
    return next((a for a in addrs if ip_address(a).version == family), None)


def _target(lab: str, nodes: dict[str, dict[str, object]], dst: str) -> str:
    """The address for DST: a node (its first address), or an address."""
    try:
        return str(ip_address(dst))
    except ValueError:
        pass
    node, _, iface = dst.partition(":")
    if node not in nodes:
        raise NotFoundError(f"lab '{lab}' has no node '{node}' (nodes: {', '.join(nodes)})")
    if iface:
        raise NslabError(f"give the address of {dst} instead: nslab why {lab} SRC ADDRESS")
    addr = _addresses(nodes, node, 4) or _addresses(nodes, node, 6)
    if addr is None:
        raise NslabError(f"node '{node}' has no address (a switch?)")
    return addr


def _addressed(lab: str, nodes: dict[str, dict[str, object]], src: str, dst: str,
               proto: str, port: int | None) -> tuple[str, str]:
    """The address the probe goes to, and the one it is sent from."""
    if src not in nodes:
        raise NotFoundError(f"lab '{lab}' has no node '{src}' (nodes: {', '.join(nodes)})")
    if proto != "icmp" and port is None:
        raise NslabError(f"a {proto} probe needs --port")
    address = _target(lab, nodes, dst)
    family = ip_address(address).version
    src_addr = _addresses(nodes, src, family)
    if src_addr is None:
        raise NslabError(f"node '{src}' has no IPv{family} address to send from")
    return address, src_addr


def _has_tables(fd: int) -> bool:
    with netns.entered(fd):
        try:
            return bool(firewall.tables())
        except OSError:
            return False


def why(lab: str, src: str, dst: str, proto: probe.Proto = "icmp", port: int | None = None,
        timeout: float = 1.0) -> vd.Diagnosis:
    probe.check_port(port)
    require_root()
    nodes: dict[str, dict[str, object]] = {n["name"]: n for n in node_list(lab)}
    address, src_addr = _addressed(lab, nodes, src, dst, proto, port)
    with Reader(many=True) as reader:
        inos = {reader.named[str(d["namespace"])]: n for n, d in nodes.items()
                if str(d["namespace"]) in reader.named}
        by_label = {reader.label(i): i for i in reader.candidates()}
        walker = Walker(reader, inos)
        src_ino = reader.named[str(nodes[src]["namespace"])]
        forward = walker.walk(src_ino, src_addr, address)
        back = None
        if forward.ok:
            home = by_label.get(forward.hops[-1].namespace)
            if home is not None:
                back = walker.walk(home, address, src_addr)
        labels = {h.namespace for h in forward.hops} | {h.namespace for h in
                                                        (back.hops if back else ())}
        traced = {lb: reader.fd(by_label[lb]) for lb in labels
                  if lb in by_label and _has_tables(reader.fd(by_label[lb]))}
        with ExitStack() as stack:
            tracer = stack.enter_context(Tracer(traced, src_addr, address)) if traced else None
            (res,) = probe.run([probe.Probe(str(nodes[src]["namespace"]), address, proto,
                                            port)], timeout)
        verdicts = tracer.verdicts if tracer else []
        gone = [] if res.reached else _gone(lab, reader)
    node_of = {reader_label: inos.get(ino) for reader_label, ino in by_label.items()}
    reason, at = _explain(forward, back, res, verdicts, node_of, proto, port, dst)
    if gone and reason:  # first what nslab made and someone removed
        reason = (f"{', '.join(gone)} {'is' if len(gone) == 1 else 'are'} gone (deleted "
                  f"behind nslab's back: nslab status {lab}), so {reason}")
    if not res.reached and reason and at and "has no route" in reason:
        said = _protocols(lab, at)
        if said:  # a protocol's router: not a route to add by hand
            reason = reason.replace(" (add one, or a default route)", "") + said
    notes = tuple(f"NAT in {node_of.get(v.namespace) or v.namespace}: {v.text()}"
                  for v in verdicts if v.nat)
    return vd.Diagnosis(src, dst, address, proto, port, res.reached,
                        f"{res.outcome}: {res.detail}", forward, back,
                        None if res.reached else reason, None if res.reached else at, notes)


def _protocols(lab: str, at: str) -> str:
    """Why a router that runs a routing protocol lacks a route: the adjacencies
    and sessions that are not up, its own first, then the rest of the lab's
    (a link that failed two routers away withdraws the route everywhere)."""
    from nslab.running.daemons import not_up

    if not_up(lab, at) is None:
        return ""
    said: set[tuple[str, frozenset[str]]] = set()
    down = []
    for node in [at] + [n["name"] for n in node_list(lab) if n["name"] != at]:
        for proto, peer, state in not_up(lab, node) or ():
            pair = (proto, frozenset((node, peer)))
            if pair not in said:  # r2-r3 once, not again as r3-r2
                said.add(pair)
                down.append(f"{proto} {node}-{peer}: {state}")
    if not down:
        return ("; every adjacency and session of the lab is up: no router announces "
                "the prefix (is it in the protocol?)")
    more = f" and {len(down) - 5} more" if len(down) > 5 else ""
    return "; routing adjacencies not up: " + "; ".join(down[:5]) + more


def _gone(lab: str, reader: Reader) -> list[str]:
    """The interfaces of the lab's nodes that the lab made and the kernel no
    longer has (node:iface)."""
    out = []
    for n in node_list(lab):  # nodes.json: small, where lab.json holds every route
        ino = reader.named.get(n["namespace"])
        if ino is None:
            continue
        have = {r.record.name for r in reader.links(ino)}
        out += [f"{n['name']}:{i}" for i in n.get("interfaces") or () if i not in have]
    return out


def _explain(forward: vd.Path, back: vd.Path | None, res: probe.Result,
             verdicts: list[Verdict], node_of: dict[str, str | None], proto: str,
             port: int | None, dst: str) -> tuple[str | None, str | None]:
    if not forward.ok:
        return forward.reason, forward.at
    if back is not None and not back.ok:
        return f"the packet arrives, but the answer cannot come back: {back.reason}", back.at
    stop = next((v for v in verdicts if v.stops), None)
    if stop is not None:
        where = node_of.get(stop.namespace) or stop.namespace
        rejects = stop.verdict == "reject" or " reject" in f" {stop.rule or ''}"
        word = "rejects" if rejects else "drops"  # nft traces a reject as verdict drop
        return f"the firewall of {where} {word} it: {stop.text()}", where
    if res.outcome == "refused":
        return (f"the packet arrives, but nothing on {dst} listens on {proto}/{port} "
                "(connection refused)"), dst
    if res.reached:
        return None, None
    return (f"the routes and links let it through, and no firewall rule nslab can see drops "
            f"it, yet the probe got {res.outcome}: {res.detail}"), None


# ---------------------------------------------------------------- across machines
def why_across(lab: str, src: str, dst: str, proto: probe.Proto = "icmp",
               port: int | None = None, timeout: float = 1.0) -> vd.Diagnosis:
    """nslab why for a lab across machines: the path walked machine by machine
    (each its own stretch, a link between machines crossed to the machine of
    its other end), the way back, and a real probe from the source's machine.
    Firewall rules are not traced across machines."""
    from nslab.running import paths, spread

    probe.check_port(port)
    require_root()
    with spread.Session() as session:  # a connection per machine, for every stretch
        known, home = spread.known_nodes(lab, session)
        address, src_addr = _addressed(lab, known, src, dst, proto, port)
        forward = paths.walk_across(lab, src, src_addr, address, session)
        back = None
        if forward.ok and forward.hops[-1].node:
            back = paths.walk_across(lab, forward.hops[-1].node, address, src_addr, session)
        (res,) = spread.send_probes(home[src], [
            probe.Probe(str(known[src]["namespace"]), address, proto, port)], timeout,
            session)
    reason, at = _explain(forward, back, res, [], {}, proto, port, dst)
    if reason and not res.reached and forward.ok and (back is None or back.ok):
        reason += " (firewall rules are not traced across machines: nslab why on a machine)"
    return vd.Diagnosis(src, dst, address, proto, port, res.reached,
                        f"{res.outcome}: {res.detail}", forward, back,
                        None if res.reached else reason, None if res.reached else at, ())
