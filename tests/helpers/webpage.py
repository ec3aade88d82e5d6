"""`nslab web` in a real browser (headless Chromium, tests/helpers/browser.py), in a
sandbox (tests/helpers/sandbox.py): the page lists the lab, turns a link red when it
goes down inside a node and green again, shows traffic on the right link,
inspects a node on a click, draws a why and its stopping hop with the CLI's
reason, runs the tests; the token is required when set, and the server binds
where it says. Screenshots for the README come from here.

    python -m tests.helpers.webpage SCENARIO [SCREENSHOT_DIR]

Prints one JSON line of what it saw; tests/test_web.py judges.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.helpers import sandbox
from tests.helpers.browser import Browser
from tests.helpers.sandbox import NSLAB, ROOT, enter, nslab, sh


def _serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    """`nslab web ARGS`, once it listens: the process and the address it printed."""
    p = subprocess.Popen([*NSLAB, "web", *args], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert p.stdout is not None
    line = p.stdout.readline()
    assert line.startswith("nslab web: "), (line, p.stderr.read() if p.stderr else "")
    return p, line.split()[2]


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _node_xy(b: Browser, name: str) -> list[float]:
    """Where a node is drawn, in the viewport."""
    xy: list[float] = b.js(
        f"(() => {{ const p = nslab.cy.getElementById({json.dumps(name)}).renderedPosition();"
        " const r = document.getElementById('cy').getBoundingClientRect();"
        " return [r.x + p.x, r.y + p.y]; })()")
    return xy


def _edge_of(end: str) -> str:
    return f"nslab.cy.getElementById(nslab.state.endEdge[{json.dumps(end)}])"


def page(shots: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    nslab("up", str(ROOT / "examples/demo.yaml"))
    status = json.loads(nslab("status", "demo", "--json").stdout)
    out["nodes_cli"] = sorted(n["name"] for n in status["nodes"])
    server, address = _serve("--port", "8090")
    try:
        with Browser() as b:
            t0 = time.monotonic()
            b.open(address)
            b.wait("window.nslab && nslab.cy.nodes().length > 0 && "
                   "document.getElementById('live').className === 'on'", 15)
            out["first_paint"] = time.monotonic() - t0
            out["nodes_page"] = sorted(b.js("nslab.cy.nodes().map(n => n.id())"))
            out["edges_page"] = sorted(b.js(
                "nslab.cy.edges().map(e => [e.data('a'), e.data('b')].sort().join(' '))"))
            # the drawing comes first, each link end's state with the status after it
            out["states_after"] = b.wait("!!nslab.state.data.status", 30)
            out["all_up"] = b.js("nslab.cy.edges().every(e => e.hasClass('up'))")
            # a link set down inside a node, by hand: red within 2 s; green again
            sh("ip -n demo-h3 link set eth0 down")
            out["red_after"] = b.wait(f"{_edge_of('h3:eth0')}.hasClass('down')", 30)
            sh("ip -n demo-h3 link set eth0 up")
            out["green_after"] = b.wait(f"{_edge_of('h3:eth0')}.hasClass('up')", 30)
            # the kernel dropped h3's route with its link: check --repair puts it back
            out["repair"] = nslab("check", "demo", "--repair").returncode
            # traffic h1 -> h3: a rate on h1's link and r1's link to h3, none on h2's
            time.sleep(0.5)
            pinger = subprocess.Popen(["ip", "netns", "exec", "demo-h1", "ping", "-q", "-i",
                                       "0.01", "-s", "1000", "-w", "6", "10.0.9.2"],
                                      stdout=subprocess.DEVNULL)
            b.wait(f"{_edge_of('h1:eth0')}.data('bps') > 100000", 6)
            out["bps"] = b.js("Object.fromEntries(nslab.cy.edges().map(e => "
                              "[e.data('a') + ' ' + e.data('b'), e.data('bps')]))")
            out["label_h1"] = b.js(f"{_edge_of('h1:eth0')}.data('label')")
            pinger.wait()
            # a click on r1: its routes
            x, y = _node_xy(b, "r1")
            b.click(x, y)
            b.wait("document.getElementById('panel').textContent.includes('routes')", 30)
            out["panel_r1"] = b.js("document.getElementById('panel').innerText")
            if shots:
                b.screenshot(Path(shots) / "web-inspect.png")
            # why on a broken lab: r1 stops forwarding
            sh("ip netns exec demo-r1 sysctl -qw net.ipv4.ip_forward=0")
            cli = json.loads(nslab("why", "demo", "h1", "h3", "--json").stdout)
            out["why_cli"] = {"reason": cli["reason"], "at": cli["at"]}
            b.js("document.getElementById('src').value = 'h1';"
                 "document.getElementById('dst').value = 'h3'; true")
            b.click_selector("#go")
            b.wait("!!document.getElementById('why-verdict')", 30)
            out["why_page"] = b.js("document.getElementById('why-verdict').textContent")
            out["stop_marked"] = b.js("nslab.cy.nodes('.stop').map(n => n.id())")
            out["fwd_edges"] = b.js("nslab.cy.edges('.fwd').length")
            if shots:
                b.screenshot(Path(shots) / "web-why.png")
            sh("ip netns exec demo-r1 sysctl -qw net.ipv4.ip_forward=1")
            # the tests, from the button: a heat map and the expectations
            b.click_selector("#test")
            b.wait("!!document.getElementById('test-verdict')", 30)
            out["test_verdict"] = b.js("document.getElementById('test-verdict').textContent")
            out["heat_cells"] = b.js("document.querySelectorAll('td.cell-ok').length")
            out["test_cli"] = json.loads(nslab("test", "demo", "--json").stdout)["ok"]
            if shots:
                b.screenshot(Path(shots) / "web-test.png")
            # a node stopped and started (nslab node): greyed, and back
            nslab("node", "demo", "h2", "stop")
            stopped = "nslab.cy.getElementById('h2').hasClass('stopped')"
            out["stopped_after"] = b.wait(stopped, 30)
            nslab("node", "demo", "h2", "start")
            out["started_after"] = b.wait("!" + stopped, 30)
            # a lab coming up and going down: in the list, and out
            has = "[...document.getElementById('lab').options].some(o => o.value === 'two-ns')"
            nslab("up", str(ROOT / "examples/two-namespaces.yaml"))
            out["lab_came"] = b.wait(has, 30)
            nslab("down", "two-ns")
            out["lab_went"] = b.wait("!" + has, 30)
            # a change asked of a read-only page is refused
            req = urllib.request.Request(address.rstrip("/") + "/api/labs/demo/change",
                                         data=b'{"ends": ["h1", "sw1"], "action": "down"}',
                                         method="POST")
            try:
                urllib.request.urlopen(req, timeout=5)
                out["refused"] = 200
            except urllib.error.HTTPError as e:
                out["refused"] = e.code
    finally:
        sandbox.stop(server)
    nslab("down", "demo")
    sandbox.reap()
    return out


def token() -> dict[str, Any]:
    """A token set: required, by query, header or cookie; bound where it says."""
    out: dict[str, Any] = {}
    nslab("up", str(ROOT / "examples/two-namespaces.yaml"))
    server, address = _serve("--port", "8091", "--token", "s3cret")
    try:
        base = "http://127.0.0.1:8091"
        out["none"] = _get(base + "/api/labs")[0]
        out["wrong"] = _get(base + "/api/labs?token=nope")[0]
        out["query"] = _get(base + "/api/labs?token=s3cret")[0]
        out["bearer"] = _get(base + "/api/labs", {"Authorization": "Bearer s3cret"})[0]
        out["cookie"] = _get(base + "/api/labs", {"Cookie": "nslab_token=s3cret"})[0]
        out["page_none"] = _get(base + "/")[0]
        out["address"] = address
        # 127.0.0.1 only: another loopback address finds nobody there
        s = socket.socket()
        s.settimeout(2)
        out["elsewhere"] = s.connect_ex(("127.0.0.2", 8091))
        s.close()
    finally:
        sandbox.stop(server)
    # bound beyond the machine without a token: one is made up and required
    server, address = _serve("--port", "8092", "--bind", "0.0.0.0")
    try:
        out["made_up"] = "?token=" in address
        out["made_up_none"] = _get("http://127.0.0.1:8092/api/labs")[0]
        out["made_up_query"] = _get(address.replace("0.0.0.0", "127.0.0.1"))[0]
    finally:
        sandbox.stop(server)
    # changes only with --allow-changes, through the CLI's own verbs (journaled)
    server, _a = _serve("--port", "8093", "--allow-changes")
    try:
        base = "http://127.0.0.1:8093"
        csrf = json.loads(_get(base + "/api/labs")[1])["csrf"]
        req = urllib.request.Request(base + "/api/labs/two-ns/change",
                                     data=json.dumps({"ends": ["a", "b"], "action": "down"})
                                     .encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Origin": base, "X-Nslab-Csrf": csrf})
        with urllib.request.urlopen(req, timeout=10) as r:
            out["change"] = r.status
        out["changed_links"] = json.loads(nslab("status", "two-ns", "--json").stdout)[
            "changed_links"]
    finally:
        sandbox.stop(server)
    nslab("down", "two-ns")
    sandbox.reap()
    return out


# a page of another site that tries to take the lab's link down: a plain form
# (text/plain, no preflight) and a no-cors fetch, both aimed at nslab web
EVIL = """<!doctype html><title>elsewhere</title>
<iframe name="sink"></iframe>
<form id="f" method="POST" enctype="text/plain" target="sink"
      action="http://127.0.0.1:8094/api/labs/two-ns/change">
