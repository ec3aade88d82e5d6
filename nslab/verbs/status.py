"""nslab status and nslab list: a lab as recorded, checked against the kernel
(nslab.running.status)."""

from __future__ import annotations

from nslab.running.status import (
    list_labs,
    status,
)

__all__ = [
    "list_labs", "status"
]
