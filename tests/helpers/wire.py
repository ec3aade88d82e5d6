"""The wire against the real kernel, in a sandbox (tests/helpers/sandbox.py):
delayed links on a kernel without netem, pinged and measured; the delay
changed live without the relay restarting; a link end down taking the far
side's carrier; the relay killed and repaired; `up` killed at the wire's
steps and `down` after it; the relay ending by itself when its lab went.

    python -m tests.helpers.wire SCENARIO     (inside the sandbox: tests.helpers.sandbox.run)

Each scenario prints one JSON line of what it saw; tests/test_wire.py judges.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.helpers import sandbox
from tests.helpers.sandbox import ROOT, enter, nslab, sh, snapshot

DELAYS = """
name: wr
nodes: {a1: {}, b1: {}, a2: {}, b2: {}, a3: {}, b3: {}}
links:
  - {endpoints: [a1, b1], delay: 1ms}
  - {endpoints: [a2, b2], delay: 10ms}
  - {endpoints: [a3, b3], delay: 50ms}
"""

ONE = """
name: wr
nodes: {a: {}, b: {}}
links:
  - {endpoints: [a, b], delay: DELAY}
"""


def _write(text: str) -> str:
    fd, path = tempfile.mkstemp(suffix=".yaml", dir="/run")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def rtt(ns: str, to: str, count: int = 10) -> dict[str, float]:
    """min/avg/max/mdev of `count` pings (after one that resolves the neighbour)."""
    sh(f"ip netns exec {ns} ping -c1 -W3 -q {to}", check=False)
    out = sh(f"ip netns exec {ns} ping -c {count} -i 0.05 -W3 -q {to}", check=False).stdout
    m = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms", out)
    if m is None:
        return {"lost": 1.0}
    return dict(zip(("min", "avg", "max", "mdev"), map(float, m.groups()), strict=True))


def relays() -> list[int]:
    """The pids of the processes in the lab's wire namespace."""
    out = sh("ip netns pids wr~wire", check=False).stdout.split()
    return sorted(int(p) for p in out)


def carrier(ns: str) -> bool:
    return "NO-CARRIER" not in sh(f"ip -n {ns} link show eth0").stdout


