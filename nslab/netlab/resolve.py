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

# netlab create (its model, as JSON), then netlab's own FRR templates of the
# modules and plugins nslab does not write itself (RENDERED) and the file's own
# configuration templates (a node's config: that names no plugin), rendered for
# each FRR node that uses them into one JSON file: {node: {module: text}} (a
# template of the file's that has no FRR variant is left out: refused later)
RUN = """
import copy, json, sys, tempfile
from pathlib import Path
from netsim.augment import devices
from netsim.cli import create
from netsim.providers import get_provider_module
from netsim.utils import templates
rendered_to, wanted = sys.argv[1], set(sys.argv[2].split(","))
sys.argv[0] = "netlab"
topology = create.run(sys.argv[3:])
plugins = set(topology.get("plugin", []))
out = {}
with tempfile.TemporaryDirectory() as tmp:
    for name, node in topology.nodes.items():
        items = [m for m in node.get("module", []) if m in wanted] + [
            c for c in node.get("config", []) if c in wanted or c not in plugins]
        if node.get("device") != "frr" or not items:
            continue
        node = copy.deepcopy(node)
        node.get("routing", {}).pop("static", None)  # nslab makes the static routes
        provider = get_provider_module(topology, devices.get_provider(node, topology.defaults))
        data = templates.template_node_data(node, topology)
        for item in items:
            if templates.create_config_file(
                    node=node, node_dict=data, topology=topology, module=item,
                    provider_path=provider.get_full_template_path(), output_path=Path(tmp),
                    output_file=f"{name}.{item}", config_mode="cfg"):
                out.setdefault(name, {})[item] = Path(tmp, f"{name}.{item}").read_text()
            elif item in wanted:
                sys.exit(f"error: netlab could not render its {item} template for {name}")
    # what a validate test deploys (config: {template, variable}), for each of its nodes
    tests = topology.get("validate") or []
    for test in tests.values() if isinstance(tests, dict) else tests:
        config = test.get("config") if hasattr(test, "get") else None
        if not config or not config.get("template"):
            continue
        for name in test.get("nodes") or []:
            if topology.nodes[name].get("device") != "frr":
                continue
            node = copy.deepcopy(topology.nodes[name])  # as netlab config sets it up
            node.config = [config.template]
            for key, value in (config.get("variable") or {}).items():
                node[key] = value
            provider = get_provider_module(topology, devices.get_provider(node, topology.defaults))
            data = templates.template_node_data(node, topology)
            fname = f"{name}.validate.{test.get('name')}"
            if templates.create_config_file(
                    node=node, node_dict=data, topology=topology, module=config.template,
                    provider_path=provider.get_full_template_path(), output_path=Path(tmp),
                    output_file=fname, config_mode="cfg"):
                out.setdefault("_validate", {}).setdefault(test.get("name"), {})[name] = \
                    Path(tmp, fname).read_text()
Path(rendered_to).write_text(json.dumps(out))
"""
RENDERED = ("routing", "bgp.policy", "bgp.session")
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
        rendered = os.path.join(tmp, "rendered.json")
        # as netlab's own tests are run for a device: `netlab create -d frr`
        argv = [sys.executable, "-c", RUN, rendered, ",".join(RENDERED), "-p", "clab", "-d",
                device or "frr", "-o", f"json={out}", str(path.resolve())]
        r = subprocess.run(argv, cwd=path.resolve().parent, capture_output=True, text=True,
                           timeout=120)
        if r.returncode != 0 or not os.path.exists(out):
            lines = [x.strip() for x in (r.stderr + r.stdout).splitlines() if x.strip()]
            said = next((x for x in lines if "rror" in x), lines[-1] if lines else "no output")
            raise SpecError([f"{path}: netlab could not resolve it: {said}"])
        with open(out, encoding="utf-8") as f:
            model: dict[str, Any] = json.load(f)
        with open(rendered, encoding="utf-8") as f:
            model["_nslab_rendered"] = json.load(f)
    return model


def spec_of(path: Path, device: str | None = None) -> dict[str, Any]:
    """The nslab topology (as data) of a netlab topology file."""
    try:
        return to_spec(resolved(path, device))
    except NetlabRefusal as e:
        raise MissingFeatureError(f"{path}: {e}") from None
