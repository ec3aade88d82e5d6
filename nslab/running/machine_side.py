"""What a lab puts on the machine nslab runs on: checked before `up` makes
anything, its sysctls held (recorded with the old value, shared by the labs
that need them), and removed by `down` (links only while they carry the alias
nslab gave them, its own nftables table, the sysctls it held)."""

from __future__ import annotations

import errno
import ipaddress
from collections.abc import Callable

from nslab.errors import ConflictError, NslabError
from nslab.kernel.seam import MACHINE, Kernel
from nslab.model.lab import Lab, MachineSide
from nslab.plan import MachineFacts
from nslab.plan.nft import host_table
from nslab.plan.steps import SetSysctl
from nslab.state import machine as borrowed
from nslab.state.journal import MACHINE_LOCK, Journal, Record, locked


def ours(name: str, index: int, alias: str | None, claims: dict[str, str],
         indexes: dict[str, int]) -> bool:
    """A machine link is nslab's when its name is claimed and it carries the
    claimed alias, or the index nslab chose for it (recorded before it was
    made: what a failure between its creation and its alias leaves)."""
    return name in claims and ((alias or "") == claims[name] or indexes.get(name) == index)


def delete_ours(kernel: Kernel, claims: dict[str, str], indexes: dict[str, int]
                ) -> tuple[list[str], list[str]]:
    """Delete each claimed machine link that is ours (see `ours`). Returns the
    names deleted, and what could not be deleted, with why. Gone, or not ours:
    left as it is, and not a failure."""
    deleted, failed = [], []
    for name, (index, alias) in kernel.machine_links().items():
        if not ours(name, index, alias, claims, indexes):
            continue
        try:
            kernel.delete_machine_link(index)
        except OSError as e:
            if e.errno != errno.ENODEV:  # gone meanwhile (its peer went): fine
                failed.append(f"link {name} on this machine: {e.strerror or e}")
            continue
        deleted.append(name)
    return deleted, failed


def check(lab: Lab, facts: MachineFacts, kernel: Kernel) -> list[str]:
    """Refuse what would clash on the machine; return warnings for `up`."""
    side = lab.machine
    if side is None:
        return []
    have = kernel.machine_links()
    mine = [e.machine_ifname for e in side.ends] + ([side.bridge.name] if side.bridge else [])
    taken = [n for n in mine if n in have]
    if taken:
        raise ConflictError(f"interface {taken[0]} already exists on this machine and nslab "
                            "did not make it for this lab; nslab never adopts what it did "
                            f"not make: remove it (ip link del {taken[0]}) or choose another "
                            "name in the file")
    _check_subnets(side, kernel)
    if (side.egress or side.forwards) and f"inet {host_table(lab.name)}" in \
            kernel.nft_tables():
        raise ConflictError(f"nftables table inet {host_table(lab.name)} already exists on "
                            "this machine; nslab did not make it for this lab")
    if side.egress == "auto" and facts.uplink is None:
        raise NslabError("host.egress: auto found no default route on this machine; name the "
                         "interface that leads out (egress: eth0)")
    if side.egress not in (None, "auto") and side.egress not in have:
        raise NslabError(f"host.egress: this machine has no interface '{side.egress}' "
                         f"(it has {', '.join(sorted(have))})")
    notes = []
    if side.forwarding:
        for chain in kernel.forward_drops():
            notes.append(f"warning: {chain} drops forwarded packets: the lab's traffic "
                         "through this machine dies there (allow the lab's subnets in that "
                         "chain; nslab never edits tables it did not make)")
    return notes


def _check_subnets(side: MachineSide, kernel: Kernel) -> None:
    """An address or connected subnet the lab would put on the machine that
    overlaps one the machine already has (a chapter done by hand and still
    there, another lab, Docker's bridge) would break both: refuse, naming
    the interface that holds it."""
    ours = [(e.machine_ifname, a) for e in side.links for a in e.host_addresses]
    if side.bridge:
        ours += [(side.bridge.name, a) for a in side.bridge.addresses]
    for ifname, text in kernel.machine_addresses():
        have = ipaddress.ip_interface(text)
        for name, a in ours:
            if a.version == have.version and a.network.overlaps(have.network):
                raise ConflictError(
                    f"{a} on {name} overlaps {have} of interface {ifname}, which this "
                    f"machine already has; remove that (ip addr del {have} dev {ifname}) "
                    "or choose another subnet")


def writer(kernel: Kernel) -> Callable[[str, str], None]:
    return lambda key, value: kernel.set_sysctl(MACHINE, key, value)


def set_sysctl(lab: str, s: SetSysctl, journal: Journal, notes: list[str],
               kernel: Kernel) -> None:
    journal.write(t="machinesysctl", key=s.key)
    with locked(MACHINE_LOCK):
        before = borrowed.hold_sysctl(lab, s.key, s.value, kernel.read_sysctl, writer(kernel),
                                  kernel.inode_of(MACHINE))
    if before != s.value:
        notes.append(f"set {s.key}={s.value} on this machine (it was {before}); restored "
                     "when the last lab needing it goes down")


def clear(name: str, rec: Record, kernel: Kernel) -> tuple[str | None, list[str]]:
    """What the lab put on the machine: its links (only while they carry the
    alias nslab recorded), its nftables table, the sysctls it held. Done only
    from the namespace that played the machine at `up`; from anywhere else,
    nothing is touched and the reason is returned. Also returns what could
    not be removed, with why."""
    if rec.machine is None:
        return None, []
    here = kernel.inode_of(MACHINE)
    if here != rec.machine:
        if rec.machine_sysctls:  # forget its hold; writes nothing here
            with locked(MACHINE_LOCK):
                borrowed.release_sysctls(name, writer(kernel), here)
        return (f"lab '{name}' was made from another network namespace (id {rec.machine}); "
                "what it put there is left alone"), []
    _deleted, failed = delete_ours(kernel, rec.machine_links, rec.machine_indexes)
    for table in rec.machine_tables:
        why = kernel.delete_nft_table(table)
        if why:
            failed.append(why)
    if rec.machine_sysctls:
        try:
            with locked(MACHINE_LOCK):
                borrowed.release_sysctls(name, writer(kernel), here)
        except OSError as e:
            failed.append(f"the machine's sysctls held for the lab: {e.strerror or e}")
    return None, failed
