"""The guarantees of docs/guarantees.md, each proven against the kernel."""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nslab.errors import CommandError, ConflictError, KernelError, MissingFeatureError
from nslab.kernel import executor as apply
from nslab.kernel import features, netlink, netns, sysctl
from nslab.model.compile import compile_file
from nslab.plan.build import KERNEL_FEATURES
from nslab.state.journal import Journal, locked
from nslab.verbs import doctor
from nslab.verbs.up import up
from tests.conftest import NSLAB, ROOT, Labs, kernel, netns_list, nslab, ping

TWO = """
name: x
nodes:
  a: {}
  r: {kind: router}
  b: {}
links: [[a, r], [r, b]]
"""


def chain(n: int) -> str:
    nodes = "\n".join(f"  n{i}: {{kind: router}}" for i in range(n))
    links = "\n".join(f"  - [n{i}, n{i + 1}]" for i in range(n - 1))
    return f"name: x\nrouting: static\nnodes:\n{nodes}\nlinks:\n{links}\n"


def lab_namespaces(name: str) -> set[str]:
    return {n for n in netns_list() if n.startswith(f"{name}-")}


def test_up_rolls_back_when_the_kernel_refuses_a_step(labs: Labs,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    name, path = labs.file(TWO)
    real = apply.Executor._request

    def broken(self: apply.Executor, step: object) -> tuple[str, netlink.Request]:
        ns, req = real(self, step)  # type: ignore[arg-type]
        if req.kind == netlink.RTM_NEWROUTE:  # a gateway no subnet holds
            req = netlink.new_route("10.99.0.0", 16, [("192.0.2.77", None)])
        return ns, req

    monkeypatch.setattr(apply.Executor, "_request", broken)
    lab = compile_file(path)
    with pytest.raises(KernelError) as info:
        up(lab, str(path))
    assert "route add" in info.value.step
    assert lab_namespaces(name) == set()
    assert not Journal(name).exists()


def test_up_rolls_back_when_an_exec_command_fails(labs: Labs) -> None:
    name, path = labs.file(TWO.replace("b: {}", "b: {exec: ['true', 'exit 3']}"))
    r = nslab("up", str(path))
    assert r.returncode == CommandError.exit_code
    assert "exec on node 'b' failed with status 3" in r.stderr
    assert "Traceback" not in r.stderr
    assert lab_namespaces(name) == set()


@pytest.mark.parametrize("after, sig", [(1, signal.SIGKILL), (60, signal.SIGKILL),
                                        ("veth", signal.SIGKILL), (40, signal.SIGTERM),
                                        ("veth", signal.SIGINT), (1, signal.SIGHUP)])
def test_down_after_a_signal_during_up(labs: Labs, after: int | str,
                                       sig: signal.Signals) -> None:
    """Stopped at a sample of points by a signal: SIGKILL leaves the journal
    for down; SIGTERM, SIGINT and SIGHUP are rolled back by up itself."""
    name, path = labs.file(chain(120))
    journal = Path("/run/nslab") / name / "journal.jsonl"
    proc = subprocess.Popen([*NSLAB, "up", str(path)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if after == "veth":
            if len(lab_namespaces(name)) >= 120:
                break
        elif journal.exists() and journal.read_text().count('"t":"ns"') >= after:
            break
        time.sleep(0.0005)
    proc.send_signal(sig)
    code = proc.wait(timeout=60)
    if sig == signal.SIGKILL:
        assert journal.exists()
        assert "is down" in nslab("down", name, check=True).stdout
    else:
        assert code == 128 + sig and not journal.exists()
        assert "is not up" in nslab("down", name, check=True).stdout
    assert lab_namespaces(name) == set()


def test_labs_up_and_down_in_parallel_and_racing(labs: Labs) -> None:
    """Four labs coming up and going down side by side, round after round,
    and up racing down on one lab: every command ends, nothing is left."""
    import concurrent.futures

    files = [labs.file(TWO) for _ in range(4)]

    def cycle(name: str, path: Path) -> list[int]:
        return [c for _ in range(5) for c in (nslab("up", str(path), timeout=60).returncode,
                                              nslab("down", name, timeout=60).returncode)]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda f: cycle(*f), files))
    assert all(c == 0 for row in codes for c in row), codes
    name, path = files[0]
    for _ in range(5):  # up and down at once on one lab: one waits for the other
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            up = pool.submit(nslab, "up", str(path), timeout=60)
            down = pool.submit(nslab, "down", name, timeout=60)
            assert up.result().returncode == 0 and down.result().returncode == 0
        nslab("down", name, check=True)
        assert lab_namespaces(name) == set()
    assert all(lab_namespaces(n) == set() for n, _p in files)


def test_user_namespace_is_never_touched(labs: Labs) -> None:
    name, path = labs.file(TWO)
    # a namespace named like a node: up refuses, builds nothing, leaves it
    subprocess.run(["ip", "netns", "add", f"{name}-a"], check=True)
    # a namespace with the lab's prefix but no node of the lab
    subprocess.run(["ip", "netns", "add", f"{name}-other"], check=True)
    try:
        r = nslab("up", str(path))
        assert r.returncode == ConflictError.exit_code
        assert f"{name}-a already exists and nslab did not make it" in r.stderr
        assert lab_namespaces(name) == {f"{name}-a", f"{name}-other"}
        subprocess.run(["ip", "netns", "del", f"{name}-a"], check=True)
        nslab("up", str(path), check=True)
        # behind nslab's back, the user replaces a node's namespace with their own
        subprocess.run(["ip", "netns", "del", f"{name}-b"], check=True)
        subprocess.run(["ip", "netns", "add", f"{name}-b"], check=True)
        r = nslab("down", name, check=True)
        assert f"left namespace '{name}-b' alone" in r.stderr
        assert lab_namespaces(name) == {f"{name}-b", f"{name}-other"}
    finally:
        for ns in ("a", "b", "other"):
            subprocess.run(["ip", "netns", "del", f"{name}-{ns}"], capture_output=True)


def test_down_ends_processes_inside_the_lab(labs: Labs) -> None:
    name, path = labs.file(TWO)
    nslab("up", str(path), check=True)
    # started by someone else, not through nslab: found by namespace, not by name
    proc = subprocess.Popen(["ip", "netns", "exec", f"{name}-r", "sleep", "300"])
    outside = subprocess.Popen(["sleep", "300"])
    try:
        ino = netns.inode(f"{name}-r")
        deadline = time.monotonic() + 30  # until ip netns exec has entered the node
        while time.monotonic() < deadline and os.stat(f"/proc/{proc.pid}/ns/net").st_ino != ino:
            time.sleep(0.01)
        r = nslab("down", name, check=True)
        assert "ended 1 processes" in r.stdout
        assert proc.wait(timeout=30) == -signal.SIGTERM
        assert outside.poll() is None
    finally:
        outside.kill()
        outside.wait()
        if proc.poll() is None:
            proc.kill()


def test_services_run_and_exec_commands_run(labs: Labs) -> None:
    text = """
name: x
nodes:
  a: {exec: ["ip addr add 10.77.0.1/32 dev lo"]}
  b:
    services:
      - name: web
        cmd: [python3, -m, http.server, "8080"]
links:
  - endpoints: [a, b]
    addresses: [10.5.0.1/24, 10.5.0.2/24]
"""
    name, path = labs.file(text)
    nslab("up", str(path), check=True)
    r = subprocess.run(["ip", "-n", f"{name}-a", "-br", "addr", "show", "lo"],
                       capture_output=True, text=True, check=True)
    assert "10.77.0.1/32" in r.stdout
    fetch = [sys.executable, "-c", "import urllib.request,time\nfor i in range(50):\n"
             "  try: print(urllib.request.urlopen('http://10.5.0.2:8080/').status); break\n"
             "  except OSError: time.sleep(0.1)"]
    r = nslab("exec", name, "a", "--", *fetch, check=True)
    assert r.stdout.strip() == "200"
    log = Path("/run/nslab") / name / "services" / "b.web.log"
    assert log.exists()
    r = nslab("down", name, check=True)
    assert "ended 1 processes" in r.stdout
    assert not log.exists()


def test_exec_passes_exit_status_through(labs: Labs) -> None:
    name, path = labs.file(TWO)
    nslab("up", str(path), check=True)
    assert nslab("exec", name, "a", "--", "sh", "-c", "exit 7").returncode == 7
    r = nslab("exec", name, "a", "--", "ip", "-br", "addr", "show", "eth0", check=True)
    assert "eth0" in r.stdout
    r = nslab("exec", name, "nosuch", "--", "true")
    assert r.returncode == 4 and "has no node 'nosuch' (nodes: a, r, b)" in r.stderr


def test_two_labs_side_by_side(labs: Labs) -> None:
    n1, p1 = labs.file(TWO)
    n2, p2 = labs.file(TWO)
    nslab("up", str(p1), check=True)
    nslab("up", str(p2), check=True)
    listed = {x["name"] for x in json.loads(nslab("list", "--json", check=True).stdout)["labs"]}
    assert {n1, n2} <= listed
    st = json.loads(nslab("status", n2, "--json", check=True).stdout)
    b = next(n for n in st["nodes"] if n["name"] == "b")
    assert ping(f"{n2}-a", b["interfaces"][0]["addresses"][0].split("/")[0])
    nslab("down", n1, check=True)
    assert lab_namespaces(n2) and not lab_namespaces(n1)


def test_lab_name_in_use_by_another_file(labs: Labs, tmp_path: Path) -> None:
    _name, path = labs.file(TWO)
    nslab("up", str(path), check=True)
    other = tmp_path / "other.yaml"
    other.write_text(path.read_text())
    r = nslab("up", str(other))
    assert r.returncode == ConflictError.exit_code
    assert "in use by another file" in r.stderr
    r = nslab("up", str(path))
    assert r.returncode == ConflictError.exit_code and "already up" in r.stderr


def test_two_commands_on_one_lab_wait_for_each_other(labs: Labs) -> None:
    name, path = labs.file(TWO)
    nslab("up", str(path), check=True)
    with locked(name):
        proc = subprocess.Popen([*NSLAB, "down", name], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        said = proc.stderr.readline()  # printed once it finds the lock taken
        assert "waiting for another nslab command" in said
        assert proc.poll() is None, "down did not wait for the lock"
        assert lab_namespaces(name)
    _out, _err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and lab_namespaces(name) == set()


def test_not_root_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    # in-process with another effective uid: a real drop to another user would need
    # the checkout and its virtualenv to be readable by that user, which CI's may not be
    from nslab import cli

    f = tmp_path / "lab.yaml"
    f.write_text(TWO)
    from nslab.kernel import userns

    monkeypatch.setattr(os, "geteuid", lambda: 65534)
    # where an ordinary user cannot make namespaces (else: rootless, tests/test_rootless.py)
    monkeypatch.setattr(userns, "unavailable", lambda: "unshare: Operation not permitted")
    for argv in (["up", str(f)], ["down", "x"], ["exec", "x", "a", "--", "true"]):
        assert cli.main(argv) == 6
        err = capsys.readouterr().err
        assert err == ("nslab: nslab needs root to make network namespaces: run it with sudo "
                       "(without root: unshare: Operation not permitted)\n")


def test_neighbour_limits_raised_for_the_lab_and_restored(labs: Labs) -> None:
    before = sysctl.neighbour_thresh(4)
    n = 40  # n hosts on one switch can need n * (n - 1) entries
    while n * (n - 1) + 256 <= before[2]:
        n += 10
    if n > 200:
        pytest.skip(f"gc_thresh3 is already {before[2]}: no small lab needs more")
    hosts = "\n".join(f"  h{i}: {{}}" for i in range(n))
    links = "\n".join(f"  - [h{i}, sw]" for i in range(n))
    name, path = labs.file(f"name: x\nnodes:\n  sw: {{kind: switch}}\n{hosts}\nlinks:\n{links}\n")
    r = nslab("up", str(path), check=True)
    assert "raised the ARP neighbour table limit" in r.stderr
    during = sysctl.neighbour_thresh(4)
    assert during[2] > before[2] and during[2] >= 2 * n * (n - 1)
    nslab("down", name, check=True)
    assert sysctl.neighbour_thresh(4) == before


def test_cli_errors_are_one_line_with_exit_codes(labs: Labs, tmp_path: Path) -> None:
    r = nslab("status", "nosuchlab")
    assert r.returncode == 4 and r.stderr.count("\n") == 1 and "is not up" in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nnodes: {a: {}}\nlinks: [[a, zz]]\n")
    r = nslab("up", str(bad))
    assert r.returncode == 3
    assert r.stderr == f"{bad}:3:13: links[0].endpoints[1]: node 'zz' is not defined " \
                       "(nodes: a)\n"
    r = nslab("up", str(tmp_path / "missing.yaml"))
    assert r.returncode == 3 and "cannot read the topology file" in r.stderr


def test_python_api_round_trip(labs: Labs) -> None:
    import nslab

    name, path = labs.file(TWO)
    lab = nslab.compile_file(path)
    result = nslab.up(lab, str(path))
    assert result.lab.name == name
    st = nslab.status(name)
    assert st["state"] == "up" and {n["name"] for n in st["nodes"]} == {"a", "r", "b"}
    b_addr = st["nodes"][2]["interfaces"][0]["addresses"][0].split("/")[0]
    assert ping(nslab.namespace_of(name, "a"), b_addr)
    r = nslab.inspect(name, "r", ["routes", "neighbours"])
    assert r.where.node == "r" and r.interfaces is None  # only what was asked
    assert any(n.address == b_addr for n in r.neighbours or ())  # the ping went through r
    assert {x.dst for x in r.routes or () if x.table == "main"} == {
        ln for n in st["nodes"] if n["name"] == "r" for i in n["interfaces"]
        for ln in (str(ipaddress.ip_interface(a).network)
                   for a in i["addresses"])}
    assert [n.where.node for n in nslab.inspect_lab(name, ["interfaces"])] == ["a", "r", "b"]
    gone = nslab.down(name)
    assert sorted(gone.removed) == sorted(lab.namespaces)
    with pytest.raises(nslab.LabNotFoundError):
        nslab.status(name)


def test_shell_opens_inside_the_node(labs: Labs) -> None:
    name, path = labs.file(TWO)
    nslab("up", str(path), check=True)
    r = subprocess.run([*NSLAB, "shell", name, "r"], input="ip -br link show eth1\nexit 5\n",
                       capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "SHELL": "/bin/sh"})
    assert r.returncode == 5
    assert r.stdout.startswith("eth1@")


def test_status_reports_a_damaged_lab(labs: Labs) -> None:
    name, path = labs.file(TWO)
    nslab("up", str(path), check=True)
    subprocess.run(["ip", "netns", "del", f"{name}-r"], check=True)  # behind nslab's back
    r = nslab("status", name, "--json")
    assert r.returncode == 9
    st = json.loads(r.stdout)
    assert st["state"] == "damaged"
    assert [n["name"] for n in st["nodes"] if not n["present"]] == ["r"]



def test_status_reports_a_link_deleted_by_hand(labs: Labs) -> None:
    name, path = labs.file(TWO)
    nslab("up", str(path), check=True)
    ns = f"{name}-a"
    eth0 = subprocess.run(["ip", "-n", ns, "-o", "link", "show", "type", "veth"],
                          capture_output=True, text=True, check=True).stdout.split(":")[1]
    subprocess.run(["ip", "-n", ns, "link", "del", eth0.split("@")[0].strip()], check=True)
    r = nslab("status", name, "--json")
    st = json.loads(r.stdout)
    assert r.returncode == 9 and st["state"] == "damaged"
    states = {(n["name"], i["name"]): i["state"] for n in st["nodes"] for i in n["interfaces"]}
    assert "missing" in states.values()
    r = nslab("inspect", name)  # the overview says it too
    assert r.returncode == 9 and "node a has 0 of the 1 interfaces the lab made" in r.stderr
    r = nslab("inspect", name, "--json")  # and so does its JSON, with its exit code
    assert r.returncode == 9
    assert json.loads(r.stdout)["short_of_interfaces"] == {"a": {"have": 0, "made": 1},
                                                           "r": {"have": 1, "made": 2}}


def test_json_outputs_and_progress(labs: Labs) -> None:
    name, path = labs.file(chain(100))
    steps = json.loads(nslab("plan", str(path), "--json", check=True).stdout)
    assert steps["version"] == 1 and steps["lab"] == name
    assert steps["steps"][0] == {"step": "AddNamespace", "shell": steps["steps"][0]["shell"]}
    assert sum(s["step"] == "AddVeth" for s in steps["steps"]) == 99
    r = nslab("up", str(path), "--json", check=True)
    up = json.loads(r.stdout)
    assert up["version"] == 1 and len(up["topology"]["nodes"]) == 100
    nslab("down", name, check=True)
    r = nslab("up", str(path), check=True)  # people get progress for big labs
    assert "nslab: namespaces 100/100" in r.stderr
    assert "nslab: veth pairs 99/99" in r.stderr
    listed = json.loads(nslab("list", "--json", check=True).stdout)
    assert any(x["name"] == name and x["namespaces_present"] == 100 for x in listed["labs"])
    down = json.loads(nslab("down", name, "--json", check=True).stdout)
    assert down["was_up"] and len(down["removed"]) == 100 and down["skipped"] == []
    again = json.loads(nslab("down", name, "--json", check=True).stdout)
    assert again["was_up"] is False and again["removed"] == []


@pytest.mark.parametrize("sig, code, says", [(signal.SIGINT, 130, "interrupted"),
                                              (signal.SIGTERM, 143, "terminated"),
                                              (signal.SIGHUP, 129, "hung up")])
def test_ctrl_c_sigterm_or_sighup_during_up_rolls_back(labs: Labs, sig: signal.Signals,
                                                      code: int, says: str) -> None:
    name, path = labs.file(chain(300))
    journal = Path("/run/nslab") / name / "journal.jsonl"
    proc = subprocess.Popen([*NSLAB, "up", str(path)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (
            journal.exists() and journal.read_text().count('"t":"ns"') >= 20):
        time.sleep(0.0005)
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == code and says in err, err
    assert lab_namespaces(name) == set()  # rolled back by up itself, no down needed
    assert not journal.exists()


def test_down_removes_the_empty_name_a_down_killed_before_unlinking_left(labs: Labs) -> None:
    name, path = labs.file(TWO)
    nslab("up", str(path), check=True)
    # SIGKILL between unmounting a namespace's name and unlinking it: the
    # journal has its inode, /run/netns an empty file with nothing mounted
    ns = f"{name}-b"
    subprocess.run(["umount", f"/run/netns/{ns}"], check=True)
    r = json.loads(nslab("down", name, "--json", check=True).stdout)
    assert r["skipped"] == [] and not Path(f"/run/netns/{ns}").exists()
    assert nslab("up", str(path)).returncode == 0  # the name is free again


def test_down_removes_the_empty_name_of_a_namespace_killed_before_mounting(labs: Labs) -> None:
    name, path = labs.file(TWO)
    nslab("up", str(path), check=True)
    # what SIGKILL between creating /run/netns/<ns> and mounting on it leaves:
    # an intent line without inode, and an empty file with nothing mounted
    ns = f"{name}-b"
    subprocess.run(["ip", "netns", "del", ns], check=True)
    Path(f"/run/netns/{ns}").touch()
    journal = Path("/run/nslab") / name / "journal.jsonl"
    lines = [ln for ln in journal.read_text().splitlines()
             if not (f'"name":"{ns}"' in ln and '"ino"' in ln) and '"t":"up"' not in ln]
    journal.write_text("\n".join(lines) + "\n")
    nslab("down", name, check=True)
    assert lab_namespaces(name) == set()
    assert not os.path.lexists(f"/run/netns/{ns}")


def test_up_fails_early_when_the_kernel_lacks_a_feature(
        labs: Labs, monkeypatch: pytest.MonkeyPatch) -> None:
    name, path = labs.example("demo")
    real = features.probe

    def no_bridges(wanted: list[str]) -> list[features.Probe]:
        return [features.Probe("bridge", False, f"missing: {features.words('bridge')}")
                if p.feature == "bridge" else p for p in real(wanted)]

    monkeypatch.setattr(features, "probe", no_bridges)
    with pytest.raises(MissingFeatureError) as info:
        up(compile_file(path), str(path))
    assert str(info.value) == ("this kernel lacks Linux bridges (CONFIG_BRIDGE), which the lab "
                               "needs for switch 'sw1'; nslab doctor lists what this machine "
                               "has")
    assert info.value.exit_code == 5
    assert lab_namespaces(name) == set() and not Journal(name).exists()
    # and doctor says it in the same words
    checks = {c.name: c for c in doctor.kernel()}
    assert checks["bridge"].status == "missing"
    assert checks["bridge"].detail == "missing: Linux bridges (CONFIG_BRIDGE)"


BY_HAND = {  # each feature tried the way a person would, in a throwaway namespace
    "veth": "ip link add t0 type veth peer name t1",
    "bridge": "ip link add t0 type bridge",
    "tbf": "tc qdisc add dev lo root tbf rate 1mbit burst 32kbit latency 50ms",
    "netem": "tc qdisc add dev lo root netem delay 1ms",
    "nft-nat": "nft 'add table ip t; add chain ip t p { type nat hook postrouting priority "
               "100; }; add rule ip t p masquerade'",
}


@kernel
def test_doctor_agrees_with_ip_tc_and_nft() -> None:
    r = nslab("doctor", "--json")
    data = json.loads(r.stdout)
    assert data["version"] == 1 and data["ready"] is True and r.returncode == 0
    by = {(c["group"], c["name"]): c for c in data["checks"]}
    # doctor tries what a topology file can use (plan.build.KERNEL_FEATURES), no more
    assert set(BY_HAND) == {name for group, name in by if group == "kernel"}
    assert set(BY_HAND) == set(KERNEL_FEATURES)
    for feature, cmd in BY_HAND.items():
        works = subprocess.run(["unshare", "--net", "sh", "-c", cmd],
                               capture_output=True).returncode == 0
        check = by[("kernel", feature)]
        assert check["status"] == ("ok" if works else "missing"), (feature, check)
        if not works:
            assert check["detail"].startswith(f"missing: {features.words(feature)}")
    # each link property names the backend this kernel gives it, or that it has none
    assert by[("links", "rate")]["status"] == by[("kernel", "tbf")]["status"]
    netem = by[("kernel", "netem")]["status"] == "ok"
    for prop in ("delay", "jitter", "reorder"):  # netem, or the wire where it is missing
        assert by[("links", prop)]["status"] == "ok", prop
        assert ("netem" if netem else "the wire") in by[("links", prop)]["detail"], prop
    assert by[("links", "loss")]["status"] == ("ok" if shutil.which("nft") else "missing")
    assert by[("access", "privileges")]["status"] == "ok"
    assert by[("tools", "ip")]["status"] == "ok"
    assert "gc_thresh3" in by[("limits", "ARP table")]["detail"]
    assert not {n for n in netns_list() if n.startswith(".nslab-doctor")}
