"""Labs without root, as an ordinary user made for the run, in a sandbox
(see tests/helpers/sandbox.py: its /etc is an overlay in its tmpfs, so the
user, its subordinate ids and its home go with it):

    python -m tests.helpers.rootless user       (inside the sandbox: sandbox.run)

It prints one JSON line of what it saw; tests/test_rootless.py judges.
"""

from __future__ import annotations

import json
import os
import pwd
import site
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.helpers.sandbox import ROOT, enter, sh

USER = "nslabtest"

# ten routers in a chain (FRR and BIRD by turns), a host on each: 20 nodes
ROUTED = "name: chain20\nrouting: ospf\naddressing: {pool: 10.70.0.0/16}\nnodes:\n" + "".join(
    f"  r{i}: {{kind: router{', bird: {}' if i % 2 else ''}}}\n  h{i}: {{}}\n"
    for i in range(10)) + "links:\n" + "".join(f"  - [r{i}, r{i + 1}]\n" for i in range(9)) + \
    "".join(f"  - [h{i}, r{i}]\n" for i in range(10)) + \
    "test:\n  converge: auto\n  expect:\n    - {from: h0, to: h9}\n    - {from: h9, to: h0}\n"

SMALL = """
name: small
routing: ospf
nodes:
  a: {}
  r1: {kind: router, bird: {}}
  r2: {kind: router}
  b: {}
links: [[a, r1], [r1, r2], [r2, b]]
"""

FIXTURE_TEST = '''
LAB = """
name: fx
routing: ospf
nodes:
  a: {}
  r1: {kind: router}
  r2: {kind: router, bird: {}}
  b: {}
links: [[a, r1], [r1, r2], [r2, b]]
"""


def test_a_lab_without_root(nslab_lab):
    lab = nslab_lab(LAB)
    assert lab.converge(within=30).complete
    r = lab.node("a").run(["ping", "-c1", "-W2", lab.node("b").address])
    assert r.ok, r.stderr
    assert "Full" in lab.vtysh("r1", "show ip ospf neighbor")
'''


def _user(name: str = USER, subids: bool = True) -> tuple[int, int, Path]:
    """The user (made here, in the sandbox's /etc), its uid, gid and home;
    without `subids`, no subordinate ids."""
    home = Path(f"/run/home/{name}")
    sh(f"useradd --no-create-home --home-dir {home} --shell /bin/sh {name}")
    for f, flag in (("/etc/subuid", "--add-subuids"), ("/etc/subgid", "--add-subgids")):
        if not subids:
            sh(f"sed -i '/^{name}:/d' {f}")
        elif sh(f"grep -q '^{name}:' {f}", check=False).returncode != 0:
            sh(f"usermod {flag} 300000-365535 {name}")  # where useradd gives none
    pw = pwd.getpwnam(name)
    for d in (home, Path(f"/run/user/{pw.pw_uid}")):
        d.mkdir(parents=True, mode=0o700)
        os.chown(d, pw.pw_uid, pw.pw_gid)
    return pw.pw_uid, pw.pw_gid, home


def as_user(uid: int, gid: int, home: Path, *argv: str, cwd: Path | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`argv` run as the user, with the system's python3 reading this checkout
    and the virtualenv's packages."""
    path = os.pathsep.join([str(ROOT), *site.getsitepackages()])
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": str(home), "XDG_RUNTIME_DIR": f"/run/user/{uid}", "PYTHONPATH": path,
           "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"}
    return subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--init-groups",
                           "env", "-i", *[f"{k}={v}" for k, v in env.items()], *argv],
                          capture_output=True, text=True, cwd=cwd or home, timeout=timeout)


def _theirs(uid: int) -> list[str]:
    """The user's processes (the sandbox has its own PID namespace)."""
    r = sh(f"ps -u {uid} -o pid=,stat=,args=", check=False)
    return [ln.strip() for ln in r.stdout.splitlines() if ln.strip()]


