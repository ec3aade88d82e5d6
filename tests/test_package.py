"""nslab as installed: the wheel holds what the program reads at run time (the
web page, the man page), `nslab --version`, the man page written from the
parser, and the JSON Schema of the topology file, which every example file
meets. The wheel is built and run from a fresh virtualenv, outside the
checkout (kernel lane: `nslab web` needs root)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jsonschema
import pytest
import yaml

from nslab.cli.manual import EXITS, manual
from nslab.errors import ExitCode
from nslab.spec.json_schema import schema
from tests.helpers import sandbox

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted([*(ROOT / "examples").rglob("*.yaml")])


def test_the_shipped_man_page_is_the_one_the_parser_writes() -> None:
    shipped = (ROOT / "nslab" / "data" / "nslab.1").read_text()
    assert shipped == manual(), "regenerate: python -m nslab.cli.manual > nslab/data/nslab.1"
    from nslab.cli import VERBS

    assert all(f".SS {verb}\n" in shipped for verb, _ in VERBS)
    assert set(EXITS) == {c for c in ExitCode if c < 128}


def test_version() -> None:
    r = subprocess.run([sys.executable, "-m", "nslab", "--version"], capture_output=True,
                       text=True, check=True)
    version = r.stdout.split()[1]
    assert r.stdout.startswith("nslab ") and version[0].isdigit()
    assert f'version = "{version}"' in (ROOT / "pyproject.toml").read_text()


def test_the_documented_schema_is_the_one_nslab_prints() -> None:
    printed = subprocess.run([sys.executable, "-m", "nslab", "schema"], capture_output=True,
                             text=True, check=True).stdout
    assert json.loads(printed) == schema()
    assert (ROOT / "docs" / "nslab.schema.json").read_text() == printed, \
        "regenerate: nslab schema > docs/nslab.schema.json"
    jsonschema.Draft202012Validator.check_schema(schema())


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_every_example_meets_the_schema(path: Path) -> None:
    errors = list(jsonschema.Draft202012Validator(schema()).iter_errors(
        yaml.safe_load(path.read_text())))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors][:3]


@pytest.mark.parametrize("text, where", [
    ("name: x\nnodes: {a: {}}\nlinkz: []\n", []),
    ("name: x\nnodes: {a: {kind: rooter}}\n", ["nodes", "a"]),  # a node, or nothing
    ("name: x\nnodes: {a: {}, b: {}}\nlinks: [[a, b, c]]\n", ["links", 0]),
    ("name: x\nnodes: {a: {}}\ntimeline: [{at: soon, node: a, state: stopped}]\n",
     ["timeline"]),  # {events: [...]} or a bare list of them
])
def test_the_schema_refuses_what_nslab_refuses(text: str, where: list[object]) -> None:
    from nslab.errors import SpecError
    from nslab.model.compile import compile_text

    errors = list(jsonschema.Draft202012Validator(schema()).iter_errors(yaml.safe_load(text)))
    assert errors and any(list(e.absolute_path)[:len(where)] == where for e in errors)
    with pytest.raises(SpecError):
        compile_text(text, "x.yaml")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.kernel
@pytest.mark.skipif(os.geteuid() != 0, reason="nslab web needs root")
def test_the_wheel_runs_from_a_fresh_virtualenv(tmp_path: Path) -> None:
    """Built without the network (no build isolation), installed into a new
    virtualenv that sees the dependencies but not the checkout, and run from
    elsewhere: the version, the man page, the schema, the web page's files."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path / "dist"), str(ROOT)], check=True,
                   capture_output=True)
    wheel = next((tmp_path / "dist").glob("nslab-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "-q", "--no-deps", str(wheel)], check=True, capture_output=True)
    deps = subprocess.run([sys.executable, "-c", "import yaml, os; "
                           "print(os.path.dirname(os.path.dirname(yaml.__file__)))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    site = next(venv.glob("lib/python3*/site-packages"))
    (site / "deps.pth").write_text(deps + "\n")  # PyYAML (its .pth not run)
    nslab = str(venv / "bin" / "nslab")
    run = {"cwd": tmp_path, "capture_output": True, "text": True, "check": True,
           "env": {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}}
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import nslab; print(nslab.__file__)"], **run).stdout  # type: ignore[call-overload]
    assert where.startswith(str(site)), where  # the wheel's copy, not the checkout
    assert subprocess.run([nslab, "--version"], **run).stdout.startswith("nslab ")  # type: ignore[call-overload]
    assert (venv / "share" / "man" / "man1" / "nslab.1").read_text() == manual()
    assert json.loads(subprocess.run([nslab, "schema"], **run).stdout) == schema()  # type: ignore[call-overload]
    subprocess.run([nslab, "new", "mine", "--from", "ospf-ring"], **run)  # type: ignore[call-overload]
    assert subprocess.run([nslab, "validate", "mine.yaml"], **run).stdout.startswith(  # type: ignore[call-overload]
        "mine.yaml: valid: lab 'mine'")
    port = _free_port()
    web = subprocess.Popen([nslab, "web", "--port", str(port)], cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert web.stdout is not None
        address = web.stdout.readline().split()[2]  # "nslab web: http://127.0.0.1:PORT/ ..."
        pages = {}
        for path in ("", "static/app.js", "static/app.css", "static/cytoscape.min.js"):
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(address + path, timeout=5) as r:
                        pages[path] = (r.status, len(r.read()))
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        assert all(status == 200 and size > 100 for status, size in pages.values()), pages
    finally:
        sandbox.stop(web)


def test_the_generated_references_are_current() -> None:
    """docs/reference/commands.md (from the parser) and keys.md (from the
    file's schema) are what nslab writes now."""
    from nslab.cli.manual import markdown as commands
    from nslab.spec.key_reference import markdown as keys

    assert (ROOT / "docs" / "reference" / "commands.md").read_text() == commands(), \
        "regenerate: python -m nslab.cli.manual --markdown > docs/reference/commands.md"
    assert (ROOT / "docs" / "reference" / "keys.md").read_text() == keys(), \
        "regenerate: python -m nslab.spec.key_reference > docs/reference/keys.md"
    from nslab.cli import VERBS
    from nslab.spec.schema import LabSpec

    assert all(f"\n## {verb}\n" in commands() for verb, _ in VERBS)
    assert all(f"| `{key}` |" in keys() for key in LabSpec.model_fields if key != "version")
