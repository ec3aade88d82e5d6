#!/usr/bin/env python3
"""How long the `nslab` command takes to start and answer, for the verbs a
person types most and for a shell's TAB (`nslab __complete`), against a
baseline measured in the same run: `python3 -c "import yaml"` (a Python tool
that reads YAML at all). Each the median of --runs fresh processes, run as a
user's Python runs them: with bytecode caching (PYTHONDONTWRITEBYTECODE,
which some environments set, is left out, and one run first writes the
caches; the baseline's yaml was compiled when pip installed it). Each case is
also printed without the cache (--no-cache), the cost of a first run.

Targets: a TAB under 150 ms; validate, status, list and --help within 3x the
baseline (issue 27).

Usage:  .venv/bin/python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
DEMO = str(REPO / "examples" / "demo.yaml")

CASES = {
    "import yaml (baseline)": [PY, "-c", "import yaml"],
    "nslab --help": [PY, "-m", "nslab", "--help"],
    "nslab --version": [PY, "-m", "nslab", "--version"],
    "nslab validate demo": [PY, "-m", "nslab", "validate", DEMO],
    "nslab list": [PY, "-m", "nslab", "list"],
    "nslab status (no lab)": [PY, "-m", "nslab", "status"],
    "TAB: nslab exec LAB <TAB>": [PY, "-m", "nslab", "__complete", "bash", "--line",
                                  "nslab exec demo "],
    "TAB: nslab <TAB>": [PY, "-m", "nslab", "__complete", "bash", "--line", "nslab "],
}


def median_ms(argv: list[str], runs: int, cache: bool) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if not cache:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        argv = [argv[0], "-B", *argv[1:]]
    else:
        subprocess.run(argv, capture_output=True, cwd=REPO, env=env)  # writes the caches
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, capture_output=True, cwd=REPO, env=env)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    a = ap.parse_args()
    base = median_ms(CASES["import yaml (baseline)"], a.runs, True)
    print(f"{'case':32} {'ms':>8} {'x baseline':>11} {'no cache ms':>12}")
    for name, argv in CASES.items():
        ms = base if name.startswith("import yaml") else median_ms(argv, a.runs, True)
        cold = median_ms(argv, max(3, a.runs // 3), False)
        print(f"{name:32} {ms:8.1f} {ms / base:11.2f} {cold:12.1f}")


if __name__ == "__main__":
    main()
