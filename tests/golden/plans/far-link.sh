#!/bin/bash
# nslab plan for lab 'far': the same lab, by hand.
set -e
ip netns add far-a
ip netns exec far-a sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n far-a link set lo alias 'nslab lab=far node=a id=0' up
ip netns add far-b
ip netns exec far-b sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n far-b link set lo alias 'nslab lab=far node=b id=0' up
ip link add eth0 netns far-a type veth peer name eth0 netns far-b
ip -n far-a addr add 10.128.0.1/30 dev eth0
ip -n far-b addr add 10.128.0.2/30 dev eth0
ip -n far-a link set eth0 up
ip -n far-b link set eth0 up
ip netns exec far-a tc qdisc add dev eth0 root netem delay 20ms 5ms distribution normal rate 10000000bit
ip netns exec far-b tc qdisc add dev eth0 root netem delay 20ms 5ms distribution normal rate 10000000bit
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
