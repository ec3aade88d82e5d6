"""`nslab doctor`: can this machine run labs, and what does it lack? Every
kernel feature is tried in a scratch namespace; nothing of the host changes."""

from __future__ import annotations

import os
import shutil

from nslab.kernel import features, machine, netns, sysctl
from nslab.plan.build import KERNEL_FEATURES
from nslab.records.observed import Check, Status

CAP_SYS_ADMIN, CAP_NET_ADMIN = 21, 12
TOOLS = {
    "ip": ("iproute2", "nslab exec / ns exec, plan --shell"),
    "nft": ("nftables", "firewall rules, NAT, inspecting rulesets"),
    "tc": ("iproute2", "rate limits and impairments"),
    "ping": ("iputils-ping", "reachability from the shell"),
    "ss": ("iproute2", "socket listings by hand"),
    "iperf3": ("iperf3", "throughput expectations"),
    "dot": ("graphviz", "nslab graph as SVG/PNG"),
    "traceroute": ("traceroute", "nslab exec LAB NODE -- traceroute ADDRESS"),
    "mtr": ("mtr-tiny", "nslab exec LAB NODE -- mtr ADDRESS"),
    "vtysh": ("frr", "routers running FRR (routing: ospf, bgp), nslab vtysh"),
    "bird": ("bird2", "routers running BIRD (bird: on a router), nslab birdc"),
}
ESSENTIAL = ("veth",)


def _caps() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    return 0


def access() -> list[Check]:
    caps = _caps()
    ok = all(caps >> c & 1 for c in (CAP_SYS_ADMIN, CAP_NET_ADMIN))
    from nslab.running.rootless import private_machine

    who = "root" if os.geteuid() == 0 else f"uid {os.geteuid()}"
    if os.geteuid() == 0 and private_machine() is not None:
        who = "root in a user namespace of its own"
    out = [Check("access", "privileges", "ok" if ok else "missing",
                 f"{who}, CAP_NET_ADMIN and CAP_SYS_ADMIN " + ("held" if ok else "not held"),
                 None if ok else "run nslab as root (sudo)")]
    if ok:
        try:
            probe = f".nslab-doctor-{os.getpid()}"
            netns.add(probe)
            netns.remove(probe)
            out.append(Check("access", "/run/netns", "ok", "namespaces can be named there"))
        except OSError as e:
            out.append(Check("access", "/run/netns", "missing", f"cannot name a namespace: "
                             f"{e.strerror}", "mount a writable tmpfs on /run"))
    return out


def kernel() -> list[Check]:
    out = []
    for p in features.probe(list(KERNEL_FEATURES)):  # what a topology file can use
        what = features.WORDS[p.feature][0]
        status: Status = "ok" if p.ok else ("missing" if p.ok is False else "warn")
        fix = None if p.ok else (f"labs that use {what} cannot run here"
                                 if p.feature not in ESSENTIAL else "nslab cannot run here")
        out.append(Check("kernel", p.feature, status, p.detail if not p.ok else what, fix))
    return out


def tools() -> list[Check]:
    out = []
    for tool, (package, use) in TOOLS.items():
        path = shutil.which(tool)
        out.append(Check("tools", tool, "ok" if path else "missing",
                         f"{path}: {use}" if path else f"not installed: {use}",
                         None if path else f"apt install {package}"))
    return out


def limits() -> list[Check]:
    out = []
    for fam, table in ((4, "ARP"), (6, "NDP")):
        try:
            t3 = sysctl.neighbour_thresh(fam)[2]
        except OSError:
            continue
        room = t3 - 256
        k = 1
        while (k + 1) * k <= room:
            k += 1
        out.append(Check("limits", f"{table} table", "info",
                         f"gc_thresh3 = {t3}: labs with up to {room} neighbour entries fit "
                         f"as they are (one switch of {k} nodes); nslab raises the limit for "
                         "bigger labs and puts it back on down"))
    return out


