"""Labs without root: which lab a verb acts on and what is refused (pure),
and an ordinary user made for the run building, testing and removing labs
in user namespaces, the holder's end taking everything with it, and the
pytest fixture (kernel: tests/helpers/rootless.py in a sandbox)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import pytest

from nslab.cli import rootless as cli_rootless
from nslab.errors import MissingFeatureError
from nslab.kernel import userns
from nslab.running import rootless
from tests.helpers import sandbox
from tests.helpers.rootless import OUTSIDE, SMALL, usable


def _args(**kw: Any) -> argparse.Namespace:
    return argparse.Namespace(**kw)


def test_each_verb_finds_its_lab_by_name_or_by_its_file(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text(SMALL)
    assert cli_rootless.lab_of("up", _args(file=str(f))) == ("small", str(f))
    assert cli_rootless.lab_of("down", _args(target=str(f))) == ("small", str(f))
    assert cli_rootless.lab_of("down", _args(target="small")) == ("small", None)
    assert cli_rootless.lab_of("test", _args(target=str(f))) == ("small", str(f))
    assert cli_rootless.lab_of("exec", _args(lab="small", node="a")) == ("small", None)
    assert cli_rootless.lab_of("inspect", _args(target="small")) == ("small", None)
    assert cli_rootless.lab_of("status", _args(name=None)) is None  # every lab
    assert cli_rootless.lab_of("list", _args()) is None
    assert cli_rootless.lab_of("web", _args(labs=["small"])) == ("small", None)


def test_verbs_that_touch_no_lab_never_go_rootless() -> None:
    for verb in ("validate", "plan", "new", "schema", "doctor", "completion"):
        assert not cli_rootless.wanted(verb, _args(rootless=True))
    assert cli_rootless.wanted("up", _args(rootless=True))


def test_what_a_rootless_lab_cannot_have_is_refused_before_anything_is_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "out.yaml"
    f.write_text(OUTSIDE)
    monkeypatch.setattr(rootless.shutil, "which", lambda _t: None)
    with pytest.raises(MissingFeatureError, match=r"slirp4netns, which is not installed"):
        rootless.refuse_outside(str(f))
    monkeypatch.undo()
    f.write_text(SMALL)
    monkeypatch.setattr(userns, "subids", lambda: "newuidmap is not installed")
    with pytest.raises(MissingFeatureError, match=r"FRR \(r2\) drops to its own user.*"
                                                  r"newuidmap is not installed; or use BIRD"):
        rootless.refuse_outside(str(f))


def test_the_way_out_takes_a_subnet_the_lab_does_not_use(tmp_path: Path) -> None:
    from nslab.model.compile import compile_text

    lab = compile_text(OUTSIDE)
    assert rootless.way_out_subnet(lab) == "10.0.2.0/24"
    taken = OUTSIDE.replace("links: [[h1, r1]]", "links: [[h1, r1]]\naddressing: "
                            "{pool: 10.0.2.0/24}")
    assert rootless.way_out_subnet(compile_text(taken)) == "10.254.254.0/24"


def test_a_record_of_a_holder_that_ended_is_forgotten(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert userns.state_dir() == tmp_path / "nslab"
    (tmp_path / "nslab").mkdir()
    # this process's pid with another start time: a pid reused, not the holder
    record = tmp_path / "nslab" / "gone.pid"
    record.write_text(json.dumps({"pid": os.getpid(), "start": 1, "subids": False}))
    assert userns.find("gone") is None and not record.exists()
    assert userns.holders() == []
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "missing"))
    assert userns.state_dir() == Path.home() / ".local" / "state" / "nslab"


@pytest.mark.kernel
@pytest.mark.skipif(not sandbox.available(), reason="needs root and unshare (net, mount, pid)")
@pytest.mark.skipif(usable() is not None, reason=f"{usable()}")
def test_an_ordinary_user_runs_labs_in_user_namespaces() -> None:
    out = sandbox.run("tests.helpers.rootless", "user", timeout=300)
    # a 20-node routed lab (FRR and BIRD) up and tested as that user
    assert out["up"]["code"] == 0, out["up"]
    report = json.loads(out["test"]["out"])
    assert out["test"]["code"] == 0 and report["ok"] is True, out["test"]
    assert report["convergence"]["complete"] is True
    # later commands find it: status, list, exec (its own hostname), vtysh
    assert json.loads(out["status"]["out"])["state"] == "up"
    assert [x["name"] for x in json.loads(out["list"]["out"])["labs"]] == ["chain20"]
    assert out["hostname"]["out"] == "h3\n"
    assert "Full" in out["vtysh"]["out"], out["vtysh"]
    assert any("nslab.kernel.holder" in p for p in out["running"])
    assert sum("bird -c" in p for p in out["running"]) == 5
    # down: no process of the user, no record
    assert out["down"]["code"] == 0 and "removed 20 namespaces" in out["down"]["out"]
    assert out["after_down"] == [] and out["records_after_down"] == []
    # the holder killed: the lab's processes end with it, and the lab is no more
    assert out["small_up"]["code"] == 0, out["small_up"]
    assert any("bird -c" in p for p in out["small_running"])
    assert out["after_kill"] == [] and out["records_after_kill"] == []
    assert out["status_after_kill"]["code"] == 4
    assert "lab 'small' is not up" in out["status_after_kill"]["err"]
    # FRR for a user without subordinate ids: refused (exit 5), nothing made
    assert out["no_ids"]["code"] == 5, out["no_ids"]
    assert "FRR (r2) drops to its own user" in out["no_ids"]["err"]
    assert "/etc/subuid gives nslabtest2 no range" in out["no_ids"]["err"]
    assert out["after_no_ids"] == [] and out["records_after_no_ids"] == []
    # the pytest fixture, without root (FRR and BIRD)
    assert out["pytest"]["code"] == 0 and "1 passed" in out["pytest"]["out"], out["pytest"]
    assert out["after_pytest"] == []


@pytest.mark.kernel
@pytest.mark.skipif(not sandbox.available(), reason="needs root and unshare (net, mount, pid)")
@pytest.mark.skipif(usable() is not None, reason=f"{usable()}")
def test_a_rootless_lab_reaches_out_and_is_reached_through_slirp4netns() -> None:
    """host.egress: a node reaches a server on the machine's loopback (10.0.2.2
    is the machine to slirp4netns); host.forward: the machine's port 8080
    reaches a node's service; slirp4netns ends with the lab."""
    out = sandbox.run("tests.helpers.rootless", "outside", timeout=300)
    assert out["up"]["code"] == 0, out["up"]
    assert "egress: the lab's subnets masqueraded out of tap0" in out["up"]["out"]
    assert out["to_machine"] == "200" and out["from_machine"] == "200", out
    assert any(p.split()[2] == "slirp4netns" for p in out["running"]), out["running"]
    assert out["down"]["code"] == 0 and out["after_down"] == []


def test_root_goes_rootless_when_asked_or_for_a_lab_that_lives_in_a_holder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("NSLAB_ROOTLESS", raising=False)
    assert not cli_rootless.wanted("status", _args(name="small"))  # no holder: the machine
    monkeypatch.setenv("NSLAB_ROOTLESS", "1")
    assert cli_rootless.wanted("status", _args(name="small"))
    monkeypatch.delenv("NSLAB_ROOTLESS")
    (tmp_path / "nslab").mkdir()
    (tmp_path / "nslab" / "small.pid").write_text(json.dumps(
        {"pid": os.getpid(), "start": userns._start_time(os.getpid()), "subids": False}))
    assert cli_rootless.wanted("status", _args(name="small"))  # its holder is alive
    assert not cli_rootless.wanted("status", _args(name="other"))


def test_the_web_page_of_a_rootless_lab_is_served_on_a_socket_made_outside() -> None:
    from nslab.web import server

    server.listen_outside("127.0.0.1", 0)
    made = server._OUTSIDE[0]
    srv, _app = server.make(server.Options("127.0.0.1", 0, None, False, None))
    try:
        assert srv.socket is made and server._OUTSIDE == []
        assert srv.server_port == made.getsockname()[1] != 0
    finally:
        srv.server_close()
