"""Where `nslab capture -w` writes: a regular file is written beside itself
under a temporary name and put in place by rename when the capture ends (a
capture that fails, or is refused, leaves the file as it was); a symlink is
refused (nslab does not write through it); a FIFO, a terminal or standard
output is written as it is, without blocking past the capture's deadline (a
FIFO nobody reads, a reader that stopped reading)."""

from __future__ import annotations

import contextlib
import errno
import os
import select
import stat
import tempfile
import time

from nslab.errors import NslabError, UsageError


class Stalled(Exception):
    """The reader of a FIFO or pipe took nothing until the capture's deadline."""


class Sink:
    def __init__(self, target: str, deadline: float | None) -> None:
        self.target, self.deadline = target, deadline
        self.fd = -1
        self.tmp: str | None = None

    def open(self) -> None:
        if self.target == "-":
            self.fd = os.dup(1)
            os.set_blocking(self.fd, False)
            return
        try:
            st = os.lstat(self.target)
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISLNK(st.st_mode):
            raise UsageError(f"-w {self.target}: a symbolic link; nslab does not write through "
                             "it (name the file it points to)")
        if st is not None and (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)):
            self.fd = self._open_stream()
            return
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise UsageError(f"-w {self.target}: not a file nslab can write")
        folder = os.path.dirname(os.path.abspath(self.target))
        try:
            self.fd, self.tmp = tempfile.mkstemp(
                dir=folder, prefix=f".{os.path.basename(self.target)}.", suffix=".part")
        except OSError as e:
            raise NslabError(f"-w {self.target}: cannot write in {folder}: "
                             f"{e.strerror or e}") from None
        os.fchmod(self.fd, 0o644 & ~_umask())

    def _open_stream(self) -> int:
        """A FIFO (or device), opened without waiting for ever for a reader."""
        pause = 0.01
        while True:
            try:
                fd = os.open(self.target, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
                return fd
            except OSError as e:
                if e.errno != errno.ENXIO:  # ENXIO: a FIFO with no reader yet
                    raise NslabError(f"-w {self.target}: {e.strerror or e}") from None
            if self.deadline is not None and time.monotonic() >= self.deadline:
                raise Stalled()
            time.sleep(pause)
            pause = min(pause * 2, 0.2)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.fd, view)
            except BlockingIOError:
                left = None if self.deadline is None else self.deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise Stalled() from None
                select.select([], [self.fd], [], left)
                continue
            view = view[n:]

    def flush(self) -> None:
        pass

    def close(self, keep: bool) -> None:
        """Put the file in place (`keep`) or drop it."""
        if self.fd >= 0:
            if self.target == "-":  # the same open file as stdout: as it was
                os.set_blocking(self.fd, True)
            os.close(self.fd)
            self.fd = -1
        if self.tmp is not None:
            if keep:
                os.replace(self.tmp, self.target)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.tmp)
            self.tmp = None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
