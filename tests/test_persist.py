"""Labs that come back after a reboot (nslab.running.persist): the unit and
the environment file written, systemctl asked in order, only nslab's files
removed, refused where PID 1 is not systemd; the unit passes systemd-analyze
verify (with the man page it names). Pure: systemctl and the folders faked;
the boot itself is simulated in a sandbox by tests/test_host.py."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from nslab.errors import MissingFeatureError, NslabError
from nslab.running import persist
from tests.helpers import sandbox

ROOT = Path(__file__).resolve().parent.parent


class Systemctl:
    def __init__(self, fail: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail

    def __call__(self, argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(argv))
        code = 1 if self.fail and self.fail in argv else 0
        return subprocess.CompletedProcess(list(argv), code, "", "Failed: no bus" if code else "")


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(persist, "UNIT_DIR", tmp_path / "systemd")
    monkeypatch.setattr(persist, "CONF_DIR", tmp_path / "nslab")
    monkeypatch.setattr(persist, "booted_by_systemd", lambda: True)
    return tmp_path


def test_persist_writes_the_unit_and_the_labs_file_then_enables_it(machine: Path) -> None:
    run = Systemctl()
    written = persist.persist("demo", str(ROOT / "examples" / "demo.yaml"), run)
    unit, env = machine / "systemd" / "nslab@.service", machine / "nslab" / "demo.env"
    assert written == [str(unit), str(env)]
    assert unit.read_text() == persist.unit_text()
    assert env.read_text().splitlines()[1] == f"NSLAB_FILE={ROOT / 'examples' / 'demo.yaml'}"
    assert run.calls == [["systemctl", "daemon-reload"],
                         ["systemctl", "enable", "--now", "nslab@demo.service"]]
    assert persist.persisted() == ["demo"]
    persist.persist("other", str(ROOT / "examples" / "diamond.yaml"), run)
    assert persist.persisted() == ["demo", "other"]
    # forgetting one keeps the template for the other; the last takes it along
    assert persist.forget("demo", run) == [str(env)]
    assert unit.exists() and run.calls[-1] == ["systemctl", "disable", "--now",
                                               "nslab@demo.service"]
    assert persist.forget("other", run)[-1] == str(unit) and not unit.exists()
    assert run.calls[-1] == ["systemctl", "daemon-reload"]
    assert persist.forget("other", run) == []  # twice: nothing left, nothing asked
    assert persist.persisted() == []


def test_files_that_are_not_nslabs_are_neither_written_over_nor_removed(machine: Path) -> None:
    (machine / "nslab").mkdir()
    theirs = machine / "nslab" / "demo.env"
    theirs.write_text("NSLAB_FILE=/somewhere/else.yaml\n")
    with pytest.raises(NslabError, match=r"demo\.env exists and is not nslab's"):
        persist.persist("demo", str(ROOT / "examples" / "demo.yaml"), Systemctl())
    assert persist.forget("demo", Systemctl()) == []
    assert theirs.read_text() == "NSLAB_FILE=/somewhere/else.yaml\n"


def test_a_systemctl_failure_is_said(machine: Path) -> None:
    with pytest.raises(NslabError, match=r"systemctl enable --now nslab@demo\.service failed: "
                                         r"Failed: no bus"):
        persist.persist("demo", str(ROOT / "examples" / "demo.yaml"), Systemctl("enable"))


def test_refused_where_pid_1_is_not_systemd(machine: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(persist, "booted_by_systemd", lambda: False)
    run = Systemctl()
    with pytest.raises(MissingFeatureError, match="--persist needs systemd as PID 1"):
        persist.persist("demo", str(ROOT / "examples" / "demo.yaml"), run)
    assert run.calls == [] and not (machine / "nslab").exists()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed")
def test_the_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    (tmp_path / "nslab@.service").write_text(persist.unit_text())
    man = tmp_path / "man" / "man1"
    man.mkdir(parents=True)
    shutil.copy(ROOT / "nslab" / "data" / "nslab.1", man / "nslab.1")  # Documentation=
    r = subprocess.run(["systemd-analyze", "verify", "./nslab@demo.service"], cwd=tmp_path,
                       capture_output=True, text=True, env={"MANPATH": str(tmp_path / "man"),
                                                            "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr


@pytest.mark.kernel
@pytest.mark.skipif(not sandbox.available(), reason="needs root and unshare (net, mount, pid)")
def test_a_persisted_lab_comes_back_at_boot_and_booting_twice_changes_nothing() -> None:
    out = sandbox.run("tests.helpers.boot", "persist")
    assert out["refused"][0] == 5 and "--persist needs systemd as PID 1" in out["refused"][1]
    assert out["refused_left"] == ""  # refused before anything was made
    assert out["up"][0] == 0 and "comes back after a reboot" in out["up"][1][0]
    assert out["unit"] and out["env"].splitlines()[1] == \
        f"NSLAB_FILE={ROOT / 'examples' / 'two-namespaces.yaml'}"
    assert "comes back after a reboot; nslab down --forget two-ns" in out["down_says"]
    assert out["after_reboot"] == ""
    assert out["boot"][0] == 0, out["boot"]
    assert out["status_after_boot"] == {"state": "up", "nodes": [["a", True], ["b", True]]}
    assert out["boot_again"] == [0, "lab two-ns is as the file says: nothing to change"]
    assert out["status_after_again"] == out["status_after_boot"]
    assert out["stop"][0] == 0 and out["status_after_stop"] == 4  # down: not up any more
    assert out["forget"][0] == 0 and "no longer comes back" in out["forget"][1]
    assert out["left"] == {"unit": False, "env": False, "namespaces": ""}
    assert out["systemctl"] == ["daemon-reload", "enable --now nslab@two-ns.service",
                                "disable --now nslab@two-ns.service", "daemon-reload"]
    assert out["persisted"] == [str(persist.UNIT_DIR / persist.UNIT),
                                "/etc/nslab/two-ns.env"]
    assert out["forgotten"] == ["/etc/nslab/two-ns.env", str(persist.UNIT_DIR / persist.UNIT)]
    assert out["machine_as_before"]
