"""Every path that starts a process inside a lab's namespaces leaves it
killable: no child inherits the signal mask nslab holds while a thread visits
a namespace (SIGINT, SIGTERM, SIGHUP blocked), and SIGTERM ends each one."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from nslab import Lab
from nslab.kernel import netns, procs
from nslab.kernel.trace import Tracer
from tests.conftest import Handmade, Labs, kernel

HELD = (1 << (signal.SIGHUP - 1)) | (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))


def blocked(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        line = next(x for x in f if x.startswith("SigBlk:"))
    return int(line.split()[1], 16) & HELD


def ends_on_sigterm(pid: int) -> bool:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not procs._alive(pid):
            return True
        time.sleep(0.02)
    return False


@kernel
def test_a_service_and_a_node_process(labs: Labs) -> None:
    name = labs.name()
    spec = {"name": name, "nodes": {"a": {"services": [{"name": "s", "cmd": ["sleep", "60"]}]},
                                    "b": {}}, "links": [["a", "b"]]}
    with Lab.from_dict(spec, name=name) as lab:
        ino = netns.inode(lab.node("a").namespace)
        assert ino is not None
        (service,) = procs.in_namespaces({ino})
        assert blocked(service) == 0 and ends_on_sigterm(service)
        p = lab.node("b").popen(["sleep", "60"])
        assert blocked(p.pid) == 0
        p.terminate()
        assert p.wait(timeout=30) == -signal.SIGTERM


@kernel
def test_why_tracing_and_tools_run_inside_a_namespace(handmade: Handmade) -> None:
    ns = handmade.ns("t")
    fd = netns.open_fd(ns)
    try:
        r = netns.run(fd, ["grep", "SigBlk", "/proc/self/status"], capture_output=True,
                      text=True)
        assert int(r.stdout.split()[1], 16) & HELD == 0
        with Tracer({"t": fd}, "192.0.2.1", "192.0.2.2") as t:
            (monitor,) = t.monitors.values()
            assert blocked(monitor.pid) == 0
        # and starting one from inside a visit is refused, not silently unkillable
        with netns.entered(fd), pytest.raises(AssertionError, match=r"outside netns\.entered"):
            netns.popen(fd, ["true"], stdout=subprocess.DEVNULL)
    finally:
        os.close(fd)
