"""`nslab inspect` and `nslab ns list` for people. Pure: records in, text out."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from nslab.records import observed as ob
from nslab.views.text import table


def _title(w: ob.Where) -> str:
    if w.host:
        return f"the host namespace (where nslab runs)  id {w.inode}"
    name = w.namespace or (f"of pid {w.pid}" if w.pid else "(unnamed)")
    lab = f"  (lab {w.lab}, node {w.node})" if w.lab else ""
    return f"namespace {name}{lab}  id {w.inode}"


def _peer(p: ob.Peer | None) -> str:
    if p is None:
        return "-"
    through = " (through the wire)" if p.wire else ""
    return f"{p.namespace or f'nsid {p.netnsid}'}:{p.name or p.index}{through}"


def _count(c: ob.Counters | None, rx: bool) -> str:
    if c is None:
        return "-"
    pk, by, err, drop = (c.rx_packets, c.rx_bytes, c.rx_errors, c.rx_dropped) if rx else (
        c.tx_packets, c.tx_bytes, c.tx_errors, c.tx_dropped)
    extra = f" e{err}" if err else ""
    extra += f" d{drop}" if drop else ""
    return f"{pk}/{_bytes(by)}{extra}"


def _bytes(n: int) -> str:
    for unit in ("B", "K", "M", "G"):
        if n < 1024 or unit == "G":
            return f"{n}{unit}" if unit == "B" else f"{n:.1f}{unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def interfaces(items: Sequence[ob.Interface]) -> str:
    rows = [[i.name, i.kind, i.state + ("" if i.up else " (admin down)"), i.mac or "-",
             str(i.mtu), i.master or "-", _peer(i.peer), _count(i.counters, True),
             _count(i.counters, False)] for i in items]
    return table(rows, ["NAME", "KIND", "STATE", "MAC", "MTU", "MASTER", "PEER",
                        "RX pkts/bytes", "TX pkts/bytes"])


def addresses(items: Sequence[ob.Address]) -> str:
    return table([[a.interface, f"{a.address}/{a.prefixlen}", a.scope, " ".join(a.flags)]
                  for a in items], ["IFACE", "ADDRESS", "SCOPE", "FLAGS"])


def _hops(r: ob.Route) -> tuple[str, str]:
    via = ", ".join(h.gateway or "-" for h in r.nexthops)
    dev = ", ".join(h.dev or "-" for h in r.nexthops)
    return via, dev


def routes(items: Sequence[ob.Route]) -> str:
    shown = [r for r in items if r.table != "local" and r.type != "multicast"]
    rows = []
    for r in shown:
        via, dev = _hops(r)
        rows.append([r.table, f"v{r.family}", r.dst if r.type == "unicast" else
                     f"{r.type} {r.dst}", via, dev, r.protocol, r.scope,
                     "-" if r.metric is None else str(r.metric), r.prefsrc or "-"])
    out = table(rows, ["TABLE", "FAM", "DESTINATION", "VIA", "DEV", "PROTO", "SCOPE", "METRIC",
                       "SRC"])
    hidden = len(items) - len(shown)
    return out + (f"\n(+{hidden} routes of the local table and multicast; --json lists them)"
                  if hidden else "")


def rules(items: Sequence[ob.Rule]) -> str:
    return table([[str(r.priority), f"v{r.family}", r.src or "all", r.dst or "all",
                   r.iif or "-", r.oif or "-", "-" if r.fwmark is None else hex(r.fwmark),
                   r.action + (f" {r.table}" if r.table else "")] for r in items],
                 ["PRIO", "FAM", "FROM", "TO", "IIF", "OIF", "FWMARK", "ACTION"])


def neighbours(items: Sequence[ob.Neighbour]) -> str:
    shown = [n for n in items if "NOARP" not in n.state]
    return table([[n.interface, n.address, n.mac or "-", " ".join(n.state) or "NONE",
                   "router" if n.router else ""] for n in shown],
                 ["IFACE", "ADDRESS", "MAC", "STATE", ""])


def qdiscs(items: Sequence[ob.Qdisc]) -> str:
    def shape(q: ob.Qdisc) -> str:
        if q.rate_bps is None:
            return "-"
        return f"rate {q.rate_bps / 1e6:g}mbit burst {q.burst}b limit {q.limit}b"

    return table([[q.interface, q.kind, q.handle, q.parent, shape(q),
                   f"{q.sent_bytes}b {q.sent_packets}p", str(q.drops)]
                  for q in items if q.kind != "noqueue"],
                 ["IFACE", "QDISC", "HANDLE", "PARENT", "SHAPE", "SENT", "DROPS"])


def fdb(items: Sequence[ob.FdbEntry]) -> str:
    return table([[f.bridge, f.port, f.mac, f.state, "-" if f.vlan is None else str(f.vlan)]
                  for f in items if f.state != "permanent" or f.port != f.bridge],
                 ["BRIDGE", "PORT", "MAC", "STATE", "VLAN"])


def _ep(addr: str, port: int, family: int) -> str:
    return f"[{addr}]:{port}" if family == 6 else f"{addr}:{port}"


def sockets(items: Sequence[ob.Socket]) -> str:
    rows = []
    for s in sorted(items, key=lambda s: (s.state != "LISTEN", s.protocol, s.local_port)):
        procs = ",".join(f"{o.command}({o.pid})" for o in s.owners) or "-"
        remote = "*" if s.remote_port == 0 else _ep(s.remote, s.remote_port, s.family)
        rows.append([s.protocol, s.state, _ep(s.local, s.local_port, s.family), remote, procs])
    return table(rows, ["PROTO", "STATE", "LOCAL", "REMOTE", "PROCESS"])


def firewall(f: ob.Firewall) -> str:
    parts = []
    if not f.tables:
        parts.append("no nftables tables (everything is accepted)")
    elif f.text is not None:
        parts.append(f.text.rstrip())
    else:
        parts.append("tables: " + ", ".join(f"{t.family} {t.name}" for t in f.tables))
    if f.iptables:
        parts.append("iptables-save:\n" + f.iptables.rstrip())
    if f.note:
        parts.append(f"({f.note})")
    return "\n".join(parts)


def _v(x: int | None) -> str:
    return "-" if x is None else str(x)


def sysctls(s: ob.Sysctls) -> str:
    keys = ["ipv4.forwarding", "ipv4.rp_filter", "ipv4.proxy_arp", "ipv6.forwarding",
            "ipv6.disable_ipv6", "ipv6.accept_ra"]
    rows = [[name, *(_v(vals.get(k)) for k in keys)] for name, vals in s.per_interface.items()]
    return table(rows, ["CONF", "fwd4", "rp_filter", "proxy_arp", "fwd6", "disable_ipv6",
                        "accept_ra"])


def processes(items: Sequence[ob.Process]) -> str:
    return table([[str(p.pid), str(p.ppid), printable(p.command), printable(p.cmdline)[:70]]
                  for p in items], ["PID", "PPID", "COMM", "COMMAND"])


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """Control characters as \\xNN, as lsns shows them: a newline in a
    command line must not break the table."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def inspection(i: ob.Inspection) -> str:
    out = [_title(i.where)]

    def section(title: str, items: Sequence[Any] | None, render: Callable[[Any], str]) -> None:
        if items is not None:
            out.append(f"\n{title}\n{render(items) if items else '(none)'}")

    section("INTERFACES", i.interfaces, interfaces)
    section("ADDRESSES", i.addresses, addresses)
    section("ROUTES", i.routes, routes)
    section("RULES", i.rules, rules)
    section("NEIGHBOURS", [n for n in i.neighbours if "NOARP" not in n.state]
            if i.neighbours is not None else None, neighbours)
    if i.interfaces is None or any(x.kind == "bridge" for x in i.interfaces):
        section("BRIDGE FDB", i.fdb, fdb)  # asked for alone, it shows even when empty
    section("SOCKETS", i.sockets, sockets)
    if i.firewall is not None:
        out.append(f"\nFIREWALL\n{firewall(i.firewall)}")
    if i.sysctls is not None:
        out.append(f"\nSYSCTLS (ip_forward={_v(i.sysctls.ip_forward)})\n{sysctls(i.sysctls)}")
    section("PROCESSES", i.processes, processes)
    section("TC (queueing)", i.tc, qdiscs)
    if i.routing is not None:
        out.append(f"\nROUTING\n{routing(i.routing)}")
    return "\n".join(out)


