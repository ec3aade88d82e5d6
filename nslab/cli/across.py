"""A verb named for a lab across machines that this machine controls: run on
the machine of the node it names (inspect, node, vtysh, birdc), or on every
machine (check, inspect of the whole lab), through that machine's agent; the
verbs that do not span machines yet are refused with what does."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from nslab.errors import UsageError
from nslab.suites import SUITES

RECORDS = "/run/nslab/.machines"  # nslab.running.spread.RECORDS (looked at cheaply here)
# each knows labs across machines, or names no running lab
OWN = frozenset({"down", "status", "exec", "list", "machines", "agent", "k8s", "new",
                 "validate", "convert", "plan", "schema", "completion", "doctor", "ns", "gc",
                 "up", "test", "shell", "capture", "why"})
ON_NODE = frozenset({"inspect", "node", *(s.client for s in SUITES.values())})
EVERYWHERE = frozenset({"check", "inspect"})


def is_spread(name: str) -> bool:
    """Whether `name` is a lab across machines this machine controls (a look
    at its record's file: no import of the machinery). Never for a verb that
    the lab's agent runs: it means its machine's part, the controller's too."""
    return os.path.exists(os.path.join(RECORDS, f"{name}.json")) and \
        not os.environ.get("NSLAB_MACHINE_PART")  # nslab.kernel.remote.PART


def route(verb: str, a: argparse.Namespace, words: list[str]) -> int | None:
    """The verb's exit code when it ran across machines; None: not such a lab."""
    if verb in OWN or not os.path.isdir(RECORDS):
        return None
    name = next((v for k in ("lab", "target", "name")
                 if isinstance(v := getattr(a, k, None), str)), None)
    if name is None or not is_spread(name):
        return None
    from nslab.running import spread

    record = spread.record_of(name)
    node = getattr(a, "node", None)
    if verb in ON_NODE and node:
        entry = next((e for e in record["machines"] if node in e["nodes"]), None)
        if entry is None:
            raise UsageError(f"lab '{name}' has no node '{node}'")
        return _show({entry["name"]: spread.forward(entry, words)}, False)
    if verb == "link":
        return _link(name, record, a.words, words)
    if verb in EVERYWHERE:
        entries = [e for e in record["machines"] if e["state"] == "up"]
        return _show(spread.forward_all(entries, words), bool(getattr(a, "json", False)))
    raise UsageError(f"lab '{name}' spans machines: nslab {verb} does not yet (across "
                     "machines: status, exec, shell, capture, why, test, inspect, check, "
                     "node, link, vtysh, birdc, down; on a "
                     f"machine, nslab {verb} {name} there sees its part)")


def _link(name: str, record: dict[str, Any], given: list[str], words: list[str]) -> int:
    """nslab link across machines: one end (NODE:IFACE) or a link within a
    machine goes to that machine; a link between machines goes to both, each
    machine changing its own end (NODE:IFACE) of the VXLAN."""
    from nslab.running import spread

    where = {n: e for e in record["machines"] for n in e["nodes"]}
    a = given[0].split(":")[0]
    if a not in where:
        raise UsageError(f"lab '{name}' has no node '{a}'")
    b = given[1] if len(given) > 1 and ":" not in given[0] and given[1] in where else None
    if b is None or where[a]["name"] == where[b]["name"]:
        return _show({where[a]["name"]: spread.forward(where[a], words)}, False)
    link = next((x for x in record.get("cross", [])
                 if {e["node"] for e in x["ends"]} == {a, b}), None)
    if link is None:
        raise UsageError(f"lab '{name}' has no link between {a} and {b}")
    at = words.index(a, words.index(name) + 1)  # the two node names, in the command line
    return _show(spread.forward_each([
        (where[end["node"]], [*words[:at], f"{end['node']}:{end['iface']}", *words[at + 2:]])
        for end in link["ends"]]), False)


def _show(answers: dict[str, dict[str, Any]], as_json: bool) -> int:
    """What each machine said: as it said it (one machine), under its name (several;
    --json: one object, {"machines": {NAME: its JSON}})."""
    code = max((int(r["code"]) for r in answers.values()), default=0)
    if as_json:
        out = {}
        for m, r in answers.items():
            try:
                out[m] = json.loads(r["stdout"]) if r["stdout"].strip() else None
            except ValueError:
                out[m] = {"output": r["stdout"]}
        print(json.dumps({"version": 1, "machines": out}, indent=2))
    for m, r in answers.items():
        if not as_json:
            if len(answers) > 1:
                print(f"== machine {m} ==")
            sys.stdout.write(r["stdout"])
        sys.stderr.write(r["stderr"])
    return code
