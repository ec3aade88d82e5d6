"""nslab inspect: everything inside a namespace (a lab node, a whole lab, any
named namespace, pid:PID, or the machine), read by nslab.running.inspection."""

from __future__ import annotations

from nslab.running.inspection import (
    Target,
    find,
    inspect,
    inspect_lab,
    is_lab,
    lab_owners,
    node_count,
    overview,
    owner_of,
    parse_sections,
    short_of_interfaces,
    to_json,
)

__all__ = [
    "Target", "find", "inspect", "inspect_lab", "is_lab", "lab_owners", "node_count",
    "overview", "owner_of", "parse_sections", "short_of_interfaces", "to_json"
]
