"""The base of every schema model: unknown keys are errors, values frozen.
Validators are built when first used (`defer_build`): validating a file
builds the whole file's schema once, instead of every model building its own
at import (30 ms of every command that reads a file)."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def ip_address_or_none(v: str | None) -> str | None:
    """A field validator's check: `v` is an IP address (or absent)."""
    if v is not None:
        try:
            ipaddress.ip_address(v)
        except ValueError as e:
            raise ValueError(f"'{v}' is not an IP address") from e
    return v
