"""netlab's `validate:` tests run against an nslab lab, by netlab's own code:
its plugins (ospf_neighbor, bgp_prefix, ping, ...) say which command to run
on a device and judge the JSON it answers; its loop honours `wait:` and
`level: warning`. Only the way to a node is nslab's: where netlab would run
`docker exec NODE vtysh -c "show ..."`, this runs `nslab vtysh LAB NODE --
show ...` (and `nslab exec` for other commands).

Run in a process of its own (netlab's code exits and keeps globals):

    python -m nslab.netlab.validate LAB MODEL.json RESULTS.json

MODEL.json: netlab's resolved model of the lab's file (nslab.netlab.resolve);
RESULTS.json gets [{name, description, nodes, level, status, detail,
seconds}], status pass, fail, warn (a failed warning) or skip.
"""

from __future__ import annotations

import contextlib
import json
import shlex
import subprocess
import sys
import time
from typing import Any

NSLAB = [sys.executable, "-m", "nslab"]


def run_on(lab: str, node: str, command: list[str] | str) -> str | bool:
    """What netlab's connect would answer: the command's output, or False.
    netlab writes its commands for a shell (quoted words, `|| true`)."""
    line = command if isinstance(command, str) else " ".join(command)
    words = shlex.split(line)
    if words[:2] == ["vtysh", "-c"] and len(words) == 3:
        return vtysh(lab, node, words[2])
    if words[:1] == ["show"]:
        return vtysh(lab, node, " ".join(words))
    r = subprocess.run([*NSLAB, "exec", lab, node, "--", "sh", "-c", line],
                       capture_output=True, text=True, timeout=60)
    return r.stdout if r.returncode == 0 or r.stdout else False


def vtysh(lab: str, node: str, line: str) -> str | bool:
    """FRR's answer. netlab's plugins are written for FRR 10; Debian's FRR 8.4
    knows some of their commands only without `vrf default` (the default VRF
    either way): asked so when it says it does not know the first form."""
    for form in (line, line.replace(" vrf default ", " ")):
        r = subprocess.run([*NSLAB, "vtysh", lab, node, "--", form], capture_output=True,
                           text=True, timeout=60)
        if "Unknown command" not in r.stdout + r.stderr:
            break
    return r.stdout if r.returncode == 0 or r.stdout else False


def configure(lab: str, node: str, template: str, text: str) -> bool:
    """netlab's rendered snippet given to the node's FRR (vtysh takes the lines
    of one -c one by one, in configuration mode): whether FRR took it."""
    from nslab.netlab import NetlabRefusal, vtysh_config

    try:
        config = vtysh_config(node, template, text)
    except NetlabRefusal:
        return False
    lines = [x for x in config.splitlines() if x.strip() and not x.strip().startswith("!")]
    r = subprocess.run([*NSLAB, "vtysh", lab, node, "--", "\n".join(
        ["configure terminal", *lines, "end"])], capture_output=True, text=True, timeout=60)
    return r.returncode == 0 and "% " not in r.stdout + r.stderr


def main(lab: str, model_path: str, out_path: str) -> int:
    import argparse

    import netsim.cli.validate as nv
    from box import Box
    from netsim.cli import connect
    from netsim.cli.validate import devices, report, tests
    from netsim.data import global_vars

    with open(model_path, encoding="utf-8") as f:
        topology = Box(json.load(f), default_box=True, box_dots=True)

    def snapshot(_args: Any, **_kw: Any) -> Any:
        topology.defaults._cache.timestamp = time.time()
        global_vars.init(topology)
        return topology

    def connect_to_node(node: str, args: argparse.Namespace, rest: list[str], topology: Any,
                        log_level: Any = None) -> str | bool:
        from netsim.outputs import common as outputs_common

        host = outputs_common.adjust_inventory_host(node=topology.nodes[node],
                                                    defaults=topology.defaults,
                                                    group_vars=True)
        return run_on(lab, node, connect.create_command_list(host, args, rest))

    results: list[dict[str, Any]] = []
    failures: list[str] = []
    original_test = tests.execute_validation_test
    original_fail = report.p_test_fail

    def p_test_fail(n_name: str, v_entry: Any, topology: Any, fail_msg: str = "") -> None:
        failures.append(f"{n_name}: {fail_msg}" if n_name else fail_msg)
        original_fail(n_name, v_entry, topology, fail_msg)

    def execute_validation_test(v_entry: Any, topology: Any, start_time: Any,
                                args: Any) -> bool | None:
        failures.clear()
        t0 = time.monotonic()
        ok = original_test(v_entry, topology, start_time, args)
        warning = v_entry.get("level") == "warning"
        if "wait" in v_entry and not v_entry.nodes:
            return ok  # a pause between tests, not a test
        status = "skip" if ok is None else "pass" if ok else "warn" if warning else "fail"
        results.append({"name": v_entry.name, "description": v_entry.get("description", ""),
                        "nodes": list(v_entry.nodes or []),
                        "level": "warning" if warning else "error", "status": status,
                        "detail": "; ".join(failures), "plugin": v_entry.get("plugin", ""),
                        "seconds": round(time.monotonic() - t0, 2)})
        return ok

    def execute_netlab_config(v_entry: Any, topology: Any) -> bool:
        """A test's configuration snippet (config: template), as netlab rendered it
        for each node (nslab.netlab.resolve), given to the node's FRR."""
        said = (topology.get("_nslab_rendered") or {}).get("_validate", {}).get(v_entry.name)
        failed = [n for n in v_entry.nodes
                  if not said or n not in said or not configure(lab, n, v_entry.config.template,
                                                                said[n])]
        if failed:
            report.log_failure(f"configuration snippet {v_entry.config.template} failed on "
                               f"{', '.join(failed)}", topology)
            report.increase_fail_count(v_entry)
            return False
        report.increase_pass_count(v_entry)
        report.log_progress(v_entry.get("pass", "Devices configured"), topology)
        return True

    # netlab's functions, replaced where its own code looks them up
    patches: list[tuple[Any, str, Any]] = [
        (nv, "load_snapshot", snapshot), (devices, "connect_to_node", connect_to_node),
        (devices, "execute_netlab_config", execute_netlab_config),
        (report, "p_test_fail", p_test_fail),
        (tests, "execute_validation_test", execute_validation_test)]
    for module, name, value in patches:
        module.__dict__[name] = value
    with contextlib.suppress(SystemExit):  # netlab's verdict is its exit code: ours is the list
        nv.run([])
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(results, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