def _gone(uid: int, within: float = 10) -> list[str]:
    """The user's processes that are not zombies, once there are none (or
    what is left when time runs out)."""
    deadline = time.monotonic() + within
    while True:
        left = [p for p in _theirs(uid) if p.split()[1][0] != "Z"]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def user() -> dict[str, Any]:
    uid, gid, home = _user()

    def n(*args: str) -> dict[str, Any]:
        r = as_user(uid, gid, home, sys_python(), "-m", "nslab", *args)
        return {"code": r.returncode, "out": r.stdout, "err": r.stderr}

    for name, text in (("chain20", ROUTED), ("small", SMALL)):
        f = home / f"{name}.yaml"
        f.write_text(text)
        os.chown(f, uid, gid)
    out: dict[str, Any] = {}
    out["up"] = n("up", str(home / "chain20.yaml"))
    out["test"] = n("test", "chain20", "--json", "--no-matrix", "--converge-within", "60")
    out["status"] = n("status", "chain20", "--json")
    out["list"] = n("list", "--json")
    out["hostname"] = n("exec", "chain20", "h3", "--", "hostname")
    out["vtysh"] = n("vtysh", "chain20", "r0", "--", "show ip ospf neighbor")
    out["running"] = _theirs(uid)
    out["down"] = n("down", "chain20")
    out["after_down"] = _gone(uid)
    out["records_after_down"] = sorted(p.name for p in home.rglob("*.pid")) + \
        sorted(p.name for p in Path(f"/run/user/{uid}").rglob("*.pid"))
    # the holder killed: everything of the lab goes with it
    out["small_up"] = n("up", str(home / "small.yaml"))
    if out["small_up"]["code"] != 0:
        return out
    record = json.loads(Path(f"/run/user/{uid}/nslab/small.pid").read_text())
    out["small_running"] = _theirs(uid)
    os.kill(record["pid"], 9)
    out["after_kill"] = _gone(uid)
    out["status_after_kill"] = n("status", "small")
    out["records_after_kill"] = sorted(p.name for p in Path(f"/run/user/{uid}").rglob("*.pid"))
    # FRR for a user without subordinate ids: refused, and nothing is left
    uid2, gid2, home2 = _user("nslabtest2", subids=False)
    f = home2 / "small.yaml"
    f.write_text(SMALL)
    os.chown(f, uid2, gid2)
    r = as_user(uid2, gid2, home2, sys_python(), "-m", "nslab", "up", str(f))
    out["no_ids"] = {"code": r.returncode, "out": r.stdout, "err": r.stderr}
    out["after_no_ids"] = _gone(uid2)
    out["records_after_no_ids"] = sorted(p.name for p in
                                         Path(f"/run/user/{uid2}").rglob("*.pid"))
    # the pytest fixture, without root
    tests = home / "t"
    tests.mkdir()
    (tests / "test_fx.py").write_text(FIXTURE_TEST)
    sh(f"chown -R {uid}:{gid} {tests}")
    r = as_user(uid, gid, home, sys_python(), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                str(tests / "test_fx.py"), cwd=tests)
    out["pytest"] = {"code": r.returncode, "out": r.stdout[-3000:], "err": r.stderr[-2000:]}
    out["after_pytest"] = _gone(uid)
    return out


OUTSIDE = """
name: out
nodes:
  h1:
    services:
      - {name: web, cmd: "python3 -m http.server 8000"}
  r1: {kind: router}
links: [[h1, r1]]
host:
  links:
    - {node: r1}
  egress: auto
  forward:
    - {port: 8080, to: "h1:8000"}
"""

FETCH = ("import sys, urllib.request\ntry:\n print(urllib.request.urlopen(sys.argv[1], "
         "timeout=3).status)\nexcept Exception as e:\n print(type(e).__name__, e)")


def _until(check: Any, within: float = 10) -> Any:
    deadline = time.monotonic() + within
    while True:
        got = check()
        if got == "200" or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


def outside() -> dict[str, Any]:
    """A rootless lab's way out (slirp4netns): a node reaches a server on the
    machine's loopback; the machine's port 8080 reaches a node's service."""
    uid, gid, home = _user()
    f = home / "out.yaml"
    f.write_text(OUTSIDE)
    os.chown(f, uid, gid)
    server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                               "8123"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              cwd="/")

    def n(*args: str) -> dict[str, Any]:
        r = as_user(uid, gid, home, sys_python(), "-m", "nslab", *args)
        return {"code": r.returncode, "out": r.stdout, "err": r.stderr}

    out: dict[str, Any] = {"up": n("up", str(f))}
    try:
        out["to_machine"] = _until(lambda: n("exec", "out", "h1", "--", sys_python(), "-c",
                                             FETCH, "http://10.0.2.2:8123/")["out"].strip())
        out["from_machine"] = _until(lambda: subprocess.run(
            [sys.executable, "-c", FETCH, "http://127.0.0.1:8080/"], capture_output=True,
            text=True).stdout.strip())
        out["running"] = _theirs(uid)
    finally:
        out["down"] = n("down", "out")
        server.kill()
    out["after_down"] = _gone(uid)
    return out


def sys_python() -> str:
    """The machine's python3, which the user can run (this one may live in
    root's home)."""
    return "/usr/bin/python3"


def usable() -> str | None:
    """Why the scenario cannot run here (None: it can)."""
    py = Path(sys_python())
    if not py.exists():
        return f"{py} is missing"
    v = subprocess.run([str(py), "-c", "import sys; print(sys.version_info[:2])"],
                       capture_output=True, text=True).stdout.strip()
    if v != str(tuple(sys.version_info[:2])):
        return f"{py} is Python {v}, the virtualenv's packages are for {sys.version_info[:2]}"
    for tool in ("useradd", "setpriv", "newuidmap", "slirp4netns"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            return f"{tool} is not installed"
    return None


if __name__ == "__main__":
    enter()
    # the machine as its administrator left it for rootless labs: /etc/netns made
    # once (in the sandbox's own /etc; a fresh machine may not have it)
    os.makedirs("/etc/netns", exist_ok=True)
    print(json.dumps({"user": user, "outside": outside}[sys.argv[1]]()))
