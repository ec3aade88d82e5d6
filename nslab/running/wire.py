"""Which way a running lab delays its links: netem where the kernel has it,
the wire (nslab.plan.wire) where it does not. Chosen when a lab first needs a
delay (at `up`, or by the change that brings one) and journaled, so that every
later change and `check` plan the links the way they were made."""

from __future__ import annotations

from collections.abc import Iterable

from nslab.errors import MissingFeatureError
from nslab.kernel.seam import Kernel
from nslab.plan.steps import SetNetem, Step
from nslab.plan.wire import wired
from nslab.state.journal import Journal, Record


def on_machine(steps: Iterable[Step], lab: str, rec: Record) -> tuple[Step, ...]:
    """A lab's plan as its machine makes it: through the wire, where it has one."""
    return wired(steps, lab, rec.instance) if rec.wire else tuple(steps)


def needs_wire(steps: Iterable[Step], k: Kernel) -> bool:
    """Whether `steps` delay a link on a kernel without netem (the kernel is
    asked only when they delay one, and once: the answer is passed on)."""
    return any(isinstance(s, SetNetem) for s in steps) and bool(k.missing_features(["netem"]))


def take_wire(journal: Journal, rec: Record, wire: bool) -> Record:
    """Before a change that brings the lab its first delay on a kernel without
    netem (`wire`): the wire from now on, journaled (the lab holds no delay
    yet, so nothing made before changes). The journal as it is then."""
    if rec.wire or not wire:
        return rec
    journal.open()
    try:
        journal.write(t="wire")
    finally:
        journal.close()
    return journal.read()


def refuse_unwired(steps: Iterable[Step], wire: bool) -> None:
    """A delay the wire cannot carry (on a link to the machine) needs netem:
    refused, before anything is journaled or made, where the kernel has none
    (`wire`: the lab's delays go through the wire)."""
    left = [s for s in steps if isinstance(s, SetNetem)]
    if left and wire:
        raise MissingFeatureError(
            f"{left[0].ns}:{left[0].name}: a delay on a link to the machine needs the kernel's "
            "netem (sch_netem), which this kernel lacks (nslab doctor); links between nodes "
            "take a delay without it")


def checked_delays(logical: tuple[Step, ...], lab: str, rec: Record, k: Kernel) -> bool:
    """Whether `logical` (a running lab's plan as a change makes it) delays its
    links through the wire; refused where the machine cannot delay them."""
    wire = rec.wire or needs_wire(logical, k)
    refuse_unwired(wired(logical, lab, rec.instance) if wire else logical, wire)
    return wire
