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
from tests.helpers.rootless import EGRESS, SMALL, usable


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


def test_what_needs_the_real_machine_is_refused_before_anything_is_made(
        tmp_path: Path) -> None:
    f = tmp_path / "out.yaml"
    f.write_text(EGRESS)
    with pytest.raises(MissingFeatureError, match=r"host\.egress and host\.forward reach the real"):
        rootless.refuse_outside(str(f))
    f.write_text(SMALL)
    if userns.subids() is not None:  # FRR's router r2: refused, with what it needs
        with pytest.raises(MissingFeatureError, match="subordinate ids"):
            rootless.refuse_outside(str(f))
    else:
        rootless.refuse_outside(str(f))


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
    # egress needs the real machine: refused (exit 5), nothing made
    assert out["egress"]["code"] == 5, out["egress"]
    assert "host.egress and host.forward" in out["egress"]["err"]
    assert out["after_egress"] == [] and out["records_after_egress"] == []
    # the pytest fixture, without root (FRR and BIRD)
    assert out["pytest"]["code"] == 0 and "1 passed" in out["pytest"]["out"], out["pytest"]
    assert out["after_pytest"] == []
