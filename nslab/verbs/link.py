"""nslab link: change a running lab's links (down, up, flap, a rate, a loss) and
put them back as the file has them (nslab.running.links: journaled before it
is made, made by the same executor as `up`)."""

from __future__ import annotations

from nslab.running.links import (
    ACTIONS,
    End,
    LinkView,
    change,
    changed,
    ends,
    find,
    flap,
    steps_for,
)

__all__ = ["ACTIONS", "End", "LinkView", "change", "changed", "ends", "find", "flap",
           "steps_for"]
