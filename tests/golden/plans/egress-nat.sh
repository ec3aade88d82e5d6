#!/bin/bash
# nslab plan for lab 'egress': the same lab, by hand.
set -e
ip netns add egress-h1
ip netns exec egress-h1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n egress-h1 link set lo alias 'nslab lab=egress node=h1 id=0' up
ip netns add egress-h2
ip netns exec egress-h2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n egress-h2 link set lo alias 'nslab lab=egress node=h2 id=0' up
ip netns add egress-lan
ip netns exec egress-lan sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n egress-lan link set lo alias 'nslab lab=egress node=lan id=0' up
ip netns add egress-r1
ip netns exec egress-r1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n egress-r1 link set lo alias 'nslab lab=egress node=r1 id=0' up
sysctl -qw net.ipv4.ip_forward=1
ip link add eth0 netns egress-h1 type veth peer name eth0 netns egress-lan
ip link add eth0 netns egress-h2 type veth peer name eth1 netns egress-lan
ip link add eth2 netns egress-lan type veth peer name eth0 netns egress-r1
ip link add eth1 netns egress-r1 type veth peer name nslf50754ef
ip link set nslf50754ef alias 'nslab egress r1:eth1'
ip -n egress-lan link add br0 type bridge
ip -n egress-lan link set eth0 master br0
ip -n egress-lan link set eth1 master br0
ip -n egress-lan link set eth2 master br0
ip -n egress-h1 addr add 10.128.0.2/29 dev eth0
ip -n egress-h2 addr add 10.128.0.3/29 dev eth0
ip -n egress-r1 addr add 10.128.0.1/29 dev eth0
ip -n egress-r1 addr add 10.128.0.10/30 dev eth1
ip addr add 10.128.0.9/30 dev nslf50754ef
ip -n egress-lan link set br0 up
ip -n egress-h1 link set eth0 up
ip -n egress-h2 link set eth0 up
ip -n egress-lan link set eth0 up
ip -n egress-lan link set eth1 up
ip -n egress-lan link set eth2 up
ip -n egress-r1 link set eth0 up
ip -n egress-r1 link set eth1 up
ip link set nslf50754ef up
ip -n egress-h1 route add default via 10.128.0.1 dev eth0
ip -n egress-h2 route add default via 10.128.0.1 dev eth0
ip -n egress-r1 route add default via 10.128.0.9 dev eth1
ip route add 10.128.0.0/29 via 10.128.0.10
mkdir -p /etc/netns/egress-h1 && { echo '# nslab lab=egress: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/egress-h1/hosts <<'NSLAB_EOF'
# the nodes of lab egress (nslab)
10.128.0.2	h1 h1.egress
10.128.0.3	h2 h2.egress
10.128.0.1	r1 r1.egress
10.128.0.10	r1 r1.egress
NSLAB_EOF
mkdir -p /etc/netns/egress-h2 && { echo '# nslab lab=egress: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/egress-h2/hosts <<'NSLAB_EOF'
# the nodes of lab egress (nslab)
10.128.0.2	h1 h1.egress
10.128.0.3	h2 h2.egress
10.128.0.1	r1 r1.egress
10.128.0.10	r1 r1.egress
NSLAB_EOF
mkdir -p /etc/netns/egress-r1 && { echo '# nslab lab=egress: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/egress-r1/hosts <<'NSLAB_EOF'
# the nodes of lab egress (nslab)
10.128.0.2	h1 h1.egress
10.128.0.3	h2 h2.egress
10.128.0.1	r1 r1.egress
10.128.0.10	r1 r1.egress
NSLAB_EOF
nft -f - <<'NSLAB_EOF'
table inet nslab_egress {
  comment "nslab lab=egress"
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "UPLINK" ip saddr { 10.128.0.0/29, 10.128.0.8/30 } masquerade comment "egress of lab egress"
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    fib daddr type local tcp dport 8080 dnat ip to 10.128.0.2:8000
  }
  chain output {
    type nat hook output priority -100; policy accept;
    fib daddr type local tcp dport 8080 dnat ip to 10.128.0.2:8000
  }
}
NSLAB_EOF
ip netns exec egress-h1 sh -c 'python3 -m http.server 8000' >/run/nslab/egress/services/h1.web.log 2>&1 &
