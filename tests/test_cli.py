"""The command line without root: usage errors exit 2 with one line, and the
public Python API is what the README documents (names pinned)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import nslab
from tests.conftest import lock_held

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "examples" / "demo.yaml")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nslab", *args], capture_output=True,
                          text=True, cwd=ROOT)


@pytest.mark.parametrize("args, says", [
    (["up"], "the following arguments are required: file"),
    (["validate", DEMO, "--bogus"], "unrecognized arguments: --bogus"),
    (["exec", "demo", "h1"], "nothing to run: nslab exec LAB NODE -- COMMAND"),
    (["ns", "exec", "x"], "nothing to run: nslab ns exec NAME -- COMMAND"),
    (["graph", DEMO, "-o", "/tmp/x.bmp"], "cannot draw 'bmp'"),
    (["inspect", "host", "--only", "bogus"], "no section 'bogus'"),
])
def test_usage_errors_exit_2(args: list[str], says: str) -> None:
    r = run(*args)
    assert r.returncode == 2 and says in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("args, says", [
    (["why", "demo", "h1", "h2", "--proto", "tcp", "--port", "99999"], "'99999' is not a port"),
    (["why", "demo", "h1", "h2", "--port", "-1"], "'-1' is not a port"),
    (["test", "demo", "--port", "0"], "'0' is not a port"),
    (["test", "demo", "--port", "1e9"], "'1e9' is not a port"),
    (["run", "demo", "--speed", "1e-300"], "'1e-300' is not a speed from 0.01 to 100"),
    (["run", "demo", "--speed", "nan"], "is not a speed"),
    (["run", "demo", "--speed", "inf"], "is not a speed"),
    (["run", "demo", "--every", "1e999"], "is not a number of seconds"),
    (["web", "--port", "70000"], "'70000' is not a port to serve on"),
    (["capture", "demo", "h1", "--count", "0"], "'0' is not a number of packets"),
    (["capture", "demo", "h1", "--count", "99999999999999999999"], "is not a number of packets"),
    (["link", "demo", "h1", "sw1", "flap", "--count", "-3"], "is not a number of cycles"),
])
def test_numbers_out_of_range_are_usage_errors(args: list[str], says: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A usage error (exit 2) as the number is read, never an OverflowError (in
    process: the parser alone decides)."""
    from nslab.cli import main

    with pytest.raises(SystemExit) as e:
        main(args)
    err = capsys.readouterr().err
    assert e.value.code == 2 and says in err and "Traceback" not in err


PUBLIC = ["CommandError", "ConflictError", "KernelError", "Lab", "LabNotFoundError",
          "MissingFeatureError", "Node", "NotFoundError", "NotRootError", "NslabError",
          "RunResult", "SpecError", "build_plan", "compile_file", "compile_text", "down",
          "inspect", "inspect_lab", "list_labs", "namespace_of", "ns_list", "status", "up"]


def test_the_public_api_is_pinned() -> None:
    assert sorted(nslab.__all__) == PUBLIC
    for name in PUBLIC:  # every name resolves (some are loaded on first use)
        assert getattr(nslab, name) is not None
    lab = nslab.compile_text((ROOT / "examples" / "demo.yaml").read_text())
    assert [n.name for n in lab.nodes] == ["h1", "h2", "r1", "sw1", "h3"]


@pytest.mark.kernel
@pytest.mark.skipif(os.geteuid() != 0, reason="down checks root first")
@pytest.mark.parametrize("verb", [["down"], ["status"], ["inspect"], ["test"], ["graph"]])
def test_a_lab_name_from_the_command_line_never_becomes_a_path(tmp_path: Path,
                                                              verb: list[str]) -> None:
    victim = tmp_path / "x"
    victim.mkdir()
    (victim / "keep").write_text("mine")
    sneaky = f"/../../..{victim}"
    r = run(*verb, sneaky)
    assert r.returncode in (2, 4), r.stderr  # a usage error, or no such namespace
    assert "Traceback" not in r.stderr
    assert (victim / "keep").read_text() == "mine"
    for bad in ("..", ""):
        r = run("down", bad)
        assert r.returncode == 2 and "is not a lab name" in r.stderr
    locks = {p.name for p in Path("/run/nslab").glob(".*")} if Path("/run/nslab").is_dir() \
        else set()
    assert not locks & {"...lock", ".lock"}  # no lock file made of a bad name


