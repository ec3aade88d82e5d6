"""A sandbox that plays the machine: a new network, mount and pid namespace
(`unshare --net --mount --pid --fork --mount-proc --propagation private`),
a tmpfs on all of /run and an overlay on /etc whose writes land in that
tmpfs. Whatever a scenario starts, mounts or writes there (namespaces under
/run/netns, nslab's journal under /run/nslab, files under /etc/netns,
processes) ends with it, even when the test is killed.

    run("tests.helpers.handbook", "byhand", "ch04")   # from a test: JSON out
    enter()                                   # first thing inside
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
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


def bench(script: str, inside: Any, flag: str, default: int, what: str,
          capture: bool = False) -> tuple[int, dict[str, Any] | None]:
    """A benchmark's main: `script FLAG N` runs `script --inside FLAG N` in a
    fresh sandbox (where `inside(N)` does the work); with `capture`, the last
    line it prints is JSON and is returned for the caller to report."""
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument(flag, type=int, default=default, help=what)
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    n = getattr(a, flag.lstrip("-"))
    if a.inside:
        inside(n)
        return 0, None
    r = subprocess.run([*UNSHARE, sys.executable, script, "--inside", flag, str(n)],
                       capture_output=capture, text=True, cwd=ROOT)
    if r.returncode != 0 or not capture:
        if capture:
            print(r.stdout, r.stderr, file=sys.stderr)
        return r.returncode, None
    out: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    return 0, out | {"n": n}


def user_env() -> dict[str, str]:
    """The environment a person's nslab runs in, for a benchmark that times the
    command: bytecode cached (PYTHONDONTWRITEBYTECODE, set in some environments,
    left out), the package's compiled first, as pip leaves an installed one."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "nslab")], env=env,
                   check=True)
    return env


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


NSLAB = [sys.executable, "-m", "nslab"]


def nslab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NSLAB, *args], capture_output=True, text=True, cwd=ROOT)


def snapshot() -> dict[str, str]:
    """What must be byte for byte the same after down: the machine's ruleset,
    links (bridges' ticking timers left out), addresses, routes of every table,
    rules, forwarding and per-interface sysctls, and /etc/netns."""
    import re

    links = re.sub(r"\b\w+_timer +\S+", "", sh("ip -d link").stdout)
    return {"nft": sh("nft list ruleset").stdout, "links": links,
            "routes": sh("ip route show table all").stdout, "rules": sh("ip rule").stdout,
            "addresses": sh("ip addr").stdout,
            "forward": sh("sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding").stdout,
            "sysctls": sh(r"sysctl -a -r '^net\.ipv[46]\.(ip_forward|conf\.)' 2>/dev/null",
                          check=False).stdout,
            # what is in it: -A, for the folder's own time (to the minute) changes
            # whenever a lab's files come and go, and a minute may tick meanwhile
            "etc_netns": sh("ls -lAR /etc/netns 2>&1", check=False).stdout}


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [k for k in before if before[k] != after[k]]


def ping(ns: str | None, addr: str) -> bool:
    pre = f"ip netns exec {ns} " if ns else ""
    return sh(f"{pre}ping -c1 -W1 -q {addr}", check=False).returncode == 0


def fetch(ns: str | None, url: str) -> str:
    """The HTTP status of `url` from namespace `ns` (None: the machine), or
    the name of the error."""
    code = ("import urllib.request\ntry:\n print(urllib.request.urlopen("
            f"{url!r}, timeout=3).status)\nexcept Exception as e:\n print(type(e).__name__)")
    pre = ["ip", "netns", "exec", ns] if ns else []
    return subprocess.run([*pre, sys.executable, "-c", code], capture_output=True,
                          text=True).stdout.strip()


def web(ns: str, port: int, log: Path, bind: str | None = None) -> subprocess.Popen[bytes]:
    """A web server in namespace `ns` that logs who connects, once it listens."""
    from nslab.kernel import procs

    with open(log, "wb") as f:
        p = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-m", "http.server",
                              *(["--bind", bind] if bind else []), str(port)],
                             stdout=f, stderr=subprocess.STDOUT)
    assert procs.wait_listening(p.pid, port), "the stand-in web server did not start"
    return p


STOP_WAIT = 60.0  # seconds a stopped process has to leave: it waits on the kernel's
# rtnl lock like everyone, and a busy machine (another lab's namespaces going
# away) can hold that lock for seconds


def stop(p: subprocess.Popen[Any]) -> None:
    """SIGTERM `p` and wait until it has left; one still there after STOP_WAIT
    is killed and reported with where each of its threads waits."""
    p.terminate()
    try:
        p.wait(timeout=STOP_WAIT)
        return
    except subprocess.TimeoutExpired:
        pass
    where = {}
    for task in Path(f"/proc/{p.pid}/task").glob("*"):
        try:
            stat = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
            where[task.name] = f"{stat} {(task / 'wchan').read_text()}"
        except OSError:
            continue
    p.kill()
    p.wait()
    raise AssertionError(f"{p.args} still there {STOP_WAIT:.0f} s after SIGTERM: {where}")


ROUTING_DAEMONS = frozenset({"zebra", "staticd", "ospfd", "ospf6d", "bgpd", "mgmtd", "bird"})


def reap() -> None:
    """Collect ended children; in a sandbox this process is pid 1, so every
    orphan (a daemon nslab ended) is one, and its zombie keeps its name."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def routing_daemons() -> dict[int, str]:
    """pid -> name of every routing daemon alive (zombies are not)."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if comm in ROUTING_DAEMONS and state != "Z":
            out[int(pid)] = comm
    return out


def processes_in(inodes: set[int]) -> list[str]:
    """comm(pid) of every process (not a zombie) whose network namespace is one of `inodes`."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ino = (entry / "ns/net").stat().st_ino
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                comm = (entry / "comm").read_text().strip()
            except (OSError, IndexError):
                continue
            if ino in inodes and state != "Z":
                out.append(f"{comm}({entry.name})")
    return out
