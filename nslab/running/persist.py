"""Labs that come back after a reboot (`nslab up --persist FILE`, ended by
`nslab down --forget LAB`): a templated systemd unit, nslab@.service
(oneshot, RemainAfterExit; ExecStart applies the lab's file, ExecStop downs
the lab; after network-online), and per lab an environment file
/etc/nslab/LAB.env naming its file. Both carry nslab's mark on their first
line; nslab removes only files that carry it. Where PID 1 is not systemd the
request is refused before anything is made.

/run (and with it nslab's journal) is gone after a reboot: the unit is what
remembers the lab, and `apply` of a lab that is not up builds it, while
`apply` of one that is up changes nothing (running it twice is harmless)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from nslab.errors import MissingFeatureError, NslabError
from nslab.names import lab_argument

UNIT_DIR = Path("/etc/systemd/system")
CONF_DIR = Path("/etc/nslab")
UNIT = "nslab@.service"
MARK = "# nslab:"  # the first line of every file nslab writes here

TEMPLATE = """{mark} the unit of labs that come back after a reboot (nslab up --persist)
[Unit]
Description=nslab lab %i
Documentation=man:nslab(1)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
EnvironmentFile=/etc/nslab/%i.env
ExecStart={nslab} apply ${{NSLAB_FILE}}
ExecStop={nslab} down %i

[Install]
WantedBy=multi-user.target
"""

Runner = Callable[[Sequence[str]], subprocess.CompletedProcess[str]]


def _run(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True)


def booted_by_systemd() -> bool:
    """As sd_booted(3): PID 1 is systemd when /run/systemd/system is a folder."""
    return os.path.isdir("/run/systemd/system")


def command() -> str:
    """How the unit runs nslab: this Python with nslab (a venv's, pipx's)."""
    return f"{shlex.quote(sys.executable)} -m nslab"


def unit_text(nslab: str | None = None) -> str:
    return TEMPLATE.format(mark=MARK, nslab=nslab or command())


def env_file(lab: str) -> Path:
    return CONF_DIR / f"{lab_argument(lab)}.env"


def env_text(lab: str, file: str) -> str:
    return (f"{MARK} lab {lab} comes back after a reboot; nslab down --forget {lab} "
            f"ends that\nNSLAB_FILE={shlex.quote(file)}\n")


def require_systemd() -> None:
    if not booted_by_systemd():
        raise MissingFeatureError("--persist needs systemd as PID 1 (this machine boots "
                                  "without it: /run/systemd/system is missing); bring the "
                                  "lab up from your own boot script with nslab apply FILE")


def _systemctl(run: Runner, *words: str) -> None:
    r = run(["systemctl", *words])
    if r.returncode != 0:
        raise NslabError(f"systemctl {' '.join(words)} failed: "
                         f"{(r.stderr or r.stdout).strip()[:200]}")


def _ours(path: Path) -> bool:
    try:
        with open(path) as f:
            return f.readline().startswith(MARK)
    except OSError:
        return False


def persist(lab: str, file: str, run: Runner = _run) -> list[str]:
    """Install and enable nslab@LAB.service for the lab (up already) made from
    `file`. Returns what was written."""
    require_systemd()
    unit, env = UNIT_DIR / UNIT, env_file(lab)
    for path in (unit, env):
        if path.exists() and not _ours(path):
            raise NslabError(f"{path} exists and is not nslab's (no '{MARK}' first line); "
                             "nslab writes over nothing it did not make")
    UNIT_DIR.mkdir(parents=True, exist_ok=True)
    CONF_DIR.mkdir(parents=True, exist_ok=True)
    if not unit.exists() or unit.read_text() != unit_text():
        unit.write_text(unit_text())
    env.write_text(env_text(lab, str(Path(file).resolve())))
    _systemctl(run, "daemon-reload")
    _systemctl(run, "enable", "--now", f"nslab@{lab}.service")  # up: apply changes nothing
    return [str(unit), str(env)]


def forget(lab: str, run: Runner = _run) -> list[str]:
    """The lab no longer comes back: its unit instance disabled (and stopped:
    ExecStop downs the lab), its environment file removed, and the template
    too when no lab is left. Returns what was removed."""
    env = env_file(lab)
    if not _ours(env):
        return []
    if booted_by_systemd():
        _systemctl(run, "disable", "--now", f"nslab@{lab}.service")
    env.unlink()
    removed = [str(env)]
    unit = UNIT_DIR / UNIT
    if _ours(unit) and not any(_ours(p) for p in CONF_DIR.glob("*.env")):
        unit.unlink()
        removed.append(str(unit))
        if booted_by_systemd():
            _systemctl(run, "daemon-reload")
    return removed


def persisted() -> list[str]:
    """The labs that come back after a reboot."""
    return sorted(p.stem for p in CONF_DIR.glob("*.env") if _ours(p))
