"""nslab web's server without root or a browser: the token, the static page,
the read-only refusal, errors as JSON; and the events' rates arithmetic."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nslab.errors import UsageError
from nslab.kernel.watch import Counters, rates
from nslab.state import journal
from nslab.web.server import App, Options, Server, make, needs_token, url


@pytest.fixture()
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Server, str]]:
    monkeypatch.setattr(journal, "ROOT", str(tmp_path / "state"))  # no lab is up here
    server, _app = make(Options(port=0, token="t0ken"))
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _app_of(server: Server) -> App:
    app: App = server.RequestHandlerClass.app  # type: ignore[attr-defined]
    return app


def _page(server: Server, headers: dict[str, str]) -> dict[str, str]:
    """What the page itself sends with a POST: its origin, JSON, the CSRF token."""
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    return {**headers, "Origin": origin, "Content-Type": "application/json",
            "X-Nslab-Csrf": _app_of(server).opts.csrf}


def get(address: str, method: str = "GET", headers: dict[str, str] | None = None,
        data: bytes | None = None) -> tuple[int, bytes, dict[str, str]]:
    req = urllib.request.Request(address, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def test_a_token_guards_every_request(served: tuple[Server, str]) -> None:
    server, base = served
    assert get(base + "/")[0] == 401
    assert get(base + "/static/app.js")[0] == 401
    assert get(base + "/api/labs?token=wrong")[0] == 401
    code, body, headers = get(base + "/?token=t0ken")
    assert code == 200 and b"cytoscape.min.js" in body
    assert "nslab_token=t0ken" in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]
    code, body, _h = get(base + "/api/labs", headers={"Cookie": "nslab_token=t0ken"})
    assert code == 200 and json.loads(body) == {"version": 1, "labs": [],
                                                "allow_changes": False,
                                                "csrf": _app_of(server).opts.csrf}
    assert get(base + "/static/cytoscape.min.js",
               headers={"Authorization": "Bearer t0ken"})[0] == 200
    assert url(Options(port=0, token="t0ken"), server).endswith("/?token=t0ken")


def test_answers_say_what_is_wrong(served: tuple[Server, str]) -> None:
    _server, base = served
    auth = {"Authorization": "Bearer t0ken"}
    code, body, _h = get(base + "/api/labs/nolab", headers=auth)
    assert code == 404 and "not up" in json.loads(body)["error"]
    code, body, _h = get(base + "/api/labs/x/change", "POST", _page(_server, auth),
                         b'{"node": "a"}')
    assert code == 403 and "--allow-changes" in json.loads(body)["error"]
    assert get(base + "/api/nothing", headers=auth)[0] == 404
    assert get(base + "/static/../../etc/passwd", headers=auth)[0] == 404
    code, body, _h = get(base + "/api/labs/..%2f..%2fetc", headers=auth)
    assert code == 404


def test_only_loopback_goes_without_a_token() -> None:
    assert not needs_token("127.0.0.1") and not needs_token("::1")
    assert not needs_token("localhost")
    assert needs_token("0.0.0.0") and needs_token("192.0.2.7") and needs_token("::")
    server, _app = make(Options(bind="127.0.0.1", port=0))
    try:
        assert _app.opts.token is None
    finally:
        server.server_close()


def test_rates_are_what_was_sent_per_second() -> None:
    before = {("ns", "eth0"): Counters(1000, 10, 0, 0)}
    after = {("ns", "eth0"): Counters(126000, 110, 0, 0), ("ns", "eth1"): Counters(5, 1, 0, 0)}
    assert rates(before, after, 2.0) == {("ns", "eth0"): (500000.0, 50.0)}
    # counters that went back (an interface made again) count as nothing sent
    assert rates(after, before, 1.0) == {("ns", "eth0"): (0.0, 0.0)}


@pytest.fixture()
def changes_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                   ) -> Iterator[tuple[Server, str, list[Any]]]:
    """--allow-changes on loopback, no token; the changes the app was asked for."""
    monkeypatch.setattr(journal, "ROOT", str(tmp_path / "state"))
    asked: list[Any] = []
    monkeypatch.setattr(App, "change", lambda self, lab, body: asked.append((lab, body)) or {})
    monkeypatch.setattr(App, "test", lambda self, lab: asked.append((lab, "test")) or {})
    server, _app = make(Options(port=0, allow_changes=True))
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


def raw(server: Server, request: bytes) -> tuple[int, dict[str, Any]]:
    """A request written by hand (any Host, any header): status and JSON body."""
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_a_change_comes_only_from_the_page_itself(
        changes_served: tuple[Server, str, list[Any]]) -> None:
    server, base, asked = changes_served
    url_ = base + "/api/labs/demo/change"
    body = b'{"ends": ["h1", "sw1"], "action": "down"}'
    page = _page(server, {})
    # what another site's page can send without a preflight: refused, nothing asked
    for headers in (
            {"Content-Type": "text/plain", "Origin": "http://evil.example"},  # a <form>
            {**page, "Origin": "http://evil.example"},  # another origin
            {**page, "Origin": "null"},  # a sandboxed frame
            {k: v for k, v in page.items() if k != "Origin"},  # no Origin, no Referer
            {**page, "Content-Type": "text/plain"},  # no-cors fetch: not JSON
            {**page, "Content-Type": "application/x-www-form-urlencoded"},
            {k: v for k, v in page.items() if k != "X-Nslab-Csrf"},  # no CSRF token
            {**page, "X-Nslab-Csrf": "guessed"}):
        code, answer, _h = get(url_, "POST", headers, body)
        assert code == 403 and json.loads(answer)["error"], headers
        code, answer, _h = get(base + "/api/labs/demo/test", "POST", headers, b"{}")
        assert code == 403, headers
    assert asked == []
    # the page itself (its Origin, or only its Referer): done
    assert get(url_, "POST", page, body)[0] == 200
    referer = {**{k: v for k, v in page.items() if k != "Origin"}, "Referer": base + "/?lab=x"}
    assert get(url_, "POST", referer, body)[0] == 200
    assert get(base + "/api/labs/demo/test", "POST", page, b"{}")[0] == 200
    assert asked == [("demo", {"ends": ["h1", "sw1"], "action": "down"})] * 2 + \
        [("demo", "test")]
    # the CSRF token comes from this origin's own answer
    code, answer, _h = get(base + "/api/labs")
    assert json.loads(answer)["csrf"] == page["X-Nslab-Csrf"]


def test_another_host_name_is_refused(changes_served: tuple[Server, str, list[Any]]) -> None:
    server, _base, asked = changes_served
    port = server.server_address[1]
    for host in (f"evil.example:{port}", "127.0.0.1:1", "127.0.0.1", "", f"10.1.2.3:{port}"):
        code, answer = raw(server, (f"GET /api/labs HTTP/1.0\r\nHost: {host}\r\n\r\n").encode())
        assert code == 403 and "Host" in answer["error"], host
    # DNS rebinding: the page's own origin is the other name, and so is its Host
    evil = f"rebound.example:{port}"
    code, answer = raw(server, (
        f"POST /api/labs/demo/change HTTP/1.0\r\nHost: {evil}\r\nOrigin: http://{evil}\r\n"
        f"Content-Type: application/json\r\nX-Nslab-Csrf: {_app_of(server).opts.csrf}\r\n"
        "Content-Length: 2\r\n\r\n{}").encode())
    assert code == 403 and asked == []
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
        assert raw(server, f"GET /api/labs HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())[0] == 200


def test_host_rules_follow_the_address_served() -> None:
    from nslab.web.access import host_refused

    assert host_refused("127.0.0.1:8080", "127.0.0.1", 8080) is None
    assert host_refused("LOCALHOST:8080", "127.0.0.1", 8080) is None
    assert host_refused("localhost", "127.0.0.1", 80) is None  # port 80 need not be said
    assert host_refused("localhost:8080", "127.0.0.1", 8081) is not None
    assert host_refused("192.0.2.7:8080", "192.0.2.7", 8080) is None
    assert host_refused("localhost:8080", "192.0.2.7", 8080) is not None  # not served there
    assert host_refused("198.51.100.1:8080", "0.0.0.0", 8080) is None  # any address literal
    assert host_refused("[2001:db8::1]:8080", "::", 8080) is None
    assert host_refused("lab.example:8080", "0.0.0.0", 8080) is not None
    assert host_refused("[::1:8080", "::1", 8080) is not None
    assert host_refused("127.0.0.1:99999", "127.0.0.1", 8080) is not None
    assert host_refused(None, "127.0.0.1", 8080) is not None


def test_every_request_gets_a_status_and_json(served: tuple[Server, str],
                                              capfd: pytest.CaptureFixture[str]) -> None:
    server, base = served
    auth = {"Authorization": "Bearer t0ken"}
    # a token that is not ASCII is a wrong token, not a server error
    code, answer, _h = get(base + "/api/labs?token=%C3%A9t%C3%A9")
    assert code == 401 and json.loads(answer)["error"]
    assert raw(server, ("GET /api/labs HTTP/1.0\r\nHost: 127.0.0.1:"
                        f"{server.server_address[1]}\r\nAuthorization: Bearer \xe9t\xe9\r\n\r\n")
               .encode("latin-1"))[0] == 401
    # numbers out of range: 400 with the reason
    code, answer, _h = get(base + "/api/labs/nolab/why?src=a&dst=b&proto=tcp&port=99999",
                           headers=auth)
    assert code == 400 and "1 to 65535" in json.loads(answer)["error"]
    code, answer, _h = get(base + "/api/labs/x/change", "POST",
                           _page(server, {**auth, "Content-Length": "-5"}), b"")
    assert code == 400
    # a client that leaves before the answer: nothing on the server's terminal
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", server.server_address[1])) as s:
            s.sendall(b"GET /api/labs?token=t0ken HTTP/1.0\r\nHost: 127.0.0.1:"
                      + str(server.server_address[1]).encode() + b"\r\n\r\n")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    get(base + "/api/labs", headers=auth)  # the server still answers
    assert "Traceback" not in capfd.readouterr().err


def test_any_link_setting_goes_through_the_page(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A link set from the page is nslab link's own change, with any setting."""
    from nslab.running import links
    from nslab.web.server import App

    asked: list[Any] = []

    class View:
        def to_dict(self) -> dict[str, Any]:
            return {"ok": True}

    monkeypatch.setattr(links, "change", lambda *a: asked.append(a) or View())
    monkeypatch.setattr(App, "_lab", lambda self, name: name)
    server, app = make(Options(port=0, allow_changes=True))
    server.server_close()
    body = {"ends": ["a", "b"], "action": "set", "set": {"mtu": 1400, "rate": "1mbit"}}
    assert app.change("lab", body) == {"ok": True}
    assert asked == [("lab", ["a", "b"], "set", {"mtu": "1400", "rate": "1mbit"})]
    with pytest.raises(UsageError):
        app.change("lab", {"ends": ["a", "b"], "action": "explode"})


