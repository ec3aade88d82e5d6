"""Execute a plan against the kernel, in-process.

Namespaces are made one by one (each is a few kernel calls); the steps of every
later phase are batched per namespace on the netlink socket opened inside it,
and each phase is acknowledged in full before the next starts. Interface
indexes are chosen here, unique across the lab, so that no request has to wait
for an answer to learn one (and no veth end shares its index with its peer,
which keeps the kernel's link-watch from delaying the carrier by up to 1 s).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from itertools import groupby
from typing import assert_never

from nslab.errors import (
    CommandError,
    ConflictError,
    KernelError,
    MissingFeatureError,
    NslabError,
)
from nslab.kernel import netlink as nl
from nslab.kernel import netns
from nslab.kernel.seam import MACHINE, Kernel, RealKernel, Ref
from nslab.plan.build import Plan, carries_mark
from nslab.plan.nft import host_table
from nslab.plan.steps import RELAY as RELAY_NAME
from nslab.plan.steps import (
    WIRE_NODE,
    AddAddress,
    AddBridge,
    AddNamespace,
    AddRoute,
    AddVeth,
    AddVxlan,
    ClearRate,
    ClearWire,
    DelAddress,
    DelLink,
    DelRoute,
    LoadNftRuleset,
    ReloadDaemons,
    RemoveFile,
    RemoveNamespace,
    RunCommand,
    SetLinkDown,
    SetLinkUp,
    SetMaster,
    SetMtu,
    SetNeighbourLimits,
    SetNetem,
    SetRate,
    SetSysctl,
    SetWire,
    StartDaemons,
    StartService,
    StartWire,
    Step,
    StopDaemons,
    StopService,
    WriteFile,
)
from nslab.shell import as_node
from nslab.state.journal import Journal, Record

Progress = Callable[[str, int, int], None]
_LOG_LINE = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ")  # FRR's log lines
MACHINE_KEY = ""  # the key of the machine's own namespace among the lab's
FIRST_INDEX = 1024  # the first interface index the executor gives in a lab namespace

_HINTS = {
    errno.EEXIST: "it already exists",
    errno.EBUSY: "the interface index is taken",
    errno.EOPNOTSUPP: "the kernel lacks this feature",
    errno.ENETUNREACH: "the gateway is not on a connected subnet",
    errno.EPERM: "run nslab as root",
}


# what a removal may find: the thing is gone already (with its link, its namespace)
_GONE = {errno.ENODEV, errno.ENOENT, errno.ESRCH, errno.EADDRNOTAVAIL, errno.EINVAL}


# steps sent as netlink requests, batched per namespace; steps made one by one;
# steps that change a running lab's processes and files
NETLINK = (AddVeth, AddVxlan, AddBridge, SetMaster, SetMtu, AddAddress, SetLinkUp, AddRoute,
           SetRate, SetNetem, ClearRate, SetLinkDown, DelLink, DelAddress, DelRoute)
ChangeStep = RemoveNamespace | StopService | StopDaemons | ReloadDaemons | RemoveFile
WireStep = SetWire | ClearWire | StartWire
OneByOne = (AddNamespace | SetSysctl | ChangeStep | RunCommand | SetNeighbourLimits
            | WriteFile | LoadNftRuleset | WireStep)
ONE_BY_ONE = (AddNamespace, SetSysctl, RemoveNamespace, StopService, StopDaemons, ReloadDaemons,
              RemoveFile, RunCommand, SetNeighbourLimits, WriteFile, LoadNftRuleset,
              SetWire, ClearWire, StartWire)
RELAY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "wire",
                     "relay.py")  # run as a file: it needs nothing but the standard library


def _phase_name(step: Step) -> str:
    return type(step).__name__


class Executor:
    """Runs a plan's steps through a `Kernel` (the machine, or a fake one),
    journaling before each effect that `down` must be able to undo."""

    def __init__(self, journal: Journal, progress: Progress | None = None,
                 kernel: Kernel | None = None) -> None:
        self.journal = journal
        self.progress = progress
        self.kernel: Kernel = kernel if kernel is not None else RealKernel()
        self.refs: dict[str, Ref] = {}
        self.index: dict[tuple[str, str], int] = {}
        # above the low indexes that devices a module puts into every new
        # namespace take (fallback tunnels: sit0, ip6tnl0, gre0...)
        self.next_index = FIRST_INDEX
        self.neighbour_hook: Callable[[SetNeighbourLimits], None] | None = None
        self.machine_sysctl_hook: Callable[[SetSysctl], None] | None = None
        self.shared_dir_hook: Callable[[str], None] | None = None
        self.shared_dirs: set[str] = set()
        self.notes: list[str] = []  # what the run said along the way (files left alone)

    # ------------------------------------------------------------ driving
    def run(self, plan: Plan) -> None:
        if plan.touches_machine():
            self.open_machine()
        namespaces = sum(isinstance(s, AddNamespace) for s in plan.steps)
        netns.raise_fd_limit(4 * namespaces + 64)
        for _name, group in groupby(plan.steps, key=_phase_name):
            steps = list(group)
            self._phase(steps)

    def close(self) -> None:
        for ref in self.refs.values():
            self.kernel.release(ref)
        self.refs.clear()

    def _phase(self, steps: list[Step]) -> None:
        """One phase: netlink steps batched per namespace, services and daemons
        started together, every other kind one by one."""
        first = steps[0]
        total = len(steps)
        if self.progress:
            self.progress(_phase_name(first), 0, total)
        if isinstance(first, NETLINK):
            self._netlink(steps)
        elif isinstance(first, StartService):
            self._start_services([s for s in steps if isinstance(s, StartService)])
        elif isinstance(first, StartDaemons):
            self._start_daemons([s for s in steps if isinstance(s, StartDaemons)])
        else:
            for k, s in enumerate(steps):
                assert isinstance(s, ONE_BY_ONE)
                self._one(s)
                if self.progress and k % 100 == 99:
                    self.progress(_phase_name(first), k + 1, total)
        if self.progress:
            self.progress(_phase_name(first), total, total)

    def _one(self, s: OneByOne) -> None:
        match s:
            case AddNamespace():
                self._add_namespace(s)
            case SetSysctl():
                self._sysctl(s)
            case RemoveNamespace() | StopService() | StopDaemons() | ReloadDaemons() \
                    | RemoveFile():
                self._change(s)
            case RunCommand():
                self._run_command(s)
            case SetNeighbourLimits():
                assert self.neighbour_hook is not None
                self.neighbour_hook(s)
            case WriteFile():
                self._write_file(s)
            case LoadNftRuleset():
                self._load_nft(s)
            case SetWire() | ClearWire() | StartWire():
                self._wire(s)
            case _:
                assert_never(s)

    # ------------------------------------------------------------ steps
    def _add_namespace(self, s: AddNamespace) -> None:
        # Ctrl-C waits until the namespace is made, named and journaled (or not
        # made at all): the rollback then finds it by its recorded inode.
        with netns.signals_deferred():
            self._add_namespace_now(s)

    def _add_namespace_now(self, s: AddNamespace) -> None:
        self.journal.write(t="ns", name=s.ns, node=s.node)  # intent: down checks the marker
        try:
            ref = self.kernel.make_namespace(s.ns, s.sysctls(), s.marker)
        except FileExistsError:
            raise ConflictError(f"namespace '{s.ns}' already exists and nslab did not make "
                                f"it; remove it (ip netns del {s.ns}) or rename the lab"
                                ) from None
        except OSError as e:
            raise KernelError(s.as_shell().splitlines()[0], e.strerror or str(e),
                              _HINTS.get(e.errno or 0, "")) from None
        self.refs[s.ns] = ref
        self.journal.write(t="ns", name=s.ns, node=s.node, ino=self.kernel.inode_of(ref))

    def _sysctl(self, s: SetSysctl) -> None:
        try:
            if s.ns is None:  # the machine's: recorded with its old value, restored at down
                assert self.machine_sysctl_hook is not None
                self.machine_sysctl_hook(s)
            else:
                self.kernel.set_sysctl(self._ref(s.ns), s.key, s.value)
        except OSError as e:
            raise KernelError(s.as_shell(), e.strerror or str(e)) from None

    def _alloc(self, ns: str, name: str) -> int:
        if ns == MACHINE_KEY:
            return self._machine_index(name)
        idx = self.next_index
        self.next_index += 1
        self.index[(ns, name)] = idx
        return idx

    def _machine_index(self, name: str) -> int:
        """A link made on the machine gets an index chosen at random among the
        free high ones and journaled before it exists: with its name, that is
        nslab's claim even when a crash or a failure comes before its alias."""
        import secrets  # (it imports hashlib: ~3 ms at every start, for labs with a machine side)

        if self.taken_indexes is None:
            self.taken_indexes = set(self.kernel.link_indexes(MACHINE).values())
        idx = secrets.randbelow(2**31 - 2**20) + 2**20
        while idx in self.taken_indexes:
            idx = secrets.randbelow(2**31 - 2**20) + 2**20
        self.taken_indexes.add(idx)
        self.index[(MACHINE_KEY, name)] = idx
        return idx

    taken_indexes: set[int] | None = None

    def _idx(self, ns: str, name: str) -> int:
        if name == "lo" and ns != MACHINE_KEY:
            return 1  # every namespace's loopback is index 1
        if (ns, name) not in self.index and ns == MACHINE_KEY:  # not ours: ask the machine
            for link, index in self.kernel.link_indexes(MACHINE).items():
                self.index.setdefault((MACHINE_KEY, link), index)
        return self.index[(ns, name)]

    def adopt(self, namespaces: list[str]) -> None:
        """A running lab's namespaces, for steps that change it (nslab link):
        opened by name, their interfaces' indexes read from the kernel."""
        for ns in namespaces:
            if ns not in self.refs:
                ref = self.kernel.open_namespace(ns)
                self.refs[ns] = ref
                for name, index in self.kernel.link_indexes(ref).items():
                    self.index[(ns, name)] = index
                    # new links get indexes above any there (and none equal to its peer's)
                    self.next_index = max(self.next_index, index + 1)

    def _ref(self, ns: str) -> Ref:
        """The namespace a step is made in: one this run made or adopted (the
        lab's own, by its recorded inode); any other is an error, not a guess."""
        ref = self.refs.get(ns)
        if ref is None:
            lab = self.journal.lab
            raise NslabError(f"namespace {ns} is not one lab '{lab}' holds now (deleted, "
                             f"replaced, or missing from its journal): nslab check {lab} "
                             f"says which; nslab down {lab} removes the lab")
        return ref

    def open_machine(self) -> None:
        """The machine's own namespace, for a lab that puts things on it."""
        if MACHINE_KEY not in self.refs:
            self.refs[MACHINE_KEY] = MACHINE
            # which machine: `down` run from another namespace leaves it alone
            self.journal.write(t="machine", ino=self.kernel.inode_of(MACHINE))

    def _requests(self, s: Step) -> list[tuple[str, nl.Request]]:
        """The netlink requests of a step: one, or for a link made on the
        machine, its creation and its alias in the same batch (so that no crash
        can leave it there without nslab's claim on it)."""
        match s:
            case AddVeth() if s.peer_ns is None:
                b = self._alloc(MACHINE_KEY, s.peer_name)
                self.journal.write(t="machinelink", name=s.peer_name, alias=s.peer_alias, index=b)
                a = self._alloc(s.ns, s.name)
                out = [(s.ns, nl.new_veth(s.name, a, s.peer_name, b, self._fd(MACHINE_KEY)))]
                return out + ([(MACHINE_KEY, nl.set_alias(s.peer_name, s.peer_alias))]
                              if s.peer_alias else [])
            case AddVxlan():  # made from the machine's namespace, into the node's
                self.refs.setdefault(MACHINE_KEY, MACHINE)
                return [(MACHINE_KEY, nl.new_vxlan(s.name, self._alloc(s.ns, s.name), s.vni,
                                                   s.local, s.remote, s.port, s.mtu,
                                                   self._fd(s.ns)))]
            case AddBridge() if s.ns is None:
                idx = self._alloc(MACHINE_KEY, s.name)
                self.journal.write(t="machinebridge", name=s.name, alias=s.alias, index=idx)
                return [(MACHINE_KEY, nl.new_bridge(s.name, idx))] + (
                    [(MACHINE_KEY, nl.set_alias(s.name, s.alias))] if s.alias else [])
        return [self._request(s)]

    def _fd(self, ns: str) -> int:
        """The fd a netlink request names a namespace by (IFLA_NET_NS_FD)."""
        return self.kernel.fd_of(self._ref(ns))

    def _request(self, s: Step) -> tuple[str, nl.Request]:
        match s:
            case AddVeth():
                assert s.peer_ns is not None
                a, b = self._alloc(s.ns, s.name), self._alloc(s.peer_ns, s.peer_name)
                return s.ns, nl.new_veth(s.name, a, s.peer_name, b, self._fd(s.peer_ns))
            case AddBridge():
                assert s.ns is not None
                return s.ns, nl.new_bridge(s.name, self._alloc(s.ns, s.name))
            case SetMaster():
                ns = s.ns or MACHINE_KEY
                return ns, nl.set_link(self._idx(ns, s.name), master=self._idx(ns, s.master))
            case SetRate():
                return s.ns, nl.tbf_qdisc(self._idx(s.ns, s.name), s.rate_bps, s.burst, s.limit,
                                          s.replace)
            case SetNetem():
                n = s.netem
                return s.ns, nl.netem_qdisc(self._idx(s.ns, s.name), n.delay_ms, n.jitter_ms,
                                            n.duplicate, n.reorder, n.corrupt, s.rate_bps,
                                            normal=n.distribution == "normal")
            case ClearRate():
                return s.ns, nl.del_root_qdisc(self._idx(s.ns, s.name))
            case SetLinkDown():
                return s.ns, nl.set_link(self._idx(s.ns, s.name), down=True)
            case DelLink():
                return s.ns, nl.del_link(self.index.get((s.ns, s.name), 0))
            case DelAddress():
                return s.ns, nl.del_address(self.index.get((s.ns, s.dev), 0), str(s.address.ip),
                                            s.address.network.prefixlen)
            case DelRoute():
                return s.ns, nl.del_route(str(s.dst.network_address), s.dst.prefixlen)
            case SetMtu():
                ns = s.ns or MACHINE_KEY
                return ns, nl.set_link(self._idx(ns, s.name), mtu=s.mtu)
            case AddAddress():
                ns = s.ns or MACHINE_KEY
                return ns, nl.new_address(self._idx(ns, s.dev), str(s.address.ip),
                                          s.address.network.prefixlen)
            case SetLinkUp():
                ns = s.ns or MACHINE_KEY
                return ns, nl.set_link(self._idx(ns, s.name), up=True)
            case AddRoute():
                ns = s.ns or MACHINE_KEY
                hops = [(str(h.via) if h.via is not None else None,
                         self._idx(ns, h.dev) if h.dev is not None else None)
                        for h in s.nexthops]
                return ns, nl.new_route(str(s.dst.network_address), s.dst.prefixlen, hops,
                                        s.replace)
        raise AssertionError(f"not a netlink step: {s}")

    def _netlink(self, steps: list[Step]) -> None:
        per_ns: dict[str, list[tuple[nl.Request, object]]] = {}
        after: list[tuple[nl.Request, object]] = []  # the machine's veth ends, once they exist
        before: list[tuple[nl.Request, object]] = []  # VXLANs, before what goes on them
        for s in steps:
            for ns, req in self._requests(s):
                if isinstance(s, AddVxlan):
                    before.append((req, s))
                elif isinstance(s, AddVeth) and ns == MACHINE_KEY:
                    after.append((req, s))
                else:
                    per_ns.setdefault(ns, []).append((req, s))
        if before:
            self._send({MACHINE_KEY: before})
        self._send(per_ns)
        if after:
            self._send({MACHINE_KEY: after})

    def _send(self, per_ns: dict[str, list[tuple[nl.Request, object]]]) -> None:
        for ns, reqs in per_ns.items():
            errors = [e for e in self.kernel.transact(self._ref(ns), reqs)
                      if not (isinstance(e.tag, DelLink | DelAddress | DelRoute)
                              and e.errno in _GONE)]  # already gone counts as removed
            if errors:
                e = errors[0]
                step = e.tag
                shell = step.as_shell() if hasattr(step, "as_shell") else "netlink request"
                reason = e.strerror or str(e)
                if e.message:  # the kernel's own sentence (extended ack)
                    reason += f": {e.message}"
                raise KernelError(shell, reason, _HINTS.get(e.errno or 0, ""))

    def _write_file(self, s: WriteFile) -> None:
        try:
            self._write_file_now(s)
        except OSError as e:
            raise NslabError(f"cannot write {s.path}: {e.strerror} (labs name their nodes "
                             "there; set dns: {hosts: false} in the file to do without)"
                             ) from None

    def _write_file_now(self, s: WriteFile) -> None:
        folder = os.path.dirname(s.path)  # /etc/netns/<namespace>: this lab's own
        shared = os.path.dirname(folder)  # /etc/netns: shared by every lab (and ip netns)
        if shared not in self.shared_dirs:
            self.shared_dirs.add(shared)
            assert self.shared_dir_hook is not None
            self.shared_dir_hook(shared)
        if not self.kernel.is_dir(folder):
            self.journal.write(t="dir", path=folder)  # ours: removed at down when empty
            self.kernel.make_dir(folder)
        base = (self.kernel.read_text(s.base) or "") if s.base else ""
        self.journal.write(t="file", path=s.path)
        try:
            self.kernel.create_file(s.path, s.mark + "\n" + base + (
                "\n" if base and not base.endswith("\n") else "") + s.text)
        except FileExistsError:
            self.journal.write(t="unfile", path=s.path)  # not ours after all: keep it
            raise ConflictError(f"{s.path} already exists and nslab did not write it; move it "
                                "away or rename the lab") from None

    def _load_nft(self, s: LoadNftRuleset) -> None:
        if isinstance(self.kernel, RealKernel) and shutil.which("nft") is None:
            raise MissingFeatureError(f"node '{s.node}' has firewall or NAT rules, and nft is "
                                      "not installed (apt install nftables)")
        if s.ns is None:  # the machine: nslab's own table, recorded before it exists
            self.journal.write(t="machinenft", table=host_table(self.journal.lab))
            err = self.kernel.load_nft(MACHINE, s.text)
        else:
            err = self.kernel.load_nft(self._ref(s.ns), s.text)
        if err is not None:
            raise KernelError(f"nft -f (the nftables rules of node '{s.node}')", err,
                              "nslab plan --shell FILE shows the rules")

    def _run_command(self, s: RunCommand) -> None:
        try:
            code, tail = self.kernel.run_command(s.ns, tuple(as_node(s.node, s.argv)))
        except OSError as e:
            raise CommandError(f"exec on node '{s.node}' could not start: {s.as_shell()}: "
                               f"{e.strerror or e}") from None
        if code != 0:
            raise CommandError(f"exec on node '{s.node}' failed with status {code}: "
                               f"{s.as_shell()}: {tail}")

    def _start_daemons(self, steps: list[StartDaemons]) -> None:
        """Every router's daemons, several routers at a time (each is a few
        daemons that wait until they are ready); all are journaled first."""
        for s in steps:
            self.journal.write(t="daemons", node=s.node, suite=s.suite, dir=s.dir)
        try:
            results = self.kernel.start_daemons([(s.ns, s.script()) for s in steps])
        except OSError as e:
            raise CommandError(f"the routing daemons could not start: {e.strerror or e}"
                               ) from None
        for s, (code, output) in zip(steps, results, strict=True):
            if code != 0:
                self._daemon_failed(s, code, output)

    def _daemon_failed(self, s: StartDaemons, code: int, output: str) -> None:
        if code != 0:  # the daemon's own words, without the log lines FRR also prints
            said = [ln.strip() for ln in output.splitlines() if ln.strip()
                    and not _LOG_LINE.match(ln) and not ln.startswith(("Note:", "% Warning"))]
            raise CommandError(f"{s.suite.upper()} on router '{s.node}' failed (status {code}): "
                               f"{' / '.join(said[-3:]) or 'no output'} (nslab plan --shell "
                               "shows how it was started)")

    # ------------------------------------------------------------ a running lab's changes
    def _change(self, s: ChangeStep) -> None:
        match s:
            case RemoveNamespace():
                self._remove_namespace(s)
            case StopService():
                pids = [int(e["pid"]) for e in self._before().services
                        if e.get("node") == s.node and e.get("name") == s.name]
                self._end_in(s.ns, [p for pid in pids[-1:]
                                    for p in self.kernel.service_processes(pid)])
            case StopDaemons():
                pids = []
                for path in s.pid_files():
                    text = (self.kernel.read_text(path) or "").strip()
                    pids += [int(text)] if text.isdigit() else []
                self._end_in(s.ns, pids)
            case ReloadDaemons():
                code, output = self.kernel.start_daemons([(s.ns, s.script())])[0]
                if code != 0:
                    said = [ln.strip() for ln in output.splitlines() if ln.strip()]
                    raise CommandError(f"{s.suite.upper()} on router '{s.node}' did not take "
                                       f"its new configuration (status {code}): "
                                       f"{' / '.join(said[-3:]) or 'no output'}")
            case RemoveFile():
                self._remove_file(s)
            case _:
                assert_never(s)

    def _remove_file(self, s: RemoveFile) -> None:
        """A file of the lab's, only while its first line is still the lab's
        mark: one someone else put in its place is left alone, and said."""
        try:
            text = self.kernel.read_text(s.path)
        except OSError:  # not a file now (a folder?): its removal says why
            text = ""
        if text is not None and not carries_mark(text, self.journal.lab):
            self.notes.append(f"left {s.path} alone: its first line is not nslab's mark "
                              "(someone else's file now)")
        elif text is not None:
            try:
                self.kernel.remove_file(s.path)
            except FileNotFoundError:
                pass
            except OSError as e:
                raise NslabError(f"cannot remove {s.path}: {e.strerror or e}") from None
        self.journal.write(t="unfile", path=s.path)

    def _before(self) -> Record:
        """The journal as it was when the first removal asked (what is removed
        was recorded before this run): read once, not once per step."""
        if self.recorded is None:
            self.recorded = self.journal.read()
        return self.recorded

    recorded: Record | None = None

    def _end_in(self, ns: str, pids: list[int]) -> None:
        """End `pids`, those of them that still run inside namespace `ns`."""
        ino = self.kernel.namespace_inode(ns)
        inside = self.kernel.processes_in({ino}) if ino is not None else {}
        mine = [p for p in pids if p in inside]
        if mine:
            self._ended(ns, mine)

    def _ended(self, ns: str, pids: list[int]) -> None:
        """End `pids` and return once they are gone; one that will not go is an error."""
        stuck = self.kernel.end_processes(pids)
        if stuck:
            raise NslabError(f"process {', '.join(map(str, stuck))} in {ns} did not end, even "
                             "after SIGKILL (stuck in the kernel?); try again later")

    def _remove_namespace(self, s: RemoveNamespace) -> None:
        """Only the namespace this lab made (its recorded inode): its processes
        ended, then it is deleted; recorded as gone once it is."""
        ref = self.refs.pop(s.ns, None)
        if ref is not None:
            self.kernel.release(ref)
        self.index = {k: v for k, v in self.index.items() if k[0] != s.ns}
        ino = self.kernel.namespace_inode(s.ns)
        if ino is not None and ino == self._before().namespaces.get(s.ns):
            for _ in range(20):
                pids = self.kernel.processes_in({ino})
                if not pids:
                    break
                self._ended(s.ns, sorted(pids))
            try:
                self.kernel.remove_namespace(s.ns)
            except OSError as e:
                raise KernelError(f"ip netns del {s.ns}", e.strerror or str(e)) from None
        self.journal.write(t="unns", name=s.ns)

    def _wire(self, s: WireStep) -> None:
        """A direction of the wire written (or removed) and the relay told; the
        relay started, journaled as a service of the wire namespace, and
        waited for until it answers."""
        match s:
            case SetWire() | ClearWire():
                try:
                    self.kernel.set_wire(s.dir, s.into, json.dumps(s.config())
                                         if isinstance(s, SetWire) else None)
                except OSError as e:
                    raise NslabError(f"cannot write the wire's {s.dir}/{s.into}.json: "
                                     f"{e.strerror or e}") from None
            case StartWire():
                try:
                    # -I -S: no site-packages, no user paths (it needs none; it starts sooner)
                    pid = self.kernel.start_service(s.ns, (sys.executable, "-I", "-S", RELAY,
                                                           s.dir), s.log)
                except OSError as e:
                    raise CommandError(f"the wire's relay could not start: {e.strerror or e}"
                                       ) from None
                self.journal.write(t="service", node=WIRE_NODE, name=RELAY_NAME, pid=pid,
                                   log=s.log)
                deadline = time.monotonic() + 10
                while self.kernel.ask_wire(s.dir, "stats") is None:
                    ended = self.kernel.exited_at_once([pid])
                    if ended is not None or time.monotonic() > deadline:
                        tail = (self.kernel.read_text(s.log) or "").strip().splitlines()[-1:]
                        raise CommandError("the wire's relay " + (
                            f"exited at once with status {ended[1]}" if ended else
                            "did not answer within 10 s") + f": {(tail or ['no output'])[0]} "
                            f"(log: {s.log})")
                    time.sleep(0.002)
            case _:
                assert_never(s)

    def _start_services(self, steps: list[StartService]) -> None:
        started = []
        for s in steps:
            try:
                pid = self.kernel.start_service(s.ns, tuple(as_node(s.node, s.argv)), s.log)
            except OSError as e:
                raise CommandError(f"service '{s.name}' on node '{s.node}' could not start: "
                                   f"{e.strerror or e}") from None
            self.journal.write(t="service", node=s.node, name=s.name, pid=pid, log=s.log)
            started.append((s, pid))
        ended = self.kernel.exited_at_once([pid for _s, pid in started])
        if ended is not None:
            pid, code = ended
            s = next(s for s, p in started if p == pid)
            tail = (self.kernel.read_text(s.log) or "").strip().splitlines()[-1:]
            raise CommandError(f"service '{s.name}' on node '{s.node}' exited at once "
                               f"with status {code}: {(tail or ['no output'])[0]} "
                               f"(log: {s.log})")
