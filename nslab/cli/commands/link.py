"""nslab link LAB A [B] [ACTION [KEY=VALUE...]]"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nslab.cli import numbers
from nslab.cli.common import print_json
from nslab.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from nslab.verbs.link import End, LinkView

HELP = ("show or change a running lab's link: A B (the link between two nodes) or NODE:IFACE "
        "(one end), then show, down, up, set rate=RATE loss=PERCENT mtu=BYTES delay=MS "
        "jitter=MS duplicate=% reorder=% corrupt=% (netem, or the wire where the kernel has "
        "no netem), clear (back to the file), flap")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lab")
    p.add_argument("words", nargs="+", metavar="A [B] [ACTION [KEY=VALUE...]]")
    p.add_argument("--period", type=numbers.seconds, default=2.0, metavar="S",
                   help="flap: one down and up cycle takes this long (default 2)")
    p.add_argument("--count", type=numbers.cycles, default=3, metavar="N",
                   help="flap: this many cycles (default 3)")
    p.add_argument("--json", action="store_true")


def _netem(e: End) -> str:
    n = e.netem
    if n is None:
        return ""
    out = [f"delayed {n.delay_ms:g}ms" + (f" (jitter {n.jitter_ms:g}ms)" if n.jitter_ms else "")] \
        if n.delay_ms or n.jitter_ms else []
    out += [f"{share * 100:g}% {word}" for word, share in (
        ("duplicated", n.duplicate), ("reordered", n.reorder), ("corrupted", n.corrupt))
        if share]
    return ", " + ", ".join(out)


def _said(view: LinkView) -> list[str]:
    lines = []
    for e in view.ends:
        rate = f"{e.rate_bps / 1e6:g}mbit" if e.rate_bps else "no limit"
        peer = next((p for p in view.peers if p.name != e.name), None)
        loss = f"{peer.loss * 100:g}%" if peer and peer.loss else "0%"
        lines.append(f"{e.name}: {'up' if e.up else 'DOWN'}, sends at {rate}, "
                     f"{loss} of what it sends lost{_netem(e)}"
                     f"{' (changed)' if e.changed else ''}")
    return lines


def run(a: argparse.Namespace) -> int:
    from nslab.verbs import link

    words = list(a.words)
    at = next((k for k, w in enumerate(words) if w in link.ACTIONS), len(words))
    names, action, rest = words[:at], (words[at] if at < len(words) else "show"), \
        words[at + 1:]
    props = dict(w.split("=", 1) for w in rest if "=" in w)
    if len(props) != len(rest) or (rest and action != "set"):
        raise UsageError(f"{action} takes no {' '.join(rest)}" if action != "set"
                         else "set takes KEY=VALUE words: rate=1mbit loss=5%")

    def say(view: LinkView) -> None:
        if a.json:
            print_json({"version": 1, **view.to_dict()})
        else:
            print("\n".join(_said(view)))

    if action == "flap":
        view = link.flap(a.lab, names, a.period, a.count, None if a.json else say)
        if a.json:
            say(view)
        return ExitCode.OK
    say(link.change(a.lab, names, action, props))
    return ExitCode.OK
