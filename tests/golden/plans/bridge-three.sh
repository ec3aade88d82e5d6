#!/bin/bash
# nslab plan for lab 'bridge3': the same lab, by hand.
set -e
ip netns add bridge3-h1
ip netns exec bridge3-h1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n bridge3-h1 link set lo alias 'nslab lab=bridge3 node=h1 id=0' up
ip netns add bridge3-h2
ip netns exec bridge3-h2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n bridge3-h2 link set lo alias 'nslab lab=bridge3 node=h2 id=0' up
ip netns add bridge3-h3
ip netns exec bridge3-h3 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n bridge3-h3 link set lo alias 'nslab lab=bridge3 node=h3 id=0' up
ip netns add bridge3-sw
ip netns exec bridge3-sw sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n bridge3-sw link set lo alias 'nslab lab=bridge3 node=sw id=0' up
ip link add eth0 netns bridge3-h1 type veth peer name eth0 netns bridge3-sw
ip link add eth0 netns bridge3-h2 type veth peer name eth1 netns bridge3-sw
ip link add eth0 netns bridge3-h3 type veth peer name eth2 netns bridge3-sw
ip -n bridge3-sw link add br0 type bridge
ip -n bridge3-sw link set eth0 master br0
ip -n bridge3-sw link set eth1 master br0
ip -n bridge3-sw link set eth2 master br0
ip -n bridge3-h1 addr add 192.168.50.1/29 dev eth0
ip -n bridge3-h2 addr add 192.168.50.2/29 dev eth0
ip -n bridge3-h3 addr add 192.168.50.3/29 dev eth0
ip -n bridge3-sw link set br0 up
ip -n bridge3-h1 link set eth0 up
ip -n bridge3-h2 link set eth0 up
ip -n bridge3-h3 link set eth0 up
ip -n bridge3-sw link set eth0 up
ip -n bridge3-sw link set eth1 up
ip -n bridge3-sw link set eth2 up
mkdir -p /etc/netns/bridge3-h1 && { echo '# nslab lab=bridge3: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bridge3-h1/hosts <<'NSLAB_EOF'
# the nodes of lab bridge3 (nslab)
192.168.50.1	h1 h1.bridge3
192.168.50.2	h2 h2.bridge3
192.168.50.3	h3 h3.bridge3
NSLAB_EOF
mkdir -p /etc/netns/bridge3-h2 && { echo '# nslab lab=bridge3: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bridge3-h2/hosts <<'NSLAB_EOF'
# the nodes of lab bridge3 (nslab)
192.168.50.1	h1 h1.bridge3
192.168.50.2	h2 h2.bridge3
192.168.50.3	h3 h3.bridge3
NSLAB_EOF
mkdir -p /etc/netns/bridge3-h3 && { echo '# nslab lab=bridge3: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bridge3-h3/hosts <<'NSLAB_EOF'
# the nodes of lab bridge3 (nslab)
192.168.50.1	h1 h1.bridge3
192.168.50.2	h2 h2.bridge3
192.168.50.3	h3 h3.bridge3
NSLAB_EOF
