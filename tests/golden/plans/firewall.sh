#!/bin/bash
# nslab plan for lab 'firewall': the same lab, by hand.
set -e
ip netns add firewall-h1
ip netns exec firewall-h1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n firewall-h1 link set lo alias 'nslab lab=firewall node=h1 id=0' up
ip netns add firewall-h2
ip netns exec firewall-h2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n firewall-h2 link set lo alias 'nslab lab=firewall node=h2 id=0' up
ip netns add firewall-lan
ip netns exec firewall-lan sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n firewall-lan link set lo alias 'nslab lab=firewall node=lan id=0' up
ip netns add firewall-r1
ip netns exec firewall-r1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n firewall-r1 link set lo alias 'nslab lab=firewall node=r1 id=0' up
ip netns add firewall-h3
ip netns exec firewall-h3 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n firewall-h3 link set lo alias 'nslab lab=firewall node=h3 id=0' up
ip link add eth0 netns firewall-h1 type veth peer name eth0 netns firewall-lan
ip link add eth0 netns firewall-h2 type veth peer name eth1 netns firewall-lan
ip link add eth2 netns firewall-lan type veth peer name eth0 netns firewall-r1
ip link add eth1 netns firewall-r1 type veth peer name eth0 netns firewall-h3
ip -n firewall-lan link add br0 type bridge
ip -n firewall-lan link set eth0 master br0
ip -n firewall-lan link set eth1 master br0
ip -n firewall-lan link set eth2 master br0
ip -n firewall-h1 addr add 10.128.0.2/29 dev eth0
ip -n firewall-h2 addr add 10.128.0.3/29 dev eth0
ip -n firewall-r1 addr add 10.128.0.1/29 dev eth0
ip -n firewall-r1 addr add 10.128.0.9/30 dev eth1
ip -n firewall-h3 addr add 10.128.0.10/30 dev eth0
ip -n firewall-lan link set br0 up
ip -n firewall-h1 link set eth0 up
ip -n firewall-h2 link set eth0 up
ip -n firewall-lan link set eth0 up
ip -n firewall-lan link set eth1 up
ip -n firewall-lan link set eth2 up
ip -n firewall-r1 link set eth0 up
ip -n firewall-r1 link set eth1 up
ip -n firewall-h3 link set eth0 up
ip -n firewall-h1 route add default via 10.128.0.1 dev eth0
ip -n firewall-h2 route add default via 10.128.0.1 dev eth0
ip -n firewall-h3 route add default via 10.128.0.9 dev eth0
mkdir -p /etc/netns/firewall-h1 && { echo '# nslab lab=firewall: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/firewall-h1/hosts <<'NSLAB_EOF'
# the nodes of lab firewall (nslab)
10.128.0.2	h1 h1.firewall
10.128.0.3	h2 h2.firewall
10.128.0.1	r1 r1.firewall
10.128.0.9	r1 r1.firewall
10.128.0.10	h3 h3.firewall
NSLAB_EOF
mkdir -p /etc/netns/firewall-h2 && { echo '# nslab lab=firewall: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/firewall-h2/hosts <<'NSLAB_EOF'
# the nodes of lab firewall (nslab)
10.128.0.2	h1 h1.firewall
10.128.0.3	h2 h2.firewall
10.128.0.1	r1 r1.firewall
10.128.0.9	r1 r1.firewall
10.128.0.10	h3 h3.firewall
NSLAB_EOF
mkdir -p /etc/netns/firewall-r1 && { echo '# nslab lab=firewall: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/firewall-r1/hosts <<'NSLAB_EOF'
# the nodes of lab firewall (nslab)
10.128.0.2	h1 h1.firewall
10.128.0.3	h2 h2.firewall
10.128.0.1	r1 r1.firewall
10.128.0.9	r1 r1.firewall
10.128.0.10	h3 h3.firewall
NSLAB_EOF
mkdir -p /etc/netns/firewall-h3 && { echo '# nslab lab=firewall: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/firewall-h3/hosts <<'NSLAB_EOF'
# the nodes of lab firewall (nslab)
10.128.0.2	h1 h1.firewall
10.128.0.3	h2 h2.firewall
10.128.0.1	r1 r1.firewall
10.128.0.9	r1 r1.firewall
10.128.0.10	h3 h3.firewall
NSLAB_EOF
ip netns exec firewall-r1 nft -f - <<'NSLAB_EOF'
table inet nslab {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname "lo" accept
    ip saddr 10.128.0.2 ip daddr 10.128.0.10 tcp dport 8080 accept comment "rule 1"
    ip saddr 10.128.0.2 meta l4proto icmp accept comment "rule 2"
    ip saddr 10.128.0.3 ip daddr 10.128.0.10 meta l4proto tcp reject with tcp reset comment "rule 3"
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ip saddr 10.128.0.2 ip daddr 10.128.0.10 tcp dport 8080 accept comment "rule 1"
    ip saddr 10.128.0.2 meta l4proto icmp accept comment "rule 2"
    ip saddr 10.128.0.3 ip daddr 10.128.0.10 meta l4proto tcp reject with tcp reset comment "rule 3"
  }
}
NSLAB_EOF
ip netns exec firewall-h3 sh -c 'python3 -m http.server 8080' >/run/nslab/firewall/services/h3.web.log 2>&1 &
