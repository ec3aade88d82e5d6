#!/usr/bin/env python3
"""`nslab web` on a big lab, measured in a sandbox that plays the machine
(tests/helpers/sandbox.py), with headless Chromium (tests/helpers/browser.py):

  paint    from opening the page to every node drawn (target: under 3 s for
           1,000 nodes), the first time and again; the server lays a lab out
           with Graphviz when it first sees it, and keeps the layout. The
           state of every link end (the lab's status: every namespace read)
           comes after the drawing; when it is shown is printed too
  events   rate events received in 10 s by a page's stream, and the link
           ends each carried (target: one sample per link end per second)
  cpu      the server's CPU time over those 10 s (target: under one core)

With --busy, another process keeps one core busy throughout (the target for
the first paint holds then too: a CI machine is shared).

Usage (root):  .venv/bin/python bench/web.py [-n 1000] [--busy]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.browser import Browser  # noqa: E402
from tests.helpers.sandbox import NSLAB, bench, enter, nslab  # noqa: E402


def chain(n: int) -> str:
    nodes = "".join(f"  r{i}: {{kind: router}}\n" for i in range(n))
    links = "".join(f"  - [r{i}, r{i + 1}]\n" for i in range(n - 1))
    return f"name: big\nrouting: static\nnodes:\n{nodes}links:\n{links}"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in ticks of 10 ms


def listen(url: str, seconds: float, out: dict[str, list[int]]) -> None:
    """Count the rates events (and the ends in each) on the stream for `seconds`."""
    deadline = time.monotonic() + seconds
    with urllib.request.urlopen(url, timeout=seconds + 5) as r:
        event = ""
        for raw in r:
            line = raw.decode().strip()
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "rates":
                out["rates"].append(len(json.loads(line[6:])["ends"]))
            if time.monotonic() > deadline:
                return


BUSY = "--busy" in sys.argv or os.environ.get("NSLAB_BENCH_BUSY") == "1"


def inside(n: int) -> None:
    enter()
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if BUSY else None
    try:
        measure(n)
    finally:
        if burner is not None:
            burner.kill()
            burner.wait()


def measure(n: int) -> None:
    Path("/run/big.yaml").write_text(chain(n))
    assert nslab("up", "/run/big.yaml").returncode == 0
    server = subprocess.Popen([*NSLAB, "web", "--port", "8095"], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    server.stdout.readline()
    time.sleep(2)  # as a person would: the server has seen the lab and laid it out
    out: dict[str, float] = {}
    try:
        with Browser() as b:
            for key in ("paint_first", "paint_again"):
                t0 = time.monotonic()
                b.open("http://127.0.0.1:8095/")
                b.wait(f"window.nslab && nslab.cy.nodes().length === {n} && "
                       "nslab.cy.edges().length > 0", 60)
                out[key] = time.monotonic() - t0
                b.wait(f"nslab.cy.edges('.up').length === {n - 1}", 60)
                out[key + "_states"] = time.monotonic() - t0
            counts: dict[str, list[int]] = {"rates": []}
            c0, t0 = cpu_seconds(server.pid), time.monotonic()
            t = threading.Thread(target=listen, args=("http://127.0.0.1:8095/api/events", 10.0,
                                                      counts))
            t.start()
            t.join()
            out["cpu"] = (cpu_seconds(server.pid) - c0) / (time.monotonic() - t0)
            out["rate_events"] = len(counts["rates"])
            out["ends_per_event"] = min(counts["rates"]) if counts["rates"] else 0
            out["ends"] = 2 * (n - 1)
    finally:
        server.terminate()
        server.wait()
        nslab("down", "big")
    print(json.dumps(out))


def main() -> int:
    busy = BUSY
    if "--busy" in sys.argv:  # passed on to the run inside the sandbox
        sys.argv.remove("--busy")
        os.environ["NSLAB_BENCH_BUSY"] = "1"
    code, m = bench(__file__, inside, "-n", 1000, "routers in the chain", capture=True)
    if m is None:
        return code
    print(f"nslab web on a chain of {m['n']} routers ({m['ends']} link ends)"
          + (", another process using a core throughout" if busy else ""))
    print(f"  first paint                        {m['paint_first']:6.2f} s   (target < 3 s)")
    print(f"  every link's state shown           {m['paint_first_states']:6.2f} s")
    print(f"  the page again                     {m['paint_again']:6.2f} s")
    print(f"  rate events in 10 s                {m['rate_events']:6d}     (one a second)")
    print(f"  link ends in each, at least        {m['ends_per_event']:6d}     of {m['ends']}")
    print(f"  server CPU while streaming         {m['cpu']:6.2f} cores (target < 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
