"""The base of every schema model: unknown keys are errors, values frozen."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def ip_address_or_none(v: str | None) -> str | None:
    """A field validator's check: `v` is an IP address (or absent)."""
    if v is not None:
        try:
            ipaddress.ip_address(v)
        except ValueError as e:
            raise ValueError(f"'{v}' is not an IP address") from e
    return v
