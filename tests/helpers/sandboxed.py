"""Scenarios that play the machine inside a sandbox (tests.helpers.sandbox), each
printing one JSON object of what it saw; run by tests/test_machine_side.py.

    python -m tests.helpers.sandboxed SCENARIO     (inside the sandbox)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.helpers.handbook import internet
from tests.helpers.sandbox import (
    NSLAB,
    enter,
    fetch,
    nslab,
    ping,
    processes_in,
    reap,
    sh,
    snapshot,
    web,
)

FORWARDING = """
name: fwd
routing: static
dns: {hosts: false}
nodes:
  a:
    routes: [{to: 10.9.2.0/24, via: 10.9.1.2}]
  mid: {}                       # a host with two links: it must not forward
  r: {kind: router}
  b:
    routes: [{to: 10.9.1.0/24, via: 10.9.2.1}]
links:
  - endpoints: [a, mid]
    addresses: [10.9.1.1/24, 10.9.1.2/24]
  - endpoints: [mid, b]
    addresses: [10.9.2.1/24, 10.9.2.2/24]
  - [r, b]
"""


def sysctls(ns: str) -> dict[str, str]:
    keys = ("net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding")
    return {k: sh(f"ip netns exec {ns} sysctl -n {k}").stdout.strip() for k in keys}


def scenario_forwarding() -> dict[str, Any]:
    """On a machine that forwards (any Docker host), hosts must not."""
    sh("sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1")
    Path("/run/fwd.yaml").write_text(FORWARDING)
    r = nslab("up", "/run/fwd.yaml")
    out: dict[str, Any] = {"up": [r.returncode, r.stderr]}
    out["host"] = sysctls("fwd-mid")
    out["router"] = sysctls("fwd-r")
    out["next_hop"] = ping("fwd-a", "10.9.1.2")  # mid itself answers
    out["through_a_host"] = ping("fwd-a", "10.9.2.2")  # only if mid forwards
    out["down"] = nslab("down", "fwd").returncode
    return out


def scenario_few_files() -> dict[str, Any]:
    """A lab with more namespaces than half the open-file limit: each holds a
    file and, while the limit leaves room, a netlink socket (10,000 nodes
    need more than a usual hard limit of 20,000). Run without the right to
    raise the limit (CAP_SYS_RESOURCE), the way this machine's root is."""
    n = 70  # more than the uses of one private procfs (nslab.kernel.sysctl)
    nodes = "".join(f"  r{i}: {{kind: router}}\n" for i in range(n))
    links = "".join(f"  - [r{i}, r{i + 1}]\n" for i in range(n - 1))
    Path("/run/few.yaml").write_text(f"name: few\ndns: {{hosts: false}}\n"
                                     f"addressing: {{pool: 10.77.0.0/16}}\n"
                                     f"nodes:\n{nodes}links:\n{links}")
    limited = ["prlimit", "--nofile=150:150", "--", "setpriv", "--bounding-set",
               "-sys_resource", "--inh-caps", "-sys_resource"]
    up = subprocess.run([*limited, *NSLAB, "up", "/run/few.yaml"], capture_output=True,
                        text=True)
    out: dict[str, Any] = {"up": [up.returncode, up.stderr[-500:]]}
    last = sh(f"ip netns exec few-r{n - 1} ip -4 -o addr show dev eth0").stdout.split()[3]
    out["end_to_end"] = ping("few-r10", last.split("/")[0])  # 59 hops: a TTL of 64
    out["forwarding"] = sorted({sh(f"ip netns exec few-r{i} sysctl -n net.ipv4.ip_forward "
                                   "net.ipv6.conf.all.disable_ipv6").stdout
                                for i in range(n)})
    apply = subprocess.run([*limited, *NSLAB, "check", "few"], capture_output=True, text=True)
    out["check"] = [apply.returncode, apply.stdout[-300:] + apply.stderr[-300:]]
    out["down"] = subprocess.run([*limited, *NSLAB, "down", "few"], capture_output=True,
                                 text=True).returncode
    out["left"] = sh("ip netns list").stdout.split()
    return out


