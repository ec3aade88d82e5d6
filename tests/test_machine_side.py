"""The machine's side of labs, each in a sandbox that plays the machine
(tests.helpers.sandbox): forwarding set on every node whatever the machine does, and
IPv6 on the machine's bridge with NAT66 egress."""

from __future__ import annotations

import shutil

import pytest

from tests.helpers import sandbox

pytestmark = [pytest.mark.kernel,
              pytest.mark.skipif(not sandbox.available(),
                                 reason="needs root and unshare (net, mount, pid)")]


def test_hosts_do_not_forward_on_a_machine_that_does() -> None:
    out = sandbox.run("tests.helpers.sandboxed", "forwarding")
    assert out["up"][0] == 0, out["up"][1]
    assert out["host"] == {"net.ipv4.ip_forward": "0", "net.ipv6.conf.all.forwarding": "0"}
    assert out["router"] == {"net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1"}
    assert out["next_hop"] and not out["through_a_host"]
    assert out["down"] == 0


def test_a_dual_stack_lab_gets_ipv6_on_the_machine_and_nat66_egress() -> None:
    out = sandbox.run("tests.helpers.sandboxed", "dual_stack")
    assert out["up"][0] == 0, out["up"][1]
    assert out["gateway6"].startswith("fd00:6:")
    assert out["uplink"] == "up0"  # what egress: auto found, as up and status say
    assert "egress: the lab's subnets masqueraded out of up0" in out["status_text"]
    assert out["routes6"].startswith(f"default via {out['gateway6']} dev eth0")
    assert out["to_gateway6"] and out["to_h2_6"] and out["machine_to_h2_6"]
    assert out["out6"] == "200" and out["out4"] == "200"
    # both left through the uplink's own addresses: masquerade and NAT66
    assert out["seen"] == ["2001:db8:ff::1", "::ffff:203.0.113.1"]  # a dual-stack server
    assert "ip6 saddr" in out["nft"] and "masquerade" in out["nft"]
    assert out["down"] == 0 and out["changed"] == []


def test_gc_removes_what_a_lab_with_a_lost_journal_left_and_nothing_else() -> None:
    out = sandbox.run("tests.helpers.sandboxed", "gc")
    assert out["up"] == 0 and len(out["sleepers"]) == 1
    assert out["down2"]["removed"] == ["lost2-a", "lost2-b"] and out["left2"] == []
    assert out["down2"]["notes"] == ["its journal was lost: found 5 object(s) by nslab's "
                                     "marks and removed them"]
    found = {(d["kind"], d["name"]) for d in out["found"]}
    assert ("namespace", "lost-router") in found and ("namespace", "lost-h1") in found
    assert ("link", "brlost") in found and ("nft-table", "inet nslab_lost") in found
    assert ("file", "/etc/netns/lost-router/hosts") in found
    assert ("process", out["sleepers"][0]) in found and ("setting", "lost") in found
    assert all(d["lab"] == "lost" for d in out["found"])  # the user's look-alikes are not
    code, stdout, stderr = out["gc"]
    assert code == 0 and f"removed {len(found)} of {len(found)}" in stdout, stderr
    assert out["again"].startswith("nothing of nslab's is left")
    assert out["changed"] == [], out["changed"]  # ip_forward restored, all else as before
    assert out["sleepers_after"] == [] and out["mine"] == "# mine"


def test_down_names_what_it_could_not_remove_and_tries_again() -> None:
    out = sandbox.run("tests.helpers.sandboxed", "down_fails")
    assert out["up"] == 0
    code, stdout, stderr = out["first"]
    assert code == 1 and "removed 2 namespaces" in stdout
    assert "could not remove file /etc/netns/two-a/hosts: Is a directory" in stderr
    assert "nslab down two tries again" in stderr
    assert out["json"]["failed"] == ["file /etc/netns/two-a/hosts: Is a directory"]
    assert out["still_listed"]
    code, stdout, stderr = out["second"]
    assert code == 0 and stderr == "" and not out["listed_after"]
    assert out["etc_netns"] == []  # the folders nslab made went with the last file


@pytest.mark.skipif(shutil.which("vtysh") is None or shutil.which("bird") is None,
                    reason="FRR and BIRD are not installed (scripts/setup.sh installs them)")
def test_down_returns_only_when_every_process_is_gone() -> None:
    out = sandbox.run("tests.helpers.sandboxed", "down_waits")
    assert out["up"] == 0
    names = " ".join(out["before"])
    assert "zebra" in names and "ospfd" in names and "bird" in names and "sh(" in names
    # every process seen before is ended; the deaf service's loop runs a `sleep` now and
    # then, which is counted when up's snapshot or down finds it there
    lasting = [p for p in out["before"] if not p.startswith("sleep(")]
    assert len(lasting) <= out["down"]["processes_ended"] <= len(lasting) + 1, \
        (out["down"], out["before"])
    assert out["down"]["failed"] == []
    assert out["after"] == []  # not one left, the service that ignores SIGTERM included
    assert out["up_again"] == 0 and out["answers"] == {"r1": 0, "r3": 0, "r2": 0}
    assert out["down_again"] == 0


def test_a_lab_bigger_than_the_open_file_limit_allows_sockets_for() -> None:
    """70 routers under a hard limit of 150 open files, not to be raised: each
    namespace's socket is made for each use past the room the limit leaves;
    the chain is built, forwards end to end, checks clean and goes. Every
    router's sysctls are set (written through private procfs instances,
    renewed every 64 namespaces)."""
    out = sandbox.run("tests.helpers.sandboxed", "few_files")
    assert out["up"][0] == 0, out["up"]
    assert out["end_to_end"] is True
    assert out["forwarding"] == ["1\n1\n"]  # forwarding on, IPv6 off: in all 70
    assert out["check"][0] == 0, out["check"]
    assert out["down"] == 0
    assert out["left"] == []
