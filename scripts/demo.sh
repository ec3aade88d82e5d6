#!/usr/bin/env bash
# The nslab demo: set up, build examples/demo.yaml, look at it, prove that
# packets flow, tear it down, and show that nothing is left. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
nslab() { .venv/bin/nslab "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say "nslab doctor  (what this machine can do)"
nslab doctor
say "nslab validate examples/demo.yaml"
nslab validate examples/demo.yaml
say "nslab plan --shell examples/demo.yaml  (the same lab, as ip commands; first lines)"
nslab plan --shell examples/demo.yaml | sed -n '4,12p;/route add/p'
say "nslab up examples/demo.yaml"
nslab up examples/demo.yaml
trap 'nslab down demo >/dev/null 2>&1 || true' EXIT  # ours now: remove it on any failure
say "nslab status demo  (read back from the kernel)"
nslab status demo
say "ip netns list  (every node is a namespace ip netns knows)"
ip netns list | grep '^demo-' | sort
say "nslab exec demo h3 -- ip route"
nslab exec demo h3 -- ip route
say "h1 -> h3 across the switch and the router"
nslab exec demo h1 -- ping -c 2 -W 1 10.0.9.2
say "h2 -> h1 on the same switch"
nslab exec demo h2 -- ping -c 2 -W 1 10.128.0.2
say "nslab test demo  (all pairs in parallel, and the expectations in the file)"
nslab test demo
say "break it on purpose: forwarding off on r1; nslab why demo h1 h3"
nslab exec demo r1 -- sysctl -qw net.ipv4.ip_forward=0
nslab why demo h1 h3 || true
nslab exec demo r1 -- sysctl -qw net.ipv4.ip_forward=1
say "nslab inspect demo  (every node at a glance)"
nslab inspect demo
say "nslab inspect demo r1 --only interfaces,routes,neighbours,sysctls"
nslab inspect demo r1 --only interfaces,routes,neighbours,sysctls
say "nslab graph demo -o /tmp/nslab-demo.svg  (live: links down would be red)"
nslab graph demo -o /tmp/nslab-demo.svg
say "nslab down demo"
nslab down demo
trap - EXIT
say "ip netns list after down"
left=$(ip netns list | grep -c '^demo-' || true)
echo "lab namespaces left: $left"
[ "$left" = 0 ]
