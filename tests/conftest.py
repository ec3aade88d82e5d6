"""Shared fixtures. Kernel tests need root; each makes labs with unique names
and checks that nothing of theirs is left, removing it even when they fail."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NSLAB = [sys.executable, "-m", "nslab"]

_needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="kernel tests need root")
# fixtures that make namespaces: a test that uses one needs root and a real kernel
KERNEL_FIXTURES = {"labs", "handmade", "hand", "nslab_lab"}


def kernel(test: Any) -> Any:
    """A test that needs root and a real kernel: marked `kernel` (deselect the
    lane with -m "not kernel") and skipped, with that reason, without root."""
    return pytest.mark.kernel(_needs_root(test))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses a fixture making namespaces carries the marker too."""
    for item in items:
        if KERNEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.kernel)


def netns_list() -> set[str]:
    return set(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else set()


def host_links() -> set[str]:
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}


def neigh_limits() -> list[str]:
    return [Path(f"/proc/sys/net/ipv{v}/neigh/default/gc_thresh{i}").read_text()
            for v in (4, 6) for i in (1, 2, 3)]


def nslab(*args: str, check: bool = False,
          timeout: float = 120) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([*NSLAB, *args], capture_output=True, text=True, timeout=timeout,
                       cwd=ROOT)
    if check and r.returncode != 0:
        raise AssertionError(f"nslab {' '.join(args)} -> {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def ping(ns: str, addr: str, tries: int = 5) -> bool:
    for _ in range(tries):
        r = subprocess.run(["ip", "netns", "exec", ns, "ping", "-c1", "-W1", "-q", addr],
                           capture_output=True)
        if r.returncode == 0:
            return True
        time.sleep(0.1)
    return False


class Labs:
    """Makes uniquely named copies of topology files; downs them all at the end."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.names: list[str] = []

    def name(self) -> str:
        n = f"t{uuid.uuid4().hex[:7]}"
        self.names.append(n)
        return n

    def file(self, text: str, name: str | None = None) -> tuple[str, Path]:
        name = name or self.name()
        if name not in self.names:
            self.names.append(name)
        text = re.sub(r"^name:.*$", f"name: {name}", text, count=1, flags=re.M)
        path = self.tmp / f"{name}.yaml"
        path.write_text(text)
        return name, path

    def example(self, stem: str) -> tuple[str, Path]:
        return self.file((EXAMPLES / f"{stem}.yaml").read_text())


@pytest.fixture
def labs(tmp_path: Path) -> Iterator[Labs]:
    if os.geteuid() != 0:
        pytest.skip("kernel tests need root")
    before_ns, before_links, before_neigh = netns_list(), host_links(), neigh_limits()
    etc_netns = os.path.isdir("/etc/netns")
    made = Labs(tmp_path)
    yield made
    for name in made.names:
        nslab("down", name)
    leaked = {n for n in netns_list() - before_ns
              if any(n.startswith(f"{lab}-") for lab in made.names)}
    for n in leaked:  # the test failed to clean up: remove, then fail loudly
        subprocess.run(["ip", "netns", "del", n], capture_output=True)
    assert not leaked, f"namespaces left behind: {sorted(leaked)}"
    etc = set(os.listdir("/etc/netns")) if os.path.isdir("/etc/netns") else set()
    files = {n for n in etc if any(n.startswith(f"{lab}-") for lab in made.names)}
    for n in files:
        subprocess.run(["rm", "-rf", f"/etc/netns/{n}"])
    assert not files, f"/etc/netns entries left behind: {sorted(files)}"
    if not etc_netns and os.path.isdir("/etc/netns") and not os.listdir("/etc/netns"):
        os.rmdir("/etc/netns")
        raise AssertionError("/etc/netns was made and left behind")
    assert host_links() == before_links
    assert neigh_limits() == before_neigh, "host neighbour table limits not restored"


class Handmade:
    """Namespaces and processes a test makes by hand (with `ip`), all removed
    at the end: processes by pid, namespaces by the names made here."""

    def __init__(self) -> None:
        self.prefix = f"x{uuid.uuid4().hex[:6]}"
        self.namespaces: list[str] = []
        self.procs: list[subprocess.Popen[bytes]] = []

    def ns(self, suffix: str) -> str:
        name = f"{self.prefix}-{suffix}"
        subprocess.run(["ip", "netns", "add", name], check=True)
        self.namespaces.append(name)
        return name

    def sh(self, *commands: str) -> None:
        for c in commands:
            r = subprocess.run(c, shell=True, capture_output=True, text=True)
            assert r.returncode == 0, f"{c}: {r.stderr}"

    def start(self, argv: list[str]) -> subprocess.Popen[bytes]:
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def cleanup(self) -> None:
        for p in self.procs:
            p.kill()
            p.wait()
        for n in self.namespaces:
            subprocess.run(["ip", "netns", "del", n], capture_output=True)


@pytest.fixture
def handmade() -> Iterator[Handmade]:
    if os.geteuid() != 0:
        pytest.skip("kernel tests need root")
    made = Handmade()
    try:
        yield made
    finally:
        made.cleanup()
    assert not {n for n in netns_list() if n.startswith(made.prefix)}


@contextlib.contextmanager
def lock_held(path: Path) -> Iterator[int]:
    """Another process holds the flock on `path` for the body; yields its pid."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, time\n"
         f"fd = os.open({str(path)!r}, os.O_RDWR | os.O_CREAT)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()
