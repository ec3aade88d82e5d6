"""nslab link: change a running lab's links (down, up, flap, a rate, a loss,
an MTU) and put them back as the file has them (nslab.running.links: a new
state of the ends, journaled, then the change engine's diff, made by the
change runner)."""

from __future__ import annotations

from nslab.running.links import ACTIONS, PROPERTIES, LinkView, change, flap
from nslab.running.record import End, changed, ends, find

__all__ = ["ACTIONS", "PROPERTIES", "End", "LinkView", "change", "changed", "ends", "find",
           "flap"]
