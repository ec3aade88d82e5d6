"""Ask nftables itself which rule takes a packet's verdict: in each namespace
of interest, a table of nslab's own marks the packets between two addresses
for tracing (`meta nftrace set 1`, before any other chain), `nft monitor
trace` reports every rule they meet, and the table is removed at the end.

Only nslab's own table is added and deleted; no other rule is touched.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import time
from dataclasses import dataclass
from ipaddress import ip_address

from nslab.kernel import netns

_LINE = re.compile(r"^trace id \S+ (\S+) (\S+) (\S+) (rule (.*) \(verdict (\w+)|policy (\w+))")


@dataclass(frozen=True)
class Verdict:
    namespace: str  # the label given for it
    family: str
    table: str
    chain: str
    rule: str | None  # None: the chain's policy decided
    verdict: str  # drop, reject, accept, continue...

    @property
    def stops(self) -> bool:
        return self.verdict in ("drop", "reject")

    @property
    def nat(self) -> bool:
        return self.rule is not None and bool(re.search(r"\b(dnat|snat|masquerade|redirect)\b",
                                                        self.rule))

    def text(self) -> str:
        what = f"rule '{self.rule}'" if self.rule else f"the policy {self.verdict}"
        return f"{what} in chain {self.chain} of table {self.family} {self.table}"


def parse(label: str, output: str, table: str) -> list[Verdict]:
    out = []
    for line in output.splitlines():
        m = _LINE.match(line.strip())
        if not m or m.group(2) == table:
            continue
        rule, verdict = (m.group(5), m.group(6)) if m.group(5) is not None else (None, m.group(7))
        out.append(Verdict(label, m.group(1), m.group(2), m.group(3), rule, verdict))
    return out


def _ruleset(table: str, a: str, b: str) -> str:
    key = "ip" if ip_address(a).version == 4 else "ip6"
    marks = "\n".join(f"    {key} saddr {x} {key} daddr {y} meta nftrace set 1"
                      for x, y in ((a, b), (b, a)))
    chains = "".join(
        f"  chain {name} {{\n    type filter hook {hook} priority -350; policy accept;\n"
        f"{marks}\n  }}\n" for name, hook in (("pre", "prerouting"), ("out", "output")))
    return f"table inet {table} {{\n{chains}}}\n"


NETLINK_NETFILTER = 12


def _subscribed(pid: int) -> bool:
    """Whether process `pid` holds a netfilter netlink socket bound to a
    multicast group (what `nft monitor` does once it listens)."""
    try:
        with open(f"/proc/{pid}/net/netlink") as f:
            rows = [line.split() for line in f.readlines()[1:]]
    except OSError:
        return False
    return any(len(r) > 3 and r[1] == str(NETLINK_NETFILTER) and r[2] == str(pid)
               and int(r[3], 16) != 0 for r in rows)


def _drain(procs: list[subprocess.Popen[bytes]], quiet: float = 0.1,
           limit: float = 1.5) -> dict[int, bytes]:
    """What the monitors print until they have been quiet for `quiet` seconds
    (the last events of the packets just sent), `limit` at most."""
    got = {p.pid: b"" for p in procs}
    by_fd = {p.stdout.fileno(): p.pid for p in procs if p.stdout is not None}
    deadline = time.monotonic() + limit
    while by_fd and time.monotonic() < deadline:
        ready, _, _ = select.select(list(by_fd), [], [], quiet)
        if not ready:
            break
        for fd in ready:
            chunk = os.read(fd, 65536)
            if chunk:
                got[by_fd[fd]] += chunk
            else:
                del by_fd[fd]
    return got


class Tracer:
    """`with Tracer({label: ns_fd}, a, b) as t: <send packets>`; then t.verdicts."""

    def __init__(self, namespaces: dict[str, int], a: str, b: str) -> None:
        self.namespaces = namespaces
        self.a, self.b = a, b
        self.table = f"nslab_trace_{os.getpid()}"
        self.monitors: dict[str, subprocess.Popen[bytes]] = {}
        self.added: list[str] = []
        self.verdicts: list[Verdict] = []

    def __enter__(self) -> Tracer:
        for label, fd in self.namespaces.items():
            r = netns.run(fd, ["nft", "-f", "-"], input=_ruleset(self.table, self.a, self.b),
                          capture_output=True, text=True)
            if r.returncode != 0:
                continue
            self.added.append(label)
            self.monitors[label] = netns.popen(
                fd, ["nft", "monitor", "trace"], stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and not all(
                _subscribed(p.pid) for p in self.monitors.values()):
            time.sleep(0.01)  # until every monitor listens for trace events
        return self

    def __exit__(self, *exc: object) -> None:
        got = _drain(list(self.monitors.values()))
        for label, proc in self.monitors.items():
            proc.terminate()
            try:
                rest, _ = proc.communicate(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                rest, _ = proc.communicate()
            out = (got[proc.pid] + (rest or b"")).decode(errors="replace")
            self.verdicts += parse(label, out, self.table)
        for label in self.added:
            netns.run(self.namespaces[label], ["nft", "delete", "table", "inet", self.table],
                      capture_output=True)
