"""The machine nslab runs on (the network namespace it runs in): what a lab
puts there is found, checked and removed here, by name and by the alias nslab
gave it (never by name alone)."""

from __future__ import annotations

import json
import shutil
import subprocess

from nslab.kernel import firewall, netstate
from nslab.kernel import netlink as nl
from nslab.records import observed as ob


def links() -> dict[str, ob.Interface]:
    with nl.Socket() as sock:
        return {li.name: li for li in netstate.interfaces(sock)}


def addresses() -> list[tuple[str, str]]:
    """(interface, address/prefix) of every address on the machine, loopback
    and link-local ones left out (every machine has those)."""
    with nl.Socket() as sock:
        names = {li.index: li.name for li in netstate.interfaces(sock)}
        return [(a.interface, f"{a.address}/{a.prefixlen}")
                for a in netstate.addresses(sock, names)
                if not a.address.startswith(("127.", "fe80:")) and a.address != "::1"]


def uplink() -> str | None:
    """The interface of the machine's IPv4 default route."""
    with nl.Socket() as sock:
        names = {li.index: li.name for li in netstate.interfaces(sock)}
        for r in netstate.routes(sock, names):
            if r.family == 4 and r.dst == "default" and r.table == "main" \
                    and r.type == "unicast" and r.nexthops and r.nexthops[0].dev:
                return r.nexthops[0].dev
    return None


def nft_tables() -> set[str]:
    try:
        return {f"{t.family} {t.name}" for t in firewall.tables()}
    except OSError:
        return set()


def delete_nft_table(table: str) -> str | None:
    """Delete nslab's table `inet <table>` when it is there; why not, or None."""
    if f"inet {table}" not in nft_tables():
        return None
    if shutil.which("nft") is None:
        return f"nftables table inet {table}: nft is not installed (apt install nftables)"
    r = subprocess.run(["nft", "delete", "table", "inet", table], capture_output=True, text=True)
    if r.returncode != 0:
        return f"nftables table inet {table}: {r.stderr.strip() or f'exit {r.returncode}'}"
    return None


def forward_drops() -> list[str]:
    """Chains of the machine that drop forwarded packets unless told otherwise
    (a FORWARD policy of drop, as Docker sets): lab traffic through the
    machine dies there."""
    found = []
    if shutil.which("nft") and firewall.tables():
        r = subprocess.run(["nft", "-j", "list", "chains"], capture_output=True, text=True)
        if r.returncode == 0:
            for item in json.loads(r.stdout).get("nftables", []):
                c = item.get("chain")
                if c and c.get("hook") == "forward" and c.get("policy") == "drop":
                    found.append(f"nftables chain {c['family']} {c['table']} {c['name']}")
    for tool in ("iptables-legacy", "iptables"):
        if shutil.which(tool):
            r = subprocess.run([tool, "-S", "FORWARD"], capture_output=True, text=True)
            if r.returncode == 0 and "-P FORWARD DROP" in r.stdout:
                found.append(f"{tool} FORWARD policy DROP")
                break
    return found
