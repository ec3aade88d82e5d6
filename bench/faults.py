#!/usr/bin/env python3
"""Stop `nslab up` at every point it journals, with SIGKILL, SIGTERM and
SIGINT, then run `nslab down`, and count what is left behind (the suite runs
a sample of these; this runs them all). A point is the number of journal
records written when the signal is sent; a point the process outran is
counted as missed, not as passed.

Usage (root):  .venv/bin/python bench/faults.py [-n 12] [--routing ospf]
Prints, per signal: points tried, points hit, leaks (namespaces, lab state,
/etc/netns entries left after down), hangs (a command over 60 s).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NSLAB = [sys.executable, "-m", "nslab"]
sys.path.insert(0, str(REPO))

from tests.helpers.sandbox import processes_in, routing_daemons  # noqa: E402


def lab_yaml(name: str, n: int, routing: str = "auto") -> str:
    """n routers in a chain, a host with a hosts file and a service at each end."""
    nodes = "".join(f"  r{i}: {{kind: router}}\n" for i in range(n))
    links = "".join(f"  - [r{i}, r{i + 1}]\n" for i in range(n - 1))
    return (f"name: {name}\nrouting: {routing}\nnodes:\n{nodes}"
            f"  a: {{services: [{{name: s, cmd: [sleep, '60']}}]}}"
            f"\n  b: {{}}\nlinks:\n{links}  - [a, r0]\n  - [b, r{n - 1}]\n")


BEFORE: set[int] = set()  # the machine's own daemons, if any: not ours


def lab_inodes(name: str) -> set[int]:
    """The namespaces of lab `name` now (their processes must be gone after down)."""
    d = Path("/run/netns")
    return {p.stat().st_ino for p in d.glob(f"{name}-*")} if d.is_dir() else set()


def leftovers(name: str, inodes: set[int] | None = None) -> list[str]:
    ns = [line.split()[0] for line in subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True).stdout.splitlines()
        if line.startswith(f"{name}-")]
    left = [f"namespace {n}" for n in ns]
    if Path(f"/run/nslab/{name}").exists():
        left.append(f"/run/nslab/{name}")
    if Path("/etc/netns").is_dir():
        left += [f"/etc/netns/{e}" for e in os.listdir("/etc/netns") if e.startswith(f"{name}-")]
    left += [f"daemon {pid}" for pid in set(routing_daemons()) - BEFORE]
    # any process of the lab's namespaces alive right after down returned
    left += [f"process {p}" for p in processes_in(inodes or set())]
    return left


def one(path: Path, name: str, point: int, sig: signal.Signals) -> tuple[bool, list[str], bool]:
    """(hit the point, what is left after down, a hang)."""
    journal = Path(f"/run/nslab/{name}/journal.jsonl")
    proc = subprocess.Popen([*NSLAB, "up", str(path)], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    hit = False
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            count = journal.read_bytes().count(b"\n")
        except FileNotFoundError:
            count = 0
        if count >= point:
            hit = count == point
            break
    proc.send_signal(sig)
    hang = False
    inodes: set[int] = set()
    try:
        proc.wait(timeout=60)
        inodes = lab_inodes(name)
        subprocess.run([*NSLAB, "down", name], cwd=REPO, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        hang = True
        proc.kill()
        proc.wait()
        inodes = lab_inodes(name)
        subprocess.run([*NSLAB, "down", name], cwd=REPO, capture_output=True, timeout=60)
    return hit, leftovers(name, inodes), hang


def main() -> int:
    if os.geteuid() != 0:
        print("bench/faults.py needs root", file=sys.stderr)
        return 1
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=12, help="routers in the chain")
    ap.add_argument("--routing", default="auto", choices=["auto", "ospf"],
                    help="ospf: the routers run FRR, and leftover daemons count as leaks")
    args = ap.parse_args()
    BEFORE.update(routing_daemons())
    with tempfile.TemporaryDirectory() as tmp:
        name = f"f{uuid.uuid4().hex[:6]}"
        path = Path(tmp) / "lab.yaml"
        path.write_text(lab_yaml(name, args.n, args.routing))
        subprocess.run([*NSLAB, "up", str(path)], cwd=REPO, capture_output=True, check=True)
        total = Path(f"/run/nslab/{name}/journal.jsonl").read_bytes().count(b"\n")
        subprocess.run([*NSLAB, "down", name], cwd=REPO, capture_output=True, check=True)
        print(f"lab: {args.n + 2} nodes, {total} journal records in a whole up")
        print(f"{'signal':8} {'points':>6} {'hit':>5} {'leaks':>5} {'hangs':>5}")
        bad = 0
        for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
            hits = leaks = hangs = 0
            for point in range(1, total + 1):
                hit, left, hang = one(path, name, point, sig)
                hits += hit
                leaks += bool(left)
                hangs += hang
                if left:
                    print(f"  {sig.name} at {point}: left {left}", file=sys.stderr)
            print(f"{sig.name:8} {total:6} {hits:5} {leaks:5} {hangs:5}")
            bad += leaks + hangs
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
