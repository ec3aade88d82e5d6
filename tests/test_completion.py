"""Shell completion (nslab.cli.complete): the candidates for each place of a
command line, read from a lab's records, and the bash, zsh and fish scripts
run for real in their shells (zsh and fish where installed). Pure: no root."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nslab.cli.complete import FILES, answer, candidates, words_of
from nslab.state import journal

ROOT = Path(__file__).resolve().parent.parent
NODES = [{"name": "h1", "kind": "host", "namespace": "demo-h1", "interfaces": ["eth0"],
          "addresses": ["10.0.0.2"]},
         {"name": "r1", "kind": "router", "namespace": "demo-r1",
          "interfaces": ["eth0", "eth1"], "addresses": ["10.0.0.1", "10.0.1.1"]}]


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A lab 'demo' as its records say it is up (no namespace behind it)."""
    root = tmp_path / "state"
    (root / "demo").mkdir(parents=True)
    (root / "demo" / "journal.jsonl").write_text("")
    (root / "demo" / "nodes.json").write_text(json.dumps(NODES))
    monkeypatch.setattr(journal, "ROOT", str(root))
    return root


@pytest.mark.parametrize("line, want", [
    ("nslab ex", ["exec"]),
    ("nslab --v", ["--version"]),
    ("nslab exec ", ["demo"]),
    ("nslab exec demo ", ["h1", "r1"]),
    ("nslab exec demo h1 -- ", []),
    ("nslab shell demo r", ["r1"]),
    ("nslab node demo h1 ", ["stop", "start", "restart"]),
    ("nslab why demo h1 ", ["h1", "r1"]),
    ("nslab why demo h1 r1 --proto ", ["icmp", "tcp", "udp"]),
    ("nslab capture demo ", ["h1", "r1", "h1:eth0", "r1:eth0", "r1:eth1"]),
    ("nslab capture demo h1 -w ", [FILES]),
    ("nslab link demo r1:", ["r1:eth0", "r1:eth1"]),
    ("nslab link demo h1 r1 ", ["show", "set", "clear", "down", "up", "flap"]),
    ("nslab link demo h1 r1 set d", ["delay=", "duplicate="]),
    ("nslab up ", [FILES]),
    ("nslab new mine --from ospf", ["ospf-bird-frr", "ospf-ring", "ospf-unnumbered"]),
    ("nslab down ", ["demo", FILES]),
    ("nslab status ", ["demo"]),
    ("nslab inspect demo ", ["h1", "r1"]),
    ("nslab ns ", ["add", "del", "exec", "list"]),
    ("nslab completion ", ["bash", "zsh", "fish"]),
    ("nslab test demo --no", ["--no-matrix", "--nodes"]),
    ("nslab graph demo --format ", ["svg", "png", "dot", "mermaid"]),
    ("nslab bogus ", []),
    ("nslab exec nolab ", []),
])
def test_candidates(state: Path, line: str, want: list[str]) -> None:
    assert candidates(words_of(line)) == want


def test_bash_completes_after_the_colon(state: Path) -> None:
    """bash splits a word at ':' (COMP_WORDBREAKS): it is given what follows."""
    assert answer("bash", words_of("nslab capture demo r1:e")) == ["eth0", "eth1"]
    assert answer("zsh", words_of("nslab capture demo r1:e")) == ["r1:eth0", "r1:eth1"]


def test_an_open_quote_is_still_completed(state: Path) -> None:
    assert candidates(words_of('nslab exec "de')) == ["demo"]


def _env(state: Path) -> dict[str, str]:
    """nslab on PATH (the venv's), reading the test's records."""
    return {**os.environ, "NSLAB_STATE_DIR": str(state),
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}


def test_the_bash_script_completes_in_bash(state: Path) -> None:
    script = subprocess.run([sys.executable, "-m", "nslab", "completion", "bash"],
                            capture_output=True, text=True, check=True).stdout
    probe = script + (
        'COMP_LINE="nslab capture demo r1:e"; COMP_POINT=${#COMP_LINE}\n'
        'COMP_WORDS=(nslab capture demo r1 : e); COMP_CWORD=5\n'
        '_nslab; printf "%s\\n" "${COMPREPLY[@]}"\n'
        'COMP_LINE="nslab exec demo "; COMP_POINT=${#COMP_LINE}\n'
        'COMP_WORDS=(nslab exec demo ""); COMP_CWORD=3\n'
        '_nslab; printf "%s\\n" "${COMPREPLY[@]}"\n')
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True,
                         env=_env(state), cwd=ROOT, check=True).stdout
    assert out.split() == ["eth0", "eth1", "h1", "r1"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_the_zsh_script_completes_in_zsh(state: Path) -> None:
    script = subprocess.run([sys.executable, "-m", "nslab", "completion", "zsh"],
                            capture_output=True, text=True, check=True).stdout
    probe = ("compdef() { :; }; compadd() { shift; print -l -- $@; }; "
             "_files() { print FILES; }\n" + script +
             "words=(nslab exec demo ''); CURRENT=4; _nslab\n"
             "words=(nslab up ''); CURRENT=3; _nslab\n")
    out = subprocess.run(["zsh", "-f", "-c", probe], capture_output=True, text=True,
                         env=_env(state), cwd=ROOT, check=True).stdout
    assert out.split() == ["h1", "r1", "FILES"]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_the_fish_script_completes_in_fish(state: Path) -> None:
    script = subprocess.run([sys.executable, "-m", "nslab", "completion", "fish"],
                            capture_output=True, text=True, check=True).stdout
    probe = script + "\ncomplete -C 'nslab exec demo '\n"
    out = subprocess.run(["fish", "--no-config", "-c", probe], capture_output=True,
                         text=True, env=_env(state), cwd=ROOT, check=True).stdout
    assert [ln.split("\t")[0] for ln in out.splitlines()] == ["h1", "r1"]


def test_the_namespaces_folder_is_the_kernel_layers() -> None:
    from nslab.kernel import netns
    from nslab.running import known

    assert known.RUN_NETNS == netns.RUN_NETNS
