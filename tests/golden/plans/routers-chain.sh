#!/bin/bash
# nslab plan for lab 'chain': the same lab, by hand.
set -e
ip netns add chain-h1
ip netns exec chain-h1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n chain-h1 link set lo alias 'nslab lab=chain node=h1 id=0' up
ip netns add chain-r1
ip netns exec chain-r1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n chain-r1 link set lo alias 'nslab lab=chain node=r1 id=0' up
ip netns add chain-r2
ip netns exec chain-r2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n chain-r2 link set lo alias 'nslab lab=chain node=r2 id=0' up
ip netns add chain-r3
ip netns exec chain-r3 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n chain-r3 link set lo alias 'nslab lab=chain node=r3 id=0' up
ip netns add chain-h2
ip netns exec chain-h2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n chain-h2 link set lo alias 'nslab lab=chain node=h2 id=0' up
ip link add eth0 netns chain-h1 type veth peer name eth0 netns chain-r1
ip link add eth1 netns chain-r1 type veth peer name eth0 netns chain-r2
ip link add eth1 netns chain-r2 type veth peer name eth0 netns chain-r3
ip link add eth1 netns chain-r3 type veth peer name eth0 netns chain-h2
ip -n chain-h1 addr add 10.128.0.2/30 dev eth0
ip -n chain-r1 addr add 10.128.0.1/30 dev eth0
ip -n chain-r1 addr add 10.128.0.5/30 dev eth1
ip -n chain-r2 addr add 10.128.0.6/30 dev eth0
ip -n chain-r2 addr add 10.128.0.9/30 dev eth1
ip -n chain-r3 addr add 10.128.0.10/30 dev eth0
ip -n chain-r3 addr add 10.128.0.13/30 dev eth1
ip -n chain-h2 addr add 10.128.0.14/30 dev eth0
ip -n chain-h1 link set eth0 up
ip -n chain-r1 link set eth0 up
ip -n chain-r1 link set eth1 up
ip -n chain-r2 link set eth0 up
ip -n chain-r2 link set eth1 up
ip -n chain-r3 link set eth0 up
ip -n chain-r3 link set eth1 up
ip -n chain-h2 link set eth0 up
ip -n chain-h1 route add default via 10.128.0.1 dev eth0
ip -n chain-r1 route add 10.128.0.8/30 via 10.128.0.6 dev eth1
ip -n chain-r1 route add 10.128.0.12/30 via 10.128.0.6 dev eth1
ip -n chain-r2 route add 10.128.0.0/30 via 10.128.0.5 dev eth0
ip -n chain-r2 route add 10.128.0.12/30 via 10.128.0.10 dev eth1
ip -n chain-r3 route add 10.128.0.0/30 via 10.128.0.9 dev eth0
ip -n chain-r3 route add 10.128.0.4/30 via 10.128.0.9 dev eth0
ip -n chain-h2 route add default via 10.128.0.13 dev eth0
mkdir -p /etc/netns/chain-h1 && { echo '# nslab lab=chain: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chain-h1/hosts <<'NSLAB_EOF'
# the nodes of lab chain (nslab)
10.128.0.2	h1 h1.chain
10.128.0.1	r1 r1.chain
10.128.0.5	r1 r1.chain
10.128.0.6	r2 r2.chain
10.128.0.9	r2 r2.chain
10.128.0.10	r3 r3.chain
10.128.0.13	r3 r3.chain
10.128.0.14	h2 h2.chain
NSLAB_EOF
mkdir -p /etc/netns/chain-r1 && { echo '# nslab lab=chain: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chain-r1/hosts <<'NSLAB_EOF'
# the nodes of lab chain (nslab)
10.128.0.2	h1 h1.chain
10.128.0.1	r1 r1.chain
10.128.0.5	r1 r1.chain
10.128.0.6	r2 r2.chain
10.128.0.9	r2 r2.chain
10.128.0.10	r3 r3.chain
10.128.0.13	r3 r3.chain
10.128.0.14	h2 h2.chain
NSLAB_EOF
mkdir -p /etc/netns/chain-r2 && { echo '# nslab lab=chain: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chain-r2/hosts <<'NSLAB_EOF'
# the nodes of lab chain (nslab)
10.128.0.2	h1 h1.chain
10.128.0.1	r1 r1.chain
10.128.0.5	r1 r1.chain
10.128.0.6	r2 r2.chain
10.128.0.9	r2 r2.chain
10.128.0.10	r3 r3.chain
10.128.0.13	r3 r3.chain
10.128.0.14	h2 h2.chain
NSLAB_EOF
mkdir -p /etc/netns/chain-r3 && { echo '# nslab lab=chain: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chain-r3/hosts <<'NSLAB_EOF'
# the nodes of lab chain (nslab)
10.128.0.2	h1 h1.chain
10.128.0.1	r1 r1.chain
10.128.0.5	r1 r1.chain
10.128.0.6	r2 r2.chain
10.128.0.9	r2 r2.chain
10.128.0.10	r3 r3.chain
10.128.0.13	r3 r3.chain
10.128.0.14	h2 h2.chain
NSLAB_EOF
mkdir -p /etc/netns/chain-h2 && { echo '# nslab lab=chain: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chain-h2/hosts <<'NSLAB_EOF'
# the nodes of lab chain (nslab)
10.128.0.2	h1 h1.chain
10.128.0.1	r1 r1.chain
10.128.0.5	r1 r1.chain
10.128.0.6	r2 r2.chain
10.128.0.9	r2 r2.chain
10.128.0.10	r3 r3.chain
10.128.0.13	r3 r3.chain
10.128.0.14	h2 h2.chain
NSLAB_EOF
