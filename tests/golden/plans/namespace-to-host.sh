#!/bin/bash
# nslab plan for lab 'tohost': the same lab, by hand.
set -e
ip netns add tohost-app
ip netns exec tohost-app sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n tohost-app link set lo alias 'nslab lab=tohost node=app id=0' up
ip link add eth0 netns tohost-app type veth peer name nsl3467e66e
ip link set nsl3467e66e alias 'nslab tohost app:eth0'
ip -n tohost-app addr add 10.77.0.2/30 dev eth0
ip addr add 10.77.0.1/30 dev nsl3467e66e
ip -n tohost-app link set eth0 up
ip link set nsl3467e66e up
ip -n tohost-app route add default via 10.77.0.1 dev eth0
mkdir -p /etc/netns/tohost-app && { echo '# nslab lab=tohost: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/tohost-app/hosts <<'NSLAB_EOF'
# the nodes of lab tohost (nslab)
10.77.0.2	app app.tohost
NSLAB_EOF
