"""The effectful layer's error paths that need no root: what a failed rollback
does to the error that caused it."""

from __future__ import annotations

import pytest


def test_a_failed_rollback_does_not_hide_the_original_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from nslab.errors import CommandError
    from nslab.verbs import up as lifecycle

    def broken(name: str, journal: object, kernel: object) -> None:
        raise OSError(16, "Device or resource busy")

    monkeypatch.setattr(lifecycle, "teardown", broken)
    err = CommandError("exec on node 'a' failed with status 1")
    lifecycle._roll_back("lab", object(), err, object())  # type: ignore[arg-type]
    assert str(err) == "exec on node 'a' failed with status 1"
    assert err.__notes__ == ["not removed: the rollback stopped: [Errno 16] Device or resource "
                             "busy (nslab down lab tries again)"]
