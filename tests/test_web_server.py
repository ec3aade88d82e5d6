"""nslab web's server without root or a browser: the token, the static page,
the read-only refusal, errors as JSON; and the events' rates arithmetic."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from nslab.kernel.watch import Counters, rates
from nslab.state import journal
from nslab.web.server import Options, Server, make, needs_token, url


@pytest.fixture()
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Server, str]]:
    monkeypatch.setattr(journal, "ROOT", str(tmp_path / "state"))  # no lab is up here
    server, _app = make(Options(port=0, token="t0ken"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


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
                                                "allow_changes": False}
    assert get(base + "/static/cytoscape.min.js",
               headers={"Authorization": "Bearer t0ken"})[0] == 200
    assert url(Options(port=0, token="t0ken"), server).endswith("/?token=t0ken")


def test_answers_say_what_is_wrong(served: tuple[Server, str]) -> None:
    _server, base = served
    auth = {"Authorization": "Bearer t0ken"}
    code, body, _h = get(base + "/api/labs/nolab", headers=auth)
    assert code == 404 and "not up" in json.loads(body)["error"]
    code, body, _h = get(base + "/api/labs/x/change", "POST", auth, b'{"node": "a"}')
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
