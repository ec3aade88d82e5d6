"""A running lab changed, in a sandbox (tests/helpers/sandbox.py): every kind of change
applied to a real lab, nodes stopped and started, `check` finding what was
changed by hand and `--repair` putting it back, `apply` killed at any point,
routing daemons given a new configuration without a restart.

    python -m tests.helpers.changes SCENARIO     (inside the sandbox: tests.helpers.sandbox.run)

Each scenario prints one JSON line of what it saw; tests/test_changes.py judges.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.helpers import sandbox
from tests.helpers.change_cases import BASE, CHANGES
from tests.helpers.sandbox import ROOT, enter, nslab, ping, sh, snapshot

# what each change must have made, read with ip/nft/tc: (command, text it prints)
PROOF = {
    "node-added": ("ip -n chg-h4 -br addr show eth0", "10."),
    "node-removed": ("ip netns list", "!chg-h2"),
    "link-added": ("ip -n chg-h2 -br link", "eth1"),
    "link-removed": ("ip -n chg-h2 -br link", "!eth0"),
    "address-changed": ("ip -n chg-h3 -br addr show eth0", "10.7.0.2/24"),
    "route-added": ("ip -n chg-h2 route", "10.99.0.0/16 via 10.128.0.1"),
    "firewall-changed": ("ip netns exec chg-r1 nft list ruleset", "ip saddr 10.128.0.2"),
    "service-changed": ("ip netns exec chg-h3 ss -ltn", ":8081"),
    "rate-changed": ("tc -n chg-r1 qdisc show dev eth1", "rate 20Mbit"),
    "rate-removed": ("tc -n chg-r1 qdisc show dev eth1", "!tbf"),
    "loss-added": ("ip netns exec chg-h3 nft list ruleset", "nslab_loss"),
    "mtu-changed": ("ip -n chg-h3 link show eth0", "mtu 1400"),
    "kind-changed": ("ip netns exec chg-h1 sysctl -n net.ipv4.ip_forward", "1"),
    "ipv6-added": ("ip -n chg-h1 -6 -br addr show eth0", "fd00:1:"),
    "nat-added": ("ip netns exec chg-r1 nft list ruleset", "masquerade"),
}


def _write(text: str) -> str:
    fd, path = tempfile.mkstemp(suffix=".yaml", dir="/run")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def _json(*args: str) -> Any:
    r = nslab(*args)
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {"raw": r.stdout, "err": r.stderr, "code": r.returncode}


def _inodes() -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in Path("/run/netns").iterdir()} \
        if Path("/run/netns").is_dir() else {}


def _sleepers(nodes: list[str]) -> dict[str, subprocess.Popen[bytes]]:
    """A process started inside each node (what apply must not end)."""
    return {n: subprocess.Popen(["ip", "netns", "exec", f"chg-{n}", "sleep", "600"])
            for n in nodes}


def _proof(kind: str, wait: float = 3.0) -> bool:
    """Whether the kernel shows the change (a service may take a moment to listen)."""
    cmd, text = PROOF[kind]
    deadline = time.monotonic() + wait
    while True:
        out = sh(cmd, check=False).stdout
        ok = text[1:] not in out if text.startswith("!") else text in out
        if ok or time.monotonic() > deadline:
            return ok
        time.sleep(0.05)


def every_change() -> dict[str, Any]:
    """Each kind of change applied to a real lab, in-process (the verbs the
    CLI calls), judged by `check` and by reading the kernel with ip/nft/tc."""
    from nslab.model.compile import compile_text
    from nslab.verbs import apply as apply_verb
    from nslab.verbs import check as check_verb
    from nslab.verbs import down as down_verb
    from nslab.verbs import up as up_verb

    before = snapshot()
    out: dict[str, Any] = {}
    for kind, text in CHANGES.items():
        up_verb.up(compile_text(BASE, "base.yaml"))
        inodes = _inodes()
        alive = _sleepers(["h1", "h2", "lan", "r1", "h3"])
        time.sleep(0.1)
        res = apply_verb.apply(compile_text(text, "new.yaml"))
        remade = {*res.change.nodes_removed, *res.change.nodes_remade}
        kept = {n: inodes[f"chg-{n}"] == _inodes().get(f"chg-{n}") for n in alive
                if n not in remade}
        procs = {n: p.poll() is None for n, p in alive.items() if n not in remade}
        proof = _proof(kind)
        check = check_verb.check("chg")
        again = apply_verb.apply(compile_text(text, "new.yaml"))
        reach = ping("chg-h1", "10.128.0.1")  # h1 still reaches its router
        back = apply_verb.apply(compile_text(BASE, "base.yaml"))
        check_back = check_verb.check("chg")
        down = down_verb.down("chg")
        for p in alive.values():
            p.kill()
            p.wait()
        out[kind] = {"steps": len(res.change.steps), "proof": proof, "kept": kept,
                     "processes": procs, "check": check.ok,
                     "differences": [d.to_dict() for d in check.differences],
                     "again": len(again.change.steps), "reach": reach,
                     "back": len(back.change.steps), "check_back": check_back.ok,
                     "down": down.failed}
    sandbox.reap()
    return {"kinds": out, "left": sandbox.changed(before, snapshot()),
            "state": sorted(os.listdir("/run/nslab")) if os.path.isdir("/run/nslab") else []}


def drift() -> dict[str, Any]:
    """Changes made by hand behind nslab's back, found, then put back."""
    before = snapshot()
    base = _write(BASE)
    nslab("up", base)
    clean = _json("check", "chg", "--json")
    svc = sh("ip netns pids chg-h3").stdout.split()
    sh("ip -n chg-h1 route del default")
    sh("ip -n chg-r1 link set eth1 down")
    sh("ip -n chg-h2 addr flush dev eth0 && ip -n chg-h2 addr add 10.128.0.77/24 dev eth0")
    for pid in svc:
        os.kill(int(pid), signal.SIGKILL)
    sh("ip -n chg-h1 route add 10.55.0.0/16 dev eth0")
    time.sleep(0.2)
    sandbox.reap()
    found = nslab("check", "chg", "--json")
    repaired = _json("check", "chg", "--repair", "--json")
    second = nslab("check", "chg", "--json")
    web = sh("ip netns exec chg-h3 ss -ltn", check=False).stdout
    # a rate changed and a firewall rule deleted by hand: found by value, not presence
    sh("tc -n chg-r1 qdisc change dev eth1 root tbf rate 20mbit burst 25000 limit 150000")
    listing = sh("ip netns exec chg-r1 nft -a list chain inet nslab forward").stdout
    handle = next(line.rsplit("# handle ", 1)[1] for line in listing.splitlines()
                  if "accept" in line and "# handle" in line)
    sh(f"ip netns exec chg-r1 nft delete rule inet nslab forward handle {handle}")
    shaped = _json("check", "chg", "--json")
    shaped_fixed = _json("check", "chg", "--repair", "--json")
    rate_back = "rate 10Mbit" in sh("tc -n chg-r1 qdisc show dev eth1").stdout
    rules_back = sh("ip netns exec chg-r1 nft -a list chain inet nslab forward").stdout.count(
        "# handle") == listing.count("# handle")
    # a namespace deleted by hand: its veths go with it
    sh("ip netns del chg-h2")
    gone = _json("check", "chg", "--json")
    fixed = _json("check", "chg", "--repair", "--json")
    reach = ping("chg-h2", "10.128.0.2")  # h1, on the same switch
    text = nslab("check", "chg").stdout
    nslab("down", "chg")
    sandbox.reap()
    return {"clean": clean.get("ok"), "found": json.loads(found.stdout), "found_code":
            found.returncode, "repaired": repaired, "second_code": second.returncode,
            "web": ":8080" in web, "gone": gone, "fixed": fixed.get("ok"), "reach": reach,
            "text": text, "left": sandbox.changed(before, snapshot()),
            "shaped": shaped, "shaped_fixed": shaped_fixed.get("ok"), "rate_back": rate_back,
            "rules_back": rules_back}