def leftovers() -> dict[str, Any]:
    sandbox.reap()
    procs = [p for p in os.listdir("/proc") if p.isdigit() and int(p) > 1
             and "relay.py" in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")]
    return {"namespaces": sh("ip netns list").stdout.split(), "relays": procs,
            "state": os.path.exists("/run/nslab/wr")}


def ended(out: dict[str, Any], before: dict[str, str]) -> dict[str, Any]:
    """`out` with the lab taken down, and what is left of it."""
    out["down"] = nslab("down", "wr").returncode
    out["left"] = leftovers()
    out["changed"] = sandbox.changed(before, snapshot())
    return out


def delays() -> dict[str, Any]:
    """Three links at 1, 10 and 50 ms; TCP through the 10 ms one."""
    before = snapshot()
    up = nslab("up", _write(DELAYS))
    out: dict[str, Any] = {"up": up.returncode, "err": up.stderr}
    out["rtt"] = {d: rtt(f"wr-a{k}", f"b{k}") for k, d in ((1, 1), (2, 10), (3, 50))}
    out["relays"] = len(relays())
    out["links_a1"] = sh("ip -n wr-a1 -br link").stdout.split("\n")
    server = subprocess.Popen(["ip", "netns", "exec", "wr-b2", "iperf3", "-s", "-1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while ":5201" not in sh("ip netns exec wr-b2 ss -ltn").stdout and \
            time.monotonic() < deadline:
        time.sleep(0.02)
    r = sh("ip netns exec wr-a2 iperf3 -c b2 -t 2 -J", check=False)
    server.wait(timeout=10)
    try:
        out["mbits"] = json.loads(r.stdout)["end"]["sum_received"]["bits_per_second"] / 1e6
    except (ValueError, KeyError):
        out["mbits"] = None
        out["iperf"] = r.stdout[-500:] + r.stderr[-500:]
    out["check"] = json.loads(nslab("check", "wr", "--json").stdout).get("ok")
    return ended(out, before)


def live() -> dict[str, Any]:
    """The delay changed by link, by apply, a link end down and up, the relay
    killed and repaired, the delay cleared: the link plain again."""
    before = snapshot()
    path = _write(ONE.replace("DELAY", "10ms"))
    out: dict[str, Any] = {"up": nslab("up", path).returncode}
    pid = relays()
    out["first"] = rtt("wr-a", "b")
    out["set"] = nslab("link", "wr", "a", "b", "set", "delay=30ms").returncode
    out["after_set"] = rtt("wr-a", "b")
    out["same_relay_set"] = relays() == pid
    Path(path).write_text(ONE.replace("DELAY", "20ms"))
    out["apply"] = nslab("apply", path).returncode
    out["after_apply"] = rtt("wr-a", "b")
    out["same_relay_apply"] = relays() == pid
    nslab("link", "wr", "a:eth0", "down")
    out["b_carrier_down"] = carrier("wr-b")
    nslab("link", "wr", "a:eth0", "up")
    out["b_carrier_up"] = carrier("wr-b")
    out["after_up"] = rtt("wr-a", "b")
    out["mtu"] = nslab("link", "wr", "a", "b", "set", "mtu=9000").returncode
    out["big_ping"] = sh("ip netns exec wr-a ping -c1 -W3 -s 8000 -M do -q b",
                         check=False).returncode
    os.kill(pid[0], signal.SIGKILL)
    sandbox.reap()
    out["killed_check"] = json.loads(nslab("check", "wr", "--json").stdout)
    out["repair"] = nslab("check", "wr", "--repair").returncode
    out["after_repair"] = rtt("wr-a", "b")
    out["clear"] = nslab("link", "wr", "a", "b", "clear").returncode
    Path(path).write_text(ONE.replace("  - {endpoints: [a, b], delay: DELAY}",
                                      "  - [a, b]"))
    out["apply_plain"] = nslab("apply", path).returncode
    out["plain"] = rtt("wr-a", "b")
    out["wire_left"] = "wr~wire" in sh("ip netns list").stdout
    out["check"] = json.loads(nslab("check", "wr", "--json").stdout).get("ok")
    return ended(out, before)


def _kill_when(cond: Any, path: str) -> bool:
    """`nslab up` killed with SIGKILL once `cond()` holds; whether it did."""
    p = subprocess.Popen([*sandbox.NSLAB, "up", path], cwd=ROOT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while p.poll() is None and time.monotonic() < deadline and not cond():
        time.sleep(0.002)
    hit = p.poll() is None
    p.send_signal(signal.SIGKILL)
    p.wait()
    return hit


def killed() -> dict[str, Any]:
    """`up` killed at the wire's steps, then `down`: nothing left; the relay of
    a lab whose nodes went by hand ends by itself."""
    before = snapshot()
    links = "\n".join(f"  - {{endpoints: [a, b{k}], delay: 5ms}}" for k in range(20))
    nodes = ", ".join(f"b{k}: {{}}" for k in range(20))
    path = _write(f"name: wr\nnodes: {{a: {{kind: switch}}, {nodes}}}\nlinks:\n{links}\n")
    points = {"wire namespace": lambda: "wr~wire" in sh("ip netns list").stdout,
              "relay": lambda: bool(relays()),
              "control socket": lambda: os.path.exists("/run/nslab/wr/wire/control")}
    out: dict[str, Any] = {"points": {}}
    for name, cond in points.items():
        hit = _kill_when(cond, path)
        down = nslab("down", "wr")
        out["points"][name] = {"hit": hit, "down": down.returncode, "err": down.stderr,
                               "left": leftovers()}
    nslab("up", _write(ONE.replace("DELAY", "5ms")))
    pid = relays()
    sh("ip netns del wr-a; ip netns del wr-b")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(
            os.path.exists(f"/proc/{p}") and "Z" not in
            Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[:1] for p in pid):
        sandbox.reap()
        time.sleep(0.1)
    sandbox.reap()
    out["relay_ended"] = bool(pid) and not any(os.path.exists(f"/proc/{p}") for p in pid)
    out["relay_took"] = round(15 - (deadline - time.monotonic()), 1)
    out["down_after"] = nslab("down", "wr").returncode
    out["left"] = leftovers()
    out["changed"] = sandbox.changed(before, snapshot())
    return out


EFFECTS = """
name: wr
nodes: {a: {}, b: {}, c: {}, d: {}, e: {}, f: {}}
links:
  - {endpoints: [a, b], impair: {a: {delay: 5ms, duplicate: 50%}}}
  - {endpoints: [c, d], impair: {c: {delay: 30ms, reorder: 50%}}}
  - {endpoints: [e, f], impair: {e: {corrupt: 100%}}}
"""


def _ping_text(ns: str, to: str, count: int) -> str:
    sh(f"ip netns exec {ns} ping -c1 -W3 -q {to}", check=False)  # the neighbour first
    return sh(f"ip netns exec {ns} ping -c {count} -i 0.05 -W2 {to}", check=False).stdout


def effects() -> dict[str, Any]:
    """Duplication, reordering and corruption through the wire, one way each."""
    before = snapshot()
    out: dict[str, Any] = {"up": nslab("up", _write(EFFECTS)).returncode}
    dup = _ping_text("wr-a", "b", 40)
    m = re.search(r"\+(\d+) duplicates", dup)
    out["duplicates"] = int(m.group(1)) if m else 0
    sh("ip netns exec wr-f ping -c1 -W3 -q e", check=False)  # f learns e (its replies pass)
    times = [float(x) for x in re.findall(r"time=([\d.]+) ms", _ping_text("wr-c", "d", 40))]
    out["reorder_rtts"] = times
    corrupt = sh("ip netns exec wr-e ping -c 20 -i 0.05 -W1 -q f", check=False).stdout
    m = re.search(r"(\d+) received", corrupt)
    out["corrupt_received"] = int(m.group(1)) if m else None
    stats = sh("python3 -c \"import socket; s=socket.socket(socket.AF_UNIX); "
               "s.connect('/run/nslab/wr/wire/control'); s.sendall(b'stats\\n'); "
               "print(s.makefile().readline())\"", check=False).stdout
    out["stats"] = json.loads(stats)["directions"] if stats.strip() else {}
    return ended(out, before)


TIMELINE = """
name: wr
nodes: {a: {}, b: {}}
links: [[a, b]]
timeline:
  every: 50ms
  tail: 3s
  events:
    - {name: far, at: 300ms, link: [a, b], set: {delay: 30ms}, for: 2s}
"""


def timeline() -> dict[str, Any]:
    """A timeline that gives a plain link 30 ms for 2 s: the link goes through
    the wire and back; the slow answers are not counted as lost."""
    before = snapshot()
    nslab("up", _write(TIMELINE))
    r = nslab("run", "wr", "--json")
    out: dict[str, Any] = {"code": r.returncode, "report": json.loads(r.stdout)}
    out["wire_left"] = "wr~wire" in sh("ip netns list").stdout
    out["check"] = json.loads(nslab("check", "wr", "--json").stdout).get("ok")
    return ended(out, before)


if __name__ == "__main__":
    enter()
    print(json.dumps(globals()[sys.argv[1]]()))
