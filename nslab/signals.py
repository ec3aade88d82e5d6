"""Holding the signals that stop nslab (Ctrl-C, SIGTERM, SIGHUP) over the few
moments that must not be cut in two: a namespace made but not yet named, a
lock taken but not yet guarded, a thread visiting a namespace."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

STOPPING = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


@contextmanager
def deferred() -> Iterator[None]:
    """Hold them until the body is done; they arrive right after."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def held() -> bool:
    """Whether this thread holds them now (inside `deferred`)."""
    return bool(STOPPING & signal.pthread_sigmask(signal.SIG_BLOCK, ()))
