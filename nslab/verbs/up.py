"""nslab up: build a lab, all or nothing (nslab.running.build: every change
through the effect seam; on any failure or Ctrl-C what was made is removed
from the lab's own journal and the error raised, with what the rollback could
not remove added as notes)."""

from __future__ import annotations

from nslab.plan import plan
from nslab.running import persist
from nslab.running.build import UpResult, build_plan, machine_facts, up

__all__ = ["UpResult", "build_plan", "machine_facts", "persist", "plan", "up"]
