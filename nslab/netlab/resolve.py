"""Run netlab itself on a netlab topology: `netlab create -o json=FILE`, with
its own library (the `networklab` package: pip install nslab[netlab]), in
the topology's folder (its includes and relative paths resolve as
`netlab create` resolves them there), writing only the resolved model to a
file of nslab's. Then nslab.netlab.to_spec."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from nslab.errors import MissingFeatureError, SpecError
from nslab.netlab import NetlabRefusal, to_spec

RUN = ("import sys\nfrom netsim.cli import main\nsys.argv[0] = 'netlab'\nsys.exit(main())\n")
INSTALL = "pip install 'nslab[netlab]' (netlab's library, the networklab package)"


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec("netsim") is not None


def resolved(path: Path, device: str | None = None) -> dict[str, Any]:
    """netlab's resolved model of the topology at `path`; `device`: the
    device of nodes that name none (default frr)."""
    if not available():
        raise MissingFeatureError(f"{path}: a netlab topology; reading it needs {INSTALL}")
    with tempfile.TemporaryDirectory(prefix="nslab-netlab-") as tmp:
        out = os.path.join(tmp, "model.json")
        # as netlab's own tests are run for a device: `netlab create -d frr`
        argv = [sys.executable, "-c", RUN, "create", "-p", "clab", "-d", device or "frr",
                "-o", f"json={out}", str(path.resolve())]
        r = subprocess.run(argv, cwd=path.resolve().parent, capture_output=True, text=True,
                           timeout=120)
        if r.returncode != 0 or not os.path.exists(out):
            lines = [x.strip() for x in (r.stderr + r.stdout).splitlines() if x.strip()]
            said = next((x for x in lines if "rror" in x), lines[-1] if lines else "no output")
            raise SpecError([f"{path}: netlab could not resolve it: {said}"])
        with open(out, encoding="utf-8") as f:
            model: dict[str, Any] = json.load(f)
    return model


def spec_of(path: Path, device: str | None = None) -> dict[str, Any]:
    """The nslab topology (as data) of a netlab topology file."""
    try:
        return to_spec(resolved(path, device))
    except NetlabRefusal as e:
        raise MissingFeatureError(f"{path}: {e}") from None