def host() -> list[Check]:
    drops = machine.forward_drops()
    if drops:
        where = ", ".join(drops)
        out = [Check("machine", "forwarding firewall", "warn",
                     f"the host drops forwarded packets by default ({where}): lab traffic "
                     "that passes through the host (host bridges, egress) is dropped",
                     "allow the lab's subnets in that chain, e.g. iptables -I FORWARD -s "
                     "10.128.0.0/16 -j ACCEPT (and the reverse)")]
    else:
        out = [Check("machine", "forwarding firewall", "ok",
                     "no host chain drops forwarded packets by default")]
    fwd = sysctl.read("net.ipv4.ip_forward")
    out.append(Check("machine", "ip_forward", "info", f"net.ipv4.ip_forward = {fwd} (labs inside "
                     "namespaces do not need it; egress through the host does)"))
    return out


def links(found: list[Check]) -> list[Check]:
    """What each link property uses on this machine, or that it cannot be had."""
    ok = {c.name for c in found if c.group == "kernel" and c.status == "ok"}
    nft = shutil.which("nft") is not None
    netem = "netem" in ok
    rows = [
        ("rate", "tbf" in ok, "a tbf qdisc at the sending end (netlink)",
         "this kernel has no tbf (CONFIG_NET_SCH_TBF)"),
        ("loss", nft, "a random drop at the receiving end's way in (nftables netdev)",
         "nft is not installed (apt install nftables)"),
        ("mtu", True, "set on both ends (netlink)", ""),
    ]
    how = "netem at the sending end (netlink)" if netem else \
        "the wire: nslab's relay in the lab's wire namespace (this kernel has no netem)"
    rows += [(p, netem or "veth" in ok, how, "this kernel has neither netem nor veth")
             for p in ("delay", "jitter", "duplicate", "reorder", "corrupt")]
    return [Check("links", name, "ok" if works else "missing", how if works else why,
                  None if works else f"labs with a link {name} cannot run here")
            for name, works, how, why in rows]


def rootless() -> list[Check]:
    """Without root: whether labs can live in user namespaces, and what FRR
    and outside access would need there."""
    from nslab.kernel import userns

    why = userns.unavailable()
    out = [Check("rootless", "user namespaces", "missing" if why else "ok",
                 why or "an ordinary user can make them: labs run rootless",
                 "run nslab as root, or allow user namespaces (sysctl "
                 "user.max_user_namespaces, kernel.apparmor_restrict_unprivileged_userns)"
                 if why else None)]
    ids = userns.subids()
    out.append(Check("rootless", "subordinate ids", "warn" if ids else "ok",
                     ids or "mapped into each lab: FRR can run (BIRD needs nothing)",
                     "needed by FRR routers only" if ids else None))
    slirp = shutil.which("slirp4netns")
    out.append(Check("rootless", "outside access", "ok" if slirp else "warn",
                     f"{slirp}: host.egress and host.forward of rootless labs" if slirp else
                     "slirp4netns is not installed: rootless labs cannot have host.egress or "
                     "host.forward", None if slirp else "apt install slirp4netns"))
    if why is None:
        from nslab.running.rootless import private_machine

        private_machine()  # the checks below run as root in namespaces of its own
    return out


def run() -> list[Check]:
    outside = rootless() if os.geteuid() != 0 else []
    checks = access()
    if all(c.status == "ok" for c in checks):
        checks += kernel()
        checks += links(checks)
    else:
        checks.append(Check("kernel", "features", "warn", "not tried: needs root",
                            "run nslab doctor as root"))
    checks += tools() + limits()
    if os.geteuid() == 0 and not outside:
        checks += host()
    return outside + checks


def ready(checks: list[Check]) -> bool:
    """Labs can run: privileges, /run/netns and veth pairs are there."""
    need = {("access", "privileges"), ("access", "/run/netns"), ("kernel", "veth")}
    return all(c.status == "ok" for c in checks if (c.group, c.name) in need) and \
        need <= {(c.group, c.name) for c in checks}
