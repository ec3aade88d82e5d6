"""nslab graph FILE|LAB"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nslab.errors import ExitCode, NslabError, UsageError

HELP = "draw a lab: from its file, or live from a running lab"
FORMATS = ("svg", "png", "dot", "mermaid")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", metavar="FILE|LAB")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write here (format from the suffix unless --format says)")
    p.add_argument("--format", choices=FORMATS,
                   help="default: dot on stdout, or the suffix of -o")


def _rendered(dot: str, fmt: str) -> bytes:
    """Graphviz draws `dot` as svg or png."""
    import shutil
    import subprocess

    if shutil.which("dot") is None:
        raise NslabError("Graphviz is not installed (apt install graphviz); or use "
                         "--format dot or --format mermaid")
    r = subprocess.run(["dot", f"-T{fmt}"], input=dot.encode(), capture_output=True)
    if r.returncode != 0:
        raise NslabError(f"graphviz failed: {r.stderr.decode().strip()[:200]}")
    return r.stdout


def run(a: argparse.Namespace) -> int:
    fmt = a.format or (Path(a.output).suffix.lstrip(".") if a.output else "dot")
    if fmt not in FORMATS:
        raise UsageError(f"cannot draw '{fmt}': use --format svg, png, dot or mermaid")
    from nslab.verbs.graph import source
    from nslab.views import graph

    data, state, title = source(a.target)
    if fmt == "mermaid":
        out = graph.to_mermaid(data, state).encode()
    else:
        dot = graph.to_dot(data, state, title)
        out = dot.encode() if fmt == "dot" else _rendered(dot, fmt)
    target = a.output or (f"{data['name']}.{fmt}" if fmt in ("svg", "png") else None)
    if target is None:
        sys.stdout.write(out.decode())
    else:
        Path(target).write_bytes(out)
        print(f"wrote {target} ({len(data['nodes'])} nodes)")
    return ExitCode.OK