def test_the_drawing_comes_at_once_and_the_status_on_its_own(
        served: tuple[Server, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`?status=later` answers without reading a namespace (the page draws
    with it: a thousand namespaces take the server a second); /status is that
    read alone; the plain answer has both."""
    from nslab.model.compile import compile_file
    from nslab.model.serialize import lab_to_dict
    from nslab.verbs import status as status_verb
    from nslab.web import server as web_server

    data = lab_to_dict(compile_file(str(Path(__file__).parent.parent / "examples/demo.yaml")))
    reads: list[str] = []

    def fake_status(name: str) -> dict[str, Any]:
        reads.append(name)
        return {"lab": name, "nodes": [], "reads": len(reads)}

    monkeypatch.setattr(web_server, "recorded", lambda name: (None, data))
    monkeypatch.setattr(status_verb, "status", fake_status)
    _server, base = served
    auth = {"Authorization": "Bearer t0ken"}
    code, body, _h = get(base + "/api/labs/demo?status=later", headers=auth)
    answer = json.loads(body)
    assert code == 200 and answer["status"] is None and reads == []
    assert {n["name"] for n in answer["graph"]["nodes"]} >= {"h1", "h2", "h3", "r1"}
    assert ("h1", "sw1") in {(e["a"]["node"], e["b"]["node"]) for e in answer["graph"]["edges"]}
    code, body, _h = get(base + "/api/labs/demo/status", headers=auth)
    assert code == 200 and json.loads(body) == {
        "version": 1, "lab": "demo", "status": {"lab": "demo", "nodes": [], "reads": 1}}
    code, body, _h = get(base + "/api/labs/demo", headers=auth)
    assert code == 200 and json.loads(body)["status"]["reads"] == 2
    assert get(base + "/api/labs/Not..a-name/status", headers=auth)[0] == 404
