"""A node's firewall and NAT as nftables text: nslab's own table `inet nslab`.
Pure. The text is what `nft -f` loads and what `nslab plan --shell` prints.

With a drop policy, replies (ct state established,related) and loopback are
let in first, and packets a port forward rewrote (ct status dnat) may cross.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nslab.model.lab import FilterRule, IPNetwork, MachineSide, Policy, PortForward

TABLE = "nslab"
VERDICT = {"accept": "accept", "drop": "drop", "reject": "reject"}


def _set(nets: Sequence[IPNetwork]) -> str:
    items = [str(n.network_address) if n.prefixlen == n.max_prefixlen else str(n)
             for n in nets]
    return items[0] if len(items) == 1 else "{ " + ", ".join(items) + " }"


def _families(rule: FilterRule) -> list[int | None]:
    """The address families a rule needs one nft rule each for."""
    if not rule.src and not rule.dst:
        return [None]
    out: list[int | None] = []
    for fam in (4, 6):
        if (not rule.src or any(n.version == fam for n in rule.src)) and \
                (not rule.dst or any(n.version == fam for n in rule.dst)):
            out.append(fam)
    return out


def rule_lines(rule: FilterRule) -> list[str]:
    lines = []
    for fam in _families(rule):
        parts = []
        if rule.iif:
            parts.append(f'iifname "{rule.iif}"')
        if rule.oif:
            parts.append(f'oifname "{rule.oif}"')
        kw = "ip" if fam == 4 else "ip6"
        src = [n for n in rule.src if n.version == fam]
        dst = [n for n in rule.dst if n.version == fam]
        if src:
            parts.append(f"{kw} saddr {_set(src)}")
        if dst:
            parts.append(f"{kw} daddr {_set(dst)}")
        if rule.proto == "icmp":
            parts.append({4: "meta l4proto icmp", 6: "meta l4proto ipv6-icmp"}.get(
                fam or 0, "meta l4proto { icmp, ipv6-icmp }"))
        elif rule.proto and rule.port:
            parts.append(f"{rule.proto} dport {rule.port}")
        elif rule.proto:
            parts.append(f"meta l4proto {rule.proto}")
        verdict = "reject with tcp reset" if rule.action == "reject" and rule.proto == "tcp" \
            else VERDICT[rule.action]
        parts.append(f'{verdict} comment "rule {rule.index}"')
        lines.append(" ".join(parts))
    return lines


def _forward(f: PortForward) -> str:
    target = f"{f.address}:{f.to_port}" if f.address.version == 4 else \
        f"[{f.address}]:{f.to_port}"
    kw = "ip" if f.address.version == 4 else "ip6"
    iif = f'iifname "{f.iif}" ' if f.iif else ""
    return f"{iif}{f.proto} dport {f.port} dnat {kw} to {target}"


def _chain(name: str, hook: str, kind: str, priority: str, policy: str,
           body: Sequence[str]) -> list[str]:
    return [f"  chain {name} {{",
            f"    type {kind} hook {hook} priority {priority}; policy {policy};",
            *(f"    {line}" for line in body), "  }"]


def ruleset(p: Policy) -> str:
    """The table, or "" when the policy asks for nothing of nslab's own."""
    drop = p.default == "drop"
    filtered = drop or bool(p.rules)
    chains: list[str] = []
    if filtered:
        for chain in ("input", "forward", "output"):
            body = [r for rule in p.rules if chain in rule.chains for r in rule_lines(rule)]
            if chain == "output" and not body:
                continue
            first = []
            if drop and chain != "output":
                first = ["ct state established,related accept"]
                first += ['iifname "lo" accept'] if chain == "input" else (
                    ["ct status dnat accept"] if p.forwards else [])
            policy = p.default if chain != "output" else "accept"
            chains += _chain(chain, chain, "filter", "filter", policy, first + body)
    if p.forwards:
        chains += _chain("prerouting", "prerouting", "nat", "dstnat", "accept",
                         [_forward(f) for f in p.forwards])
    if p.masquerade:
        chains += _chain("postrouting", "postrouting", "nat", "srcnat", "accept",
                         [f'oifname "{i}" masquerade' for i in p.masquerade])
    if not chains:
        return ""
    return f"table inet {TABLE} {{\n" + "\n".join(chains) + "\n}\n"


def node_text(p: Policy) -> str:
    """Everything loaded in the node: nslab's table, then the file's own text."""
    text = ruleset(p)
    if p.raw:
        text += p.raw if p.raw.endswith("\n") else p.raw + "\n"
    return text


def host_table(lab: str) -> str:
    """nslab's table on the machine for lab `lab`."""
    return "nslab_" + lab.replace("-", "_")


def host_ruleset(lab: str, side: MachineSide, uplink: str | None) -> str:
    """The machine's part: masquerade the lab's subnets out of the uplink, and
    forward ports of the machine's own addresses to nodes."""
    chains: list[str] = []
    if side.egress:
        out = uplink or "UPLINK"  # plan without root: the uplink is found at up
        rules = []
        for fam, match in ((4, "ip"), (6, "ip6")):  # IPv6: NAT66, as Docker does
            nets = [n for n in side.subnets if n.version == fam]
            if nets:
                rules.append(f'oifname "{out}" {match} saddr {_set(nets)} masquerade '
                             f'comment "egress of lab {lab}"')
        chains += _chain("postrouting", "postrouting", "nat", "srcnat", "accept", rules)
    if side.forwards:
        rules = [f"fib daddr type local {_forward(f)}" for f in side.forwards]
        chains += _chain("prerouting", "prerouting", "nat", "dstnat", "accept", rules)
        chains += _chain("output", "output", "nat", "-100", "accept", rules)
    return (f"table inet {host_table(lab)} {{\n  comment \"{host_mark(lab)}\"\n"
            + "\n".join(chains) + "\n}\n")


def host_mark(lab: str) -> str:
    """The comment on nslab's table on the machine: its claim, for `nslab gc`."""
    return f"nslab lab={lab}"


_TABLE_LINE = re.compile(r"^table (\w+) (\S+) \{", re.M)


def tables(text: str) -> list[str]:
    """The tables a ruleset nslab wrote defines ("family name"), in order."""
    return [f"{f} {n}" for f, n in _TABLE_LINE.findall(text)]


def rule_counts(text: str) -> dict[str, int]:
    """How many rules each table of a ruleset nslab wrote holds ("family name"
    -> count): one rule a line inside a chain, as nslab writes them; what
    `nslab check` compares with the rules the kernel holds."""
    out: dict[str, int] = {}
    table, in_chain = "", False
    for raw in text.splitlines():
        line = raw.strip()
        m = _TABLE_LINE.match(line)
        if m:
            table, in_chain = f"{m.group(1)} {m.group(2)}", False
            out[table] = 0
        elif line.startswith("chain ") and line.endswith("{"):
            in_chain = True
        elif line == "}":
            in_chain = False
        elif in_chain and line and not line.startswith(("type ", "policy ", "comment ", "#")):
            out[table] += 1
    return out
