"""Routing suites (FRR, BIRD): each one module behind one protocol
(`base.Suite`), and a registry. What a step or a verb needs of a suite (how
its daemons start and take a new configuration, where their pid files are,
which processes it runs, its optional daemons, what its daemons say of their
neighbours, its client's command line, the programs the machine must have) is
asked of the suite, never decided by comparing its name. A new suite is a
module here and a line in SUITES; its configuration writer is a module of
nslab.model and a line in nslab.model.daemons.WRITERS. Pure.
"""

from __future__ import annotations

from nslab.suites.base import Ask, Heard, Suite
from nslab.suites.bird import Bird
from nslab.suites.frr import FRR_BIN, FRR_RELOAD, Frr

__all__ = ["FRR_BIN", "FRR_RELOAD", "SUITES", "Ask", "Heard", "Suite", "suite"]

SUITES: dict[str, Suite] = {"frr": Frr(), "bird": Bird()}


def suite(name: str) -> Suite:
    try:
        return SUITES[name]
    except KeyError:
        raise ValueError(f"no routing suite '{name}' (suites: {', '.join(SUITES)})") from None
