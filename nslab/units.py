"""Every number with a unit that nslab reads, one parser each, with tc's
meanings everywhere (a rate in a link, an impairment, a timeline event, an
expected throughput, `nslab link set`):

- a rate: `bit` is bits per second, `bps` is BYTES per second (as tc reads it),
  with k, m, g, t (decimal): `10mbit` = 10,000,000 bit/s, `10mbps` =
  80,000,000 bit/s. A unit that could be either (`10m`, `10mb`, `10mb/s`,
  `10Mbit/s` is fine) or none at all is an error that names both readings;
- a percentage: `0.5%`, from 0% to 100%;
- a time: `20ms`, `500us`, `1s`, at most a minute.
Pure."""

from __future__ import annotations

import re

_RATE = re.compile(r"(\d+(?:\.\d+)?)([kmgt]?)(bit|bps)(/s)?", re.IGNORECASE)
_VAGUE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(b|b/s|/s)?", re.IGNORECASE)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(us|ms|s)")
_SCALE = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}


def rate(text: str, low: float = 0.0, high: float = float("inf")) -> float:
    """A rate in bits per second (see the module); `low`..`high`: its range."""
    t = text.strip()
    m = _RATE.fullmatch(t)
    if m is None or (m.group(4) and m.group(3).lower() == "bps"):  # 10mbps/s: which?
        vague = _VAGUE.fullmatch(t)
        if vague:
            n, k = vague.group(1), vague.group(2).lower()
            raise ValueError(f"'{text}' is ambiguous: write {n}{k}bit ({n} {_word(k)}bits per "
                             f"second) or {n}{k}bps ({n} {_word(k)}bytes per second, as tc "
                             "reads it)")
        raise ValueError(f"'{text}' is not a rate such as 10mbit, 500kbit, 1gbit or 125kbps "
                         "(bytes per second)")
    bits = float(m.group(1)) * _SCALE[m.group(2).lower()] * (
        8 if m.group(3).lower() == "bps" else 1)
    if not low <= bits <= high or bits <= 0:
        raise ValueError(f"{text} is outside {bits_text(low)} to {bits_text(high)}")
    return bits


def _word(k: str) -> str:
    return {"": "", "k": "kilo", "m": "mega", "g": "giga", "t": "tera"}[k]


def bits_text(bps: float) -> str:
    """A rate as tc prints it: 10Mbit, 500Kbit, 1Gbit."""
    if bps == float("inf"):
        return "any rate"
    for unit, size in (("Tbit", 1e12), ("Gbit", 1e9), ("Mbit", 1e6), ("Kbit", 1e3)):
        if bps >= size:
            return f"{bps / size:g}{unit}"
    return f"{bps:g}bit"


def percent(text: str) -> float:
    """'1%' -> 0.01; from 0% to 100%."""
    m = _PERCENT.fullmatch(text.strip())
    if not m or float(m.group(1)) > 100:
        raise ValueError(f"'{text}' is not a percentage such as 1% or 0.5%")
    return float(m.group(1)) / 100


def duration_ms(text: str) -> float:
    """A time as tc writes it (20ms, 500us, 1s), in milliseconds."""
    m = _DURATION.fullmatch(text.strip())
    if not m:
        raise ValueError(f"'{text}' is not a time such as 20ms, 500us or 1s")
    ms = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    if ms > 60_000:
        raise ValueError(f"{text} is more than a minute")
    return ms


MTU_MIN, MTU_MAX = 68, 65535  # what a veth takes (IPv4's minimum; IPv6 needs 1280)
RATE_MIN, RATE_MAX = 8_000, 100e9  # bits per second that tbf shapes well


def link_rate(text: str) -> float:
    """A link's rate, in bits per second, within what tbf shapes well."""
    try:
        return rate(text, RATE_MIN, RATE_MAX)
    except ValueError as e:
        if "outside" in str(e):
            raise ValueError(f"{text} is outside what nslab shapes (8kbit to 100gbit)"
                             ) from None
        raise


def mtu(text: str) -> int:
    """An MTU in bytes."""
    if not text.strip().isdigit() or not MTU_MIN <= int(text) <= MTU_MAX:
        raise ValueError(f"'{text}' is not an MTU: a number of bytes from {MTU_MIN} to "
                         f"{MTU_MAX}")
    return int(text)


# what a running lab's link end can be set to (nslab link set, a timeline's
# set:, the web page): its word and its parser; one place for all of them
LINK_SETTINGS: dict[str, object] = {"rate": link_rate, "loss": percent, "mtu": mtu,
                                    "delay": duration_ms, "jitter": duration_ms,
                                    "duplicate": percent, "reorder": percent,
                                    "corrupt": percent}
# the settings netem does (on a kernel without sch_netem: the wire, nslab.plan.wire)
NETEM_SETTINGS = ("delay", "jitter", "duplicate", "reorder", "corrupt")


def link_setting(key: str, text: str) -> float | int:
    """A link setting's value (ValueError naming the keys when `key` is none)."""
    if key not in LINK_SETTINGS:
        raise ValueError(f"no link setting '{key}' (settings: {', '.join(LINK_SETTINGS)})")
    parse = LINK_SETTINGS[key]
    assert callable(parse)
    value: float | int = parse(text)
    return value
