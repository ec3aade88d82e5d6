#!/bin/bash
# nslab plan for lab 'demo': the same lab, by hand.
set -e
ip netns add demo-h1
ip netns exec demo-h1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n demo-h1 link set lo alias 'nslab lab=demo node=h1 id=0' up
ip netns add demo-h2
ip netns exec demo-h2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n demo-h2 link set lo alias 'nslab lab=demo node=h2 id=0' up
ip netns add demo-r1
ip netns exec demo-r1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n demo-r1 link set lo alias 'nslab lab=demo node=r1 id=0' up
ip netns add demo-sw1
ip netns exec demo-sw1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n demo-sw1 link set lo alias 'nslab lab=demo node=sw1 id=0' up
ip netns add demo-h3
ip netns exec demo-h3 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n demo-h3 link set lo alias 'nslab lab=demo node=h3 id=0' up
ip link add eth0 netns demo-h1 type veth peer name eth0 netns demo-sw1
ip link add eth0 netns demo-h2 type veth peer name eth1 netns demo-sw1
ip link add eth2 netns demo-sw1 type veth peer name eth0 netns demo-r1
ip link add eth1 netns demo-r1 type veth peer name eth0 netns demo-h3
ip -n demo-sw1 link add br0 type bridge
ip -n demo-sw1 link set eth0 master br0
ip -n demo-sw1 link set eth1 master br0
ip -n demo-sw1 link set eth2 master br0
ip -n demo-h1 addr add 10.128.0.2/29 dev eth0
ip -n demo-h2 addr add 10.128.0.3/29 dev eth0
ip -n demo-r1 addr add 10.128.0.1/29 dev eth0
ip -n demo-r1 addr add 10.0.9.1/30 dev eth1
ip -n demo-h3 addr add 10.0.9.2/30 dev eth0
ip -n demo-sw1 link set br0 up
ip -n demo-h1 link set eth0 up
ip -n demo-h2 link set eth0 up
ip -n demo-r1 link set eth0 up
ip -n demo-r1 link set eth1 up
ip -n demo-sw1 link set eth0 up
ip -n demo-sw1 link set eth1 up
ip -n demo-sw1 link set eth2 up
ip -n demo-h3 link set eth0 up
ip -n demo-h1 route add default via 10.128.0.1 dev eth0
ip -n demo-h2 route add default via 10.128.0.1 dev eth0
ip -n demo-h3 route add default via 10.0.9.1 dev eth0
ip -n demo-h3 route add 10.0.0.0/8 via 10.0.9.1
mkdir -p /etc/netns/demo-h1 && { echo '# nslab lab=demo: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/demo-h1/hosts <<'NSLAB_EOF'
# the nodes of lab demo (nslab)
10.128.0.2	h1 h1.demo
10.128.0.3	h2 h2.demo
10.128.0.1	r1 r1.demo
10.0.9.1	r1 r1.demo
10.0.9.2	h3 h3.demo
NSLAB_EOF
mkdir -p /etc/netns/demo-h2 && { echo '# nslab lab=demo: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/demo-h2/hosts <<'NSLAB_EOF'
# the nodes of lab demo (nslab)
10.128.0.2	h1 h1.demo
10.128.0.3	h2 h2.demo
10.128.0.1	r1 r1.demo
10.0.9.1	r1 r1.demo
10.0.9.2	h3 h3.demo
NSLAB_EOF
mkdir -p /etc/netns/demo-r1 && { echo '# nslab lab=demo: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/demo-r1/hosts <<'NSLAB_EOF'
# the nodes of lab demo (nslab)
10.128.0.2	h1 h1.demo
10.128.0.3	h2 h2.demo
10.128.0.1	r1 r1.demo
10.0.9.1	r1 r1.demo
10.0.9.2	h3 h3.demo
NSLAB_EOF
mkdir -p /etc/netns/demo-h3 && { echo '# nslab lab=demo: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/demo-h3/hosts <<'NSLAB_EOF'
# the nodes of lab demo (nslab)
10.128.0.2	h1 h1.demo
10.128.0.3	h2 h2.demo
10.128.0.1	r1 r1.demo
10.0.9.1	r1 r1.demo
10.0.9.2	h3 h3.demo
NSLAB_EOF
