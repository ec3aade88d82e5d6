"""Testing a client/server program across a routed lab with nslab's pytest
fixture. Run as root:  .venv/bin/python -m pytest examples/pytest -q
"""

from __future__ import annotations

import sys
from pathlib import Path

from nslab.pytest_plugin import MakeLab

HERE = Path(__file__).resolve().parent
ECHO = [sys.executable, str(HERE / "echo.py")]


def test_client_gets_its_answer_across_two_routers(nslab_lab: MakeLab) -> None:
    lab = nslab_lab(HERE / "routed.yaml")  # up now, under a unique name; down after the test
    server, client = lab.node("server"), lab.node("client")
    server.popen([*ECHO, "serve", "--port", "7000"])  # ended when the lab goes down

    report = lab.test(with_matrix=False)  # the file's expectations (waits for the server)
    assert report.ok, [(e.text, e.detail) for e in report.expectations]

    answer = client.run([*ECHO, "send", server.address, "hello, lab"], check=True)
    assert answer.stdout == "HELLO, LAB\n"


def test_a_firewall_on_the_router_breaks_it_and_why_says_so(nslab_lab: MakeLab) -> None:
    lab = nslab_lab(HERE / "routed.yaml")
    server, client = lab.node("server"), lab.node("client")
    server.popen([*ECHO, "serve", "--port", "7000"])
    lab.node("r2").run("nft 'add table inet f; add chain inet f guard { type filter hook forward "
                       "priority 0; }; add rule inet f guard tcp dport 7000 drop'", check=True)

    assert not client.run([*ECHO, "send", server.address, "hi"]).ok
    d = lab.why("client", "server", proto="tcp", port=7000)
    assert not d.reached and d.at == "r2"
    assert "tcp dport 7000 drop" in (d.reason or "")