def _lab_left() -> dict[str, Any]:
    """What of lab chg is on the machine: namespaces, /etc/netns files, processes
    in them (the service), its state folder."""
    return {"namespaces": [n for n in sh("ip netns list").stdout.split()
                           if n.startswith("chg-")],
            "files": sh("ls -A /etc/netns", check=False).stdout.split(),
            "service": sh("ps -eo stat=,args= | awk '$1 !~ /Z/' | grep -c '[h]ttp.server'",
                          check=False).stdout.strip(),
            "state": os.path.exists("/run/nslab/chg")}


def damaged_journal() -> dict[str, Any]:
    """A journal emptied, cut mid-line, or cut at a line: down falls back to
    nslab's marks and leaves nothing; up works again at once; a verb that
    changes the lab names the damage (exit 12), no traceback."""
    before = snapshot()
    base = _write(BASE)
    journal = Path("/run/nslab/chg/journal.jsonl")
    out: dict[str, Any] = {}
    cuts = {"emptied": lambda b: b"", "cut mid-line": lambda b: b[:len(b) // 2],
            "cut at a line": lambda b: b"".join(b.splitlines(True)[:len(b.splitlines()) // 2]),
            "front lost": lambda b: b"".join(b.splitlines(True)[3:])}
    for how, cut in cuts.items():
        up = nslab("up", base)
        journal.write_bytes(cut(journal.read_bytes()))
        node = nslab("node", "chg", "h3", "stop")
        link = nslab("link", "chg", "h1", "lan", "down")
        down = nslab("down", "chg", "--json")
        sandbox.reap()
        out[how] = {"up": up.returncode, "node": [node.returncode, node.stderr],
                    "link": [link.returncode, link.stderr], "down": down.returncode,
                    "notes": json.loads(down.stdout)["notes"] if down.stdout else down.stderr,
                    "left": _lab_left(), "again": nslab("up", base).returncode}
        nslab("down", "chg")
        sandbox.reap()
    out["changed"] = sandbox.changed(before, snapshot())
    return out


def partial_repair() -> dict[str, Any]:
    """Repair meets what it must not touch (a namespace replaced by the user's
    own, the user's link carrying a lab link's name, a link moved into another
    namespace) and repairs all the rest, naming what it left and why."""
    base = _write(BASE)
    nslab("up", base)
    # repairable: a link set down (r1's to the switch)
    sh("ip -n chg-r1 link set eth0 down")
    # not repairable: chg-h2 replaced by the user's own namespace
    sh("ip netns del chg-h2 && ip netns add chg-h2")
    # a user's link with the name of a lab link: h3's eth0 gone, a veth of the user's there
    sh("ip -n chg-h3 link del eth0")
    sh("ip -n chg-h3 link add eth0 type veth peer name mine0")
    # the lab's h1 end moved into a namespace of the user's
    sh("ip netns add users && ip -n chg-h1 link set eth0 netns users")
    found = _json("check", "chg", "--json")
    r = nslab("check", "chg", "--repair", "--json")
    repaired = json.loads(r.stdout) if r.stdout else {"err": r.stderr}
    text = nslab("check", "chg", "--repair").stdout
    out = {"found": found, "code": r.returncode, "repaired": repaired, "text": text,
           "stderr": r.stderr,
           "r1_eth0": "state UP" in sh("ip -n chg-r1 link show eth0").stdout,
           "r1_eth1": sh("ip -n chg-r1 -br link show eth1", check=False).returncode,
           "h1_default": sh("ip -n chg-h1 route show default").stdout.strip(),
           "users_h2_links": sh("ip -n chg-h2 -br link").stdout.split(),
           "h3_eth0": sh("ip -n chg-h3 -d link show eth0").stdout,
           "moved": "eth0" in sh("ip -n users -br link").stdout}
    down = nslab("down", "chg", "--json")
    out["down"] = [down.returncode, down.stderr]
    out["users_kept"] = "users" in sh("ip netns list").stdout.split() and \
        "chg-h2" in sh("ip netns list").stdout.split()
    sh("ip netns del users; ip netns del chg-h2", check=False)
    sandbox.reap()
    return out


def node_stop_start() -> dict[str, Any]:
    base = _write(BASE)
    nslab("up", base)
    ino = _inodes()["chg-h3"]
    stop = _json("node", "chg", "h3", "stop", "--json")
    carrier = sh("ip -n chg-r1 -br link show eth1").stdout
    web_stopped = ":8080" in sh("ip netns exec chg-h3 ss -ltn").stdout
    status = _json("status", "chg", "--json")
    check_stopped = _json("check", "chg", "--json")
    start = _json("node", "chg", "h3", "start", "--json")
    time.sleep(0.5)
    web_started = ":8080" in sh("ip netns exec chg-h3 ss -ltn").stdout
    reach = ping("chg-h1", "10.128.0.10") or ping("chg-r1", sh(
        "ip -n chg-h3 -4 -o addr show eth0").stdout.split()[3].split("/")[0])
    same = _inodes()["chg-h3"] == ino
    nslab("down", "chg")
    sandbox.reap()
    return {"stop": stop, "carrier": carrier, "web_stopped": web_stopped,
            "status": [n for n in status.get("nodes", []) if n["name"] == "h3"],
            "check_stopped": check_stopped.get("ok"), "start": start,
            "web_started": web_started, "reach": reach, "same": same}


def _lines() -> int:
    try:
        return Path("/run/nslab/chg/journal.jsonl").read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def killed_apply() -> dict[str, Any]:
    """SIGKILL at every point an apply journals (the number of records it has
    written); then down leaves nothing and up of the new file works, or apply
    again converges (check finds nothing). Only the apply killed is a command;
    the rest runs in-process (the verbs the CLI calls)."""
    from nslab.model.compile import compile_text
    from nslab.verbs import apply as apply_verb
    from nslab.verbs import check as check_verb
    from nslab.verbs import down as down_verb
    from nslab.verbs import up as up_verb

    before = snapshot()
    text = CHANGES["node-added"].replace("  - [r1, h4]\n", "  - [r1, h4]\n  - [h4, h2]\n")
    new = _write(text)
    up_verb.up(compile_text(BASE, "base.yaml"))
    start = _lines()
    nslab("apply", new)
    total = _lines() - start
    down_verb.down("chg")
    runs = []
    for point in range(1, total + 1):
        up_verb.up(compile_text(BASE, "base.yaml"))
        start = _lines()
        p = subprocess.Popen([*sandbox.NSLAB, "apply", new], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while p.poll() is None and _lines() - start < point:
            pass
        hit = _lines() - start == point and p.poll() is None
        p.send_signal(signal.SIGKILL)
        p.wait()
        again: Any = None
        check = None
        if point % 2:
            try:
                again = len(apply_verb.apply(compile_text(text, "new.yaml")).change.steps)
                check = check_verb.check("chg").ok
            except Exception as e:  # judged by the test
                again = str(e)
        down = down_verb.down("chg").failed
        sandbox.reap()
        left = sandbox.changed(before, snapshot())
        up_verb.up(compile_text(text, "new.yaml"))
        up_new = sorted(_inodes())
        down_verb.down("chg")
        runs.append({"point": point, "hit": hit, "again": again, "check": check,
                     "down": down, "left": left, "up_new": up_new, "netns": sorted(_inodes())})
    return {"total": total, "runs": runs, "left": sandbox.changed(before, snapshot())}


def ospf_reload() -> dict[str, Any]:
    """A router added to an OSPF ring: the new one starts its daemons, its
    neighbours take their new configuration without a restart, and the rest
    are untouched."""
    ring = (ROOT / "examples/ospf-ring.yaml").read_text()
    grown = ring.replace("  h1: {}\n", "  r7: {kind: router}\n  h1: {}\n").replace(
        "  - [h4, r4]\n", "  - [h4, r4]\n  - [r1, r7]\n  - [r7, r4]\n")
    new = _write(grown)
    nslab("up", str(ROOT / "examples/ospf-ring.yaml"))
    nslab("test", "ospfring", "--converge", "auto", "--no-matrix", "--json")
    pids = {n: sh(f"cat /run/nslab/ospfring/routing/{n}/ospfd.pid").stdout.strip()
            for n in ("r1", "r2", "r4")}
    res = _json("apply", new, "--json")
    after = {n: sh(f"cat /run/nslab/ospfring/routing/{n}/ospfd.pid").stdout.strip()
             for n in ("r1", "r2", "r4")}
    alive = {n: os.path.exists(f"/proc/{p}") for n, p in after.items() if p}
    report = _json("test", "ospfring", "--converge", "auto", "--no-matrix", "--json")
    neigh = nslab("vtysh", "ospfring", "r7", "--", "show ip ospf neighbor").stdout
    check = _json("check", "ospfring", "--json")
    # a daemon killed behind nslab's back: check names it, --repair starts them again
    ospfd = sh("cat /run/nslab/ospfring/routing/r3/ospfd.pid").stdout.strip()
    os.kill(int(ospfd), signal.SIGKILL)
    time.sleep(0.3)
    sandbox.reap()
    killed = _json("check", "ospfring", "--json")
    repaired = _json("check", "ospfring", "--repair", "--json")
    stop = _json("node", "ospfring", "r2", "stop", "--json")
    h3 = "10.20.3.10"
    deadline, reroute = time.monotonic() + 10, False
    while not reroute and time.monotonic() < deadline:  # h1 -> h3 went through r2
        reroute = ping("ospfring-h1", h3)
    r2_links = sh("ip -n ospfring-r1 -br link show eth0").stdout
    start = _json("node", "ospfring", "r2", "start", "--json")
    back = _json("test", "ospfring", "--converge", "auto", "--no-matrix", "--json")
    down = nslab("down", "ospfring").returncode
    sandbox.reap()
    from tests.helpers.routing import traces

    return {"steps": res.get("steps"), "nodes": res.get("nodes"), "before": pids,
            "after": after, "alive": alive, "report_ok": report.get("ok"),
            "convergence": report.get("convergence"), "neigh": neigh, "check": check,
            "killed": killed.get("differences"), "repaired": repaired,
            "stop": stop, "reroute": reroute, "r2_links": r2_links, "start": start,
            "back_ok": back.get("ok"), "down": down, "traces": traces()}


TIMELINE = """
name: tl
nodes:
  h1: {}
  r1: {kind: router}
  r2: {kind: router}
  h2: {}
links: [[h1, r1], [r1, r2], [r2, h2]]
timeline:
  every: 50ms
  tail: 1s
  events:
    - {name: cut, at: 500ms, link: [r1, r2], state: down, for: 1s}
    - {name: power, at: 2s, node: r2, state: stopped, for: 1s}
    - {name: lossy, at: 3.5s, link: [r1, r2], set: {loss: 100%}, for: 500ms}
test:
  expect:
    - {from: h1, to: h2}
    - {from: h1, to: h2, after: cut-end, within: 1s}
    - {from: h1, to: h2, after: cut, within: 200ms}
"""


def timeline() -> dict[str, Any]:
    """A timeline on a static chain: the outages last as long as the faults."""
    before = snapshot()
    path = _write(TIMELINE)
    nslab("up", path)
    junit = "/run/tl.xml"
    r = nslab("run", "tl", "--json", "--junit", junit)
    report = json.loads(r.stdout)
    check = _json("check", "tl", "--json")
    xml = Path(junit).read_text()
    # killed while a fault is on: what it changed stays recorded, the next run puts it back
    p = subprocess.Popen([*sandbox.NSLAB, "run", "tl"], cwd=ROOT, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15  # killed while the cut is on (not after a guessed delay)
    while time.monotonic() < deadline and "state DOWN" not in sh(
            "ip -n tl-r1 link show eth1", check=False).stdout:
        time.sleep(0.02)
    time.sleep(0.1)  # past its journal record and the change itself
    p.send_signal(signal.SIGKILL)
    p.wait()
    status = _json("status", "tl", "--json")
    killed_check = _json("check", "tl", "--json")
    fast = _json("run", "tl", "--json", "--speed", "4")
    after_check = _json("check", "tl", "--json")
    down = nslab("down", "tl").returncode
    sandbox.reap()
    return {"code": r.returncode, "report": report, "check": check.get("ok"), "junit": xml,
            "changed": status.get("changed_links"), "killed_check": killed_check.get("ok"),
            "fast_notes": fast.get("notes"), "fast_seconds": fast.get("seconds"),
            "after_check": after_check.get("ok"), "down": down,
            "left": sandbox.changed(before, snapshot())}


def failover() -> dict[str, Any]:
    """The README's example: OSPF finds the backup path, and the primary again."""
    f = str(ROOT / "examples/failover.yaml")
    nslab("up", f)
    before = _json("test", "failover", "--json", "--no-matrix")
    r = nslab("run", "failover", "--json", "--speed", "2")  # the cut lasts 5 s, not 10
    report = json.loads(r.stdout)
    after = _json("test", "failover", "--json", "--no-matrix")
    down = nslab("down", "failover").returncode
    sandbox.reap()
    from tests.helpers.routing import traces

    return {"before": before.get("ok"), "code": r.returncode, "report": report,
            "after": after.get("ok"), "down": down, "traces": traces()}


# a WAN that loses 2 % each way, probed for 10 s as 20 runs of 0.5 s (each an
# event that sets what is already there): random drops, never an outage. An
# outage is cut_after probes lost in a row; 4 here, so that the chance of a false
# one (0.04 ** 4 per probe, 200 probes) stays near 1 in 2,000 runs of this test.
# The clock starts once h1 has its answer: a lost ARP request (a second before
# the kernel asks again) is the lab starting, not an outage in a run
LOSSY = """
name: lossy
nodes: {h1: {}, h2: {}}
links:
  - {endpoints: [h1, h2], loss: 2%}
timeline:
  every: 50ms
  cut_after: 4
  tail: 500ms
  events:
""" + "".join(f"    - {{name: run{k}, at: {k * 500}ms, link: [h1, h2], set: {{loss: 2%}}}}\n"
              for k in range(20)) + """
test:
  expect:
    - {from: h1, to: h2}
"""


def lossy() -> dict[str, Any]:
    """20 runs over a lossy link: drops are counted, none is an outage."""
    nslab("up", _write(LOSSY))
    r = nslab("run", "lossy", "--json")
    nslab("link", "lossy", "h1", "h2", "down")  # now no answer comes before the clock
    cut = nslab("run", "lossy", "--json", "--speed", "100")
    down = nslab("down", "lossy").returncode
    return {"code": r.returncode, "report": json.loads(r.stdout), "down": down,
            "cut": json.loads(cut.stdout)}


if __name__ == "__main__":
    enter()
    print(json.dumps(globals()[sys.argv[1]]()))
