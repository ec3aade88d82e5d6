#!/bin/bash
# nslab plan for lab 'hostbr': the same lab, by hand.
set -e
ip netns add hostbr-web
ip netns exec hostbr-web sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n hostbr-web link set lo alias 'nslab lab=hostbr node=web id=0' up
ip netns add hostbr-db
ip netns exec hostbr-db sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n hostbr-db link set lo alias 'nslab lab=hostbr node=db id=0' up
ip netns add hostbr-cache
ip netns exec hostbr-cache sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n hostbr-cache link set lo alias 'nslab lab=hostbr node=cache id=0' up
ip link add eth0 netns hostbr-web type veth peer name nsl8ee5cb25
ip link set nsl8ee5cb25 alias 'nslab hostbr web:eth0'
ip link add eth0 netns hostbr-db type veth peer name nsl98eda0fe
ip link set nsl98eda0fe alias 'nslab hostbr db:eth0'
ip link add eth0 netns hostbr-cache type veth peer name nsl699588c2
ip link set nsl699588c2 alias 'nslab hostbr cache:eth0'
ip link add nsbe54c101e type bridge
ip link set nsbe54c101e alias 'nslab hostbr bridge 0'
ip link set nsl8ee5cb25 master nsbe54c101e
ip link set nsl98eda0fe master nsbe54c101e
ip link set nsl699588c2 master nsbe54c101e
ip -n hostbr-web addr add 10.78.0.2/24 dev eth0
ip -n hostbr-db addr add 10.78.0.3/24 dev eth0
ip -n hostbr-cache addr add 10.78.0.4/24 dev eth0
ip addr add 10.78.0.1/24 dev nsbe54c101e
ip link set nsbe54c101e up
ip -n hostbr-web link set eth0 up
ip -n hostbr-db link set eth0 up
ip -n hostbr-cache link set eth0 up
ip link set nsl8ee5cb25 up
ip link set nsl98eda0fe up
ip link set nsl699588c2 up
ip -n hostbr-web route add default via 10.78.0.1 dev eth0
ip -n hostbr-db route add default via 10.78.0.1 dev eth0
ip -n hostbr-cache route add default via 10.78.0.1 dev eth0
mkdir -p /etc/netns/hostbr-web && { echo '# nslab lab=hostbr: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/hostbr-web/hosts <<'NSLAB_EOF'
# the nodes of lab hostbr (nslab)
10.78.0.2	web web.hostbr
10.78.0.3	db db.hostbr
10.78.0.4	cache cache.hostbr
NSLAB_EOF
mkdir -p /etc/netns/hostbr-db && { echo '# nslab lab=hostbr: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/hostbr-db/hosts <<'NSLAB_EOF'
# the nodes of lab hostbr (nslab)
10.78.0.2	web web.hostbr
10.78.0.3	db db.hostbr
10.78.0.4	cache cache.hostbr
NSLAB_EOF
mkdir -p /etc/netns/hostbr-cache && { echo '# nslab lab=hostbr: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/hostbr-cache/hosts <<'NSLAB_EOF'
# the nodes of lab hostbr (nslab)
10.78.0.2	web web.hostbr
10.78.0.3	db db.hostbr
10.78.0.4	cache cache.hostbr
NSLAB_EOF