<input name='{"ends": ["a", "b"], "action": "down", "x": "' value='"}'></form>
<script>
document.querySelector("iframe").onload = () => { window.formDone = true; };
document.getElementById("f").submit();
fetch("http://127.0.0.1:8094/api/labs/two-ns/change", {method: "POST", mode: "no-cors",
      headers: {"Content-Type": "text/plain"},
      body: JSON.stringify({node: "a", action: "stop"})})
  .then(() => { window.fetchDone = "sent"; }, (e) => { window.fetchDone = "failed"; });
</script>"""


def _link_state(ns: str) -> bool:
    return "state UP" in sh(f"ip -n {ns} link show eth0").stdout


def crossorigin() -> dict[str, Any]:
    """--allow-changes on loopback: another site's page in the same browser
    (a form, a no-cors fetch) and a page reached by another name (DNS
    rebinding) change nothing; the page itself still can."""
    import http.server
    import threading

    out: dict[str, Any] = {}
    nslab("up", str(ROOT / "examples/two-namespaces.yaml"))

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = EVIL.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 8095), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    server, address = _serve("--port", "8094", "--allow-changes")
    try:
        with Browser(args="--host-resolver-rules='MAP rebound.test 127.0.0.1'") as b:
            b.open("http://127.0.0.1:8095/")
            b.wait("window.formDone === true && !!window.fetchDone", 30)
            out["fetch"] = b.js("window.fetchDone")
            out["form_answer"] = b.js("(() => { try { return frames[0].document.body"
                                      ".innerText; } catch (e) { return 'cross-origin'; } })()")
            status = json.loads(nslab("status", "two-ns", "--json").stdout)
            out["after_evil"] = {"changed": status["changed_links"],
                                 "stopped": status.get("stopped", []),
                                 "a_up": _link_state("two-ns-a")}
            # DNS rebinding: a name that resolves here, the server's own port
            b.open("http://rebound.test:8094/api/labs")
            b.wait("document.body && document.body.innerText.includes('error')", 30)
            out["rebound"] = json.loads(b.js("document.body.innerText"))
            out["rebound_change"] = b.js(
                "fetch('/api/labs/two-ns/change', {method: 'POST', headers: {'Content-Type': "
                "'application/json', 'X-Nslab-Csrf': 'x'}, body: JSON.stringify({ends: ['a', "
                "'b'], action: 'down'})}).then(r => r.status)")
            out["a_up_after_rebound"] = _link_state("two-ns-a")
            # the page itself: its own change goes through
            b.open(address)
            b.wait("window.nslab && nslab.state && nslab.state.lab === 'two-ns'", 30)
            b.js("change({ends: ['a', 'b'], action: 'down'}).then(() => true)")
            deadline = time.monotonic() + 10
            while _link_state("two-ns-a") and time.monotonic() < deadline:
                time.sleep(0.05)
            out["own_change_down"] = not _link_state("two-ns-a")
    finally:
        sandbox.stop(server)
        evil.shutdown()
    nslab("down", "two-ns")
    sandbox.reap()
    return out


if __name__ == "__main__":
    enter()
    print(json.dumps(globals()[sys.argv[1]](*sys.argv[2:])))
