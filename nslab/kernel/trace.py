"""Ask nftables itself which rule takes a packet's verdict: in each namespace
of interest, a table of nslab's own marks the packets between two addresses
for tracing (`meta nftrace set 1`, before any other chain), `nft monitor
trace` reports every rule they meet, and the table is removed at the end.

Only nslab's own table is added and deleted; no other rule is touched.
"""

from __future__ import annotations

import os
import re
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


class Tracer:
    """`with Tracer({label: ns_fd}, a, b) as t: <send packets>`; then t.verdicts."""

    def __init__(self, namespaces: dict[str, int], a: str, b: str) -> None:
        self.namespaces = namespaces
        self.a, self.b = a, b
        self.table = f"nslab_trace_{os.getpid()}"
        self.monitors: dict[str, subprocess.Popen[str]] = {}
        self.added: list[str] = []
        self.verdicts: list[Verdict] = []

    def __enter__(self) -> Tracer:
        for label, fd in self.namespaces.items():
            with netns.entered(fd):
                r = subprocess.run(["nft", "-f", "-"], input=_ruleset(self.table, self.a,
                                                                      self.b),
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    continue
                self.added.append(label)
                self.monitors[label] = subprocess.Popen(
                    ["nft", "monitor", "trace"], stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
        time.sleep(0.2)  # let the monitors subscribe before packets flow
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.3)  # the last trace events
        for label, proc in self.monitors.items():
            proc.terminate()
            try:
                out, _ = proc.communicate(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
            self.verdicts += parse(label, out, self.table)
        for label in self.added:
            with netns.entered(self.namespaces[label]):
                subprocess.run(["nft", "delete", "table", "inet", self.table],
                               capture_output=True)
