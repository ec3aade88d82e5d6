"""Text for the verbs that change a running lab: apply, diff, check, node."""

from __future__ import annotations

from typing import Any


def change_text(d: dict[str, Any], verb: str) -> str:
    """An apply or diff result (ApplyResult.to_dict) for people."""
    lines = []
    nodes, links = d["nodes"], d["links"]
    parts = [f"{len(v)} node(s) {k}: {', '.join(v[:8])}{' ...' if len(v) > 8 else ''}"
             for k, v in nodes.items() if v]
    parts += [f"{len(v)} link(s) {k}: {', '.join(v[:4])}{' ...' if len(v) > 4 else ''}"
              for k, v in links.items() if v]
    steps = d["steps"]
    if d.get("built"):
        return f"lab {d['lab']} was not up: built it ({d['seconds']:.2f} s)"
    if not steps:
        return f"lab {d['lab']} is as the file says: nothing to change"
    head = "would change" if verb == "diff" else "changed"
    lines.append(f"lab {d['lab']}: {head} " + ("; ".join(parts) or "settings") +
                 f" in {len(steps)} step(s)" +
                 (f" ({d['seconds']:.2f} s)" if verb != "diff" else ""))
    if verb == "diff" or len(steps) <= 20:  # a step's first line (--shell: all of it)
        lines += ["  " + s.splitlines()[0] + (" ..." if "\n" in s else "") for s in steps]
    return "\n".join(lines)


def check_text(d: dict[str, Any]) -> str:
    lines = []
    diffs = d["differences"]
    if not diffs:
        return f"lab {d['lab']} is as its file says ({d['compared']} things compared, " \
               f"{d['seconds']:.2f} s)"
    lines.append(f"lab {d['lab']}: {len(diffs)} difference(s) from its file:")
    w = max(len(x["node"]) for x in diffs)
    for x in diffs:
        lines.append(f"  {x['node']:<{w}}  {x['what']}: expected {x['expected']}, found "
                     f"{x['found']} ({x['cause']})")
    if "repair" in d:
        left = [x for x in d["left"] if x["repairable"]]
        lines.append(f"repaired in {len(d['repair'])} step(s)" + (
            "; still different: " + "; ".join(f"{x['node']} {x['what']}" for x in left)
            if left else "" if d["unrepaired"] else "; the lab is as its file says again"))
        lines += [f"not repaired: {x['node']} {x['what']}: {x['cause']}"
                  for x in d["unrepaired"]]
        if d["on_unrepaired"]:
            lines.append(f"not repaired either: {d['on_unrepaired']} difference(s) that live "
                         "on those (addresses, routes, settings of their links)")
    elif all(x["repairable"] for x in diffs):
        lines.append(f"nslab check {d['lab']} --repair puts it back")
    else:
        lines.append(f"nslab check {d['lab']} --repair puts back what it can; what someone "
                     "else put in the lab's place is left alone")
    return "\n".join(lines)
