# nodes added [], removed [], remade ['h1', 'h2', 'lan', 'r1', 'h3'], changed []
# links added [], removed []
#!/bin/bash
# nslab: the change to the running lab 'chg', by hand.
set -e
rm -f /etc/netns/chg-h1/hosts
rm -f /etc/netns/chg-h2/hosts
rm -f /etc/netns/chg-r1/hosts
rm -f /etc/netns/chg-h3/hosts
ip netns pids chg-h1 | xargs -r kill
ip netns del chg-h1
ip netns pids chg-h2 | xargs -r kill
ip netns del chg-h2
ip netns pids chg-lan | xargs -r kill
ip netns del chg-lan
ip netns pids chg-r1 | xargs -r kill
ip netns del chg-r1
ip netns pids chg-h3 | xargs -r kill
ip netns del chg-h3
ip netns add chg-h1
ip netns exec chg-h1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n chg-h1 link set lo alias 'nslab lab=chg node=h1 id=0' up
ip netns add chg-h2
ip netns exec chg-h2 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n chg-h2 link set lo alias 'nslab lab=chg node=h2 id=0' up
ip netns add chg-lan
ip netns exec chg-lan sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n chg-lan link set lo alias 'nslab lab=chg node=lan id=0' up
ip netns add chg-r1
ip netns exec chg-r1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n chg-r1 link set lo alias 'nslab lab=chg node=r1 id=0' up
ip netns add chg-h3
ip netns exec chg-h3 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n chg-h3 link set lo alias 'nslab lab=chg node=h3 id=0' up
ip link add eth0 netns chg-h1 type veth peer name eth0 netns chg-lan
ip link add eth0 netns chg-h2 type veth peer name eth1 netns chg-lan
ip link add eth2 netns chg-lan type veth peer name eth0 netns chg-r1
ip link add eth1 netns chg-r1 type veth peer name eth0 netns chg-h3
ip -n chg-lan link add br0 type bridge
ip -n chg-lan link set eth0 master br0
ip -n chg-lan link set eth1 master br0
ip -n chg-lan link set eth2 master br0
ip -n chg-h1 addr add 10.128.0.2/29 dev eth0
ip -n chg-h1 addr add fd00:1::2/64 dev eth0 nodad
ip -n chg-h2 addr add 10.128.0.3/29 dev eth0
ip -n chg-h2 addr add fd00:1::3/64 dev eth0 nodad
ip -n chg-r1 addr add 10.128.0.1/29 dev eth0
ip -n chg-r1 addr add fd00:1::1/64 dev eth0 nodad
ip -n chg-r1 addr add 10.128.0.9/30 dev eth1
ip -n chg-r1 addr add fd00:1:0:1::1/64 dev eth1 nodad
ip -n chg-h3 addr add 10.128.0.10/30 dev eth0
ip -n chg-h3 addr add fd00:1:0:1::2/64 dev eth0 nodad
ip -n chg-lan link set br0 up
ip -n chg-h1 link set eth0 up
ip -n chg-h2 link set eth0 up
ip -n chg-lan link set eth0 up
ip -n chg-lan link set eth1 up
ip -n chg-lan link set eth2 up
ip -n chg-r1 link set eth0 up
ip -n chg-r1 link set eth1 up
ip -n chg-h3 link set eth0 up
ip netns exec chg-r1 tc qdisc add dev eth1 root tbf rate 10000000bit burst 12500 limit 75000
ip netns exec chg-h3 tc qdisc add dev eth0 root tbf rate 10000000bit burst 12500 limit 75000
ip -n chg-h1 route replace default via 10.128.0.1 dev eth0
ip -n chg-h1 -6 route replace default via fd00:1::1 dev eth0
ip -n chg-h2 route replace default via 10.128.0.1 dev eth0
ip -n chg-h2 -6 route replace default via fd00:1::1 dev eth0
ip -n chg-h3 route replace default via 10.128.0.9 dev eth0
ip -n chg-h3 -6 route replace default via fd00:1:0:1::1 dev eth0
mkdir -p /etc/netns/chg-h1 && { echo '# nslab lab=chg: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chg-h1/hosts <<'NSLAB_EOF'
# the nodes of lab chg (nslab)
10.128.0.2	h1 h1.chg
fd00:1::2	h1 h1.chg
10.128.0.3	h2 h2.chg
fd00:1::3	h2 h2.chg
10.128.0.1	r1 r1.chg
fd00:1::1	r1 r1.chg
10.128.0.9	r1 r1.chg
fd00:1:0:1::1	r1 r1.chg
10.128.0.10	h3 h3.chg
fd00:1:0:1::2	h3 h3.chg
NSLAB_EOF
mkdir -p /etc/netns/chg-h2 && { echo '# nslab lab=chg: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chg-h2/hosts <<'NSLAB_EOF'
# the nodes of lab chg (nslab)
10.128.0.2	h1 h1.chg
fd00:1::2	h1 h1.chg
10.128.0.3	h2 h2.chg
fd00:1::3	h2 h2.chg
10.128.0.1	r1 r1.chg
fd00:1::1	r1 r1.chg
10.128.0.9	r1 r1.chg
fd00:1:0:1::1	r1 r1.chg
10.128.0.10	h3 h3.chg
fd00:1:0:1::2	h3 h3.chg
NSLAB_EOF
mkdir -p /etc/netns/chg-r1 && { echo '# nslab lab=chg: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chg-r1/hosts <<'NSLAB_EOF'
# the nodes of lab chg (nslab)
10.128.0.2	h1 h1.chg
fd00:1::2	h1 h1.chg
10.128.0.3	h2 h2.chg
fd00:1::3	h2 h2.chg
10.128.0.1	r1 r1.chg
fd00:1::1	r1 r1.chg
10.128.0.9	r1 r1.chg
fd00:1:0:1::1	r1 r1.chg
10.128.0.10	h3 h3.chg
fd00:1:0:1::2	h3 h3.chg
NSLAB_EOF
mkdir -p /etc/netns/chg-h3 && { echo '# nslab lab=chg: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chg-h3/hosts <<'NSLAB_EOF'
# the nodes of lab chg (nslab)
10.128.0.2	h1 h1.chg
fd00:1::2	h1 h1.chg
10.128.0.3	h2 h2.chg
fd00:1::3	h2 h2.chg
10.128.0.1	r1 r1.chg
fd00:1::1	r1 r1.chg
10.128.0.9	r1 r1.chg
fd00:1:0:1::1	r1 r1.chg
10.128.0.10	h3 h3.chg
fd00:1:0:1::2	h3 h3.chg
NSLAB_EOF
ip netns exec chg-r1 nft -f - <<'NSLAB_EOF'
table inet nslab {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname "lo" accept
    ip saddr 10.128.0.2 meta l4proto icmp accept comment "rule 1"
    ip6 saddr fd00:1::2 meta l4proto ipv6-icmp accept comment "rule 1"
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ip saddr 10.128.0.2 meta l4proto icmp accept comment "rule 1"
    ip6 saddr fd00:1::2 meta l4proto ipv6-icmp accept comment "rule 1"
  }
}
NSLAB_EOF
ip netns exec chg-h3 sh -c 'python3 -m http.server 8080' >/run/nslab/chg/services/h3.web.log 2>&1 &
