"""A sandbox that plays the machine: a new network, mount and pid namespace
(`unshare --net --mount --pid --fork --mount-proc --propagation private`),
a tmpfs on all of /run and an overlay on /etc whose writes land in that
tmpfs. Whatever a scenario starts, mounts or writes there (namespaces under
/run/netns, nslab's journal under /run/nslab, files under /etc/netns,
processes) ends with it, even when the test is killed.

    run("tests.handbook", "byhand", "ch04")   # from a test: JSON out
    enter()                                   # first thing inside
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
UNSHARE = ["unshare", "--net", "--mount", "--pid", "--fork", "--mount-proc",
           "--propagation", "private"]


def available() -> bool:
    return os.geteuid() == 0 and subprocess.run(
        [*UNSHARE, "true"], capture_output=True).returncode == 0


def run(module: str, *args: str, timeout: float = 180) -> dict[str, Any]:
    """Run `python -m module args...` in a fresh sandbox; its last line of
    output is a JSON object, returned."""
    r = subprocess.run([*UNSHARE, sys.executable, "-m", module, *args], capture_output=True,
                       text=True, cwd=ROOT, timeout=timeout)
    assert r.returncode == 0, f"{module} {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"
    out: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    return out


def sh(cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, shell=True, capture_output=True, text=True, check=check)


def enter() -> None:
    """Private /run and /etc for this sandbox; loopback up; no IPv6
    autoconfiguration on the machine (late addresses would blur comparisons)."""
    assert os.getpid() == 1, "enter() runs inside the sandbox (python -m via run())"
    sh("mount -t tmpfs -o mode=755 nslab-sandbox /run")
    os.makedirs("/run/.etc/upper")
    os.makedirs("/run/.etc/work")
    sh("mount -t overlay nslab-etc -o lowerdir=/etc,upperdir=/run/.etc/upper,"
       "workdir=/run/.etc/work /etc")
    sh("ip link set lo up")
    sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")
