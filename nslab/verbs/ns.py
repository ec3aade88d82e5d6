"""nslab ns: named network namespaces, interchangeable with `ip netns`
(add, del, list); `del` refuses a namespace a lab owns."""

from __future__ import annotations

import os

from nslab.errors import ConflictError, NotFoundError, NslabError, require_root
from nslab.kernel import netns, procs
from nslab.kernel.inspect import Reader
from nslab.records import observed as ob
from nslab.running.inspection import lab_owners


def _check_name(name: str) -> None:
    if not name or "/" in name or name in (".", "..") or len(name.encode()) > 255:
        raise NslabError(f"'{name}' cannot name a namespace: use letters, digits, '-', '_' "
                         "and '.', without '/'")


def ns_add(name: str) -> int:
    """Like `ip netns add NAME`: a new, empty namespace (lo down), named under
    /run/netns. Returns its inode."""
    require_root()
    _check_name(name)
    try:
        return netns.add(name)
    except FileExistsError:
        raise ConflictError(f"namespace '{name}' already exists") from None
    except OSError as e:
        raise NslabError(f"cannot name namespace '{name}': {e.strerror}") from None


def ns_del(name: str) -> None:
    """Like `ip netns del NAME`, but a namespace a lab made is refused."""
    require_root()
    _check_name(name)
    ino = netns.inode(name)
    if ino is None and not os.path.lexists(netns.path(name)):
        raise NotFoundError(f"no namespace '{name}' (see nslab ns list)")
    owner = lab_owners().get(ino) if ino is not None else None
    if owner:
        raise ConflictError(f"namespace '{name}' is node '{owner[1]}' of lab '{owner[0]}': "
                            f"remove the whole lab with nslab down {owner[0]}")
    try:
        netns.remove(name)
    except OSError as e:
        raise NslabError(f"cannot remove namespace '{name}': {e.strerror}") from None


def ns_list() -> list[ob.NamespaceEntry]:
    """Every named namespace, and every unnamed one a process holds (the host's
    first), with what is inside."""
    require_root()
    owners = lab_owners()
    out = []
    with Reader(many=True) as reader:
        seen: dict[int, str | None] = {ino: name for name, ino in reader.named.items()}
        for _pid, ino in sorted(reader.procs.items()):
            seen.setdefault(ino, None)
        for ino, name in seen.items():
            holders = reader.holders_of(ino)
            try:
                snap = reader.inspect(ino, ob.Where(name, ino, None, None, None),
                                      ("addresses",))
                links = len(reader.links(ino))
            except OSError:
                continue
            lab, node = owners.get(ino, (None, None))
            out.append(ob.NamespaceEntry(
                name=name, inode=ino, holder=holders[0] if holders and not name else None,
                holder_command=procs.comm(holders[0]) if holders and not name else None,
                is_host=ino == reader.host, interfaces=links,
                addresses=tuple(f"{a.address}/{a.prefixlen}" for a in snap.addresses or ()
                                if a.scope != "host" and a.scope != "link"),
                processes=len(holders), lab=lab, node=node))
    return sorted(out, key=lambda e: (not e.is_host, e.name is None, e.name or "", e.inode))
