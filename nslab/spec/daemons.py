"""The routing daemons a node runs, as the file says them: `loopback`, `bgp`,
`frr`, `bird` on a node, `routing: ospf|bgp` for the lab. Pure: a `config`
that names a file is read by the loader (it knows where the topology file is),
not here."""

from __future__ import annotations

from nslab.spec.base import Strict
from nslab.spec.bgp import ASN_MAX, BgpNeighborSpec, BgpSpec
from nslab.spec.typed import field_validator, model_validator

__all__ = ["ASN_MAX", "FRR_DAEMONS", "BgpNeighborSpec", "BgpSpec", "BirdSpec", "FrrSpec",
           "is_inline"]

# the daemons FRR 8-10 ship (watchfrr and mgmtd are started by nslab itself)
FRR_DAEMONS = ("zebra", "staticd", "ospfd", "ospf6d", "bgpd", "ripd", "ripngd", "isisd",
               "fabricd", "pimd", "pim6d", "ldpd", "nhrpd", "eigrpd", "babeld", "sharpd",
               "pbrd", "bfdd", "vrrpd", "pathd")


class FrrSpec(Strict):
    """The node's own FRR configuration: `config` (all of it; `daemons`: the
    ones it needs, else nslab's) or `extra` (added after the one nslab
    writes; `daemons`: started beside nslab's, e.g. staticd for `ip route`),
    each a path (relative to the topology file) or, when it holds a newline,
    the text itself."""

    daemons: list[str] = []
    config: str | None = None
    extra: str | None = None

    @model_validator(mode="after")
    def _one(self) -> FrrSpec:
        if self.config is None and self.extra is None:
            raise ValueError("needs config (the whole configuration) or extra (added "
                             "to the one nslab writes)")
        if self.config is not None and self.extra is not None:
            raise ValueError("config is the whole configuration: put what extra adds "
                             "in it")
        return self

    @field_validator("daemons")
    @classmethod
    def _daemons(cls, v: list[str]) -> list[str]:
        for d in v:
            if d not in FRR_DAEMONS:
                raise ValueError(f"FRR has no daemon '{d}' (it has {', '.join(FRR_DAEMONS)})")
        return v


class BirdSpec(Strict):
    """The node's own BIRD 2 configuration (a path, or the text itself); without
    `config`, nslab writes one: OSPF, BGP with its relations and policy, BFD,
    and `extra` is added after it."""

    config: str | None = None
    extra: str | None = None

    @model_validator(mode="after")
    def _one(self) -> BirdSpec:
        if self.config is not None and self.extra is not None:
            raise ValueError("config is the whole configuration: put what extra adds "
                             "in it")
        return self


def is_inline(config: str) -> bool:
    """A config with a newline is the text itself, else a file's path."""
    return "\n" in config
