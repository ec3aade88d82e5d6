"""Rootless mode for the command line (nslab.running.rootless does the
work): whether a verb runs rootless, and which lab it acts on. Automatic when
the user is not root; `--rootless` (or NSLAB_ROOTLESS=1) asks for it as root
too: the lab then lives in namespaces of its own, not on the machine."""

from __future__ import annotations

import argparse
import os

from nslab.cli.common import compile_file
from nslab.errors import ExitCode, UsageError

# verbs that never touch a lab, or only read the file
OUTSIDE = frozenset({"new", "validate", "plan", "schema", "completion", "doctor", "ns",
                     "machines", "agent", "k8s"})


def wanted(verb: str, a: argparse.Namespace) -> bool:
    """Rootless: asked, or not root; as root also a verb for a lab that lives
    in a holder (made with --rootless)."""
    if verb in OUTSIDE:
        return False
    if getattr(a, "rootless", False) or os.geteuid() != 0 or os.environ.get("NSLAB_ROOTLESS"):
        return True
    from nslab.running import rootless

    if not rootless.has_labs():
        return False
    target = lab_of(verb, a)
    return target is not None and rootless.holds(target[0])


def lab_of(verb: str, a: argparse.Namespace) -> tuple[str, str | None] | None:
    """(the lab's name, its file when named by one) that the verb acts on;
    None: every lab of the user."""
    from nslab.names import names_a_file

    if verb in ("up", "apply", "diff"):
        return compile_file(a.file).name, a.file
    for key in ("target", "lab", "name"):
        v = getattr(a, key, None)
        if isinstance(v, str):
            if key == "target" and verb in ("down", "test", "graph") and names_a_file(v):
                return compile_file(v).name, v
            return v, None
    labs = getattr(a, "labs", None)
    if labs:
        if len(labs) > 1:
            raise UsageError("rootless: one lab at a time (each lives in its own namespaces)")
        return str(labs[0]), None
    return None


def route(verb: str, a: argparse.Namespace) -> int | None:
    """Run the verb rootless: None in the process that goes on (inside its
    lab's holder), else the exit code for this one."""
    from nslab.running import rootless

    early = None  # a holder starts while the file is read (its Python takes ~80 ms)
    if verb == "up" or (verb == "test" and (os.path.isfile(a.target) or
                                            a.target.endswith((".yaml", ".yml")))):
        early = rootless.spawn()
    try:
        target = lab_of(verb, a)
    except BaseException:
        if early is not None:
            early.cancel()
        raise
    if target is not None and verb == "web":
        from nslab.web.server import listen_outside

        listen_outside(a.bind, a.port)  # the page on the machine's network, not the lab's
    if target is not None:
        name, file = target
        # compiled here once: the verb, inside, finds it compiled (nslab.cli.common)
        lab = compile_file(file) if file is not None and verb in ("up", "test") else None
        return rootless.route(verb, name, file, lab, early)
    if verb == "web":
        raise UsageError("rootless: nslab web LAB (each lab lives in its own namespaces)")
    if verb == "gc":
        rootless.available()
        print("rootless: nothing outlives a lab's holder, and records of ended ones go "
              "by themselves")
        return ExitCode.OK
    from nslab.cli.common import print_json
    from nslab.verbs.status import list_labs
    from nslab.views import text

    items = rootless.every(list_labs)
    if getattr(a, "json", False):
        print_json({"version": 1, "labs": items})
    else:
        print(text.list_text(items))
    return ExitCode.OK
