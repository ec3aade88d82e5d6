"""Typed kernel steps. Pure: each step knows the command a person would type
(`as_shell`); the kernel layer executes them. A step is not undone one by one:
what it makes lives inside a lab namespace and goes with it, or (on the
machine) is journaled before it is made and removed by `down` from the journal
(nslab.verbs.down), which is also what rolls back a failed `up`.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from nslab.model.lab import IPInterface, IPNetwork, Netem, Nexthop
from nslab.shell import heredoc
from nslab.suites import suite


def _ns(ns: str | None) -> str:
    return f"ip -n {ns} " if ns else "ip "


@dataclass(frozen=True)
class AddNamespace:
    """A named network namespace with `lo` up, IPv6 off unless asked for,
    forwarding set either way (a new namespace copies the machine's IPv4
    settings: on a machine that forwards, every host would), and `marker` as
    the alias of `lo` (nslab's proof that it made this namespace)."""

    ns: str
    marker: str
    ipv6: bool
    forwarding: bool = False
    node: str = ""  # the lab node it is (journaled with it: names need not say)

    def as_shell(self) -> str:
        sysctls = " ".join(f"{k}={v}" for k, v in self.sysctls())
        return "\n".join([f"ip netns add {self.ns}",
                          f"ip netns exec {self.ns} sysctl -qw {sysctls}",
                          f"ip -n {self.ns} link set lo alias {shlex.quote(self.marker)} up"])

    def sysctls(self) -> list[tuple[str, str]]:
        """Set first thing inside the new namespace, before any interface exists:
        IPv6 off, or on without duplicate address detection (a lab's addresses
        are unique by construction, and DAD would hold them back for a second);
        forwarding on for routers, off for everything else, in both families."""
        if not self.ipv6:
            out = [(f"net.ipv6.conf.{k}.disable_ipv6", "1") for k in ("all", "default")]
        else:
            out = [(f"net.ipv6.conf.{k}.accept_dad", "0") for k in ("all", "default")]
        on = "1" if self.forwarding else "0"
        return [*out, ("net.ipv4.ip_forward", on), ("net.ipv6.conf.all.forwarding", on)]


# a namespace's own settings nslab may change, as a new namespace has them (what
# takes a setting back when the file no longer asks for it)
NAMESPACE_DEFAULTS = {"net.ipv4.fib_multipath_hash_policy": "0",
                      "net.ipv6.fib_multipath_hash_policy": "0"}


@dataclass(frozen=True)
class SetSysctl:
    """A sysctl inside namespace `ns` (None: the host, whose old value is
    recorded in the journal and restored on down)."""

    ns: str | None
    key: str
    value: str

    def as_shell(self) -> str:
        pre = f"ip netns exec {self.ns} " if self.ns else ""
        return f"{pre}sysctl -qw {self.key}={self.value}"


@dataclass(frozen=True)
class AddVeth:
    """A veth pair; `peer_ns` None: the peer end is on the machine (the host),
    named by a hash, with its long name as `peer_alias`."""

    ns: str
    name: str
    peer_ns: str | None
    peer_name: str
    peer_alias: str | None = None

    def as_shell(self) -> str:
        where = f" netns {self.peer_ns}" if self.peer_ns else ""
        cmd = (f"ip link add {self.name} netns {self.ns} type veth "
               f"peer name {self.peer_name}{where}")
        if self.peer_alias:
            cmd += f"\nip link set {self.peer_name} alias {shlex.quote(self.peer_alias)}"
        return cmd


@dataclass(frozen=True)
class AddVxlan:
    """One end of a link between two machines: a VXLAN made in the machine's
    own namespace (its UDP socket there, sending from `local` to `remote`) and
    put straight into namespace `ns` as `name`; it goes with that namespace."""

    ns: str
    name: str
    vni: int
    local: str
    remote: str
    port: int
    mtu: int

    def as_shell(self) -> str:
        return (f"ip link add {self.name} netns {self.ns} mtu {self.mtu} type vxlan id "
                f"{self.vni} local {self.local} remote {self.remote} dstport {self.port}")


@dataclass(frozen=True)
class AddBridge:
    """A bridge; `ns` None: on the machine, with `alias` (nslab's claim to it)."""

    ns: str | None
    name: str
    alias: str | None = None

    def as_shell(self) -> str:
        cmd = f"{_ns(self.ns)}link add {self.name} type bridge"
        if self.alias:
            cmd += f"\n{_ns(self.ns)}link set {self.name} alias {shlex.quote(self.alias)}"
        return cmd


@dataclass(frozen=True)
class SetMaster:
    ns: str | None
    name: str
    master: str

    def as_shell(self) -> str:
        return f"{_ns(self.ns)}link set {self.name} master {self.master}"


@dataclass(frozen=True)
class SetMtu:
    """A link end's MTU (the file's `mtu`, or `defaults.link.mtu`)."""

    ns: str | None
    name: str
    mtu: int

    def as_shell(self) -> str:
        return f"{_ns(self.ns)}link set dev {self.name} mtu {self.mtu}"


@dataclass(frozen=True)
class SetRate:
    """At most `rate_bps` out of a link end: a tbf qdisc at its root, with a
    bucket of 10 ms of traffic (at least two full frames) and 50 ms of queue."""

    ns: str
    name: str
    rate_bps: float
    replace: bool = False  # a running lab's link: whatever qdisc is there goes

    @property
    def burst(self) -> int:
        return max(3200, int(self.rate_bps / 8 * 0.01))

    @property
    def limit(self) -> int:
        return int(self.rate_bps / 8 * 0.05) + self.burst

    def as_shell(self) -> str:
        return (f"ip netns exec {self.ns} tc qdisc {'replace' if self.replace else 'add'} "
                f"dev {self.name} root tbf rate {int(self.rate_bps)}bit burst {self.burst} "
                f"limit {self.limit}")


@dataclass(frozen=True)
class SetNetem:
    """netem at the root of a link end, for what it sends: delay (with jitter),
    duplication, reordering, corruption, and the end's rate when it has one
    (netem shapes too). Made with `tc`, as printed."""

    ns: str
    name: str
    netem: Netem
    rate_bps: float | None = None

    @property
    def argv(self) -> tuple[str, ...]:
        n = self.netem
        out = ["tc", "qdisc", "add", "dev", self.name, "root", "netem"]
        if n.delay_ms or n.jitter_ms:
            out += ["delay", f"{n.delay_ms:g}ms"] + ([f"{n.jitter_ms:g}ms"] if n.jitter_ms
                                                     else [])
            if n.jitter_ms and n.distribution != "uniform":
                out += ["distribution", n.distribution]
        for word, share in (("duplicate", n.duplicate), ("reorder", n.reorder),
                            ("corrupt", n.corrupt)):
            if share:
                out += [word, f"{share * 100:g}%"]
        if self.rate_bps:
            out += ["rate", f"{int(self.rate_bps)}bit"]
        return tuple(out)

    def as_shell(self) -> str:
        return f"ip netns exec {self.ns} {shlex.join(self.argv)}"


def wire_words(n: Netem | None) -> str:
    """What the wire does to one direction, in words."""
    if n is None or not n.active:
        return "passed on at once"
    spread = f" (± {n.jitter_ms:g} ms, {n.distribution})" if n.jitter_ms else ""
    out = [f"held {n.delay_ms:g} ms{spread}"]
    out += [f"{word} {share * 100:g} %" for word, share in (
        ("duplicated", n.duplicate), ("reordered", n.reorder), ("corrupted", n.corrupt))
        if share]
    return ", ".join(out)


@dataclass(frozen=True)
class SetWire:
    """What the lab's wire (a relay in a namespace of its own, where the
    kernel has no netem) does to what one link end sends: frames that arrive
    on the wire's end `into` leave by its end `out` after the delay (with
    jitter, in order), duplicated, reordered or corrupted as set. The relay
    reads this file (its folder `dir`) when told, without stopping."""

    ns: str  # the lab's wire namespace
    into: str
    out: str
    end: str  # the sending end, NODE:IFACE
    netem: Netem | None
    dir: str

    @property
    def path(self) -> str:
        return f"{self.dir}/{self.into}.json"

    def config(self) -> dict[str, object]:
        n = self.netem or Netem(0.0, 0.0, 0.0, 0.0, 0.0)
        return {"end": self.end, "into": self.into, "out": self.out, "delay_ms": n.delay_ms,
                "jitter_ms": n.jitter_ms, "distribution": n.distribution,
                "duplicate": n.duplicate, "reorder": n.reorder, "corrupt": n.corrupt}

    def as_shell(self) -> str:
        return (f"# the wire: what {self.end} sends ({self.into} -> {self.out}) is "
                f"{wire_words(self.netem)}\n"
                + heredoc(f"mkdir -p {self.dir} && cat >{self.path}",
                          json.dumps(self.config())))


@dataclass(frozen=True)
class ClearWire:
    """One direction of a link taken off the wire (the link went)."""

    ns: str
    into: str
    dir: str

    def as_shell(self) -> str:
        return f"rm -f {self.dir}/{self.into}.json  # and the relay told"


WIRE_NODE = "~wire"  # the wire namespace's name in the journal (no node is named so)
RELAY = "relay"  # the relay's name among the services


@dataclass(frozen=True)
class StartWire:
    """The lab's relay: one process in the wire namespace that moves the
    frames of every link on the wire, holding each as its SetWire says."""

    ns: str
    dir: str
    log: str

    def as_shell(self) -> str:
        return (f"# the wire: nslab's relay holds what crosses the lab's delayed links "
                f"(the kernel has no netem)\n"
                f"ip netns exec {self.ns} python3 -m nslab.wire {self.dir} >{self.log} 2>&1 &")


@dataclass(frozen=True)
class ClearRate:
    """A link end back to the kernel's own queue: no rate (a running lab's)."""

    ns: str
    name: str

    def as_shell(self) -> str:
        return f"ip netns exec {self.ns} tc qdisc del dev {self.name} root"


@dataclass(frozen=True)
class SetLinkDown:
    """A link end down, as if its cable were pulled (a running lab's)."""

    ns: str
    name: str

    def as_shell(self) -> str:
        return f"ip -n {self.ns} link set dev {self.name} down"


def loss_ruleset(drops: list[tuple[str, float]], fresh: bool = False) -> str:
    """nftables for the losses at a node's link ends: (interface, share) ->
    a random drop of that share of what arrives on it, at ingress (a drop at the
    sender's egress would show as an error to the sender, not as loss)."""
    # fresh: a running lab's node: its old table goes in the same transaction
    out = ["table netdev nslab_loss", "delete table netdev nslab_loss"] if fresh else []
    if not drops:
        return "\n".join(out) + "\n"
    out.append("table netdev nslab_loss {")
    for k, (iface, share) in enumerate(drops):
        out += [f"  chain in{k} {{",
                f'    type filter hook ingress device "{iface}" priority -500; policy accept;',
                f"    numgen random mod 1000000 < {round(share * 1_000_000)} counter drop"
                if share < 1 else "    counter drop",
                "  }"]
    return "\n".join([*out, "}"]) + "\n"


@dataclass(frozen=True)
class AddAddress:
    ns: str | None
    dev: str
    address: IPInterface

    def as_shell(self) -> str:
        flags = " nodad" if self.address.version == 6 else ""
        return f"{_ns(self.ns)}addr add {self.address} dev {self.dev}{flags}"


@dataclass(frozen=True)
class SetLinkUp:
    ns: str | None
    name: str

    def as_shell(self) -> str:
        return f"{_ns(self.ns)}link set {self.name} up"


@dataclass(frozen=True)
class AddRoute:
    ns: str | None
    dst: IPNetwork
    nexthops: tuple[Nexthop, ...]
    replace: bool = False  # a running lab's: put back whatever a link going down took

    def as_shell(self) -> str:
        fam = "-6 " if self.dst.version == 6 else ""
        dst = "default" if self.dst.prefixlen == 0 else str(self.dst)
        cmd = f"{_ns(self.ns)}{fam}route {'replace' if self.replace else 'add'} {dst}"
        v = self.dst.version
        if len(self.nexthops) == 1:
            return cmd + _hop(self.nexthops[0], v)
        return cmd + "".join(" nexthop" + _hop(h, v) for h in self.nexthops)


def _hop(h: Nexthop, version: int) -> str:
    out = ""
    if h.via is not None:  # of the other family: an IPv4 route through an IPv6 next hop
        out += f" via {'inet6 ' if h.via.version != version else ''}{h.via}"
    if h.dev is not None:
        out += f" dev {h.dev}"
    return out


@dataclass(frozen=True)
class RunCommand:
    """A command from the file's `exec:`, run once the lab is wired."""

    ns: str
    node: str
    argv: tuple[str, ...]

    def as_shell(self) -> str:
        return f"ip netns exec {self.ns} {shlex.join(self.argv)}"


@dataclass(frozen=True)
class StartService:
    """A background process kept running; ended at down with the namespace."""

    ns: str
    node: str
    name: str
    argv: tuple[str, ...]
    log: str

    def as_shell(self) -> str:
        return f"ip netns exec {self.ns} {shlex.join(self.argv)} >{self.log} 2>&1 &"


@dataclass(frozen=True)
class SetNeighbourLimits:
    """Raise the machine-wide ARP/NDP table limits (gc_thresh1..3) for the lab's
    lifetime; the old values are recorded and restored by the last lab down."""

    family: int  # 4: ARP, 6: NDP
    thresh: tuple[int, int, int]
    old: tuple[int, int, int]

    def _sysctl(self, values: tuple[int, int, int]) -> str:
        base = "net.ipv4.neigh" if self.family == 4 else "net.ipv6.neigh"
        return "sysctl -qw " + " ".join(f"{base}.default.gc_thresh{i + 1}={v}"
                                        for i, v in enumerate(values))

    def as_shell(self) -> str:
        return (f"# machine-wide; to restore afterwards: {self._sysctl(self.old)}\n"
                + self._sysctl(self.thresh))


@dataclass(frozen=True)
class LoadNftRuleset:
    """nftables rules loaded inside a lab namespace: nslab's table `inet nslab`
    (the file's firewall and NAT), then the file's own nft text."""

    ns: str | None  # None: the machine (nslab's table inet nslab_<lab>)
    node: str
    text: str

    def as_shell(self) -> str:
        pre = f"ip netns exec {self.ns} " if self.ns else ""
        return heredoc(f"{pre}nft -f -", self.text)


@dataclass(frozen=True)
class WriteFile:
    """A file on the host for one node: /etc/netns/<namespace>/hosts or
    resolv.conf, which `ip netns exec` mounts over /etc/hosts or
    /etc/resolv.conf. Journaled before it is written; removed at down. Its
    first line is `mark` (nslab's claim, which `nslab gc` looks for); the
    hosts file then holds the machine's own /etc/hosts (its name, localhost),
    so that nothing a program looked up before stops resolving."""

    node: str
    path: str
    text: str
    base: str | None = None  # a host file whose content comes first (/etc/hosts)
    mark: str = "# nslab"

    def as_shell(self) -> str:
        folder = self.path.rsplit("/", 1)[0]
        base = f" cat {self.base};" if self.base else ""
        return heredoc(f"mkdir -p {folder} && {{ echo {shlex.quote(self.mark)};{base} cat; }} "
                       f">{self.path}", self.text)


@dataclass(frozen=True)
class StartDaemons:
    """A router's routing daemons, started inside its namespace with every file
    they write under `dir` (the lab's state folder): FRR's daemons in a mount
    namespace of their own where `dir` stands in for /var/run/frr and a
    scratch tmpfs for /var/tmp (ospfd's graceful-restart file and the crash
    logs would otherwise be shared by every node, and outlive the lab), then
    its configuration loaded with `vtysh -b`; or BIRD, which writes nowhere
    else. Ended at down with every process of the namespace."""

    ns: str
    node: str
    suite: str  # frr | bird
    dir: str
    daemons: tuple[str, ...]
    config: str

    def script(self) -> str:
        return suite(self.suite).start(self.ns, self.dir, self.daemons, self.config, self.node)

    def as_shell(self) -> str:
        return self.script()


# ------------------------------------------------------------ a running lab's changes
# (nslab apply, check --repair, node stop): what is made is found by name inside
# the lab's own namespaces; what is already gone counts as removed.


@dataclass(frozen=True)
class RemoveNamespace:
    """A node taken out of a running lab: its processes ended, its namespace
    deleted (with its links: each veth's other end goes too)."""

    ns: str
    node: str

    def as_shell(self) -> str:
        return f"ip netns pids {self.ns} | xargs -r kill\nip netns del {self.ns}"


@dataclass(frozen=True)
class DelLink:
    """A link removed from a node (a veth: both of its ends go)."""

    ns: str
    name: str

    def as_shell(self) -> str:
        return f"ip -n {self.ns} link del {self.name}"


@dataclass(frozen=True)
class DelAddress:
    ns: str
    dev: str
    address: IPInterface

    def as_shell(self) -> str:
        return f"ip -n {self.ns} addr del {self.address} dev {self.dev}"


@dataclass(frozen=True)
class DelRoute:
    ns: str
    dst: IPNetwork

    def as_shell(self) -> str:
        fam = "-6 " if self.dst.version == 6 else ""
        dst = "default" if self.dst.prefixlen == 0 else str(self.dst)
        return f"ip -n {self.ns} {fam}route del {dst}"


@dataclass(frozen=True)
class StopService:
    """A service ended (its pid as the journal recorded it)."""

    ns: str
    node: str
    name: str

    def as_shell(self) -> str:
        return f"kill $PID_OF_{self.node}_{self.name}  # service {self.name} of {self.node}"


@dataclass(frozen=True)
class StopDaemons:
    """A router's routing daemons ended (their pid files under `dir`)."""

    ns: str
    node: str
    suite: str
    dir: str
    daemons: tuple[str, ...]

    def pid_files(self) -> list[str]:
        return [f"{self.dir}/{d}.pid" for d in suite(self.suite).processes(self.daemons)]

    def as_shell(self) -> str:
        return f"kill $(cat {' '.join(shlex.quote(f) for f in self.pid_files())})"


@dataclass(frozen=True)
class ReloadDaemons:
    """A router's new configuration, loaded into the daemons that run (FRR's
    frr-reload.py applies the difference; BIRD reconfigures): sessions and
    adjacencies that the change does not touch stay up."""

    ns: str
    node: str
    suite: str
    dir: str
    config: str

    def script(self) -> str:
        return suite(self.suite).reload(self.dir, self.config)

    def as_shell(self) -> str:
        return self.script()


@dataclass(frozen=True)
class RemoveFile:
    node: str
    path: str

    def as_shell(self) -> str:
        return f"rm -f {self.path}"


Step = (AddNamespace | SetSysctl | AddVeth | AddVxlan | AddBridge | SetMaster | SetMtu | AddAddress
        | SetLinkUp | SetRate | ClearRate | SetLinkDown | SetNetem | SetWire | ClearWire
        | StartWire | AddRoute | WriteFile | LoadNftRuleset | RunCommand | StartService
        | SetNeighbourLimits | StartDaemons | RemoveNamespace | DelLink | DelAddress
        | DelRoute | StopService | StopDaemons | ReloadDaemons | RemoveFile)
