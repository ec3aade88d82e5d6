"""The running lab and the change kinds the change engine is tested with, as
topology files (pure: the golden change cases load them without any kernel
code; tests/test_apply.py and tests/helpers/changes.py apply them)."""

from __future__ import annotations

BASE = """
name: chg
nodes:
  h1: {}
  h2: {}
  lan: {kind: switch}
  r1:
    kind: router
    firewall:
      policy: drop
      rules:
        - {action: allow, from: h1, proto: icmp}
  h3:
    services:
      - {name: web, cmd: "python3 -m http.server 8080"}
links:
  - [h1, lan]
  - [h2, lan]
  - [lan, r1]
  - {endpoints: [r1, h3], rate: 10mbit}
"""

# each: (what changes, the text of the new file)
CHANGES = {
    "node-added": BASE.replace("  h3:\n", "  h4: {}\n  h3:\n") + "  - [r1, h4]\n",
    "node-removed": BASE.replace("  h2: {}\n", "").replace("  - [h2, lan]\n", ""),
    "link-added": BASE + "  - [h2, r1]\n",
    "link-removed": BASE.replace("  - [h2, lan]\n", ""),
    "address-changed": BASE.replace("  - {endpoints: [r1, h3], rate: 10mbit}",
                                    "  - {endpoints: [r1, h3], rate: 10mbit, addresses: "
                                    "[10.7.0.1/24, 10.7.0.2/24]}"),
    "route-added": BASE.replace("  h2: {}\n", "  h2:\n    routes:\n"
                                "      - {to: 10.99.0.0/16, via: 10.128.0.1}\n"),
    "firewall-changed": BASE.replace("proto: icmp}", "proto: icmp}\n"
                                     "        - {action: allow, from: h2, proto: icmp}"),
    "service-changed": BASE.replace("8080", "8081"),
    "rate-changed": BASE.replace("rate: 10mbit", "rate: 20mbit"),
    "rate-removed": BASE.replace(", rate: 10mbit", ""),
    "loss-added": BASE.replace("rate: 10mbit", "rate: 10mbit, loss: 5%"),
    "mtu-changed": BASE.replace("rate: 10mbit", "rate: 10mbit, mtu: 1400"),
    "kind-changed": BASE.replace("  h1: {}\n", "  h1: {kind: router}\n"),
    # every namespace made again (IPv6 on): every veth with it, at both ends
    "ipv6-added": BASE + "addressing: {ipv6_pool: 'fd00:1::/48'}\n",
    "nat-added": BASE.replace("    firewall:\n", "    nat:\n      masquerade: [eth1]\n"
                              "      forward:\n        - {proto: tcp, port: 8080, to: h3}\n"
                              "    firewall:\n"),
}
