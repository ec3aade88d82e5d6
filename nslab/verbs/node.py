"""nslab node LAB NODE stop|start|restart: a node taken out of a running lab
as if its power were cut, and brought back as its file says
(nslab.running.nodes: through the same diff and executor as `apply`,
journaled)."""

from __future__ import annotations

from nslab.running.nodes import ACTIONS, NodeResult, node

__all__ = ["ACTIONS", "NodeResult", "node"]
