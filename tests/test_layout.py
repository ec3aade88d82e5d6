"""The layout's import contract, checked on every module (relative imports
resolved too): pure folders import only pure folders; the kernel layer
imports records, the pure plan and the state it journals to, never a verb;
verbs import anything but the CLI; the CLI imports verbs, views and records,
never the kernel or the state directly."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NSLAB = Path(__file__).resolve().parent.parent / "nslab"
PURE = {"names", "units", "shell", "suites", "spec", "model", "plan", "views", "records"}
ALLOWED: dict[str, set[str]] = {
    "names": {"errors"},
    "units": set(),
    "shell": set(),
    "suites": {"shell"},
    # netlab's format: its resolved model mapped onto the file format (nslab.netlab),
    # read by the spec's loader when a file is netlab's
    "netlab": {"errors", "names"},
    "spec": {"errors", "names", "units", "shell", "suites", "netlab"},
    "model": {"errors", "names", "units", "shell", "suites", "spec"},
    "plan": {"errors", "names", "units", "shell", "suites", "spec", "model"},
    "records": {"errors"},
    "views": {"errors", "names", "spec", "model", "plan", "records"},
    "signals": set(),
    "state": {"errors", "names", "signals"},
    "kernel": {"errors", "names", "shell", "suites", "signals", "spec", "model", "plan",
               "records", "state"},
    # a lab that is up: its record, the change runner, readback, teardown (no verb)
    "running": {"errors", "names", "units", "shell", "suites", "signals", "spec", "model",
                "plan", "records", "state", "kernel"},
    "verbs": {"errors", "names", "shell", "signals", "spec", "model", "plan", "records",
              "views", "state", "kernel", "running", "netlab"},
    # nslab web: a verb with a server and a page of its own (static files beside it)
    "web": {"errors", "names", "signals", "spec", "model", "plan", "records", "views",
            "state", "kernel", "running", "verbs"},
    "cli": {"errors", "names", "suites", "spec", "model", "plan", "records", "views", "running",
            "verbs", "web"},
    "api": {"errors", "names", "shell", "model", "records", "running", "verbs"},
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


def verb_imports(path: Path) -> set[str]:
    """The modules of nslab/verbs that `path` imports (absolute or relative)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 1 and not module:  # from . import x
                found |= {a.name for a in node.names}
            elif node.level == 1:
                found.add(module.split(".")[0])
            elif module == "nslab.verbs":
                found |= {a.name for a in node.names}
            elif module.startswith("nslab.verbs."):
                found.add(module.split(".")[2])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[2] for a in node.names
                      if a.name.startswith("nslab.verbs.")}
    return found


VERBS = sorted((NSLAB / "verbs").glob("*.py"))


@pytest.mark.parametrize("path", VERBS, ids=[p.stem for p in VERBS])
def test_no_verb_imports_another(path: Path) -> None:
    assert not verb_imports(path) - {"__init__"}, f"verbs/{path.name} imports " \
        f"{sorted(verb_imports(path))}: what two verbs share belongs in nslab.running"


def test_the_package_graph_has_no_cycle() -> None:
    """No two modules of nslab import each other, directly or around a loop."""
    graph: dict[str, set[str]] = {}
    for path in NSLAB.rglob("*.py"):
        me = ".".join(["nslab", *path.relative_to(NSLAB).with_suffix("").parts])
        me = me.removesuffix(".__init__")
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level \
                    and node.module.startswith("nslab"):
                deps.add(node.module)
                deps |= {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("nslab")}
        graph[me] = deps
    # a module's own package (its __init__ runs first) is not an edge back
    graph = {m: {d for d in deps if d in graph and d != m and not m.startswith(d + ".")}
             for m, deps in graph.items()}
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        seen[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if seen.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join(
                    [*stack[stack.index(d):], d]))
            if d not in seen:
                visit(d)
        stack.pop()
        seen[m] = 2

    for m in sorted(graph):
        if m not in seen:
            visit(m)


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"  # as if it were nslab/views/probe.py
    probe.write_text("from ..kernel import netns\nfrom . import text\n")
    assert imports(probe, ["nslab", "views"]) == {"kernel", "views"}


