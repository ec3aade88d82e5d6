"""nslab down: remove a lab from its journal alone (no topology file
needed), converging: what is already gone counts as removed, a namespace that
is not the one the lab made is left alone, what cannot be removed is named,
kept in the journal, and tried again by the next down; a journal that is lost
or not whole is completed by nslab's marks (nslab.running.teardown)."""

from __future__ import annotations

from nslab.running import persist
from nslab.running.teardown import DownResult, down, lab_name, teardown

__all__ = ["DownResult", "down", "lab_name", "persist", "teardown"]
