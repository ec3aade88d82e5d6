"""The effectful layer's error paths that need no root: what a failed rollback
does to the error that caused it."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_a_failed_rollback_does_not_hide_the_original_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from nslab.errors import CommandError
    from nslab.running import build as lifecycle

    def broken(name: str, journal: object, kernel: object) -> None:
        raise OSError(16, "Device or resource busy")

    monkeypatch.setattr(lifecycle, "teardown", broken)
    err = CommandError("exec on node 'a' failed with status 1")
    lifecycle._roll_back("lab", object(), err, object())  # type: ignore[arg-type]
    assert str(err) == "exec on node 'a' failed with status 1"
    assert err.__notes__ == ["not removed: the rollback stopped: [Errno 16] Device or resource "
                             "busy (nslab down lab tries again)"]


def test_a_lock_is_waited_for_a_bounded_time_and_its_holder_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nslab.errors import ConflictError
    from nslab.state import journal
    from tests.conftest import lock_held

    monkeypatch.setattr(journal, "ROOT", str(tmp_path))
    with lock_held(tmp_path / ".busy.lock") as pid:
        waited: list[int] = []
        with pytest.raises(ConflictError) as info, \
                journal.locked("busy", on_wait=lambda: waited.append(1), wait=0.3):
            pass
        assert waited == [1]
        assert f"lab 'busy' stayed locked by process {pid} (" in str(info.value)
    with journal.locked("busy", wait=1):  # free again: taken at once
        pass


def test_a_journal_without_its_lab_json_is_said_as_such(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nslab.errors import LabNotFoundError
    from nslab.state import journal
    from nslab.verbs.status import status

    monkeypatch.setattr(journal, "ROOT", str(tmp_path))
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "journal.jsonl").write_text('{"t":"begin","lab":"cut"}\n')
    with pytest.raises(LabNotFoundError, match="lab 'cut' has a journal but no description "
                                               r"\(lab.json\): up was cut short"):
        status("cut")



def test_a_journal_written_by_an_older_nslab_still_replays(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """The machine's records were once named host*: a lab up across an upgrade
    is still taken down whole."""
    from nslab.state import journal

    monkeypatch.setattr(journal, "ROOT", str(tmp_path))
    j = journal.Journal("old")
    j.open()
    j.write(t="begin", lab="old", instance="0")
    j.write(t="hostlink", name="nsl1", alias="nslab old x", index=4000)
    j.write(t="hostbridge", name="nsb1", alias="nslab old br")
    j.write(t="hostnft", table="nslab_old")
    j.write(t="hostsysctl", key="net.ipv4.ip_forward")
    j.write(t="machinelink", name="nsl2", alias="nslab old y")
    j.close()
    rec = j.read()
    assert rec.machine_links == {"nsl1": "nslab old x", "nsb1": "nslab old br",
                                 "nsl2": "nslab old y"}
    assert rec.machine_indexes == {"nsl1": 4000} and rec.machine_tables == ["nslab_old"]
    assert rec.machine_sysctls and rec.bad_lines == 0
