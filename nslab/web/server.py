"""nslab web: the running labs in a browser. The standard library's threading
HTTP server; the page is static (nslab/web/static: one HTML file, one script,
and cytoscape.js vendored with its license), and every answer is the JSON of
the CLI's own verbs (status, inspect, why, test; link and node with
--allow-changes), plus a stream of events (nslab.web.live). Nothing here reads
the kernel another way.

Bound to 127.0.0.1 unless told; bound anywhere else, every request must carry
a token (given, or made up and printed), as `?token=` once (the page then keeps
it in a cookie) or `Authorization: Bearer TOKEN`. Whatever the address, a
request must name this server in its Host header, and a POST must come from
the page itself (nslab.web.access). Every answer is a status and a JSON body;
a client that leaves early is not an error.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import queue
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from nslab.errors import NotFoundError, NslabError, UsageError
from nslab.kernel import probe as probing
from nslab.names import is_lab_name
from nslab.state.record import recorded
from nslab.views import graph as drawing
from nslab.web import access
from nslab.web.live import Hub

STATIC = Path(__file__).resolve().parent / "static"
FILES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
         "app.css": "text/css; charset=utf-8",
         "cytoscape.min.js": "text/javascript; charset=utf-8"}
KEEPALIVE = 15.0  # seconds between comments on an idle event stream


@dataclass
class Options:
    bind: str = "127.0.0.1"
    port: int = 8080
    token: str | None = None
    allow_changes: bool = False
    labs: list[str] | None = None  # only these (None: every lab that is up)
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(18))  # per server


def needs_token(bind: str) -> bool:
    """Anything but a loopback address is reachable by others."""
    try:
        return not ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return bind != "localhost"


@dataclass
class App:
    """What the handler asks: answers as (status, content type, body)."""

    opts: Options
    hub: Hub
    layouts: dict[tuple[str, str], dict[str, list[float]]] = field(default_factory=dict)

    # ------------------------------------------------------------ the labs
    def _lab(self, name: str) -> str:
        if not is_lab_name(name) or (self.opts.labs is not None and name not in self.opts.labs):
            raise NotFoundError(f"lab '{name}' is not shown here")
        return name

    def labs(self) -> dict[str, Any]:
        from nslab.verbs.status import list_labs

        return {"version": 1, "labs": [x for x in list_labs()
                                       if self.opts.labs is None or x["name"] in self.opts.labs],
                "allow_changes": self.opts.allow_changes, "csrf": self.opts.csrf}

    def lab(self, name: str, with_status: bool = True) -> dict[str, Any]:
        """The lab as `nslab status --json` has it, what `nslab graph` draws of
        it, and where each node goes. Without its status (None), the drawing
        is ready in a moment: reading a thousand namespaces takes a second,
        which the page spends drawing (`lab_status`)."""
        name = self._lab(name)
        _journal, data = recorded(name)
        st = self.lab_status(name)["status"] if with_status else None
        kinds = drawing.kinds_of(data)
        edges = [{"a": {"node": e.a.node, "iface": e.a.iface, "addresses": list(e.a.addresses)},
                  "b": {"node": e.b.node, "iface": e.b.iface, "addresses": list(e.b.addresses)},
                  "subnets": list(e.subnets)} for e in drawing.edges(data)]
        return {"version": 1, "lab": name, "status": st,
                "graph": {"nodes": [{"name": n, "kind": k} for n, k in kinds.items()],
                          "edges": edges},
                "positions": self._positions(name, data), "allow_changes":
                    self.opts.allow_changes}

    def lab_status(self, name: str) -> dict[str, Any]:
        from nslab.verbs.status import status

        name = self._lab(name)
        return {"version": 1, "lab": name, "status": status(name)}

    def prepare(self, name: str) -> None:
        """Lay a lab out as soon as it is seen, before a page asks (a thousand
        nodes take Graphviz a second)."""
        with contextlib.suppress(NslabError, OSError):
            self._positions(name, recorded(name)[1])

    def _positions(self, name: str, data: dict[str, Any]) -> dict[str, list[float]]:
        """Graphviz's layout of the lab, kept while the server runs (a refresh
        puts every node where it was); none when Graphviz is missing."""
        dot = drawing.to_dot(data)
        key = (name, dot)
        if key not in self.layouts:
            try:
                r = subprocess.run(["dot", "-Tplain"], input=dot, capture_output=True,
                                   text=True, timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                return {}
            pos: dict[str, list[float]] = {}
            for line in r.stdout.splitlines():
                parts = _plain_words(line)
                if len(parts) > 3 and parts[0] == "node":
                    pos[parts[1]] = [float(parts[2]) * 72, -float(parts[3]) * 72]
            self.layouts = {k: v for k, v in self.layouts.items() if k[0] != name}
            self.layouts[key] = pos
        return self.layouts[key]

    def inspect(self, lab: str, node: str) -> dict[str, Any]:
        from nslab.verbs import inspect as inspection

        one = inspection.inspect(self._lab(lab), node)
        return {"version": 1, **one.to_dict()}

    def why(self, lab: str, q: dict[str, str]) -> dict[str, Any]:
        from nslab.verbs.why import why

        if "src" not in q or "dst" not in q:
            raise UsageError("why needs src and dst")
        proto = q.get("proto") or "icmp"
        if proto not in ("icmp", "tcp", "udp"):
            raise UsageError(f"no proto '{proto}' (icmp, tcp, udp)")
        port = int(q["port"]) if q.get("port") else None
        probing.check_port(port)
        if proto != "icmp" and port is None:
            raise UsageError(f"proto {proto} needs a port")
        d = why(self._lab(lab), q["src"], q["dst"], proto, port)  # type: ignore[arg-type]
        return {"version": 1, **d.to_dict()}

    def test(self, lab: str) -> dict[str, Any]:
        from nslab.verbs.test import check_lab

        report = check_lab(self._lab(lab))
        return {"version": 1, **report.to_dict()}

    def change(self, lab: str, body: dict[str, Any]) -> dict[str, Any]:
        """A link down, up, set (`"set": {"rate": "1mbit", "mtu": "1400", ...}`, any
        link setting) or cleared, or a node stopped or started: the CLI's verbs."""
        if not self.opts.allow_changes:
            raise PermissionError("this page is read-only (nslab web --allow-changes)")
        lab = self._lab(lab)
        if "node" in body:
            from nslab.verbs.node import node

            return node(lab, str(body["node"]), str(body.get("action", ""))).to_dict()
        from nslab.running import links

        ends = [str(x) for x in body.get("ends", [])]
        action = str(body.get("action", ""))
        if action not in ("down", "up", "clear", "set"):
            raise UsageError("a link's action here is down, up, set or clear")
        settings = body.get("set") or {}
        if action == "set" and not isinstance(settings, dict):
            raise UsageError('set takes {"rate": "1mbit", "loss": "5%", "mtu": "1400"}')
        props = {str(k): str(v) for k, v in settings.items()} if action == "set" else None
        return links.change(lab, ends, action, props).to_dict()


