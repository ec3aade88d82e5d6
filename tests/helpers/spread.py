"""A lab across machines, inside a sandbox that plays the controller: three
emulated machines, each a network namespace and a mount namespace of its own
(its own /run: its own /run/netns and /run/nslab journal), joined by an
underlay (a bridge, 10.99.0.0/24). nslab reaches each through the `command:`
transport (nsenter into the machine, then `nslab agent --stdio`), which can be
switched off to play a machine that does not answer.

    python -m tests.helpers.spread across    (inside the sandbox: JSON out)
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.helpers.sandbox import NSLAB, ROOT, enter, sh

MACHINES = ("m1", "m2", "m3")


def machine(name: str, k: int) -> int:
    """An emulated machine: its holder's pid (its namespaces live with it)."""
    p = subprocess.Popen(["unshare", "--net", "--mount", "--propagation", "private", "sh", "-c",
                          "mount -t tmpfs -o mode=755 machine /run && mkdir -p /run/netns "
                          "&& echo ready && exec sleep 100000"], stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    sh(f"ip link add ul-{name} type veth peer name eth0 netns {p.pid}")
    sh(f"ip link set ul-{name} master ul0 up")
    inside = f"nsenter -t {p.pid} -n"
    sh(f"{inside} ip link set lo up")
    sh(f"{inside} ip addr add 10.99.0.{k}/24 dev eth0")
    sh(f"{inside} ip link set eth0 up")
    return p.pid


def transport(name: str, pid: int) -> str:
    """The command that reaches the machine's agent, unless /run/NAME.off exists."""
    agent = shlex.join(["nsenter", "-t", str(pid), "-n", "-m", "--", sys.executable, "-m",
                        "nslab", "agent", "--stdio"])
    return f"test ! -e /run/{name}.off || exit 255; cd {shlex.quote(str(ROOT))} && exec {agent}"


def lab_file(pids: dict[str, int], extra: str = "") -> str:
    machines = "".join(f"  {m}: {{command: {json.dumps(transport(m, pid))}, "
                       f"underlay: 10.99.0.{k + 1}}}\n"
                       for k, (m, pid) in enumerate(pids.items()))
    return f"""name: spread

machines:
{machines}nodes:
  h1: {{machine: m1}}
  r1: {{kind: router, machine: m1}}
  r2: {{kind: router, machine: m2}}
  r3: {{kind: router, machine: m3}}
  h3: {{machine: m3}}
links:
  - [h1, r1]
  - [r1, r2]
  - [r2, r3]
  - [r3, h3]
  - [r1, r3]
test:
  expect:
    - {{from: h1, to: h3}}
    - {{from: h1, to: h3, via: r3}}
    - {{from: h3, to: h1, via: r1}}
    - {{from: h3, to: h1, proto: tcp, port: 22, reach: false}}
    - {{from: r2, to: h1, via: r2}}
{extra}"""


def nslab(*args: str) -> dict[str, Any]:
    r = subprocess.run([*NSLAB, *args], capture_output=True, text=True, cwd=ROOT)
    out: dict[str, Any] = {"code": r.returncode, "err": r.stderr}
    try:
        out["json"] = json.loads(r.stdout)
    except ValueError:
        out["out"] = r.stdout
    return out


def killed_mid_up(f: Path, pids: dict[str, int]) -> dict[str, Any]:
    """The controller killed (SIGKILL) once a machine has begun its part: that
    machine's own `nslab down` removes its part there; the controller's record
    lists every machine, and its `down` removes the rest."""
    up = subprocess.Popen([*NSLAB, "up", str(f)], cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    begun = f"/proc/{pids['m1']}/root/run/netns"  # m1's own /run, seen through its holder
    end = time.monotonic() + 60
    while not any(n.startswith("spread-") for n in os.listdir(begun)) and \
            time.monotonic() < end and up.poll() is None:
        time.sleep(0.002)
    killed = up.poll() is None
    up.kill()
    up.wait()
    record = Path("/run/nslab/.machines/spread.json")
    out: dict[str, Any] = {"killed": killed, "record": json.loads(record.read_text())
                           if record.exists() else None}
    out["own_down"] = on(pids["m1"], f"cd {shlex.quote(str(ROOT))} && {sys.executable} -m "
                         "nslab down spread >/dev/null 2>&1; echo $?").strip()
    out["own_left"] = left(pids)["m1"]
    out["down"] = nslab("down", "spread")
    out["left"] = left(pids)
    out["record_left"] = record.exists()
    return out


def fed(text: str, argv: list[str]) -> dict[str, Any]:
    """A command given `text` on its stdin: its exit, output and errors."""
    r = subprocess.run(argv, input=text, capture_output=True, text=True, cwd=ROOT, timeout=60)
    return {"code": r.returncode, "out": r.stdout, "err": r.stderr}


def streamed(h3: str) -> dict[str, Any]:
    """exec, shell and capture joined to a node's machine: stdin, the exit
    status, a terminal there, packets from interfaces on several machines."""
    out: dict[str, Any] = {
        "exec_stdin": fed("across\n", [*NSLAB, "exec", "spread", "h3", "--", "cat"]),
        "exec_code": fed("", [*NSLAB, "exec", "spread", "h3", "--", "sh", "-c", "exit 3"]),
        "shell_piped": fed("hostname; ip -br addr show eth0\nexit 4\n",
                           [*NSLAB, "shell", "spread", "h3"]),
        "shell_tty": on_terminal([*NSLAB, "shell", "spread", "h3"])}
    # r1 (m1) and r3 (m3): a link between machines, each end captured where it is; and
    # h3's interface on m3: the ping's three requests and three replies at each of the
    # three interfaces, 18 packets in one stream
    pcap = Path("/run/across.pcapng")
    cap = subprocess.Popen([*NSLAB, "capture", "spread", "r1/r3", "h3", "--filter", "icmp",
                            "--count", "18", "--duration", "30", "-w", str(pcap)], cwd=ROOT,
                           stderr=subprocess.PIPE, text=True)
    assert cap.stderr is not None
    out["capture_started"] = cap.stderr.readline()
    out["capture_ping"] = nslab("exec", "spread", "h1", "--", "ping", "-c", "3", "-i", "0.2",
                                "-W", "2", h3)
    out["capture_code"] = cap.wait(timeout=60)
    out["capture_err"] = cap.stderr.read()
    out["capture_read"] = sh(f"tcpdump -r {pcap} -n -e", check=False).stdout
    out["capture_names"] = capture_names(pcap.read_bytes())
    out["capture_json"] = fed("", [*NSLAB, "capture", "spread", "h3", "--json", "--duration",
                                   "0.5"])
    out["capture_unknown"] = fed("", [*NSLAB, "capture", "spread", "h3:eth9", "--count", "1"])
    return out


def on_terminal(argv: list[str]) -> dict[str, Any]:
    """`argv` (a shell) on a terminal of its own, used as a person would: once
    it prompts, a command that answers 42, then (once answered) `tty` and exit 5."""
    import select

    master, slave = os.openpty()
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,
                         start_new_session=True)
    os.close(slave)
    seen = b""

    def until(what: bytes, seconds: float = 30) -> bool:
        nonlocal seen
        end = time.monotonic() + seconds
        while what not in seen and time.monotonic() < end:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:  # EIO: the process ended
                    return what in seen
        return what in seen

    prompted = until(b"#") or until(b"$")
    os.write(master, b"echo READY-$((6*7))\n")
    answered = until(b"READY-42")
    os.write(master, b"tty; exit 5\n")
    code = p.wait(timeout=30)
    until(b"\0", 0.5)
    os.close(master)
    return {"prompted": prompted, "answered": answered, "code": code,
            "out": seen.decode(errors="replace")}


def capture_names(data: bytes) -> list[str]:
    """The interfaces a pcapng file names, and how many packets each has."""
    from nslab.kernel.capture import PcapngSource

    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    src = PcapngSource(r)
    packets = list(src.packets())
    os.close(r)
    return [f"{name} {sum(p.iface == k for p in packets)}" for k, name in enumerate(src.names)]


def on(pid: int, cmd: str) -> str:
    """What `cmd` prints on the emulated machine."""
    return sh(f"nsenter -t {pid} -n -m -- sh -c {shlex.quote(cmd)}", check=False).stdout


def left(pids: dict[str, int]) -> dict[str, list[str]]:
    """What each machine still holds of labs: namespaces, journals."""
    return {m: sorted(on(pid, "ls /run/netns; ls /run/nslab 2>/dev/null").split())
            for m, pid in pids.items()}


def across() -> dict[str, Any]:
    sh("ip link add ul0 type bridge")
    sh("ip link set ul0 up")
    pids = {m: machine(m, k + 1) for k, m in enumerate(MACHINES)}
    f = Path("/run/spread.yaml")
    f.write_text(lab_file(pids))
    out: dict[str, Any] = {"check": nslab("machines", "check", str(f), "--json")}
    t0 = time.monotonic()
    out["up"] = nslab("up", str(f), "--json")
    out["up_seconds"] = time.monotonic() - t0
    out["status"] = nslab("status", "spread", "--json")
    out["status_text"] = nslab("status", "spread")
    out["list"] = nslab("list", "--json")
    addr = {n["name"]: n["interfaces"][0]["addresses"][0].split("/")[0]
            for n in out["status"].get("json", {}).get("nodes", []) if n["interfaces"]}
    out["ping"] = nslab("exec", "spread", "h1", "--", "ping", "-c", "3", "-i", "0.2", "-W", "2",
                        addr.get("h3", "10.255.255.255"))
    out["path"] = nslab("exec", "spread", "h1", "--", "traceroute", "-n", "-w", "2", "-q", "1",
                        addr.get("h3", "10.255.255.255"))
    out["inspect"] = nslab("inspect", "spread", "r2", "--json")
    out["check_lab"] = nslab("check", "spread", "--json")
    out["stop"] = nslab("node", "spread", "h3", "stop")
    out["ping_stopped"] = nslab("exec", "spread", "h1", "--", "ping", "-c", "1", "-W", "1",
                                addr.get("h3", "10.255.255.255"))
    out["start"] = nslab("node", "spread", "h3", "start")
    out["cut"] = nslab("link", "spread", "r1", "r3", "down")
    out["ping_cut"] = nslab("exec", "spread", "h1", "--", "ping", "-c", "1", "-W", "1",
                            addr.get("h3", "10.255.255.255"))
    out["why_cut"] = nslab("why", "spread", "h1", "h3")
    out["test_cut"] = nslab("test", "spread", "--no-matrix", "--json")
    out["mended"] = nslab("link", "spread", "r1", "r3", "up")
    out["ping_mended"] = nslab("exec", "spread", "h1", "--", "ping", "-c", "1", "-W", "2",
                               addr.get("h3", "10.255.255.255"))
    out |= streamed(addr.get("h3", "10.255.255.255"))
    out["test"] = nslab("test", "spread", "--json")
    out["why"] = nslab("why", "spread", "h1", "h3", "--json")
    out["why_text"] = nslab("why", "spread", "h3", "r2")
    out["vxlan"] = on(pids["m1"], "for n in $(ls /run/netns); do ip -n $n -d -j link; done")
    out["own"] = {m: on(pid, f"cd {ROOT} && {sys.executable} -m nslab status spread --json")
                  for m, pid in pids.items()}
    # m3 stops answering: the others are cleaned, m3 keeps its part, exit 12
    Path("/run/m3.off").touch()
    out["down_partly"] = nslab("down", "spread")
    out["left_partly"] = left(pids)
    out["record_partly"] = json.loads(Path("/run/nslab/.machines/spread.json").read_text())
    Path("/run/m3.off").unlink()
    out["down_again"] = nslab("down", "spread")
    out["left"] = left(pids)
    out["record_left"] = Path("/run/nslab/.machines/spread.json").exists()
    # a machine that fails its part: the others' parts are taken back
    on(pids["m2"], "ip netns add spread-r2")
    out["up_conflict"] = nslab("up", str(f))
    out["left_conflict"] = left(pids)
    on(pids["m2"], "ip netns del spread-r2")
    out["record_conflict"] = Path("/run/nslab/.machines/spread.json").exists()
    out["killed"] = killed_mid_up(f, pids)
    out["controller_left"] = sorted(p.name for p in Path("/run/nslab").glob("*")) \
        if Path("/run/nslab").exists() else []
    # a path between machines narrower than the links' MTU asks for: check says which
    on(pids["m3"], "ip link set eth0 mtu 1400")
    f.write_text(lab_file(pids, "cross: {mtu: 1450}\n"))
    out["check_narrow"] = nslab("machines", "check", str(f), "--json")
    out["check_narrow_text"] = nslab("machines", "check", str(f))
    return out


def sshd(pid: int, k: int, port: int) -> None:
    """A real sshd on the emulated machine's underlay address (its own /run):
    root logs in with the sandbox's key, and finds nslab on its PATH."""
    keys = Path("/etc/ssh/nslab-test")  # the sandbox's /etc: seen from the machines too
    if not (keys / "id").exists():
        keys.mkdir(mode=0o700)
        sh(f"ssh-keygen -q -t ed25519 -N '' -f {keys}/id")
        sh(f"ssh-keygen -q -t ed25519 -N '' -f {keys}/host")
        sh(f"cp {keys}/id.pub {keys}/authorized_keys")
        Path("/etc/ssh/ssh_config.d").mkdir(parents=True, exist_ok=True)
        Path("/etc/ssh/ssh_config.d/nslab-test.conf").write_text(
            f"Host 10.99.0.*\n  IdentityFile {keys}/id\n  UserKnownHostsFile "
            f"{keys}/known_hosts\n  StrictHostKeyChecking yes\n")
    host = (keys / "host.pub").read_text().split()
    with (keys / "known_hosts").open("a") as f:
        f.write(f"[10.99.0.{k}]:{port} {host[0]} {host[1]}\n10.99.0.{k} {host[0]} {host[1]}\n")
    conf = keys / f"sshd-{k}.conf"
    conf.write_text(f"ListenAddress 10.99.0.{k}:{port}\nHostKey {keys}/host\nPermitRootLogin "
                    f"yes\nAuthorizedKeysFile {keys}/authorized_keys\nStrictModes no\n"
                    f"UsePAM no\nPasswordAuthentication no\nSetEnv PATH="
                    f"{Path(sys.executable).parent}:/usr/sbin:/usr/bin:/sbin:/bin\n")
    on(pid, "mkdir -p /run/sshd && chmod 755 /run/sshd")
    subprocess.Popen(["nsenter", "-t", str(pid), "-n", "-m", "--", "/usr/sbin/sshd", "-D", "-e",
                      "-f", str(conf)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and f"10.99.0.{k}:{port}" not in on(pid, "ss -ltn"):
        time.sleep(0.05)


def over_ssh() -> dict[str, Any]:
    """Two machines reached by ssh (one on port 2222), one multiplexed session each."""
    sh("ip link add ul0 type bridge")
    sh("ip link set ul0 up")
    sh("ip addr add 10.99.0.254/24 dev ul0")  # the controller on the underlay too
    pids = {m: machine(m, k + 1) for k, m in enumerate(MACHINES[:2])}
    sshd(pids["m1"], 1, 22)
    sshd(pids["m2"], 2, 2222)
    f = Path("/run/ssh.yaml")
    f.write_text(lab_file(pids).replace("routing: static\n", "").split("machines:")[0]
                 + "machines:\n  m1: {ssh: root@10.99.0.1}\n  m2: {ssh: 'root@10.99.0.2:2222'}\n"
                 + "nodes:" + lab_file(pids).split("nodes:", 1)[1].replace("machine: m3",
                                                                           "machine: m2"))
    out: dict[str, Any] = {"check": nslab("machines", "check", str(f), "--json"),
                           "up": nslab("up", str(f), "--json")}
    st = nslab("status", "spread", "--json").get("json", {})
    addr = {n["name"]: n["interfaces"][0]["addresses"][0].split("/")[0]
            for n in st.get("nodes", []) if n["interfaces"]}
    out["ping"] = nslab("exec", "spread", "h1", "--", "ping", "-c", "2", "-i", "0.2", "-W", "2",
                        addr.get("h3", "10.255.255.255"))
    out["masters"] = sorted(p.name for p in Path("/run/nslab/.ssh").iterdir())
    out["down"] = nslab("down", "spread")
    out["left"] = left(pids)
    return out


def switch() -> dict[str, Any]:
    """A switch on m2 with a host on each machine: its ports to m1 and m3 are
    VXLANs, and every host of its LAN sends frames they carry."""
    sh("ip link add ul0 type bridge")
    sh("ip link set ul0 up")
    pids = {m: machine(m, k + 1) for k, m in enumerate(MACHINES)}
    machines = lab_file(pids).split("machines:\n", 1)[1].split("nodes:", 1)[0]
    f = Path("/run/lan.yaml")
    f.write_text(f"name: lan\nmachines:\n{machines}nodes:\n  sw: {{kind: switch, machine: m2}}\n"
                 "  h1: {machine: m1}\n  h2: {machine: m2}\n  h3: {machine: m3}\n"
                 "links: [[sw, h1], [sw, h2], [sw, h3]]\n")
    out: dict[str, Any] = {"up": nslab("up", str(f), "--json"),
                           "test": nslab("test", "lan", "--json"),
                           "mtu": nslab("exec", "lan", "h2", "--", "cat",
                                        "/sys/class/net/eth0/mtu"),
                           "big": nslab("exec", "lan", "h2", "--", "ping", "-c", "1", "-W", "2",
                                        "-M", "do", "-s", "1422", "10.128.0.1"),
                           "why": nslab("why", "lan", "h1", "h3", "--json")}
    out["check_up"] = nslab("machines", "check", str(f), "--json")  # its own VXLANs: fine
    out["down"] = nslab("down", "lan")
    out["left"] = left(pids)
    # a program on m1 holds the VXLANs' port: check names it, up refuses before making
    blocker = subprocess.Popen(["nsenter", "-t", str(pids["m1"]), "-n", "--", sys.executable,
                                "-c", "import socket, sys, time\ns = socket.socket(socket."
                                "AF_INET, socket.SOCK_DGRAM)\nend = time.monotonic() + 30\n"
                                "while True:  # the lab's VXLAN sockets go when the kernel is "
                                "done with its namespaces\n    try:\n        s.bind(('0.0.0.0',"
                                " 4789))\n        break\n    except OSError:\n        if "
                                "time.monotonic() > end: raise\n        time.sleep(0.05)\n"
                                "print('bound', flush=True)\ntime.sleep(600)"],
                               stdout=subprocess.PIPE, text=True)
    assert blocker.stdout is not None and blocker.stdout.readline().strip() == "bound"
    out["check_taken"] = nslab("machines", "check", str(f), "--json")
    out["up_taken"] = nslab("up", str(f))
    out["left_taken"] = left(pids)
    blocker.kill()
    blocker.wait()
    return out


def controller() -> dict[str, Any]:
    """The controller is one of the lab's machines (its agent reached by a
    command that runs it right here): a verb forwarded to it means its part."""
    sh("ip link add ul0 type bridge")
    sh("ip addr add 10.99.0.100/24 dev ul0")
    sh("ip link set ul0 up")
    pid = machine("m2", 2)
    here = f"cd {shlex.quote(str(ROOT))} && exec {shlex.join([*NSLAB, 'agent', '--stdio'])}"
    f = Path("/run/here.yaml")
    f.write_text(f"name: here\nmachines:\n  me: {{command: {json.dumps(here)}, underlay: "
                 f"10.99.0.100}}\n  m2: {{command: {json.dumps(transport('m2', pid))}, "
                 "underlay: 10.99.0.2}\nnodes:\n  h1: {}\n  h2: {machine: m2}\n"
                 "links: [[h1, h2]]\n")
    out = {"up": nslab("up", str(f), "--json"), "inspect": nslab("inspect", "here", "h1",
                                                                "--json"),
           "exec": nslab("exec", "here", "h1", "--", "ping", "-c", "1", "-W", "2",
                         "10.128.0.2"),
           "shell": fed("hostname\n", [*NSLAB, "shell", "here", "h1"]),
           "check": nslab("check", "here", "--json")}
    out["down"] = nslab("down", "here")
    out["left"] = {"me": sorted(os.listdir("/run/netns")), "m2": left({"m2": pid})["m2"],
                   "records": sorted(os.listdir("/run/nslab")) if os.path.isdir("/run/nslab")
                   else []}
    return out


def bgp() -> dict[str, Any]:
    """Two machines, BGP between them over an IPv6-only link (r1 - r2: IPv4 in
    BGP, RFC 8950) and an unnumbered one (r1 - r3: link-local addresses), each
    a VXLAN: FRR on each machine converges, and h1 reaches h2 and h3 in both
    families."""
    sh("ip link add ul0 type bridge")
    sh("ip link set ul0 up")
    pids = {m: machine(m, k + 1) for k, m in enumerate(MACHINES[:2])}
    machines = lab_file(pids).split("machines:\n", 1)[1].split("nodes:", 1)[0]
    f = Path("/run/bgp.yaml")
    f.write_text(f"name: v6x\nrouting: bgp\naddressing: {{ipv6_pool: 'fd00:66::/48'}}\n"
                 f"machines:\n{machines}nodes:\n  h1: {{machine: m1}}\n"
                 "  r1: {kind: router, machine: m1}\n  r2: {kind: router, machine: m2}\n"
                 "  r3: {kind: router, machine: m2}\n  h2: {machine: m2}\n"
                 "  h3: {machine: m2}\n"
                 "links:\n  - [h1, r1]\n  - {endpoints: [r1, r2], ipv4: false}\n"
                 "  - {endpoints: [r1, r3], unnumbered: true}\n  - [r2, h2]\n  - [r3, h3]\n"
                 "test: {converge: auto, converge_within: 60}\n")
    out: dict[str, Any] = {"up": nslab("up", str(f), "--json"),
                           "test": nslab("test", "v6x", "--json")}
    out["routes"] = nslab("exec", "v6x", "r1", "--", "ip", "-4", "route")
    out["check"] = nslab("check", "v6x", "--json")
    out["down"] = nslab("down", "v6x")
    out["left"] = left(pids)
    return out


if __name__ == "__main__":
    enter()
    print(json.dumps({"across": across, "ssh": over_ssh, "switch": switch, "bgp": bgp,
                      "controller": controller}[sys.argv[1]]()))
