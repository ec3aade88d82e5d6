"""What `nslab test` and `nslab why` find: frozen records, pure. Their
`to_dict` (or dataclasses.asdict) is the --json shape (docs/json.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Cell:
    """One probe of `nslab test`'s matrix."""

    src: str
    dst: str
    address: str
    outcome: str  # see nslab.kernel.probe: reply, open, refused, unreachable, blocked, timeout
    detail: str
    rtt_ms: float | None
    reached: bool


@dataclass(frozen=True)
class Matrix:
    proto: str
    port: int | None
    family: int
    nodes: tuple[str, ...]
    cells: tuple[Cell, ...]

    @property
    def failed(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if not c.reached)


@dataclass(frozen=True)
class ExpectResult:
    index: int
    text: str
    kind: str
    status: Literal["pass", "fail", "skip", "warn"]  # warn: failed, at level warning
    detail: str
    attempts: int
    hint: str | None = None  # the command that explains a failure


@dataclass(frozen=True)
class Convergence:
    """How long the routers took to hold every prefix they should."""

    complete: bool
    seconds: float
    routers: int
    missing: dict[str, list[str]]  # router -> prefixes still missing when the wait ended
    # router -> why, as its daemons tell it (a neighbour not up, a next hop
    # that does not resolve, no path heard: filtered or never sent)
    reasons: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    lab: str
    matrices: tuple[Matrix, ...]
    expectations: tuple[ExpectResult, ...]
    seconds: float
    decided_by: Literal["expectations", "matrix"]
    convergence: Convergence | None = None  # when the lab waited for its protocols

    @property
    def ok(self) -> bool:
        if self.convergence is not None and not self.convergence.complete:
            return False
        if self.decided_by == "expectations":
            return all(e.status != "fail" for e in self.expectations)
        return all(not m.failed for m in self.matrices)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ok"] = self.ok
        return d


@dataclass(frozen=True)
class Hop:
    """One namespace a packet passes: where it came in, where it leaves, and
    the route the kernel chose there."""

    namespace: str  # name, or a label such as host / pid:123
    node: str | None  # the lab node, when it is one
    iif: str | None  # None where the packet starts
    oif: str | None  # None where it arrives
    via: str | None  # the next hop's address (the gateway, or the destination)
    route: str | None  # "10.0.0.0/8 via 10.0.9.1 dev eth1 (table main)"


@dataclass(frozen=True)
class Path:
    src: str  # where the packet starts: the node (or, outside a lab, the namespace)
    src_address: str | None  # the address it leaves from, when the walk knows it
    dst: str  # the address it is sent to
    ok: bool
    hops: tuple[Hop, ...]
    reason: str | None  # the first thing that stops it, in a sentence
    at: str | None  # the node (or namespace) where it stops


@dataclass(frozen=True)
class Diagnosis:
    """`nslab why`: what happens to a packet from `src` to `dst`, and why."""

    src: str
    dst: str
    address: str
    proto: str
    port: int | None
    reached: bool
    probe: str  # what a real probe saw: "reply: echo reply from 10.0.9.2"
    forward: Path
    back: Path | None  # the answer's way home, when the packet gets there
    reason: str | None  # the first thing that stops it, in a sentence
    at: str | None  # where
    notes: tuple[str, ...]  # NAT that rewrites it, and such

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
