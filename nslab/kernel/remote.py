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

from nslab.errors import ExitCode, NslabError

AGENT = ["nslab", "agent", "--stdio"]  # what a transport runs on the machine
# set for the verbs an agent runs: a lab's name means this machine's part of it,
# even where this machine is also the lab's controller (nslab.cli.across)
PART = "NSLAB_MACHINE_PART"
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


# ---------------------------------------------------------------- a stream to a machine
class Stream:
    """A verb of nslab run on a machine with the transport's stdio as its own
    (the agent's `attach`): bytes both ways from the agent's "ok" on, the
    verb's exit status the transport's."""

    def __init__(self, name: str, argv: list[str], request: dict[str, Any],
                 timeout: float) -> None:
        self.name = name
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         start_new_session=True)
        except OSError as e:
            raise MachineError(f"cannot start {argv[0]} ({e.strerror})") from None
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        self.early = b""  # what came after the answer, before anyone read
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            self.end()
            raise MachineError(f"machine {name}: the connection ended (attach)") from None
        deadline = time.monotonic() + timeout
        buf = b""
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            chunk = os.read(self.fd, 1 << 16) if left > 0 and select.select(
                [self.fd], [], [], left)[0] else None
            if not chunk:
                self.end()
                raise MachineError(f"machine {name}: " + (
                    "no answer" if chunk is None else "the connection ended") + " (attach)")
            buf += chunk
        line, _, self.early = buf.partition(b"\n")
        try:
            answer = json.loads(line)
        except ValueError:
            self.end()
            raise MachineError(f"machine {name}: the agent said something that is not JSON: "
                               f"{line[:200]!r}") from None
        if not answer.get("ok"):
            self.end()
            err = MachineError(f"machine {name}: {answer.get('error')}")
            err.exit_code = ExitCode(int(answer.get("code", 1)))
            raise err

    def hangup(self) -> None:
        """Both pipes closed: the agent there ends the verb."""
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None and not f.closed:
                with contextlib.suppress(OSError):
                    f.close()

    def end(self, grace: float = 3.0) -> int:
        """Hung up, and the verb's exit status (the transport killed if it
        lingers `grace` seconds)."""
        self.hangup()
        try:
            return self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def relay(stream: Stream, raw: bool) -> int:
    """This process's stdin and stdout joined to the stream until the verb
    there ends (`raw`: the terminal in raw mode meanwhile: the machine's
    pseudo-terminal does the echo and the line editing); its exit status.
    What stdin gives is passed on as the verb takes it (never blocking what
    it prints), and its end is passed on."""
    import termios
    import tty

    saved = termios.tcgetattr(0) if raw else None
    if raw:
        tty.setraw(0)
    assert stream.proc.stdin is not None
    to = stream.proc.stdin.fileno()
    os.set_blocking(to, False)
    pending, reading = b"", True  # from our stdin, not yet taken; stdin not at its end
    try:
        if stream.early:
            _write_all(1, stream.early)
        while True:
            ins = [stream.fd, *([0] if reading and not pending else [])]
            readable, writable, _ = select.select(ins, [to] if pending else [], [])
            if stream.fd in readable:
                data = os.read(stream.fd, 1 << 16)
                if not data:
                    break
                _write_all(1, data)
            if 0 in readable:
                pending = os.read(0, 1 << 16)
                reading = bool(pending)
            if to in writable or (pending and 0 in readable):
                try:
                    pending = pending[os.write(to, pending):]
                except BlockingIOError:
                    pass
                except BrokenPipeError:  # the verb takes no more: what it prints still counts
                    pending, reading = b"", False
            if not reading and not pending and not stream.proc.stdin.closed:
                stream.proc.stdin.close()  # our stdin ended: so does the verb's
        return stream.end()
    except KeyboardInterrupt:
        stream.end()
        return 130
    except BrokenPipeError:  # who reads our stdout went away
        stream.end()
        return 141
    finally:
        if saved is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, saved)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# ---------------------------------------------------------------- the agent's side of it
def supervise(argv: list[str], size: tuple[int, int] | None, env: dict[str, str]) -> int:
    """Run `argv` on this process's stdio (`size`: on a pseudo-terminal of
    that many rows and columns, relayed) until it ends, or until the
    controller's end of the stdio goes away (it is then ended: nothing is left
    running here); its exit status."""
    if size is not None:
        return _on_terminal(argv, size, env)
    child = subprocess.Popen(argv, start_new_session=True, env=env)
    watch = select.poll()
    pidfd = os.pidfd_open(child.pid)
    watch.register(pidfd, select.POLLIN)
    watch.register(1, 0)  # POLLERR / POLLHUP: nobody reads our stdout any more
    if not any(fd == pidfd for fd, _ in watch.poll()):
        _stop(child.pid, pidfd)
    os.close(pidfd)
    return _code(child.wait())


def _on_terminal(argv: list[str], size: tuple[int, int], env: dict[str, str]) -> int:
    import fcntl
    import pty
    import struct
    import termios

    pid, master = pty.fork()
    if pid == 0:  # the child: on the terminal, as its session's leader
        try:
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    watch = select.poll()
    watch.register(0, select.POLLIN)
    watch.register(master, select.POLLIN)
    watch.register(1, 0)
    gone = False
    while not gone:
        for fd, ev in watch.poll():
            if fd == 1 or (fd == 0 and not ev & select.POLLIN):
                gone = True
                break
            try:
                data = os.read(fd, 1 << 16)
            except OSError:  # EIO: the terminal's last holder ended
                data = b""
            if fd == master and not data:
                os.close(master)
                return _code(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
            if not data:  # the controller's stdin ended: the terminal hangs up
                gone = True
                break
            _write_all(master if fd == 0 else 1, data)
    os.close(master)
    pidfd = os.pidfd_open(pid)
    _stop(pid, pidfd)
    os.close(pidfd)
    return _code(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))


def _stop(pid: int, pidfd: int) -> None:
    """The process group of `pid` ended: hung up and told to end, killed if
    it lingers two seconds (`pidfd`: the process's, to see it end)."""
    import signal

    for sig in (signal.SIGHUP, signal.SIGTERM):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)
    if not select.select([pidfd], [], [], 2.0)[0]:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def _code(code: int) -> int:
    """An exit code as a shell says it (a signal's: 128 + its number)."""
    return 128 - code if code < 0 else code
