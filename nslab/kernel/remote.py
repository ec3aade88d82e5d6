"""The way to another machine's nslab: its agent (`nslab agent --stdio`)
started through a transport — OpenSSH (one multiplexed session per machine),
`kubectl exec -i`, or any command — and spoken to in JSON lines, one request,
one answer. The only code that starts processes to reach other machines."""

from __future__ import annotations

import contextlib
import json
import os
import select
import shlex
import socket
import subprocess
import time
from typing import Any

from nslab.errors import NslabError

AGENT = ["nslab", "agent", "--stdio"]  # what a transport runs on the machine
CONTROL_DIR = "/run/nslab/.ssh"  # OpenSSH's control sockets (one master per machine)


class MachineError(NslabError):
    """A machine could not be reached, or its agent did not answer in time."""


def transport_argv(transport: str, target: str, connect_timeout: float = 5) -> list[str]:
    """The command that gives stdio to nslab's agent on the machine."""
    if transport == "ssh":
        host, port = split_ssh(target)
        os.makedirs(CONTROL_DIR, mode=0o700, exist_ok=True)
        return ["ssh", "-T", "-o", "BatchMode=yes", "-o", "ControlMaster=auto",
                "-o", f"ControlPath={CONTROL_DIR}/%C", "-o", "ControlPersist=60",
                "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=2",
                "-o", f"ConnectTimeout={max(1, round(connect_timeout))}",
                *(["-p", port] if port else []), host, shlex.join(AGENT)]
    if transport == "kubectl":
        return ["kubectl", *shlex.split(target), "--", *AGENT]
    if transport == "command":
        return ["sh", "-c", target]
    raise ValueError(f"unknown transport {transport!r}")


def split_ssh(target: str) -> tuple[str, str | None]:
    """user@host[:port] -> ("user@host", port or None); [v6]:port too."""
    if target.endswith("]") or (target.count(":") != 1 and "]:" not in target):
        return target, None
    host, _, port = target.rpartition(":")
    return host, port


def resolve_host(target: str) -> str:
    """The address an ssh target's host resolves to (its default underlay)."""
    host = split_ssh(target)[0].rpartition("@")[2].strip("[]")
    try:
        return str(socket.getaddrinfo(host, None, type=socket.SOCK_DGRAM)[0][4][0])
    except OSError as e:
        raise MachineError(f"machine host '{host}' does not resolve ({e}): give its "
                           "address as underlay:") from None


class Channel:
    """One machine's agent: a request written, its answer read, within a time."""

    def __init__(self, name: str, argv: list[str]) -> None:
        self.name = name
        self.argv = argv
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, start_new_session=True)
        except OSError as e:
            raise MachineError(f"cannot start {argv[0]} ({e.strerror})") from None
        self._buf = b""

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """The agent's answer to `request` (its "ok" false: an error it names)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            raise self._gone("was closed") from None
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.close(kill=True)
                raise MachineError(f"no answer within {timeout:g} s ({request.get('op')})")
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise self._gone("ended")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        try:
            answer: dict[str, Any] = json.loads(line)
        except ValueError:
            raise MachineError(f"the agent said something that is not JSON: "
                               f"{line[:200]!r}") from None
        return answer

    def _gone(self, how: str) -> MachineError:
        self.close(kill=True)
        err = b""
        if self.proc.stderr is not None:
            err = self.proc.stderr.read() or b""
        said = " ".join(err.decode(errors="replace").split())[-300:]
        return MachineError(f"the connection {how} ({shlex.join(self.argv)}"
                            f"{': ' + said if said else ''})")

    def close(self, kill: bool = False) -> None:
        if self.proc.poll() is not None:
            return
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=0.1 if kill else 5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------- on the agent's side
def df_ping(to: str, size: int) -> tuple[bool, str]:
    """Whether a packet of `size` bytes (IP header included) reaches `to` from
    this machine whole (a ping that may not be fragmented), and ping's last word."""
    six = ":" in to
    p = subprocess.run(["ping", "-6" if six else "-4", "-M", "do", "-c", "1", "-W", "2",
                        "-s", str(size - (48 if six else 28)), to],
                       capture_output=True, text=True, timeout=10)
    said = (p.stdout + p.stderr).strip().splitlines()
    return p.returncode == 0, said[-1] if said else ""


def run_in(namespace: str, argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """`argv` run in a named network namespace, its output captured."""
    return subprocess.run(["ip", "netns", "exec", namespace, *argv], capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def udp_port_users(port: int) -> list[str]:
    """The programs holding UDP `port` in this namespace ("NAME (pid N)"); the
    kernel's own sockets (a VXLAN's) are no program's: VXLANs share their port."""
    inodes: set[str] = set()
    for name in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(name) as f:
                inodes |= sockets_on(f.read(), port)
        except OSError:
            continue
    return sorted(owners(inodes)) if inodes else []


def sockets_on(table: str, port: int) -> set[str]:
    """The inodes of the sockets of a /proc/net/udp table bound to `port`."""
    found = set()
    for line in table.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 10 and int(cols[1].rpartition(":")[2], 16) == port and cols[9] != "0":
            found.add(cols[9])
    return found


def owners(inodes: set[str]) -> set[str]:
    """The processes that hold one of these sockets open ("NAME (pid N)")."""
    wanted = {f"socket:[{i}]" for i in inodes}
    out = set()
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in wanted for fd in fds):
                with open(f"/proc/{pid}/comm") as f:
                    out.add(f"{f.read().strip()} (pid {pid})")
        except OSError:  # gone, or not ours to look at
            continue
    return out
