"""The command line's numbers, each checked against its range as it is read
(argparse turns the message into a usage error, exit 2): no number reaches the
library that it cannot take (a port of 99999, a speed of 1e-300)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value


def seconds(text: str) -> float:
    """A duration in (0, 60] seconds."""
    value = _number(text)
    if not 0 < value <= 60:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds in (0, 60]")
    return value


def speed(text: str) -> float:
    """How many times faster a timeline plays: 0.01 to 100."""
    value = _number(text)
    if not 0.01 <= value <= 100:
        raise argparse.ArgumentTypeError(f"'{text}' is not a speed from 0.01 to 100")
    return value


def whole(low: int, high: int, what: str) -> Callable[[str], int]:
    """A whole number from `low` to `high`."""
    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"'{text}' is not {what} ({low} to {high})")
        return value
    parse.__name__ = what  # argparse names the type in its messages
    return parse


port = whole(1, 65535, "a port")
listen_port = whole(0, 65535, "a port to serve on (0: any free one)")
packets = whole(1, 1_000_000_000, "a number of packets")
cycles = whole(1, 100_000, "a number of cycles")
