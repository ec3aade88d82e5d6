#!/bin/bash
# nslab plan for lab 'far': the same lab, by hand.
set -e
ip netns add far-a
ip netns exec far-a sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n far-a link set lo alias 'nslab lab=far node=a id=0' up
ip netns add far-b
ip netns exec far-b sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n far-b link set lo alias 'nslab lab=far node=b id=0' up
ip netns add far~wire
ip netns exec far~wire sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n far~wire link set lo alias 'nslab lab=far node=~wire id=0' up
ip link add eth0 netns far-a type veth peer name w9460dd74b176 netns far~wire
ip link add eth0 netns far-b type veth peer name w2e6ae5261b23 netns far~wire
# the wire: what a:eth0 sends (w9460dd74b176 -> w2e6ae5261b23) is held 20 ms (± 5 ms, normal)
mkdir -p /run/nslab/far/wire && cat >/run/nslab/far/wire/w9460dd74b176.json <<'NSLAB_EOF'
{"end": "a:eth0", "into": "w9460dd74b176", "out": "w2e6ae5261b23", "delay_ms": 20.0, "jitter_ms": 5.0, "distribution": "normal", "duplicate": 0.0, "reorder": 0.0, "corrupt": 0.0}
NSLAB_EOF
# the wire: what b:eth0 sends (w2e6ae5261b23 -> w9460dd74b176) is held 20 ms (± 5 ms, normal)
mkdir -p /run/nslab/far/wire && cat >/run/nslab/far/wire/w2e6ae5261b23.json <<'NSLAB_EOF'
{"end": "b:eth0", "into": "w2e6ae5261b23", "out": "w9460dd74b176", "delay_ms": 20.0, "jitter_ms": 5.0, "distribution": "normal", "duplicate": 0.0, "reorder": 0.0, "corrupt": 0.0}
NSLAB_EOF
# the wire: nslab's relay holds what crosses the lab's delayed links (the kernel has no netem)
ip netns exec far~wire python3 -m nslab.wire /run/nslab/far/wire >/run/nslab/far/wire.log 2>&1 &
ip -n far-a addr add 10.128.0.1/30 dev eth0
ip -n far-b addr add 10.128.0.2/30 dev eth0
ip -n far-a link set eth0 up
ip -n far-b link set eth0 up
ip -n far~wire link set w9460dd74b176 up
ip -n far~wire link set w2e6ae5261b23 up
ip netns exec far-a tc qdisc add dev eth0 root tbf rate 10000000bit burst 12500 limit 75000
ip netns exec far-b tc qdisc add dev eth0 root tbf rate 10000000bit burst 12500 limit 75000
mkdir -p /etc/netns/far-a && { echo '# nslab lab=far: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/far-a/hosts <<'NSLAB_EOF'
# the nodes of lab far (nslab)
10.128.0.1	a a.far
10.128.0.2	b b.far
NSLAB_EOF
mkdir -p /etc/netns/far-b && { echo '# nslab lab=far: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/far-b/hosts <<'NSLAB_EOF'
# the nodes of lab far (nslab)
10.128.0.1	a a.far
10.128.0.2	b b.far
NSLAB_EOF
