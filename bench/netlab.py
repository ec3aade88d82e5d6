#!/usr/bin/env python3
"""netlab's own integration tests (tests/integration in its repository), run
unmodified by nslab with the real FRR, one sandbox per topology: `nslab up
FILE`, `nslab test LAB` (netlab's `validate:` by netlab's plugins, after
routing converged), `nslab down LAB`. Per topology: pass, fail or refused
(with the reason nslab gave) and the time; then the pass rate of the tests
nslab runs (those not refused: VRF, VLAN, MPLS, LAG, EVPN, STP, routing
policies, ...).

Usage (root):  .venv/bin/python bench/netlab.py NETLAB_CHECKOUT [SUITE ...] [--json]
  SUITE: folders under tests/integration (default: initial ospf/ospfv2 bgp
  bgp.session bgp.policy routing)

netlab's documentation gives minutes per lab on containerlab (each device a
container, its configuration pushed by Ansible); nslab's time here includes
netlab resolving the file twice (up and test: ~3 s each).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.sandbox import UNSHARE, enter, nslab  # noqa: E402

SUITES = ["initial", "ospf/ospfv2", "bgp", "bgp.session", "bgp.policy", "routing"]


def one(path: str) -> dict[str, Any]:
    """Inside a fresh sandbox: up, test, down one topology."""
    enter()
    t0 = time.monotonic()
    up = nslab("up", path)
    out: dict[str, Any] = {"file": path}
    if up.returncode != 0:
        lines = (up.stderr.strip() or up.stdout.strip()).splitlines()
        out.update(result="refused" if up.returncode == 5 else "error",
                   reason=lines[-1][:300] if lines else f"exit {up.returncode}",
                   seconds=round(time.monotonic() - t0, 1))
        return out
    lab = up.stdout.split()[1]
    out["up_s"] = round(time.monotonic() - t0, 1)
    test = nslab("test", lab, "--no-matrix", "--json")
    try:
        report = json.loads(test.stdout)
    except ValueError:
        report = {"ok": False, "expectations": [], "error": test.stderr[-300:]}
    nslab("down", lab)
    netlab = [e for e in report.get("expectations", []) if e.get("kind") == "netlab"]
    out.update(result=("pass" if report.get("ok") else "fail") if netlab else "no-tests",
               tests=len(netlab), failed=[f"{e['text']}: {e['detail']}"[:200]
                                          for e in netlab if e["status"] == "fail"],
               seconds=round(time.monotonic() - t0, 1))
    if not netlab:
        out["note"] = report.get("error") or "no validate tests ran"
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkout", nargs="?", help="a checkout of netlab's repository")
    ap.add_argument("suites", nargs="*", default=SUITES)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one)))
        return 0
    if os.geteuid() != 0 or a.checkout is None:
        print("usage (root): bench/netlab.py NETLAB_CHECKOUT [SUITE ...]", file=sys.stderr)
        return 2
    root = Path(a.checkout) / "tests" / "integration"
    rows = []
    for suite in a.suites:
        for f in sorted((root / suite).glob("*.yml")):
            text = f.read_text()
            if "\nnodes:" not in text and not text.startswith("nodes:"):
                continue  # a file the tests include (defaults, a domain), not a topology
            r = subprocess.run([*UNSHARE, sys.executable, __file__, "--one", str(f)],
                               capture_output=True, text=True, cwd=REPO, timeout=900)
            try:
                row = json.loads(r.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                row = {"file": str(f), "result": "error", "reason": r.stderr[-300:]}
            row["test"] = f"{suite}/{f.name}"
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    if a.json:
        print(json.dumps(rows, indent=1))
        return 0
    for r in rows:
        why = r.get("reason") or "; ".join(r.get("failed") or []) or r.get("note", "")
        print(f"{r['test']:48} {r['result']:8} {r.get('seconds', 0):6.1f} s  {why[:110]}")
    ran = [r for r in rows if r["result"] in ("pass", "fail")]
    passed = sum(r["result"] == "pass" for r in ran)
    refused = [r for r in rows if r["result"] == "refused"]
    none = sum(r["result"] == "no-tests" for r in rows)
    print(f"{len(rows)} topologies: {passed} pass, {len(ran) - passed} fail, {len(refused)} "
          f"refused, {none} without validate tests, "
          f"{len(rows) - len(ran) - len(refused) - none} errors (netlab could not resolve them "
          f"for FRR); pass rate of those run: {100 * passed / max(1, len(ran)):.0f}%")
    kernel = [r for r in refused if any(f"module {m}:" in r.get("reason", "")
                                        for m in ("vrf", "vlan", "mpls", "lag", "evpn", "stp"))]
    judged = len(rows) - len(kernel) - none - (len(rows) - len(ran) - len(refused) - none)
    print(f"of the {judged} that need no VRF, VLAN, MPLS, LAG, EVPN or STP and that netlab "
          f"resolves: {passed} pass ({100 * passed / max(1, judged):.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
