#!/bin/bash
# nslab plan for lab 'natlab': the same lab, by hand.
set -e
ip netns add natlab-h1
ip netns exec natlab-h1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n natlab-h1 link set lo alias 'nslab lab=natlab node=h1 id=0' up
ip netns add natlab-h2
ip netns exec natlab-h2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n natlab-h2 link set lo alias 'nslab lab=natlab node=h2 id=0' up
ip netns add natlab-lan
ip netns exec natlab-lan sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n natlab-lan link set lo alias 'nslab lab=natlab node=lan id=0' up
ip netns add natlab-r1
ip netns exec natlab-r1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n natlab-r1 link set lo alias 'nslab lab=natlab node=r1 id=0' up
ip netns add natlab-inet
ip netns exec natlab-inet sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n natlab-inet link set lo alias 'nslab lab=natlab node=inet id=0' up
ip link add eth0 netns natlab-h1 type veth peer name eth0 netns natlab-lan
ip link add eth0 netns natlab-h2 type veth peer name eth1 netns natlab-lan
ip link add eth2 netns natlab-lan type veth peer name eth0 netns natlab-r1
ip link add eth1 netns natlab-r1 type veth peer name eth0 netns natlab-inet
ip -n natlab-lan link add br0 type bridge
ip -n natlab-lan link set eth0 master br0
ip -n natlab-lan link set eth1 master br0
ip -n natlab-lan link set eth2 master br0
ip -n natlab-h1 addr add 10.128.0.2/29 dev eth0
ip -n natlab-h2 addr add 10.128.0.3/29 dev eth0
ip -n natlab-r1 addr add 10.128.0.1/29 dev eth0
ip -n natlab-r1 addr add 203.0.113.1/24 dev eth1
ip -n natlab-inet addr add 203.0.113.10/24 dev eth0
ip -n natlab-lan link set br0 up
ip -n natlab-h1 link set eth0 up
ip -n natlab-h2 link set eth0 up
ip -n natlab-lan link set eth0 up
ip -n natlab-lan link set eth1 up
ip -n natlab-lan link set eth2 up
ip -n natlab-r1 link set eth0 up
ip -n natlab-r1 link set eth1 up
ip -n natlab-inet link set eth0 up
ip -n natlab-h1 route add default via 10.128.0.1 dev eth0
ip -n natlab-h2 route add default via 10.128.0.1 dev eth0
ip -n natlab-inet route add default via 203.0.113.1 dev eth0
mkdir -p /etc/netns/natlab-h1 && { echo '# nslab lab=natlab: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/natlab-h1/hosts <<'NSLAB_EOF'
# the nodes of lab natlab (nslab)
10.128.0.2	h1 h1.natlab
10.128.0.3	h2 h2.natlab
10.128.0.1	r1 r1.natlab
203.0.113.1	r1 r1.natlab
203.0.113.10	inet inet.natlab
NSLAB_EOF
mkdir -p /etc/netns/natlab-h2 && { echo '# nslab lab=natlab: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/natlab-h2/hosts <<'NSLAB_EOF'
# the nodes of lab natlab (nslab)
10.128.0.2	h1 h1.natlab
10.128.0.3	h2 h2.natlab
10.128.0.1	r1 r1.natlab
203.0.113.1	r1 r1.natlab
203.0.113.10	inet inet.natlab
NSLAB_EOF
mkdir -p /etc/netns/natlab-r1 && { echo '# nslab lab=natlab: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/natlab-r1/hosts <<'NSLAB_EOF'
# the nodes of lab natlab (nslab)
10.128.0.2	h1 h1.natlab
10.128.0.3	h2 h2.natlab
10.128.0.1	r1 r1.natlab
203.0.113.1	r1 r1.natlab
203.0.113.10	inet inet.natlab
NSLAB_EOF
mkdir -p /etc/netns/natlab-inet && { echo '# nslab lab=natlab: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/natlab-inet/hosts <<'NSLAB_EOF'
# the nodes of lab natlab (nslab)
10.128.0.2	h1 h1.natlab
10.128.0.3	h2 h2.natlab
10.128.0.1	r1 r1.natlab
203.0.113.1	r1 r1.natlab
203.0.113.10	inet inet.natlab
NSLAB_EOF
ip netns exec natlab-r1 nft -f - <<'NSLAB_EOF'
table inet nslab {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname "lo" accept
    iifname "eth0" accept comment "rule 1"
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ct status dnat accept
    iifname "eth0" accept comment "rule 1"
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "eth1" tcp dport 8080 dnat ip to 10.128.0.2:8000
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "eth1" masquerade
  }
}
NSLAB_EOF
ip netns exec natlab-h1 sh -c 'python3 -m http.server 8000' >/run/nslab/natlab/services/h1.web.log 2>&1 &
ip netns exec natlab-inet sh -c 'python3 -m http.server 80' >/run/nslab/natlab/services/inet.web.log 2>&1 &
