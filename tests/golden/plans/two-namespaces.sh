#!/bin/bash
# nslab plan for lab 'two-ns': the same lab, by hand.
set -e
ip netns add two-ns-a
ip netns exec two-ns-a sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n two-ns-a link set lo alias 'nslab lab=two-ns node=a id=0' up
ip netns add two-ns-b
ip netns exec two-ns-b sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n two-ns-b link set lo alias 'nslab lab=two-ns node=b id=0' up
ip link add eth0 netns two-ns-a type veth peer name eth0 netns two-ns-b
ip -n two-ns-a addr add 10.0.0.1/24 dev eth0
ip -n two-ns-b addr add 10.0.0.2/24 dev eth0
ip -n two-ns-a link set eth0 up
ip -n two-ns-b link set eth0 up
mkdir -p /etc/netns/two-ns-a && { echo '# nslab lab=two-ns: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/two-ns-a/hosts <<'NSLAB_EOF'
# the nodes of lab two-ns (nslab)
10.0.0.1	a a.two-ns
10.0.0.2	b b.two-ns
NSLAB_EOF
mkdir -p /etc/netns/two-ns-b && { echo '# nslab lab=two-ns: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/two-ns-b/hosts <<'NSLAB_EOF'
# the nodes of lab two-ns (nslab)
10.0.0.1	a a.two-ns
10.0.0.2	b b.two-ns
NSLAB_EOF
