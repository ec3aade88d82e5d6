"""nslab agent --stdio: nslab on one machine of a lab across machines, spoken
to by the controller (`nslab up` of the lab's file, elsewhere) through a
transport (nslab.kernel.remote) in JSON lines: a request, an answer.

  hello   {version, underlay, port} -> {version, mtu, vxlan, hostname, port_taken}
  up      {lab, steps, files, ...} -> {seconds}   this machine's part, journaled here
  down    {lab}                    -> {removed, failed, ...}
  status  {lab}                    -> nslab status's JSON
  exec    {lab, node, argv}        -> {code, stdout, stderr}
  probe   {to, size}               -> {reached, said}  a don't-fragment ping of size bytes
  cli     {argv}                   -> {code, stdout, stderr}  `nslab ARGV` here
  nodes   {lab}                    -> {nodes}  this machine's nodes (nodes.json)
  probes  {probes, timeout}        -> {results}  probes from this machine's nodes
  walk    {lab, node, dst, src_address, ends, enter?, target?}
                                   -> this machine's stretch of a path (nslab why)
  expect  {lab, indexes, timeout}  -> {results}  the file's expectations checked here
  attach  {argv, size}             -> {}  then `nslab ARGV` here on the stdio itself
                                      (size [rows, cols]: on a pseudo-terminal), the
                                      agent's exit status its own; ended when the
                                      controller goes away

Every answer has "ok"; a refusal says why ("error", and the CLI's exit "code").
Each machine keeps its own journal: `nslab down LAB` there removes its part
even when the controller is gone.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Callable
from typing import IO, Any

from nslab.errors import ConflictError, NotFoundError, NslabError, UsageError
from nslab.kernel.remote import PART, df_ping, run_in, supervise, udp_port_users
from nslab.kernel.seam import Kernel, RealKernel

Handler = Callable[[dict[str, Any], Kernel], dict[str, Any]]


def serve(inp: IO[str], out: IO[str], version: str, kernel: Kernel | None = None) -> int:
    """Answer requests until the controller closes the connection (`version`:
    this nslab's, which the controller's must be)."""
    k = kernel or RealKernel()
    for line in inp:
        if not line.strip():
            continue
        answer: dict[str, Any]
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise UsageError("a request is a JSON object")
            if request.get("op") == "attach":  # the rest of the connection is the verb's
                argv = _verb(request)
                size = request.get("size")
                out.write(json.dumps({"ok": True}) + "\n")
                out.flush()
                return supervise(argv, (int(size[0]), int(size[1])) if size else None,
                                 _part())
            handler = HANDLERS.get(str(request.get("op")))
            if handler is None:
                raise UsageError(f"unknown request {request.get('op')!r} (one of: "
                                 f"{', '.join(HANDLERS)}, attach)")
            answer = {"ok": True} | handler(request | {"mine": version}, k)
        except NslabError as e:
            answer = {"ok": False, "error": str(e), "code": int(e.exit_code),
                      "notes": list(getattr(e, "__notes__", ()))}
        except (ValueError, KeyError, TypeError) as e:
            answer = {"ok": False, "error": f"a request nslab cannot read: {e!r}", "code": 2}
        except subprocess.TimeoutExpired as e:
            answer = {"ok": False, "error": f"{e.cmd[0]} did not end within {e.timeout:g} s",
                      "code": 1}
        except OSError as e:
            answer = {"ok": False, "error": f"{e.strerror or e}", "code": 1}
        out.write(json.dumps(answer) + "\n")
        out.flush()
    return 0


def _hello(r: dict[str, Any], k: Kernel) -> dict[str, Any]:
    mine = r["mine"]
    if r.get("version") != mine:
        raise UsageError(f"this machine runs nslab {mine}, the controller {r.get('version')}: "
                         "install the same version on every machine")
    underlay = r.get("underlay")
    mtu = k.underlay_mtu(str(underlay)) if underlay else None
    if underlay and mtu is None:
        raise NotFoundError(f"no interface of this machine has the underlay address {underlay}")
    port = r.get("port")
    return {"version": mine, "mtu": mtu, "hostname": socket.gethostname(),
            "vxlan": not k.missing_features(["vxlan"]),
            "port_taken": udp_port_users(int(port)) if port else []}


def _up(r: dict[str, Any], k: Kernel) -> dict[str, Any]:
    from nslab.plan.codec import steps_from_json
    from nslab.running.build import up_slice

    steps = steps_from_json(r["steps"])
    seconds = up_slice(str(r["lab"]), steps, dict(r["files"]), dict(r["needs"]),
                       list(r["namespaces"]), r.get("source"), str(r["instance"]),
                       list(r["neighbours"]), k)
    return {"seconds": round(seconds, 4)}


def _down(r: dict[str, Any], k: Kernel) -> dict[str, Any]:
    from nslab.running.teardown import down
    from nslab.state.journal import Journal

    journal = Journal(str(r["lab"]))
    made = journal.read().instance if journal.exists() else None
    if r.get("instance") and made and made != r["instance"]:
        raise ConflictError(f"lab '{r['lab']}' on this machine is another one than the "
                            f"controller made (instance {made}, not {r['instance']}): left "
                            "alone")
    res = down(str(r["lab"]), kernel=k)
    return {"was_up": res.was_up, "removed": res.removed, "failed": res.failed,
            "processes": res.processes, "seconds": round(res.seconds, 4)}


def _status(r: dict[str, Any], k: Kernel) -> dict[str, Any]:
    from nslab.running.status import status

    return {"status": status(str(r["lab"]), k)}


def _exec(r: dict[str, Any], k: Kernel) -> dict[str, Any]:
    from nslab.running.record import lab_record

    node = next((n for n in lab_record(str(r["lab"])).nodes if n.name == r["node"]), None)
    if node is None:
        raise NotFoundError(f"node '{r['node']}' is not on this machine")
    p = run_in(node.namespace, [str(a) for a in r["argv"]], float(r.get("timeout", 60)))
    return {"code": p.returncode, "stdout": p.stdout, "stderr": p.stderr}


def _probe(r: dict[str, Any], k: Kernel) -> dict[str, Any]:
    """Whether a packet of `size` bytes (IP header included) reaches `to` from
    this machine whole: a ping that may not be fragmented."""
    reached, said = df_ping(str(r["to"]), int(r["size"]))
    return {"reached": reached, "said": said}


def _verb(r: dict[str, Any]) -> list[str]:
    """The command that runs the verb of nslab a request names, here (on this
    machine's part of a lab: see PART)."""
    import sys

    argv = [str(a) for a in r["argv"]]
    if argv[:1] in (["agent"], ["up"]):
        raise UsageError(f"nslab {argv[0]} is not run for the controller this way")
    return [sys.executable, "-m", "nslab", *argv]


def _part() -> dict[str, str]:
    """The environment of a verb run here: this machine's part (PART)."""
    return {**os.environ, PART: "1"}


def _cli(r: dict[str, Any], k: Kernel) -> dict[str, Any]:
    """A verb of nslab's run on this machine (on its part of the lab)."""
    p = subprocess.run(_verb(r), capture_output=True, text=True, env=_part(),
                       timeout=float(r.get("timeout", 600)), stdin=subprocess.DEVNULL)
    return {"code": p.returncode, "stdout": p.stdout, "stderr": p.stderr}


def _nodes(r: dict[str, Any], k: Kernel) -> dict[str, Any]:
    from nslab.state.record import node_list

    return {"nodes": node_list(str(r["lab"]))}


def _probes(r: dict[str, Any], k: Kernel) -> dict[str, Any]:
    """Each probe ([namespace, address, proto, port]) sent from this machine's
    node, as `nslab test` probes: its outcome."""
    from nslab.kernel import probe

    asked = [probe.Probe(str(ns), str(dst), proto, port) for ns, dst, proto, port in r["probes"]]
    return {"results": [{"outcome": x.outcome, "detail": x.detail, "rtt_ms": x.rtt_ms,
                         "reached": x.reached}
                        for x in probe.run(asked, float(r.get("timeout", 1.0)))]}


def _walk(r: dict[str, Any], k: Kernel) -> dict[str, Any]:
    """This machine's stretch of a path across machines (nslab why, path
    expectations): from a node, or from its end of a link between machines."""
    from nslab.running.paths import walk_here

    return walk_here(str(r["lab"]), str(r["node"]), str(r["dst"]), r.get("src_address"),
                     [str(e) for e in r.get("ends", [])], r.get("enter"), r.get("target"))


def _expect(r: dict[str, Any], k: Kernel) -> dict[str, Any]:
    """The file's expectations whose nodes are here, checked here."""
    from nslab.running.expectations import expect_here

    return {"results": expect_here(str(r["lab"]), [int(i) for i in r["indexes"]],
                                   float(r.get("timeout", 1.0)))}


HANDLERS: dict[str, Handler] = {"hello": _hello, "up": _up, "down": _down,
                                "status": _status, "exec": _exec, "probe": _probe, "cli": _cli,
                                "nodes": _nodes, "probes": _probes, "walk": _walk,
                                "expect": _expect}
