"""A lab that comes back after a reboot, in a sandbox that plays the machine
(tests.helpers.sandbox): systemd stood in for by /run/systemd/system and a
systemctl that writes down what it is asked; the reboot by taking the lab
down and emptying /run/nslab; the boot by running the unit's ExecStart as
systemd would (its EnvironmentFile read), twice.

    python -m tests.helpers.boot persist     (inside the sandbox: tests/test_persist.py)
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

from tests.helpers.sandbox import ROOT, enter, nslab, sh, snapshot

FILE = str(ROOT / "examples" / "two-namespaces.yaml")
LAB = "two-ns"
UNIT = Path("/etc/systemd/system/nslab@.service")
ENV = Path(f"/etc/nslab/{LAB}.env")
LOG = Path("/run/systemctl.log")


def _fake_systemd() -> None:
    os.makedirs("/run/systemd/system")
    os.makedirs("/run/bin")
    Path("/run/bin/systemctl").write_text(f'#!/bin/sh\necho "$@" >> {LOG}\n')
    os.chmod("/run/bin/systemctl", 0o755)
    os.environ["PATH"] = f"/run/bin:{os.environ['PATH']}"


def _exec_line(key: str) -> list[str]:
    """The unit's ExecStart= or ExecStop= for the lab, as systemd runs it."""
    env = dict(line.split("=", 1) for line in ENV.read_text().splitlines()
               if line and not line.startswith("#"))
    line = next(ln for ln in UNIT.read_text().splitlines() if ln.startswith(f"{key}="))
    words = shlex.split(line.split("=", 1)[1].replace("%i", LAB))
    return [shlex.split(env["NSLAB_FILE"])[0] if w == "${NSLAB_FILE}" else w for w in words]


def _run(argv: list[str]) -> tuple[int, str]:
    r = sh(shlex.join(argv), check=False)
    return r.returncode, (r.stdout + r.stderr).strip()


def _status() -> dict[str, Any]:
    st: dict[str, Any] = json.loads(nslab("status", LAB, "--json").stdout)
    return {"state": st["state"], "nodes": [(n["name"], n["present"]) for n in st["nodes"]]}


def persist() -> dict[str, Any]:
    out: dict[str, Any] = {}
    before = snapshot()
    refused = nslab("up", "--persist", FILE)  # no systemd here yet
    out["refused"] = [refused.returncode, refused.stderr.strip()]
    out["refused_left"] = sh("ip netns list").stdout.strip()
    _fake_systemd()
    up = nslab("up", "--persist", FILE)
    out["up"] = [up.returncode, up.stdout.strip().splitlines()[-2:]]
    out["unit"] = UNIT.exists() and UNIT.read_text().startswith("# nslab:")
    out["env"] = ENV.read_text() if ENV.exists() else None
    down = nslab("down", LAB)  # the reboot: the lab goes, and /run with it
    out["down_says"] = down.stderr.strip()
    shutil.rmtree("/run/nslab", ignore_errors=True)
    out["after_reboot"] = sh("ip netns list").stdout.strip()
    start = _exec_line("ExecStart")
    out["boot"] = _run(start)
    out["status_after_boot"] = _status()
    out["boot_again"] = _run(start)
    out["status_after_again"] = _status()
    out["stop"] = _run(_exec_line("ExecStop"))
    out["status_after_stop"] = nslab("status", LAB).returncode
    nslab("up", FILE)
    forget = nslab("down", "--forget", LAB)
    out["forget"] = [forget.returncode, forget.stdout.strip()]
    out["left"] = {"unit": UNIT.exists(), "env": ENV.exists(),
                   "namespaces": sh("ip netns list").stdout.strip()}
    out["systemctl"] = LOG.read_text().splitlines()
    # the same with --json: what was written, what was removed
    up_json = json.loads(nslab("up", "--persist", "--json", FILE).stdout)
    out["persisted"] = up_json["persisted"]
    out["forgotten"] = json.loads(nslab("down", "--forget", "--json", LAB).stdout)["forgotten"]
    out["machine_as_before"] = snapshot() == before
    return out


if __name__ == "__main__":
    enter()
    print(json.dumps(globals()[sys.argv[1]](*sys.argv[2:])))
