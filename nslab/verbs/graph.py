"""nslab graph: what to draw, from a topology file (as written) or from a
running lab (as recorded, with every link's state read from the kernel)."""

from __future__ import annotations

from typing import Any

from nslab.model.compile import compile_file
from nslab.model.serialize import lab_to_dict
from nslab.names import names_a_file
from nslab.running.status import status
from nslab.state.record import recorded
from nslab.views.graph import State, state_of


def source(target: str) -> tuple[dict[str, Any], State | None, str]:
    """(the lab as data, the state of each end or None, a title)."""
    if names_a_file(target):
        lab = compile_file(target)
        return lab_to_dict(lab), None, f"lab {lab.name} (from {target})"
    _journal, data = recorded(target)
    return data, state_of(status(target)), f"lab {target} (running: green up, red dashed down)"