def routing(r: dict[str, Any]) -> str:
    running = r.get("running") or {}
    names = [d if running.get(d) else f"{d} (not running)" for d in r["daemons"]]
    head = (f"{r['suite'].upper()}: {', '.join(names)}; router-id {r['router_id']}"
            + (f", AS {r['asn']}" if r.get("asn") else ""))
    rows = [["ospf", n["router_id"], n["interface"], n["address"], n["state"]]
            for n in r.get("ospf_neighbours", [])]
    rows += [["isis", a["system"], a["interface"], f"level {a['level']}", a["state"]]
             for a in r.get("isis_adjacencies", [])]
    rows += [["bgp", f"AS {b['asn']}", "", b["address"],
              f"{b['state']} ({b['prefixes_received']} prefixes)"
              if b.get("prefixes_received") is not None else b["state"]]
             for b in r.get("bgp_sessions", [])]
    rows += [["bird", p[0], p[1] if len(p) > 1 else "", "", " ".join(p[3:])]
             for p in r.get("bird_protocols", [])]
    if not rows:
        return head + "\n(no neighbours yet)"
    return head + "\n" + table(rows, ["PROTO", "NEIGHBOUR", "IFACE", "ADDRESS", "STATE"])


def lab_overview(lab: str, items: Sequence[ob.NodeSummary], expected: int) -> str:
    rows = [[i.node, i.namespace, f"{i.interfaces_up}/{i.interfaces}",
             " ".join(i.addresses[:3]) + (" ..." if len(i.addresses) > 3 else "") or "-",
             str(i.routes), str(i.neighbours), str(i.listening), str(i.processes),
             "on" if i.forwarding else "off", ",".join(i.nft_tables) or "-"] for i in items]
    head = f"lab {lab}: {len(items)}/{expected} nodes present"
    return head + "\n" + table(rows, ["NODE", "NAMESPACE", "UP", "ADDRESSES", "ROUTES",
                                      "NEIGH", "LISTEN", "PROCS", "FWD", "NFT"]) + \
        f"\n(one node in full: nslab inspect {lab} NODE)"


def ns_list(items: Sequence[ob.NamespaceEntry]) -> str:
    rows = []
    for e in items:
        name = e.name or ("(host)" if e.is_host else
                          f"(pid {e.holder} {printable(e.holder_command or '')})")
        rows.append([name, str(e.inode), str(e.interfaces), str(e.processes),
                     f"{e.lab}/{e.node}" if e.lab else "-",
                     " ".join(e.addresses[:3]) + (" ..." if len(e.addresses) > 3 else "")
                     or "-"])
    return table(rows, ["NAMESPACE", "ID", "IFACES", "PROCS", "LAB/NODE", "ADDRESSES"])


_MARK = {"ok": "ok", "missing": "MISSING", "warn": "WARN", "info": "info"}


def doctor(checks: Sequence[ob.Check], ready: bool) -> str:
    rows = []
    for c in checks:
        rows.append([_MARK[c.status], c.group, c.name, c.detail])
        if c.fix:
            rows.append(["", "", "", f"-> {c.fix}"])
    verdict = ("this machine can run nslab labs" if ready else
               "this machine cannot run nslab labs yet: see MISSING above")
    return table(rows, ["", "GROUP", "CHECK", "DETAIL"]) + "\n\n" + verdict
