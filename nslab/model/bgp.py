"""BGP sessions, decided: both sides of each session from what either router
says of it, and which routers can learn a prefix under the lab's relations
and prefix rules. Pure.

A session is declared on one side or both: its relation holds on both
(`relation: provider` on the customer means `customer` on the provider), and
so do its session keys (password, timers, BFD, multihop: a session is one
thing); policy (local preference, MED, prepending, communities, rules) is the
declaring side's. Relations give Gao-Rexford: routes from customers are
preferred over peers' over providers' (local preference 200, 150, 100), and
only a router's own and its customers' routes go to its providers and peers
(RFC 9234 roles: FRR marks what came from a provider or a peer with the OTC
attribute and sends it only to customers).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from ipaddress import ip_address, ip_network
from typing import Any

from nslab.errors import Problem
from nslab.model.lab import IPNetwork
from nslab.spec.bgp import BgpNeighborSpec, RuleSpec

INVERSE = {"customer": "provider", "provider": "customer", "peer": "peer"}
LOCAL_PREF = {"customer": 200, "peer": 150, "provider": 100}


@dataclass(frozen=True)
class Rule:
    allow: bool
    prefix: IPNetwork | None  # None: any
    ge: int | None = None
    le: int | None = None
    community: str | None = None

    @classmethod
    def of(cls, r: RuleSpec) -> Rule:
        p = r.prefix
        return cls(r.allow is not None, ip_network(p) if p else None, r.ge, r.le, r.community)

    def covers(self, p: IPNetwork) -> bool:
        """Whether the prefix part matches `p` (exactly, or within ge..le)."""
        q = self.prefix
        if q is None:
            return True
        if q.version != p.version or not p.subnet_of(q):  # type: ignore[arg-type]
            return False
        if self.ge is None and self.le is None:
            return p.prefixlen == q.prefixlen
        low = self.ge if self.ge is not None else q.prefixlen
        high = self.le if self.le is not None else q.max_prefixlen
        return low <= p.prefixlen <= high


def decide(rules: tuple[Rule, ...] | None, p: IPNetwork) -> bool | None:
    """Whether a rule list lets `p` through: the first rule that matches
    decides, none matching denies; None when a community rule is met first
    (which routes carry it is the daemons' to know)."""
    if rules is None:
        return True
    for r in rules:
        if r.covers(p):
            return None if r.community is not None else r.allow
    return False


@dataclass(frozen=True)
class Session:
    """One BGP session as one side configures it."""

    address: str  # the neighbour's; over an unnumbered link: this router's interface
    asn: int  # the neighbour's, as this side sees it
    loop: bool  # over loopbacks
    peer: str = ""  # the neighbour node ("" outside the lab)
    relation: str | None = None  # what the neighbour is to this router
    rr_client: bool = False
    local_pref: int | None = None
    med: int | None = None
    prepend: int = 0
    communities_in: tuple[str, ...] = ()
    communities_out: tuple[str, ...] = ()
    import_rules: tuple[Rule, ...] | None = None
    export_rules: tuple[Rule, ...] | None = None
    default_originate: bool = False
    next_hop_self: bool = False
    passive: bool = False
    multihop: int | None = None
    allowas_in: int | None = None
    local_as: int | None = None
    password: str | None = None
    timers: tuple[int, int] | None = None
    bfd: bool = False
    ipv4_over_ipv6: bool = False  # an IPv6 session carrying IPv4 too (RFC 8950: IPv6-only link)

    @property
    def both_families(self) -> bool:
        """Whether the one session carries IPv4 and IPv6 (over an unnumbered or an
        IPv6-only link), IPv4 through IPv6 next hops."""
        return self.interface or self.ipv4_over_ipv6

    @property
    def preference(self) -> int | None:
        """The local preference given to what it sends (None: BGP's default)."""
        if self.local_pref is not None:
            return self.local_pref
        return LOCAL_PREF.get(self.relation or "")

    @property
    def interface(self) -> bool:
        """Whether the session goes over an unnumbered link (IPv6 link-local
        addresses; FRR's `neighbor IFACE interface`): `address` is this
        router's interface there."""
        try:
            ip_address(self.address)
        except ValueError:
            return True
        return False

    @property
    def shapes_reach(self) -> bool:
        return bool(self.relation) or self.import_rules is not None \
            or self.export_rules is not None


Declared = dict[tuple[str, str], BgpNeighborSpec]  # (router, peer node) -> the file's entry


def _session_key(nb: BgpNeighborSpec | None, key: str) -> Any:
    v = getattr(nb, key) if nb is not None else None
    if key == "timers" and v is not None:
        return (v.keepalive, v.hold)
    return v or None


def settle(node: str, peer: str, address: str, asn: int, loop: bool, rr_client: bool,
           own: BgpNeighborSpec | None, where: tuple[str | int, ...],
           declared: Declared, same_as: bool, problems: list[Problem]) -> Session:
    """The session of `node` with `peer` (a node of the lab, or "" for an
    address), from its own entry `own` (None: auto) and what the peer says of it."""
    other = declared.get((peer, node))
    relation: str | None = own.relation if own is not None else None
    if other is not None and other.relation is not None:
        implied = INVERSE[other.relation]
        if relation is not None and relation != implied:
            problems.append(Problem((*where, "relation"),
                                    f"'{peer}' says '{node}' is its {other.relation}, so "
                                    f"'{peer}' is {node}'s {implied}, not its {relation}",
                                    "say the relation on one side only"))
        relation = relation or implied
    if relation is not None and same_as:
        if own is not None and own.relation is not None:  # said here (else: said there)
            problems.append(Problem((*where, "relation"), "a relation is between two ASes, "
                                    f"and '{peer}' is in {node}'s own AS"))
        relation = None

    def agreed(key: str) -> Any:
        """A session key as both sides have it (one may leave it out)."""
        mine, theirs = _session_key(own, key), _session_key(other, key)
        if mine is not None and theirs is not None and mine != theirs:
            problems.append(Problem((*where, key), f"'{peer}' gives this session another "
                                    f"{key}", "say it on one side only"))
        return mine if mine is not None else theirs

    if other is not None and other.local_as is not None:
        asn = other.local_as
    s = Session(address, asn, loop, peer, relation, rr_client, password=agreed("password"),
                timers=agreed("timers"), bfd=bool(agreed("bfd")), multihop=agreed("multihop"))
    if own is None:
        return s
    c = own.communities
    return _with_policy(s, own, c.import_ if c else [], c.export if c else [])


def _with_policy(s: Session, own: BgpNeighborSpec, c_in: list[str], c_out: list[str]
                 ) -> Session:
    def rules(v: list[RuleSpec] | None) -> tuple[Rule, ...] | None:
        return None if v is None else tuple(Rule.of(r) for r in v)

    return replace(s, local_pref=own.local_pref, med=own.med, prepend=own.prepend or 0,
                   communities_in=tuple(c_in), communities_out=tuple(c_out),
                   import_rules=rules(own.import_), export_rules=rules(own.export),
                   default_originate=own.default_originate, next_hop_self=own.next_hop_self,
                   passive=own.passive, allowas_in=own.allowas, local_as=own.local_as)


def shapes_reach(sessions: Mapping[str, Iterable[Session]]) -> bool:
    return any(s.shapes_reach for ss in sessions.values() for s in ss)


@dataclass(frozen=True)
class Edge:
    """One direction of a session between two islands: `sender` to `receiver`."""

    sender: str
    receiver: str
    out: Session  # the sender's side
    into: Session  # the receiver's side


def edges(sessions: Mapping[str, Iterable[Session]], island: Mapping[str, str]) -> list[Edge]:
    """Every eBGP session both sides configure, once per direction, between
    routers of different islands."""
    side = {(n, s.peer): s for n, ss in sessions.items() for s in ss if s.peer}
    return [Edge(a, b, s, side[(b, a)]) for (a, b), s in side.items()
            if (b, a) in side and island.get(a) != island.get(b)]


def reach(p: IPNetwork, origins: set[str], island: Mapping[str, str], asn: Mapping[str, int],
          links: list[Edge]) -> set[str]:
    """The islands certain to learn `p` from the routers `origins`: along
    sessions whose rules pass it, never to a provider or a peer once it came
    from one (OTC), and never through another island of the receiver's ASN
    (the AS path would hold its own ASN)."""
    seeds = {island[o] for o in origins if o in island}
    asn_of = {island[r]: a for r, a in asn.items() if r in island}
    split = {a for a in set(asn_of.values())
             if sum(1 for v in asn_of.values() if v == a) > 1}
    out = _flood(p, seeds, links, island, frozenset())
    for a in split:  # an ASN in several islands: each learns only what avoids the others
        own = frozenset(i for i, v in asn_of.items() if v == a)
        got = _flood(p, seeds, links, island, own)
        out = {i for i in out if asn_of.get(i) != a} | {i for i in got if asn_of.get(i) == a}
    return out


def _flood(p: IPNetwork, seeds: set[str], links: list[Edge], island: Mapping[str, str],
           closed: frozenset[str]) -> set[str]:
    """Islands reached with certainty; those in `closed` receive but never pass
    on (unless they originate `p`)."""
    state: set[tuple[str, bool]] = {(s, False) for s in seeds}  # (island, OTC)
    queue = deque(state)
    by_sender: dict[str, list[Edge]] = {}
    for e in links:
        by_sender.setdefault(island[e.sender], []).append(e)
    while queue:
        here, otc = queue.popleft()
        if here in closed and here not in seeds:
            continue
        for e in by_sender.get(here, ()):
            to = e.out.relation  # what the receiver is to the sender
            came = e.into.relation  # what the sender is to the receiver
            if otc and (to in ("provider", "peer") or came == "customer"):
                continue
            if decide(e.out.export_rules, p) is not True or \
                    decide(e.into.import_rules, p) is not True:
                continue
            marked = otc or came in ("provider", "peer") or to in ("customer", "peer")
            nxt = (island[e.receiver], marked)
            if nxt not in state and (nxt[0], False) not in state:
                state.add(nxt)
                queue.append(nxt)
    return {i for i, _ in state}