DUAL = """
name: six
addressing: {ipv6_pool: "fd00:6::/48"}
dns: {hosts: false}
nodes:
  h1: {}
  h2: {}
host:
  bridge: {nodes: [h1, h2]}
  egress: auto
"""


def internet6() -> subprocess.Popen[bytes]:
    """A dual-stack stand-in internet behind up0, with a web server on both."""
    sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0")
    sh("ip netns add inet")
    sh("ip link add up0 type veth peer name eth0 netns inet")
    sh("ip addr add 203.0.113.1/24 dev up0 && ip addr add 2001:db8:ff::1/64 dev up0 nodad")
    sh("ip link set up0 up && ip route add default via 203.0.113.10")
    sh("ip -n inet addr add 203.0.113.10/24 dev eth0 && "
       "ip -n inet addr add 2001:db8:ff::10/64 dev eth0 nodad && "
       "ip -n inet link set eth0 up && ip -n inet link set lo up")
    sh("ip -6 route add default via 2001:db8:ff::10")
    server = web("inet", 80, Path("/run/web.log"), "::")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "tentative" in sh("ip addr").stdout:
        time.sleep(0.05)  # link-local addresses settle before the machine's snapshot
    return server


def scenario_dual_stack() -> dict[str, Any]:
    """IPv6 on the machine's bridge: a gateway from ipv6_pool, default routes
    in the nodes, and egress through NAT66."""
    web = internet6()
    try:
        before = snapshot()
        Path("/run/six.yaml").write_text(DUAL)
        r = nslab("up", "/run/six.yaml")
        out: dict[str, Any] = {"up": [r.returncode, r.stderr]}
        st = json.loads(nslab("status", "six", "--json").stdout)
        gw6 = next(a for a in st["machine"]["bridge"]["addresses"] if ":" in a).split("/")[0]
        h2 = next(a for n in st["nodes"] if n["name"] == "h2"
                  for i in n["interfaces"] for a in i["addresses"] if ":" in a).split("/")[0]
        out["gateway6"] = gw6
        out["uplink"] = st["machine"]["uplink"]
        out["status_text"] = nslab("status", "six").stdout
        out["routes6"] = sh("ip -n six-h1 -6 route show default").stdout.strip()
        out["to_gateway6"] = ping("six-h1", gw6)
        out["to_h2_6"] = ping("six-h1", h2)
        out["machine_to_h2_6"] = ping(None, h2)
        out["out6"] = fetch("six-h1", "http://[2001:db8:ff::10]/")
        out["out4"] = fetch("six-h1", "http://203.0.113.10/")
        out["seen"] = [ln.split()[0] for ln in Path("/run/web.log").read_text().splitlines()
                       if "GET / " in ln]
        out["nft"] = sh("nft list table inet nslab_six").stdout
        out["down"] = nslab("down", "six").returncode
        after = snapshot()
        out["changed"] = [k for k in before if before[k] != after[k]]
    finally:
        web.kill()
    return out


LOST = """
name: lost
nodes:
  r1:
    kind: router
    namespace: lost-router
    services: [{name: sleeper, cmd: "sleep 300"}]
  h1: {}
links: [[r1, h1]]
host:
  bridge: {name: brlost, nodes: [r1]}
  egress: auto
"""


