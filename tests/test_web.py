"""`nslab web` in a real browser: headless Chromium from Debian, driven over the
DevTools protocol (tests/helpers/browser.py), each case in a sandbox (tests.helpers.webpage)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import sandbox
from tests.helpers.browser import CHROMIUM

pytestmark = [pytest.mark.kernel,
              pytest.mark.skipif(not sandbox.available(),
                                 reason="needs root and unshare (net, mount, pid)")]
SHOTS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed "
                    "(scripts/setup.sh installs it)")
def test_the_page_shows_the_lab_live_and_explains_it() -> None:
    # NSLAB_UPDATE_SCREENSHOTS=1: the web guide's pictures (docs/web-*.png) are taken again
    shots = str(SHOTS) if os.environ.get("NSLAB_UPDATE_SCREENSHOTS") == "1" else ""
    out = sandbox.run("tests.helpers.webpage", "page", *([shots] if shots else []))
    # every node and link of the lab
    assert out["nodes_page"] == out["nodes_cli"] == ["h1", "h2", "h3", "r1", "sw1"]
    assert out["edges_page"] == ["h1:eth0 sw1:eth0", "h2:eth0 sw1:eth1", "h3:eth0 r1:eth1",
                                 "r1:eth0 sw1:eth2"]
    assert out["all_up"] and out["first_paint"] < 3
    # a link set down inside a node: red as it happens (no reload), green again
    assert out["red_after"] < 5 and out["green_after"] < 5 and out["repair"] == 0
    # traffic h1 -> h3 on its links, not on h2's
    bps = out["bps"]
    assert bps["h1:eth0 sw1:eth0"] > 100_000 and bps["h3:eth0 r1:eth1"] > 100_000
    assert bps["h2:eth0 sw1:eth1"] < 10_000 and out["label_h1"].endswith("b/s")
    # a click on r1: its routes
    assert "ROUTES" in out["panel_r1"].upper() and "10.0.9.0/30" in out["panel_r1"]
    # why on a broken lab: the stopping hop marked, the CLI's reason
    assert out["why_cli"]["at"] == "r1" and out["stop_marked"] == ["r1"]
    assert out["why_cli"]["reason"] in out["why_page"] and out["fwd_edges"] == 2
    # the tests from the button, as the CLI says
    assert out["test_verdict"] == "PASS: demo" and out["test_cli"] is True
    assert out["heat_cells"] == 12
    assert out["refused"] == 403  # read-only unless --allow-changes
    # nodes stopped and started, labs coming up and going down, as they happen
    assert out["stopped_after"] < 5 and out["started_after"] < 5
    assert out["lab_came"] < 5 and out["lab_went"] < 5


def test_a_token_is_required_when_set_and_the_server_binds_where_it_says() -> None:
    out = sandbox.run("tests.helpers.webpage", "token")
    assert (out["none"], out["wrong"], out["page_none"]) == (401, 401, 401)
    assert out["query"] == out["bearer"] == out["cookie"] == 200
    assert out["address"].endswith("?token=s3cret")
    assert out["elsewhere"] != 0  # bound to 127.0.0.1: nobody on 127.0.0.2
    assert out["made_up"] and out["made_up_none"] == 401 and out["made_up_query"] == 200
    # --allow-changes: a link down through nslab link's own code (journaled)
    assert out["change"] == 200 and out["changed_links"] == ["a:eth0", "b:eth0"]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed "
                    "(scripts/setup.sh installs it)")
def test_another_site_or_name_cannot_change_the_lab() -> None:
    out = sandbox.run("tests.helpers.webpage", "crossorigin")
    # a plain form and a no-cors fetch from another site: both sent, nothing changed
    assert out["fetch"] == "sent" and out["form_answer"] == "cross-origin"
    assert out["after_evil"] == {"changed": [], "stopped": [], "a_up": True}
    # the same server reached by another name (DNS rebinding): refused
    assert "DNS rebinding" in out["rebound"]["error"]
    assert out["rebound_change"] == 403 and out["a_up_after_rebound"]
    # the page itself still changes the lab
    assert out["own_change_down"]