@pytest.mark.kernel
@pytest.mark.skipif(os.geteuid() != 0, reason="down checks root first")
def test_nslab_lock_wait_bounds_the_wait(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    with lock_held(state / ".held.lock") as pid:
        r = subprocess.run([sys.executable, "-m", "nslab", "down", "held"], capture_output=True,
                           text=True, cwd=ROOT, timeout=30,
                           env={**os.environ, "NSLAB_STATE_DIR": str(state),
                                "NSLAB_LOCK_WAIT": "0.3"})
    assert r.returncode == 7 and f"stayed locked by process {pid}" in r.stderr


def test_vtysh_and_birdc_check_the_lab_and_node_first() -> None:
    r = run("vtysh", "../x", "r1", "--", "show", "version")
    assert r.returncode == 2 and "is not a lab name" in r.stderr
    r = run("birdc", "no-such-lab", "r1")
    assert r.returncode == 4 and "lab 'no-such-lab' is not up" in r.stderr
    assert "Traceback" not in r.stderr


def test_every_exit_code_is_named_and_documented() -> None:
    import re

    from nslab import errors

    readme = (ROOT / "docs" / "reference" / "cli.md").read_text()
    table = readme[readme.index("## Exit codes"):]
    documented = {int(c) for row in re.findall(r"^\| ([0-9, ]+) \|", table, re.M)
                  for c in row.split(",")}
    assert {int(c) for c in errors.ExitCode} == documented
    classes = [c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, errors.NslabError)]
    assert all(isinstance(c.exit_code, errors.ExitCode) for c in classes)


def test_help_prints_for_the_command_and_every_verb(capsys: pytest.CaptureFixture[str]) -> None:
    """--help of nslab and of each verb (a % in a verb's help once broke the
    top level's)."""
    from nslab.cli import VERBS, main

    for args in (["--help"], *([verb, "--help"] for verb, _ in VERBS),
                 *(["ns", sub, "--help"] for sub in ("add", "del", "exec", "list"))):
        with pytest.raises(SystemExit) as e:
            main(args)
        out = capsys.readouterr().out
        assert e.value.code == 0 and out.startswith("usage: nslab"), args
    main_help = subprocess.run([sys.executable, "-m", "nslab", "--help"], capture_output=True,
                               text=True, cwd=ROOT)
    assert main_help.returncode == 0 and "link" in main_help.stdout
    assert "corrupt=%" in " ".join(main_help.stdout.split())  # shown as one %


def test_link_show_says_each_ends_settings_netem_included() -> None:
    from nslab.cli.commands.link import _said
    from nslab.model.lab import Netem
    from nslab.verbs.link import End, LinkView

    a = End("r1", "eth1", "x-r1", True, 2e6, None, True, netem=Netem(20, 5, 0.01, 0, 0))
    b = End("r2", "eth0", "x-r2", False, None, 0.05, True)
    assert _said(LinkView("x", (a, b), (b, a))) == [
        "r1:eth1: up, sends at 2mbit, 5% of what it sends lost, delayed 20ms (jitter 5ms), "
        "1% duplicated (changed)",
        "r2:eth0: DOWN, sends at no limit, 0% of what it sends lost (changed)"]


def test_setup_installs_every_tool_doctor_lists() -> None:
    from nslab.verbs.doctor import TOOLS

    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert all(f"{tool}:{package}" in setup for tool, (package, _use) in TOOLS.items()
               if tool not in ("tc", "ss")), TOOLS  # tc and ss come with ip (iproute2)
