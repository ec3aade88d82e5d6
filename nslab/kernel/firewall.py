"""A namespace's firewall: its nftables tables (listed over nfnetlink,
in-process), the ruleset through `nft` only when there is one, and iptables
rules through `iptables-save` when iptables holds any."""

from __future__ import annotations

import json
import shutil
import socket
import struct
import subprocess

from nslab.kernel import netlink as nl
from nslab.kernel import netns
from nslab.records import observed as ob

NETLINK_NETFILTER = 12
NFT_MSG_GETTABLE = (10 << 8) | 1  # NFNL_SUBSYS_NFTABLES, NFT_MSG_GETTABLE
NFTA_TABLE_NAME = 1
NFTA_TABLE_USERDATA = 6  # its comment, among other things
FAMILIES = {1: "inet", 2: "ip", 3: "arp", 5: "netdev", 7: "bridge", 10: "ip6"}
_XTABLES = {"filter", "nat", "mangle", "raw", "security"}


def tables() -> list[ob.NftTable]:
    """The nftables tables of the current namespace (no subprocess)."""
    with nl.Socket(NETLINK_NETFILTER) as sock:
        out = []
        for _t, p in sock.dump(NFT_MSG_GETTABLE, struct.pack("=BBH", socket.AF_UNSPEC, 0, 0)):
            a = nl.attrs(p, 4)
            name = a.get(NFTA_TABLE_NAME, b"").split(b"\0", 1)[0].decode()
            out.append(ob.NftTable(FAMILIES.get(p[0], str(p[0])), name,
                                   _comment(a.get(NFTA_TABLE_USERDATA, b""))))
    return out


NFT_MSG_GETRULE = (10 << 8) | 7  # NFNL_SUBSYS_NFTABLES, NFT_MSG_GETRULE
NFTA_RULE_TABLE = 1


def rule_counts() -> dict[str, int]:
    """How many rules each nftables table of the current namespace holds
    ("family name" -> count; no subprocess)."""
    out: dict[str, int] = {}
    with nl.Socket(NETLINK_NETFILTER) as sock:
        for _t, p in sock.dump(NFT_MSG_GETRULE, struct.pack("=BBH", socket.AF_UNSPEC, 0, 0)):
            a = nl.attrs(p, 4)
            name = a.get(NFTA_RULE_TABLE, b"").split(b"\0", 1)[0].decode()
            key = f"{FAMILIES.get(p[0], str(p[0]))} {name}"
            out[key] = out.get(key, 0) + 1
    return out


def _comment(userdata: bytes) -> str | None:
    """A table's comment: the first type-0 entry of its userdata (type, length, text)."""
    off = 0
    while off + 2 <= len(userdata):
        kind, size = userdata[off], userdata[off + 1]
        if kind == 0:
            return userdata[off + 2:off + 2 + size].split(b"\0", 1)[0].decode(errors="replace")
        off += 2 + size
    return None


def _legacy_tables() -> list[str]:
    names: list[str] = []
    for f in ("ip_tables_names", "ip6_tables_names"):
        try:
            with open(f"/proc/thread-self/net/{f}") as fh:
                names += fh.read().split()
        except OSError:
            continue
    return names


def _run(fd: int, argv: list[str]) -> str | None:
    try:
        r = netns.run(fd, argv, capture_output=True, text=True, timeout=10,
                      stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout if r.returncode == 0 else None


def read(fd: int, as_text: bool) -> ob.Firewall:
    """The firewall of the namespace `fd`. `as_text`: the ruleset as `nft list
    ruleset` prints it, else as `nft -j` data. Tables are read in-process; the
    tools run inside the namespace as processes of their own (netns.run)."""
    with netns.entered(fd):
        try:
            found = tables()
        except OSError as e:
            return ob.Firewall((), None, None, None, f"nftables not readable: {e.strerror}")
        legacy = _legacy_tables()
    note = None
    ruleset: tuple[dict[str, object], ...] | None = None
    text = None
    if found:
        if shutil.which("nft") is None:
            note = "nft is not installed: only table names are shown (apt install nftables)"
        elif as_text:
            text = _run(fd, ["nft", "list", "ruleset"])
        else:
            out = _run(fd, ["nft", "-j", "list", "ruleset"])
            if out:
                items = json.loads(out).get("nftables", [])
                ruleset = tuple(x for x in items if "metainfo" not in x)
    iptables = None
    xt = [t for t in found if t.family in ("ip", "ip6") and t.name in _XTABLES]
    if legacy and shutil.which("iptables-legacy-save"):
        iptables = _run(fd, ["iptables-legacy-save"])
    elif (legacy or xt) and shutil.which("iptables-save"):
        iptables = _run(fd, ["iptables-save"])
    if iptables is not None:
        iptables = "\n".join(ln for ln in iptables.splitlines() if not ln.startswith("#"))
    return ob.Firewall(tuple(found), ruleset, text, iptables, note)