def test_every_verb_has_a_module_under_its_name() -> None:
    verbs = {p.stem for p in (NSLAB / "verbs").glob("*.py")}
    assert {"up", "down", "status", "inspect", "ns", "test", "why", "doctor", "graph",
            "gc", "enter"} <= verbs
    assert PURE.isdisjoint(verbs)


def test_no_complexity_is_waived() -> None:
    """C901 is on (pyproject.toml, max 15), and no module turns it off."""
    waived = [str(p.relative_to(NSLAB)) for p in NSLAB.rglob("*.py")
              if "noqa: C901" in p.read_text() or "noqa:C901" in p.read_text()]
    assert waived == []
    config = (NSLAB.parent / "pyproject.toml").read_text()
    assert '"C90"' in config and "max-complexity = 15" in config


def test_the_executor_handles_every_step_kind_once() -> None:
    from nslab.kernel import executor as apply
    from nslab.plan import steps

    kinds = set(steps.Step.__args__)
    groups = [set(apply.NETLINK), {steps.StartService, steps.StartDaemons},
              set(apply.ONE_BY_ONE)]
    assert set().union(*groups) == kinds
    assert sum(len(g) for g in groups) == len(kinds)  # none in two groups


def test_every_link_setting_lands_on_an_end() -> None:
    from nslab.running import links
    from nslab.units import LINK_SETTINGS

    assert set(links._SETTERS) == set(LINK_SETTINGS) == set(links.PROPERTIES)


COMMANDS = sorted(p for p in (NSLAB / "cli" / "commands").glob("*.py") if p.stem != "__init__")


def test_the_command_line_is_a_table_of_verbs() -> None:
    """Every verb of nslab.cli.VERBS is one module of nslab.cli.commands with
    its help, its flags and its handler side by side, and every such module
    is a verb."""
    from nslab import cli

    assert {module for _, module in cli.VERBS} == {p.stem for p in COMMANDS}
    assert len({verb for verb, _ in cli.VERBS}) == len(cli.VERBS)
    for verb, _ in cli.VERBS:
        module = cli.command(verb)
        assert isinstance(module.HELP, str) and module.HELP
        assert callable(module.arguments) and callable(module.run)


@pytest.mark.parametrize("path", COMMANDS, ids=[p.stem for p in COMMANDS])
def test_no_command_module_imports_another_verbs_module(path: Path) -> None:
    """A verb's command module stands alone (status shows the list of labs
    through `list`, the one exception)."""
    found = {m for m in (node.module for node in ast.walk(ast.parse(path.read_text()))
                         if isinstance(node, ast.ImportFrom)) if m}
    found |= {f"nslab.cli.commands.{a.name}" for node in ast.walk(ast.parse(path.read_text()))
              if isinstance(node, ast.ImportFrom) and node.module == "nslab.cli.commands"
              for a in node.names}
    others = {m.split(".")[3] for m in found if m.startswith("nslab.cli.commands.")}
    assert others <= ({"list"} if path.stem == "status" else set())


def test_running_a_verb_loads_that_verb_alone() -> None:
    """`nslab validate` builds the parser of validate and imports no other
    verb's module (start-up stays small as verbs are added)."""
    import subprocess
    import sys

    code = ("import sys; from nslab import cli; cli.parser('validate'); "
            "print(sorted(m for m in sys.modules if m.startswith('nslab.cli.commands.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=NSLAB.parent).stdout
    assert out.strip() == "['nslab.cli.commands.validate']"


def test_the_whole_command_line_loads_no_layer_below_it() -> None:
    """`nslab --help` builds every verb's parser: their modules import what a
    verb needs inside run(), so the help loads no spec, model or plan (each
    a hundred milliseconds or more of pydantic and dataclasses)."""
    import subprocess
    import sys

    code = ("import json, sys; from nslab import cli; cli.parser(); print(json.dumps("
            "sorted({m.split('.')[1] for m in sys.modules if m.startswith('nslab.')})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=NSLAB.parent).stdout
    loaded = set(json.loads(out))
    assert not loaded & {"spec", "model", "plan", "kernel", "running", "verbs"}, loaded
