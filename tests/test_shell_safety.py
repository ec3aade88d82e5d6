"""`nslab plan --shell` is a script people run as root: nothing the file
supplies may escape the quoting. Hostile strings go into every field that
reaches the script; the script then runs with every command it calls replaced
by a stub that only logs (and its files redirected to a temporary folder),
and must neither run the payload nor call a command nslab did not write."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from nslab.model.compile import compile_text
from nslab.plan import plan

PAYLOAD = "touch PWNED"
HOSTILE = [f"$({PAYLOAD})", f"`{PAYLOAD}`", f"'; {PAYLOAD}; '", f"\"; {PAYLOAD}; \"",
           f"x\n{PAYLOAD}", f"NSLAB_EOF\n{PAYLOAD}\nNSLAB_EOF", f"NSLAB_EOF_1\n{PAYLOAD}"]


def lab_text(h: str) -> str:
    q = h.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'''
name: hostile
nodes:
  a:
    exec: ["echo \\"{q}\\"", ["printf", "{q}"]]
    services: [{{name: s, cmd: ["sleep", "{q}"]}}]
    dns: {{nameservers: [192.0.2.53], search: [example.test]}}
    firewall:
      nft: "table inet mine {{ comment \\"{q}\\" }}\\n# {q}\\n"
  b: {{}}
  r:
    kind: router
    frr: {{daemons: [ospfd], config: "! {q}\\nrouter ospf\\n"}}
  q:
    kind: router
    bird: {{config: "# {q}\\nprotocol device {{ }}\\n"}}
links: [[a, b], [r, a], [q, r]]
'''


STUBS = ["ip", "nft", "sysctl", "chown", "vtysh", "bird"]


def test_nothing_from_the_file_escapes_the_script(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for name in STUBS:
        stub = bin_dir / name
        # only the name is logged: an argument may hold a newline, by design here
        stub.write_text(f'#!/bin/sh\necho {name} >> {log}\n'
                        + ('cat >/dev/null\n' if name == "nft" else ""))
        stub.chmod(0o755)
    for k, h in enumerate(HOSTILE):
        script = plan(compile_text(lab_text(h), "hostile.yaml")).as_shell()
        script = script.replace("/etc/netns/", f"{tmp_path}/etc/netns/").replace(
            "/run/nslab/", f"{tmp_path}/run/nslab/")
        assert "vtysh" in script and "bird -c" in script  # the routers' daemons are in it
        work = tmp_path / f"run{k}"
        work.mkdir()
        r = subprocess.run(["bash", "-c", script], cwd=work, capture_output=True, text=True,
                           env={**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"})
        assert r.returncode == 0, (h, r.stderr)
        assert not (work / "PWNED").exists(), f"the payload ran for {h!r}"
        calls = log.read_text().split()
        assert "ip" in calls and set(calls) <= set(STUBS), calls
        log.unlink()
