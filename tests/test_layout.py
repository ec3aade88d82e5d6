"""The layout's import contract, checked on every module (relative imports
resolved too): pure folders import only pure folders; the kernel layer
imports records, the pure plan and the state it journals to, never a verb;
verbs import anything but the CLI; the CLI imports verbs, views and records,
never the kernel or the state directly."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

NSLAB = Path(__file__).resolve().parent.parent / "nslab"
PURE = {"names", "spec", "model", "plan", "views", "records"}
ALLOWED: dict[str, set[str]] = {
    "names": {"errors"},
    "spec": {"errors", "names"},
    "model": {"errors", "names", "spec"},
    "plan": {"errors", "names", "spec", "model"},
    "records": {"errors"},
    "views": {"errors", "names", "spec", "model", "plan", "records"},
    "signals": set(),
    "state": {"errors", "names", "signals"},
    "kernel": {"errors", "names", "signals", "spec", "model", "plan", "records", "state"},
    "verbs": {"errors", "names", "signals", "spec", "model", "plan", "records", "views",
              "state", "kernel"},
    # nslab web: a verb with a server and a page of its own (static files beside it)
    "web": {"errors", "names", "signals", "spec", "model", "plan", "records", "views",
            "state", "kernel", "verbs"},
    "cli": {"errors", "names", "spec", "model", "plan", "records", "views", "verbs", "web"},
    "api": {"errors", "names", "model", "records", "verbs"},
}


def imports(path: Path, package: list[str] | None = None) -> set[str]:
    """The top-level nslab folders (or modules) that `path` imports; `package`
    is where it stands (default: from its place under nslab/)."""
    package = package or ["nslab", *path.relative_to(NSLAB).with_suffix("").parts[:-1]]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names = [f"{module}.{a.name}" for a in node.names] if module == "nslab" else [module]
        found |= {n.split(".")[1] for n in names if n.startswith("nslab.") and n.count(".")}
    return found


def layer(path: Path) -> str:
    rel = path.relative_to(NSLAB)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


MODULES = sorted(p for p in NSLAB.rglob("*.py") if layer(p) in ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(NSLAB)) for p in MODULES])
def test_imports_follow_the_contract(path: Path) -> None:
    me = layer(path)
    wrong = imports(path) - ALLOWED[me] - {me}
    assert not wrong, f"{path.relative_to(NSLAB)} ({me}) imports {sorted(wrong)}"


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"  # as if it were nslab/views/probe.py
    probe.write_text("from ..kernel import netns\nfrom . import text\n")
    assert imports(probe, ["nslab", "views"]) == {"kernel", "views"}


def test_every_verb_has_a_module_under_its_name() -> None:
    verbs = {p.stem for p in (NSLAB / "verbs").glob("*.py")}
    assert {"up", "down", "status", "inspect", "ns", "test", "why", "doctor", "graph",
            "gc", "enter"} <= verbs
    assert PURE.isdisjoint(verbs)
