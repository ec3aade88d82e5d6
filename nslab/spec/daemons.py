"""The routing daemons a node runs, as the file says them: `loopback`, `bgp`,
`frr`, `bird` on a node, `routing: ospf|bgp` for the lab. Pure: a `config`
that names a file is read by the loader (it knows where the topology file is),
not here."""

from __future__ import annotations

from nslab.spec.base import Strict
from nslab.spec.bgp import ASN_MAX, BgpNeighborSpec, BgpSpec
from nslab.spec.typed import field_validator

__all__ = ["ASN_MAX", "FRR_DAEMONS", "BgpNeighborSpec", "BgpSpec", "BirdSpec", "FrrSpec",
           "is_inline"]

# the daemons FRR 8-10 ship (watchfrr and mgmtd are started by nslab itself)
FRR_DAEMONS = ("zebra", "staticd", "ospfd", "ospf6d", "bgpd", "ripd", "ripngd", "isisd",
               "fabricd", "pimd", "pim6d", "ldpd", "nhrpd", "eigrpd", "babeld", "sharpd",
               "pbrd", "bfdd", "vrrpd", "pathd")


class FrrSpec(Strict):
    """The node's own FRR configuration: `config` is a path (relative to the
    topology file) or, when it holds a newline, the text itself."""

    daemons: list[str] = []
    config: str

    @field_validator("daemons")
    @classmethod
    def _daemons(cls, v: list[str]) -> list[str]:
        for d in v:
            if d not in FRR_DAEMONS:
                raise ValueError(f"FRR has no daemon '{d}' (it has {', '.join(FRR_DAEMONS)})")
        return v


class BirdSpec(Strict):
    """The node's own BIRD 2 configuration (a path, or the text itself); without
    `config`, nslab writes one: OSPF, BGP with its relations and policy, BFD."""

    config: str | None = None


def is_inline(config: str) -> bool:
    """A config with a newline is the text itself, else a file's path."""
    return "\n" in config