def scenario_gc() -> dict[str, Any]:
    """A lab whose journal is lost: down no longer knows it, gc finds and
    removes everything it left, restores ip_forward from the machine's record,
    and leaves the user's own look-alikes alone."""
    web = internet()
    try:
        sh("ip netns add mine && ip link add keepme type veth peer name keepme2")
        sh("ip link set keepme alias 'not nslab'")
        sh("nft add table inet nslab_user")  # named like nslab's, but without its mark
        sh("mkdir -p /etc/netns/mine && echo '# mine' > /etc/netns/mine/hosts")
        before = snapshot()
        Path("/run/lost.yaml").write_text(LOST)
        Path("/run/lost2.yaml").write_text("name: lost2\nnodes: {a: {}, b: {}}\n"
                                           "links: [[a, b]]\n")
        out: dict[str, Any] = {"up": nslab("up", "/run/lost.yaml").returncode
                               + nslab("up", "/run/lost2.yaml").returncode}
        out["sleepers"] = sh("pgrep -x sleep", check=False).stdout.split()
        sh("rm -rf /run/nslab/lost /run/nslab/lost2")
        down2 = nslab("down", "lost2", "--json")  # down alone finds a lab by its marks
        out["down2"] = json.loads(down2.stdout)
        out["left2"] = [n for n in sh("ip netns list").stdout.split() if n.startswith("lost2")]
        out["found"] = json.loads(nslab("gc", "--json").stdout)["found"]
        r = nslab("gc", "--yes")
        out["gc"] = [r.returncode, r.stdout, r.stderr]
        out["again"] = nslab("gc").stdout.strip()
        out["changed"] = [k for k, v in snapshot().items() if before[k] != v]
        # the sandbox's pid 1 (this scenario) inherits the service and does not
        # reap it: a zombie is an ended process
        out["sleepers_after"] = sh("ps -eo pid=,stat=,comm= | awk '$3 == \"sleep\" && "
                                   "$2 !~ /Z/ {print $1}'").stdout.split()
        out["mine"] = sh("cat /etc/netns/mine/hosts").stdout.strip()
    finally:
        web.kill()
    return out


def scenario_down_fails() -> dict[str, Any]:
    """What down cannot remove it names, exits 1, and keeps recorded; the
    next down tries again and finishes."""
    Path("/run/two.yaml").write_text("name: two\nnodes: {a: {}, b: {}}\nlinks: [[a, b]]\n")
    out: dict[str, Any] = {"up": nslab("up", "/run/two.yaml").returncode}
    hosts = Path("/etc/netns/two-a/hosts")
    hosts.unlink()
    hosts.mkdir()  # what nslab wrote is now a folder: unlink fails
    r = nslab("down", "two")
    out["first"] = [r.returncode, r.stdout, r.stderr]
    out["json"] = json.loads(nslab("down", "two", "--json").stdout)
    out["still_listed"] = "two" in nslab("list").stdout
    hosts.rmdir()
    r = nslab("down", "two")
    out["second"] = [r.returncode, r.stdout, r.stderr]
    out["listed_after"] = "two" in nslab("list").stdout
    out["etc_netns"] = sh("ls -A /etc/netns 2>/dev/null", check=False).stdout.split()
    return out


STUBBORN = """
name: stubborn
routing: ospf
addressing: {pool: 10.31.0.0/16}
nodes:
  r1: {kind: router}
  r2: {kind: router, bird: {}}
  r3: {kind: router}
  h1:
    services:
      - {name: deaf, cmd: "trap '' TERM; while :; do sleep 0.1; done"}
links: [[r1, r2], [r2, r3], [h1, r1]]
"""


def _lab_processes() -> list[str]:
    """Every process (not a zombie) inside one of the lab's namespaces."""
    inodes = {p.stat().st_ino for p in Path("/run/netns").glob("stubborn-*")} \
        if Path("/run/netns").is_dir() else set()
    return processes_in(inodes)


def scenario_down_waits() -> dict[str, Any]:
    """down returns only when every process it ended is gone: FRR and BIRD
    daemons, a service that ignores SIGTERM; up again at once gives daemons
    that all answer."""
    Path("/run/stubborn.yaml").write_text(STUBBORN)
    out: dict[str, Any] = {"up": nslab("up", "/run/stubborn.yaml").returncode}
    inodes = {p.stat().st_ino for p in Path("/run/netns").glob("stubborn-*")}
    out["before"] = _lab_processes()
    r = nslab("down", "stubborn", "--json")
    out["down"] = json.loads(r.stdout) if r.stdout else {"err": r.stderr}
    out["after"] = processes_in(inodes)  # at once: by the namespaces it had
    out["up_again"] = nslab("up", "/run/stubborn.yaml").returncode
    out["answers"] = {n: nslab(client, "stubborn", n, "--", *cmd).returncode
                      for n, client, cmd in (("r1", "vtysh", ["show version"]),
                                             ("r3", "vtysh", ["show version"]),
                                             ("r2", "birdc", ["show status"]))}
    out["down_again"] = nslab("down", "stubborn").returncode
    reap()
    return out


if __name__ == "__main__":
    enter()
    print(json.dumps(globals()[f"scenario_{sys.argv[1]}"]()))