def _plain_words(line: str) -> list[str]:
    """A line of Graphviz's -Tplain output (names may be quoted)."""
    out, word, quoted = [], "", False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == " " and not quoted:
            if word:
                out.append(word)
            word = ""
        else:
            word += c
    return [*out, word] if word else out


class Handler(BaseHTTPRequestHandler):
    app: App
    server_version = "nslab-web"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the terminal belongs to the person who started it

    # ------------------------------------------------------------ access
    def _token_ok(self, query: dict[str, str]) -> tuple[bool, bool]:
        """(allowed, the token came in the query: set the cookie)."""
        want = self.app.opts.token
        if want is None:
            return True, False
        given = query.get("token")
        if given is not None:
            return access.same(given, want), True
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer ") and access.same(auth[7:], want):
            return True, False
        cookie: SimpleCookie = SimpleCookie()
        with contextlib.suppress(Exception):  # a malformed cookie is no cookie
            cookie.load(self.headers.get("Cookie", ""))
        c = cookie.get("nslab_token")
        return (c is not None and access.same(c.value, want)), False

    def _send(self, code: int, ctype: str, body: bytes, cookie: bool = False) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if cookie and self.app.opts.token:
            self.send_header("Set-Cookie", f"nslab_token={self.app.opts.token}; Path=/; "
                             "HttpOnly; SameSite=Strict")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, data: Any, cookie: bool = False) -> None:
        self._send(code, "application/json", json.dumps(data).encode(), cookie)

    def _error(self, e: BaseException) -> None:
        code = 404 if isinstance(e, NotFoundError) else 403 if isinstance(
            e, PermissionError) else 400 if isinstance(e, UsageError | ValueError) else 500
        if isinstance(e, NslabError) and code == 500:
            code = 409
        self._json(code, {"version": 1, "error": str(e)})

    # ------------------------------------------------------------ requests
    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        """Every request gets a status and a JSON body (or the page); a client
        that went away is not an error."""
        try:
            self._checked(method)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        except Exception as e:  # a bug of ours: said once on the terminal, 500 to the client
            print(f"nslab web: {method} {self.path[:200]}: {type(e).__name__}: {e}",
                  file=sys.stderr)
            with contextlib.suppress(OSError):
                self._json(500, {"version": 1, "error": f"internal error: {e}"})

    def _checked(self, method: str) -> None:
        opts = self.app.opts
        host = self.headers.get("Host")
        refused = access.host_refused(host, opts.bind, self.served_port())
        if refused is None and method == "POST":
            refused = access.change_refused(self.headers, host or "", opts.csrf)
        if refused is not None:
            self._json(403, {"version": 1, "error": refused})
            return
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, errors="replace").items()}
        ok, from_query = self._token_ok(query)
        if not ok:
            self._json(401, {"version": 1, "error": "a token is needed: open the address "
                             "nslab web printed (?token=...)"})
            return
        parts = [unquote(p) for p in url.path.split("/") if p]
        try:
            self._dispatch(method, parts, query, from_query)
        except (NslabError, PermissionError, ValueError, KeyError) as e:
            self._error(e)

    def served_port(self) -> int:
        server = self.server
        assert isinstance(server, Server)
        return int(server.server_port)

    def _dispatch(self, method: str, parts: list[str], query: dict[str, str],
                  cookie: bool) -> None:
        app = self.app
        if method == "GET" and parts in ([], ["index.html"]):
            self._send(200, FILES["index.html"], (STATIC / "index.html").read_bytes(), cookie)
        elif method == "GET" and len(parts) == 2 and parts[0] == "static" \
                and parts[1] in FILES:
            self._send(200, FILES[parts[1]], (STATIC / parts[1]).read_bytes(), cookie)
        elif method == "GET" and parts == ["api", "labs"]:
            self._json(200, app.labs(), cookie)
        elif method == "GET" and parts == ["api", "events"]:
            self._events()
        elif len(parts) >= 3 and parts[:2] == ["api", "labs"]:
            self._lab_route(method, parts[2], parts[3:], query)
        else:
            self._json(404, {"version": 1, "error": f"no {method} {self.path.split('?')[0]}"})

    def _lab_route(self, method: str, lab: str, rest: list[str], query: dict[str, str]) -> None:
        app = self.app
        if method == "GET" and not rest:
            self._json(200, app.lab(lab, with_status=query.get("status") != "later"))
        elif method == "GET" and rest == ["status"]:
            self._json(200, app.lab_status(lab))
        elif method == "GET" and len(rest) == 2 and rest[0] == "nodes":
            self._json(200, app.inspect(lab, rest[1]))
        elif method == "GET" and rest == ["why"]:
            self._json(200, app.why(lab, query))
        elif method == "POST" and rest == ["test"]:
            self._body()  # read (and checked) though nothing in it is needed
            self._json(200, app.test(lab))
        elif method == "POST" and rest == ["change"]:
            self._json(200, app.change(lab, self._body()))
        else:
            self._json(404, {"version": 1, "error": f"no {method} {self.path.split('?')[0]}"})

    def _body(self) -> dict[str, Any]:
        size = int(self.headers.get("Content-Length") or 0)
        if not 0 <= size <= 65536:
            raise UsageError("a request body is 0 to 65536 bytes")
        data = json.loads(self.rfile.read(size) or b"{}")
        if not isinstance(data, dict):
            raise UsageError("a JSON object, please")
        return data

    def _events(self) -> None:
        """Server-sent events until the page goes away."""
        q = self.app.hub.subscribe()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(b": nslab events\n\n")
            self.wfile.flush()
            self.app.hub.send("labs", {"labs": self.app.hub.shown()})
            while True:
                try:
                    event, data = q.get(timeout=KEEPALIVE)
                    self.wfile.write(f"event: {event}\ndata: {data}\n\n".encode())
                except queue.Empty:
                    self.wfile.write(b": still here\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            self.app.hub.unsubscribe(q)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that left, or sent what is not HTTP: no traceback on the
        terminal of the person who started the server."""
        e = sys.exc_info()[1]
        if not isinstance(e, ConnectionError | TimeoutError):
            print(f"nslab web: a request from {client_address[0]} failed: {e}", file=sys.stderr)


# a listening socket made before this process entered a rootless lab's namespaces
# (nslab.cli.rootless): the page is served on the machine's network, not the lab's
_OUTSIDE: list[Any] = []


def _cannot(bind: str, port: int, e: OSError) -> NslabError:
    return NslabError(f"cannot serve on {bind}:{port}: {e.strerror or e} "
                      "(another port: --port N)")


def listen_outside(bind: str, port: int) -> None:
    """Listen on `bind`:`port` now, in this network namespace; `make` serves on it."""
    import socket

    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((bind, port))
        sock.listen(Server.request_queue_size)
    except OSError as e:
        sock.close()
        raise _cannot(bind, port, e) from None
    _OUTSIDE.append(sock)


def make(opts: Options) -> tuple[Server, App]:
    """A server ready to serve (not started); the token made up when needed."""
    if opts.token is None and needs_token(opts.bind):
        opts.token = secrets.token_urlsafe(18)
    hub = Hub(opts.labs)
    app = App(opts, hub)
    hub.on_new_lab = app.prepare
    handler = type("BoundHandler", (Handler,), {"app": app})
    if _OUTSIDE:
        server = Server((opts.bind, opts.port), handler, bind_and_activate=False)
        server.socket.close()
        server.socket = _OUTSIDE.pop()
        server.server_address = server.socket.getsockname()
        server.server_name, server.server_port = str(opts.bind), int(server.server_address[1])
        return server, app
    try:
        server = Server((opts.bind, opts.port), handler)
    except OSError as e:
        raise _cannot(opts.bind, opts.port, e) from None
    return server, app


def url(opts: Options, server: Server) -> str:
    host, port = str(server.server_address[0]), int(server.server_address[1])
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={opts.token}" if opts.token else "")
