"""pytest plugin (installed with nslab): the `nslab_lab` fixture brings labs
up for one test and always takes them down, whether the test passes, fails,
or the run is interrupted (Ctrl-C, SIGTERM).

    def test_client_reaches_server(nslab_lab):
        lab = nslab_lab("tests/routed.yaml")          # up, under a unique name
        r = lab.node("client").run(["ping", "-c1", lab.node("server").address])
        assert r.ok, r.stderr

`nslab_lab(source, name=None, unique=True)`: `source` as for nslab.Lab (a
file, YAML text, or a resolved lab); with `unique` the lab runs under a fresh
name (its own plus a random suffix), so tests and runs never collide.
Without root, the test process first moves into user, mount and network
namespaces of its own (nslab.api.rootless), where its labs live; tests that
use it are skipped (with the reason) where user namespaces are not allowed.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest

from nslab.api import Lab, rootless
from nslab.errors import NslabError

_LIVE: dict[str, Lab] = {}  # labs this process brought up and has not taken down yet

MakeLab = Callable[..., Lab]


def _unique_name(base: str) -> str:
    return f"{base[:11].rstrip('-')}-{uuid.uuid4().hex[:8]}"


def _down_all() -> None:
    for name in list(_LIVE):
        lab = _LIVE.pop(name)
        with suppress(NslabError, OSError):
            lab.down()


@pytest.fixture
def nslab_lab() -> Iterator[MakeLab]:
    """A factory: call it with a topology (file, text or model) to get a lab
    that is up; every lab it made is taken down after the test."""
    made: list[Lab] = []

    def make(source: str | Path | Any, *, name: str | None = None, unique: bool = True) -> Lab:
        try:
            rootless()  # without root: labs in namespaces of this process's own
        except NslabError as e:
            pytest.skip(f"nslab labs need root, or user namespaces: {e}")
        lab = Lab(source)
        if name is not None or unique:
            if lab.source is not None:
                lab = Lab(Path(lab.source), name=name or _unique_name(lab.name))
            elif isinstance(source, str):
                lab = Lab(source, name=name or _unique_name(lab.name))
        made.append(lab)
        _LIVE[lab.name] = lab
        lab.up()
        return lab

    try:
        yield make
    finally:
        errors = []
        for lab in reversed(made):
            try:
                lab.down()
            except NslabError as e:
                errors.append(str(e))
            finally:
                _LIVE.pop(lab.name, None)
        if errors:
            raise NslabError("; ".join(errors))


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    # SIGTERM (CI timeouts, `kill`) ends the run the way Ctrl-C does, so that
    # pytest_unconfigure still takes the labs down
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        with suppress(ValueError):  # not the main thread
            signal.signal(signal.SIGTERM, _terminate)


def pytest_unconfigure(config: pytest.Config) -> None:
    _down_all()  # anything a test left up because the run was cut short
    from nslab.running.rootless import end_private

    end_private()
