"""The machines a lab spans (`machines:`, `nodes.N.machine`, `cross:`): how nslab
reaches its agent on each, and how links between machines are carried (VXLAN
over the machines' own network, the underlay)."""

from __future__ import annotations

import re
from typing import Literal

from nslab.spec.base import Strict, ip_address_or_none
from nslab.spec.typed import Field, field_validator, model_validator

TRANSPORTS = ("ssh", "kubectl", "command")
_SSH = re.compile(r"^(?:[A-Za-z0-9._-]+@)?(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


class MachineSpec(Strict):
    """One machine: exactly one way to reach nslab's agent there."""

    # user@host[:port]: one multiplexed OpenSSH session to the machine
    ssh: str | None = None
    # what follows `kubectl` to reach a pod that runs nslab: "exec -i -n NS POD"
    kubectl: str | None = None
    # any command whose stdin and stdout are `nslab agent --stdio` on the machine
    command: str | None = None
    # the machine's address on the network between the machines (the VXLAN's
    # local address); default: what the ssh host resolves to
    underlay: str | None = None

    _underlay = field_validator("underlay")(ip_address_or_none)

    @field_validator("ssh")
    @classmethod
    def _ssh(cls, v: str | None) -> str | None:
        if v is not None and not _SSH.match(v):
            raise ValueError(f"'{v}' is not user@host[:port]")
        return v

    @model_validator(mode="after")
    def _one_way(self) -> MachineSpec:
        given = [t for t in TRANSPORTS if getattr(self, t) is not None]
        if len(given) != 1:
            raise ValueError("a machine is reached one way: give one of ssh, kubectl or "
                             f"command (here: {', '.join(given) or 'none'})")
        if self.underlay is None and self.ssh is None:
            raise ValueError(f"give the machine's underlay address (underlay: ADDRESS): "
                             f"nslab cannot tell it from a {given[0]} transport")
        return self

    @property
    def transport(self) -> str:
        return next(t for t in TRANSPORTS if getattr(self, t) is not None)


class CrossSpec(Strict):
    """The links between machines: VXLANs to this UDP port, with this MTU."""

    port: int = Field(default=4789, ge=1, le=65535)
    # auto: the smallest underlay MTU of the machines less the VXLAN headers
    # (50 bytes over IPv4, 70 over IPv6)
    mtu: Literal["auto"] | int = "auto"
    # the first VXLAN id of the lab's cross links (default: from the lab's name)
    vni: int | None = Field(default=None, ge=1, le=2**24 - 1)

    @field_validator("mtu")
    @classmethod
    def _mtu(cls, v: str | int) -> str | int:
        if isinstance(v, int) and not 1280 <= v <= 65000:
            raise ValueError("a cross link's MTU is 1280 to 65000 (or auto)")
        return v
