"""`nslab test`: the matrix against ping, expectations that hold and that fail,
convergence, JUnit, and a file's lab brought up and down around its test."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Labs, netns_list, nslab

ROUTED = """
name: x
nodes:
  h1: {}
  h2: {}
  sw: {kind: switch}
  r1: {kind: router}
  r2: {kind: router}
  h3:
    services:
      - {name: web, cmd: "sleep 0.4; exec python3 -m http.server 8080"}
      - name: echo
        cmd: >-
          python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
          s.bind(("0.0.0.0", 7));
          [s.sendto(d, a) for d, a in iter(lambda: s.recvfrom(100), None)]'
links: [[h1, sw], [h2, sw], [sw, r1], [r1, r2], [r2, h3]]
test:
  converge: 5
  expect:
    - {from: h1, to: h3}
    - {from: h1, to: h3, via: r2}
    - {from: h3, to: h1, proto: tcp, port: 22, reach: false}
    - {from: h1, to: h3, proto: tcp, port: 8080}
    - {from: h2, to: h3, proto: udp, port: 7}
    - {node: h3, listens: 8080}
    - {name: web answers, from: h2, to: "h3:eth0", proto: tcp, port: 8080}
"""


def run_json(*args: str) -> tuple[int, dict[str, Any]]:
    r = nslab("test", *args, "--json")
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, json.loads(r.stdout)


def test_a_file_is_brought_up_tested_and_brought_down(labs: Labs, tmp_path: Path) -> None:
    name, path = labs.file(ROUTED)
    junit = tmp_path / "report.xml"
    code, rep = run_json(str(path), "--junit", str(junit))
    assert code == 0, rep
    assert rep["version"] == 1 and rep["ok"] and rep["decided_by"] == "expectations"
    status = {e["text"]: e["status"] for e in rep["expectations"]}
    assert status == {"h1 reaches h3": "pass", "h1 reaches h3 through r2": "pass",
                      "h3 does not reach h1 on tcp/22": "pass",
                      "h1 reaches h3 on tcp/8080": "pass", "h2 reaches h3 on udp/7": "pass",
                      "h3 listens on tcp/8080": "pass", "web answers": "pass"}
    via = next(e for e in rep["expectations"] if e["kind"] == "path")
    assert via["detail"] == "path: h1 -> sw -> r1 -> r2 -> h3"
    web = next(e for e in rep["expectations"] if e["text"] == "h1 reaches h3 on tcp/8080")
    assert web["attempts"] >= 1
    (m,) = rep["matrices"]
    assert m["family"] == 4 and len(m["cells"]) == 5 * 4 and all(c["reached"]
                                                                 for c in m["cells"])
    assert not {n for n in netns_list() if n.startswith(f"{name}-")}  # down again
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "7" and suite.get("failures") == "0"


def test_failing_expectations_exit_10_and_say_why(labs: Labs) -> None:
    name, path = labs.file(ROUTED.replace("  converge: 5\n", "  timeout: 0.3\n").replace(
        "    - {from: h1, to: h3}\n",
        "    - {from: h1, to: h3, reach: false}\n    - {from: h1, to: h3, via: h2}\n"
        "    - {node: h1, listens: 22}\n"))
    code, rep = run_json(str(path), "--no-matrix")
    assert code == 10 and not rep["ok"] and rep["matrices"] == []
    by = {e["text"]: e for e in rep["expectations"]}
    assert by["h1 does not reach h3"]["status"] == "fail"
    assert by["h1 does not reach h3"]["detail"] == "reached it"
    assert by["h1 reaches h3 through h2"]["detail"] == \
        "the path does not pass h2: h1 -> sw -> r1 -> r2 -> h3"
    assert by["h1 listens on tcp/22"]["detail"] == "no tcp socket listens on port 22"
    assert not {n for n in netns_list() if n.startswith(f"{name}-")}
    text = nslab("test", str(path), "--no-matrix")
    assert text.returncode == 10 and f"lab {name}: FAIL: " in text.stdout


def test_the_matrix_agrees_with_ping_on_a_broken_lab(labs: Labs) -> None:
    demo = (ROOT / "examples" / "demo.yaml").read_text()
    name, path = labs.file(demo[:demo.index("test:")])  # no expectations: the matrix decides
    nslab("up", str(path), check=True)
    subprocess.run(["ip", "-n", f"{name}-r1", "link", "set", "eth1", "down"], check=True)
    code, rep = run_json(name, "--timeout", "0.5")
    assert code == 10 and rep["decided_by"] == "matrix"
    (m,) = rep["matrices"]
    assert m["nodes"] == ["h1", "h2", "r1", "h3"]
    for c in m["cells"]:  # ground truth: ping, one process per pair
        ns = f"{name}-{c['src']}"
        pinged = subprocess.run(["ip", "netns", "exec", ns, "ping", "-c1", "-W1", "-q",
                                 c["address"]], capture_output=True).returncode == 0
        assert c["reached"] == pinged, c
    failed = {(c["src"], c["dst"]) for c in m["cells"] if not c["reached"]}
    assert failed == {(a, "h3") for a in ("h1", "h2", "r1")} | {
        ("h3", b) for b in ("h1", "h2", "r1")}
    r1_h3 = next(c for c in m["cells"] if (c["src"], c["dst"]) == ("r1", "h3"))
    assert r1_h3["outcome"] == "unreachable"  # r1's own link is down: no route any more
    text = nslab("test", name, "--timeout", "0.5", "--nodes", "h1,h2,r1")
    assert text.returncode == 0 and "6/6 pairs reach" in text.stdout
    tcp = nslab("test", name, "--proto", "tcp", "--port", "9", "--nodes", "h1,h2")
    assert tcp.returncode == 10 and "R" in tcp.stdout.split("from \\ to")[1]
    bad = nslab("test", name, "--nodes", "h1,nope")
    assert bad.returncode == 4 and "has no node 'nope'" in bad.stderr
    none = nslab("test", name, "--family", "6")
    assert none.returncode == 1 and "nothing to probe" in none.stderr


@pytest.mark.skipif(shutil.which("iperf3") is None, reason="iperf3 is not installed "
                    "(scripts/setup.sh installs it)")
def test_throughput_expectation_with_iperf3(labs: Labs) -> None:
    # a lab just up on a busy machine may take a moment to carry traffic (the kernel
    # brings a link's carrier up from a work queue): expectations are tried for 5 s
    _name, path = labs.file("name: x\nnodes: {a: {}, b: {}}\nlinks: [[a, b]]\ntest:\n"
                            "  converge: 5\n"
                            "  expect:\n    - {from: a, to: b, throughput: 10mbit}\n"
                            "    - {from: a, to: b, throughput: 10000gbit}\n")
    code, rep = run_json(str(path), "--no-matrix")
    ok, too_much = rep["expectations"]
    assert ok["status"] == "pass" and ok["detail"].endswith("Mbit/s measured"), ok["detail"]
    assert too_much["status"] == "fail" and code == 10


def test_a_lab_that_never_converged_counts_it_among_its_checks() -> None:
    """Routing that did not converge is one of the checks counted: never
    'FAIL: 8/8 expectations hold'; JUnit has a case of its own for it."""
    from nslab.records import verdicts as vd
    from nslab.views import testing as tv

    exp = tuple(vd.ExpectResult(k, f"h{k} reaches h9", "reach", "pass", "ok", 1)
                for k in range(8))
    stuck = vd.Convergence(False, 60.0, 3, {"r2": ["10.0.0.1/32"]})
    r = vd.Report("isp", (), exp, 61.0, "expectations", stuck)
    text = tv.report(r)
    assert "FAIL: 8/9 checks hold, routing did not converge" in text
    assert "r2 lacks 10.0.0.1/32" in text
    xml = tv.junit(r)
    assert 'name="routing converges"' in xml and "<failure" in xml
    done = vd.Report("isp", (), exp, 1.0, "expectations", vd.Convergence(True, 0.3, 3, {}))
    assert "PASS: 9/9 checks hold, routing converged" in tv.report(done)
    assert "PASS: 8/8 expectations hold" in tv.report(vd.Report("isp", (), exp, 1.0,
                                                                 "expectations"))
