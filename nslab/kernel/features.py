"""What this kernel can do, found by trying it in a scratch namespace that
vanishes afterwards (nothing of the host is touched): link kinds over
netlink, qdiscs through `tc`, NAT through `nft`."""

from __future__ import annotations

import errno
import os
import shutil
import struct
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass

from nslab.kernel import netlink as nl
from nslab.kernel import netns
from nslab.suites import SUITES

# feature -> (what a person calls it, the kernel option that brings it)
WORDS = {
    "veth": ("veth pairs", "CONFIG_VETH"),
    "bridge": ("Linux bridges", "CONFIG_BRIDGE"),
    "vxlan": ("VXLAN tunnels", "CONFIG_VXLAN"),
    "macvlan": ("macvlan interfaces", "CONFIG_MACVLAN"),
    "vlan": ("802.1Q VLAN interfaces", "CONFIG_VLAN_8021Q"),
    "dummy": ("dummy interfaces", "CONFIG_DUMMY"),
    "gre": ("GRE tunnels", "CONFIG_NET_IPGRE"),
    "wireguard": ("WireGuard", "CONFIG_WIREGUARD"),
    "vrf": ("VRF devices", "CONFIG_NET_VRF"),
    "nft-nat": ("nftables NAT (masquerade)", "CONFIG_NFT_NAT, CONFIG_NFT_MASQ"),
    "htb": ("the htb qdisc (rate limits)", "CONFIG_NET_SCH_HTB"),
    "tbf": ("the tbf qdisc (rate limits)", "CONFIG_NET_SCH_TBF"),
    "netem": ("the netem qdisc (delay, loss)", "CONFIG_NET_SCH_NETEM"),
    "frr": ("the FRR routing daemons", "apt install frr"),
    "bird": ("the BIRD 2 routing daemon", "apt install bird2"),
}
PROGRAMS = {name: s.programs for name, s in SUITES.items()}
LINK_KINDS = ("veth", "bridge", "vxlan", "macvlan", "vlan", "dummy", "gre", "wireguard", "vrf")
TC = {"htb": "root handle 1: htb", "tbf": "root tbf rate 1mbit burst 32kbit latency 50ms",
      "netem": "root netem delay 1ms"}
NFT_NAT = """table ip nslab_doctor {
  chain post {
    type nat hook postrouting priority 100; policy accept;
    masquerade
  }
}
"""


@dataclass(frozen=True)
class Probe:
    feature: str
    ok: bool | None  # None: could not tell
    detail: str


def words(feature: str) -> str:
    what, option = WORDS[feature]
    return f"{what} ({option})"


def _link_request(kind: str, veth_index: int, own_fd: int) -> nl.Request:
    u32 = struct.Struct("=I").pack
    match kind:
        case "veth":
            return nl.new_veth("nsd-v0", 0, "nsd-v1", 0, own_fd)
        case "vxlan":
            return nl.new_link("vxlan", "nsd-x", nl.rta(1, u32(42)))  # IFLA_VXLAN_ID
        case "macvlan":
            return nl.new_link("macvlan", "nsd-m", parent=veth_index)
        case "vlan":
            return nl.new_link("vlan", "nsd-q", nl.rta(1, struct.pack("=H", 10)),
                               parent=veth_index)
        case "vrf":
            return nl.new_link("vrf", "nsd-r", nl.rta(1, u32(10)))  # IFLA_VRF_TABLE
        case _:
            return nl.new_link(kind, f"nsd-{kind[:8]}")


def _try_links(kinds: Iterable[str], fd: int) -> list[Probe]:
    out = []
    with nl.Socket() as sock:
        veth = 0
        for kind in kinds:
            try:
                sock.request(_link_request(kind, veth, fd))
                out.append(Probe(kind, True, "works"))
            except OSError as e:
                missing = e.errno in (errno.EOPNOTSUPP, errno.ENODEV, errno.EAFNOSUPPORT)
                out.append(Probe(kind, False if missing else None,
                                 f"missing: {words(kind)}" if missing
                                 else f"could not tell: {e.strerror}"))
            if kind == "veth" and out[-1].ok:
                veth = nl.link_indexes(sock)["nsd-v0"]
    return out


def _try_command(feature: str, argv: list[str], stdin: str | None = None) -> Probe:
    if shutil.which(argv[0]) is None:
        return Probe(feature, None, f"could not tell: {argv[0]} is not installed")
    r = subprocess.run(argv, input=stdin, capture_output=True, text=True,
                       stdin=None if stdin is not None else subprocess.DEVNULL)
    if r.returncode == 0:
        return Probe(feature, True, "works")
    err = (r.stderr.strip().splitlines() or ["failed"])[-1]
    return Probe(feature, False, f"missing: {words(feature)}: {err}")


def probe(features: Iterable[str]) -> list[Probe]:
    """Try each feature in a namespace made for it and gone afterwards."""
    want = list(features)
    found: dict[str, Probe] = {}
    for program, needed in PROGRAMS.items():
        if program in want:
            lacking = [p for p in needed if shutil.which(p) is None]
            found[program] = Probe(program, not lacking, "installed" if not lacking else
                                   f"missing: {words(program)}: no {lacking[0]}")
    if not set(want) - set(PROGRAMS):
        return [found[f] for f in want]
    with netns.signals_deferred(), netns.fresh() as fd:
        try:
            links = [k for k in LINK_KINDS if k in want or (k == "veth" and (
                "macvlan" in want or "vlan" in want or set(TC) & set(want)))]
            found |= {p.feature: p for p in _try_links(links, fd)}
            if found.get("veth") and found["veth"].ok:
                subprocess.run(["ip", "link", "set", "nsd-v0", "up"], capture_output=True)
            for q, args in TC.items():
                if q in want:
                    dev = "lo" if q == "netem" else ("nsd-v0" if q == "htb" else "nsd-v1")
                    found[q] = _try_command(q, ["tc", "qdisc", "add", "dev", dev, *args.split()])
            if "nft-nat" in want:
                found["nft-nat"] = _try_command("nft-nat", ["nft", "-f", "-"], NFT_NAT)
        finally:
            os.close(fd)
    return [found[f] for f in want if f in found]


def optional_daemons() -> frozenset[str]:
    """The optional daemons of the routing suites that this machine has (FRR 9
    and later ship mgmtd, which must start right after zebra)."""
    return frozenset(daemon for s in SUITES.values() for daemon, program in s.optional
                     if os.path.exists(program))


def missing(features: Iterable[str]) -> list[str]:
    """The features of `features` this kernel certainly lacks."""
    return [p.feature for p in probe(features) if p.ok is False]
