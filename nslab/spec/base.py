"""The base of every schema record (nslab.spec.typed.Strict: unknown keys are
errors, values frozen), and checks several records share."""

from __future__ import annotations

import ipaddress

from nslab.spec.typed import Strict

__all__ = ["Strict", "ip_address_or_none"]


def ip_address_or_none(v: str | None) -> str | None:
    """A field validator's check: `v` is an IP address (or absent)."""
    if v is not None:
        try:
            ipaddress.ip_address(v)
        except ValueError as e:
            raise ValueError(f"'{v}' is not an IP address") from e
    return v
