"""The Python API (nslab.Lab) and the pytest plugin (nslab_lab), including
that a lab goes away when the test using it fails or the run is interrupted."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nslab import Lab, NslabError, SpecError
from tests.conftest import ROOT, Labs, kernel, netns_list

CHAIN = {"name": "api", "nodes": {"a": {}, "r": {"kind": "router"}, "b": {}},
         "links": [["a", "r"], ["r", "b"]],
         "test": {"expect": [{"from": "a", "to": "b", "via": "r"}]}}


def test_lab_in_a_with_block(labs: Labs) -> None:
    name = labs.name()
    lab = Lab.from_dict(CHAIN, name=name)
    assert lab.name == name and repr(lab) == f"<nslab lab {name} (down)>"
    with pytest.raises(NslabError, match="is not up"):
        lab.node("a").run(["true"])
    with lab:
        assert {n.name for n in lab.nodes} == {"a", "r", "b"}
        a, b = lab.node("a"), lab.node("b")
        r = a.run(["ping", "-c1", "-W2", b.address])
        assert r.ok and r.returncode == 0 and "1 received" in r.stdout
        assert a.run("echo $((6 * 7)); exit 3").returncode == 3
        assert a.run("cat", input="through stdin").stdout == "through stdin"
        with pytest.raises(NslabError, match="exited 5"):
            a.run("exit 5", check=True)
        with pytest.raises(NslabError, match="has no node 'z'"):
            lab.node("z")
        report = lab.test()
        assert report.ok and report.expectations[0].detail == "path: a -> r -> b"
        assert lab.status()["state"] == "up"
        assert lab.why("a", "b").reached
        assert {s.protocol for s in a.inspect(["sockets"]).sockets or ()} <= {"tcp", "udp"}
        assert len(lab.node("r").inspect(["interfaces"]).interfaces or ()) == 3
    assert not {n for n in netns_list() if n.startswith(f"{name}-")}
    lab.down()  # twice is fine


def test_a_lab_changes_while_it_runs(labs: Labs) -> None:
    """apply, check, stop/start and a timeline, from Python."""
    name = labs.name()
    grown = {**CHAIN, "nodes": {**CHAIN["nodes"], "c": {}},  # type: ignore[dict-item]
             "links": [*CHAIN["links"], ["r", "c"]],  # type: ignore[list-item]
             "timeline": [{"name": "cut", "at": "200ms", "link": ["r", "b"], "state": "down",
                           "for": "500ms"}]}
    with Lab.from_dict(CHAIN, name=name) as lab:
        a_ns = Path(f"/run/netns/{name}-a").stat().st_ino
        res = lab.apply(Lab.from_dict(grown, name=name))
        assert res.change.nodes_added == ("c",) and Path(f"/run/netns/{name}-a").stat(
        ).st_ino == a_ns
        assert lab.node("a").run(["ping", "-c1", "-W2", lab.node("c").address]).ok
        assert lab.check().ok
        assert lab.stop("c").state == "stopped" and lab.check().ok
        assert lab.start("c").state == "running"
        report = lab.run_timeline()
        cut = {e.name: e for e in report.events}["cut"]
        assert any(o.state == "recovered" for o in cut.pairs), cut
        assert lab.check().ok
    assert not {n for n in netns_list() if n.startswith(f"{name}-")}


def test_lab_from_a_file_under_another_name_keeps_line_numbers(labs: Labs,
                                                               tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nnodes:\n  a: {}\nlinks:\n  - [a, nowhere]\n")
    with pytest.raises(SpecError) as info:
        Lab(bad, name="renamed")
    assert info.value.lines[0].startswith(f"{bad}:5:")
    name = labs.name()
    lab = Lab(ROOT / "examples" / "two-namespaces.yaml", name=name)
    assert lab.name == name and lab.source and lab.source.endswith("two-namespaces.yaml")
    with lab:
        assert lab.node(lab.nodes[0].name).namespace == f"{name}-{lab.nodes[0].name}"


def _pytest(path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             str(path), *extra], cwd=path.parent if path.is_file() else path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


PLUGIN_TESTS = '''
import time
from pathlib import Path

TOPOLOGY = "name: plug\\nnodes: {a: {}, b: {}}\\nlinks: [[a, b]]\\n"

def test_passes(nslab_lab):
    lab = nslab_lab(TOPOLOGY)
    assert lab.name.startswith("plug-")
    assert lab.node("a").run(["ping", "-c1", "-W2", lab.node("b").address]).ok
    Path("passed-lab").write_text(lab.name)

def test_fails(nslab_lab):
    lab = nslab_lab(TOPOLOGY)
    Path("failed-lab").write_text(lab.name)
    assert False, "on purpose"

def test_hangs(nslab_lab):
    lab = nslab_lab(TOPOLOGY)
    Path("hung-lab").write_text(lab.name)
    time.sleep(60)
'''


def lab_namespaces(name: str) -> set[str]:
    return {n for n in netns_list() if n.startswith(f"{name}-")}


@kernel
def test_plugin_takes_labs_down_after_pass_and_failure(tmp_path: Path) -> None:
    (tmp_path / "test_plug.py").write_text(PLUGIN_TESTS)
    proc = _pytest(tmp_path / "test_plug.py", "-k", "passes or fails")
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "1 failed, 1 passed" in out, out
    for marker in ("passed-lab", "failed-lab"):
        name = (tmp_path / marker).read_text()
        assert lab_namespaces(name) == set(), marker


@kernel
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_plugin_takes_labs_down_when_the_run_is_interrupted(tmp_path: Path,
                                                            sig: signal.Signals) -> None:
    (tmp_path / "test_plug.py").write_text(PLUGIN_TESTS)
    proc = _pytest(tmp_path / "test_plug.py", "-k", "hangs")
    marker = tmp_path / "hung-lab"
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    name = marker.read_text()
    assert len(lab_namespaces(name)) == 2
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    assert lab_namespaces(name) == set()


@kernel
def test_the_worked_example_passes() -> None:
    proc = _pytest(ROOT / "examples" / "pytest")
    out, _ = proc.communicate(timeout=180)
    assert proc.returncode == 0 and "2 passed" in out, out
    assert not {n for n in netns_list() if n.startswith("echo-")}


@kernel
def test_the_readme_python_example_runs() -> None:
    readme = (ROOT / "docs" / "reference" / "python.md").read_text()
    start = readme.index("```python\nfrom nslab import Lab\n") + len("```python\n")
    code = readme[start:readme.index("```", start)]
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("True ['h1', 'r1', 'r2', 'r3', 'h2']")
    assert not {n for n in netns_list() if n.startswith("chain-")}
