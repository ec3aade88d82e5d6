#!/bin/bash
# nslab plan for lab 'bfd': the same lab, by hand.
set -e
ip netns add bfd-a1
ip netns exec bfd-a1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n bfd-a1 link set lo alias 'nslab lab=bfd node=a1 id=0' up
ip netns add bfd-b1
ip netns exec bfd-b1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n bfd-b1 link set lo alias 'nslab lab=bfd node=b1 id=0' up
ip netns add bfd-k1
ip netns exec bfd-k1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n bfd-k1 link set lo alias 'nslab lab=bfd node=k1 id=0' up
ip netns add bfd-s1
ip netns exec bfd-s1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n bfd-s1 link set lo alias 'nslab lab=bfd node=s1 id=0' up
ip netns add bfd-a2
ip netns exec bfd-a2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n bfd-a2 link set lo alias 'nslab lab=bfd node=a2 id=0' up
ip netns add bfd-b2
ip netns exec bfd-b2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n bfd-b2 link set lo alias 'nslab lab=bfd node=b2 id=0' up
ip netns add bfd-k2
ip netns exec bfd-k2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n bfd-k2 link set lo alias 'nslab lab=bfd node=k2 id=0' up
ip netns add bfd-s2
ip netns exec bfd-s2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n bfd-s2 link set lo alias 'nslab lab=bfd node=s2 id=0' up
ip netns add bfd-h1
ip netns exec bfd-h1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n bfd-h1 link set lo alias 'nslab lab=bfd node=h1 id=0' up
ip netns add bfd-h2
ip netns exec bfd-h2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n bfd-h2 link set lo alias 'nslab lab=bfd node=h2 id=0' up
ip netns add bfd-h3
ip netns exec bfd-h3 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n bfd-h3 link set lo alias 'nslab lab=bfd node=h3 id=0' up
ip netns add bfd-h4
ip netns exec bfd-h4 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n bfd-h4 link set lo alias 'nslab lab=bfd node=h4 id=0' up
ip link add eth0 netns bfd-h1 type veth peer name eth0 netns bfd-a1
ip link add eth0 netns bfd-h2 type veth peer name eth0 netns bfd-b1
ip link add eth1 netns bfd-a1 type veth peer name eth0 netns bfd-s1
ip link add eth1 netns bfd-s1 type veth peer name eth1 netns bfd-b1
ip link add eth2 netns bfd-a1 type veth peer name eth0 netns bfd-k1
ip link add eth1 netns bfd-k1 type veth peer name eth2 netns bfd-b1
ip link add eth0 netns bfd-h3 type veth peer name eth0 netns bfd-a2
ip link add eth0 netns bfd-h4 type veth peer name eth0 netns bfd-b2
ip link add eth1 netns bfd-a2 type veth peer name eth0 netns bfd-s2
ip link add eth1 netns bfd-s2 type veth peer name eth1 netns bfd-b2
ip link add eth2 netns bfd-a2 type veth peer name eth0 netns bfd-k2
ip link add eth1 netns bfd-k2 type veth peer name eth2 netns bfd-b2
ip link add eth2 netns bfd-k1 type veth peer name eth2 netns bfd-k2
ip -n bfd-s1 link add br0 type bridge
ip -n bfd-s2 link add br0 type bridge
ip -n bfd-s1 link set eth0 master br0
ip -n bfd-s1 link set eth1 master br0
ip -n bfd-s2 link set eth0 master br0
ip -n bfd-s2 link set eth1 master br0
ip -n bfd-a1 addr add 10.31.0.1/30 dev eth0
ip -n bfd-a1 addr add 10.31.0.9/30 dev eth1
ip -n bfd-a1 addr add 10.31.0.13/30 dev eth2
ip -n bfd-b1 addr add 10.31.0.5/30 dev eth0
ip -n bfd-b1 addr add 10.31.0.10/30 dev eth1
ip -n bfd-b1 addr add 10.31.0.18/30 dev eth2
ip -n bfd-k1 addr add 10.31.0.14/30 dev eth0
ip -n bfd-k1 addr add 10.31.0.17/30 dev eth1
ip -n bfd-k1 addr add 10.31.0.41/30 dev eth2
ip -n bfd-a2 addr add 10.31.0.21/30 dev eth0
ip -n bfd-a2 addr add 10.31.0.29/30 dev eth1
ip -n bfd-a2 addr add 10.31.0.33/30 dev eth2
ip -n bfd-b2 addr add 10.31.0.25/30 dev eth0
ip -n bfd-b2 addr add 10.31.0.30/30 dev eth1
ip -n bfd-b2 addr add 10.31.0.38/30 dev eth2
ip -n bfd-k2 addr add 10.31.0.34/30 dev eth0
ip -n bfd-k2 addr add 10.31.0.37/30 dev eth1
ip -n bfd-k2 addr add 10.31.0.42/30 dev eth2
ip -n bfd-h1 addr add 10.31.0.2/30 dev eth0
ip -n bfd-h2 addr add 10.31.0.6/30 dev eth0
ip -n bfd-h3 addr add 10.31.0.22/30 dev eth0
ip -n bfd-h4 addr add 10.31.0.26/30 dev eth0
ip -n bfd-a1 addr add 10.31.255.254/32 dev lo
ip -n bfd-b1 addr add 10.31.255.253/32 dev lo
ip -n bfd-k1 addr add 10.31.255.252/32 dev lo
ip -n bfd-a2 addr add 10.31.255.251/32 dev lo
ip -n bfd-b2 addr add 10.31.255.250/32 dev lo
ip -n bfd-k2 addr add 10.31.255.249/32 dev lo
ip -n bfd-s1 link set br0 up
ip -n bfd-s2 link set br0 up
ip -n bfd-a1 link set eth0 up
ip -n bfd-a1 link set eth1 up
ip -n bfd-a1 link set eth2 up
ip -n bfd-b1 link set eth0 up
ip -n bfd-b1 link set eth1 up
ip -n bfd-b1 link set eth2 up
ip -n bfd-k1 link set eth0 up
ip -n bfd-k1 link set eth1 up
ip -n bfd-k1 link set eth2 up
ip -n bfd-s1 link set eth0 up
ip -n bfd-s1 link set eth1 up
ip -n bfd-a2 link set eth0 up
ip -n bfd-a2 link set eth1 up
ip -n bfd-a2 link set eth2 up
ip -n bfd-b2 link set eth0 up
ip -n bfd-b2 link set eth1 up
ip -n bfd-b2 link set eth2 up
ip -n bfd-k2 link set eth0 up
ip -n bfd-k2 link set eth1 up
ip -n bfd-k2 link set eth2 up
ip -n bfd-s2 link set eth0 up
ip -n bfd-s2 link set eth1 up
ip -n bfd-h1 link set eth0 up
ip -n bfd-h2 link set eth0 up
ip -n bfd-h3 link set eth0 up
ip -n bfd-h4 link set eth0 up
ip -n bfd-h1 route add default via 10.31.0.1 dev eth0
ip -n bfd-h2 route add default via 10.31.0.5 dev eth0
ip -n bfd-h3 route add default via 10.31.0.21 dev eth0
ip -n bfd-h4 route add default via 10.31.0.25 dev eth0
mkdir -p /etc/netns/bfd-a1 && { echo '# nslab lab=bfd: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bfd-a1/hosts <<'NSLAB_EOF'
# the nodes of lab bfd (nslab)
10.31.0.1	a1 a1.bfd
10.31.0.9	a1 a1.bfd
10.31.0.13	a1 a1.bfd
10.31.0.5	b1 b1.bfd
10.31.0.10	b1 b1.bfd
10.31.0.18	b1 b1.bfd
10.31.0.14	k1 k1.bfd
10.31.0.17	k1 k1.bfd
10.31.0.41	k1 k1.bfd
10.31.0.21	a2 a2.bfd
10.31.0.29	a2 a2.bfd
10.31.0.33	a2 a2.bfd
10.31.0.25	b2 b2.bfd
10.31.0.30	b2 b2.bfd
10.31.0.38	b2 b2.bfd
10.31.0.34	k2 k2.bfd
10.31.0.37	k2 k2.bfd
10.31.0.42	k2 k2.bfd
10.31.0.2	h1 h1.bfd
10.31.0.6	h2 h2.bfd
10.31.0.22	h3 h3.bfd
10.31.0.26	h4 h4.bfd
NSLAB_EOF
mkdir -p /etc/netns/bfd-b1 && { echo '# nslab lab=bfd: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bfd-b1/hosts <<'NSLAB_EOF'
# the nodes of lab bfd (nslab)
10.31.0.1	a1 a1.bfd
10.31.0.9	a1 a1.bfd
10.31.0.13	a1 a1.bfd
10.31.0.5	b1 b1.bfd
10.31.0.10	b1 b1.bfd
10.31.0.18	b1 b1.bfd
10.31.0.14	k1 k1.bfd
10.31.0.17	k1 k1.bfd
10.31.0.41	k1 k1.bfd
10.31.0.21	a2 a2.bfd
10.31.0.29	a2 a2.bfd
10.31.0.33	a2 a2.bfd
10.31.0.25	b2 b2.bfd
10.31.0.30	b2 b2.bfd
10.31.0.38	b2 b2.bfd
10.31.0.34	k2 k2.bfd
10.31.0.37	k2 k2.bfd
10.31.0.42	k2 k2.bfd
10.31.0.2	h1 h1.bfd
10.31.0.6	h2 h2.bfd
10.31.0.22	h3 h3.bfd
10.31.0.26	h4 h4.bfd
NSLAB_EOF
mkdir -p /etc/netns/bfd-k1 && { echo '# nslab lab=bfd: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bfd-k1/hosts <<'NSLAB_EOF'
# the nodes of lab bfd (nslab)
10.31.0.1	a1 a1.bfd
10.31.0.9	a1 a1.bfd
10.31.0.13	a1 a1.bfd
10.31.0.5	b1 b1.bfd
10.31.0.10	b1 b1.bfd
10.31.0.18	b1 b1.bfd
10.31.0.14	k1 k1.bfd
10.31.0.17	k1 k1.bfd
10.31.0.41	k1 k1.bfd
10.31.0.21	a2 a2.bfd
10.31.0.29	a2 a2.bfd
10.31.0.33	a2 a2.bfd
10.31.0.25	b2 b2.bfd
10.31.0.30	b2 b2.bfd
10.31.0.38	b2 b2.bfd
10.31.0.34	k2 k2.bfd
10.31.0.37	k2 k2.bfd
10.31.0.42	k2 k2.bfd
10.31.0.2	h1 h1.bfd
10.31.0.6	h2 h2.bfd
10.31.0.22	h3 h3.bfd
10.31.0.26	h4 h4.bfd
NSLAB_EOF
mkdir -p /etc/netns/bfd-a2 && { echo '# nslab lab=bfd: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bfd-a2/hosts <<'NSLAB_EOF'
# the nodes of lab bfd (nslab)
10.31.0.1	a1 a1.bfd
10.31.0.9	a1 a1.bfd
10.31.0.13	a1 a1.bfd
10.31.0.5	b1 b1.bfd
10.31.0.10	b1 b1.bfd
10.31.0.18	b1 b1.bfd
10.31.0.14	k1 k1.bfd
10.31.0.17	k1 k1.bfd
10.31.0.41	k1 k1.bfd
10.31.0.21	a2 a2.bfd
10.31.0.29	a2 a2.bfd
10.31.0.33	a2 a2.bfd
10.31.0.25	b2 b2.bfd
10.31.0.30	b2 b2.bfd
10.31.0.38	b2 b2.bfd
10.31.0.34	k2 k2.bfd
10.31.0.37	k2 k2.bfd
10.31.0.42	k2 k2.bfd
10.31.0.2	h1 h1.bfd
10.31.0.6	h2 h2.bfd
10.31.0.22	h3 h3.bfd
10.31.0.26	h4 h4.bfd
NSLAB_EOF
mkdir -p /etc/netns/bfd-b2 && { echo '# nslab lab=bfd: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bfd-b2/hosts <<'NSLAB_EOF'
# the nodes of lab bfd (nslab)
10.31.0.1	a1 a1.bfd
10.31.0.9	a1 a1.bfd
10.31.0.13	a1 a1.bfd
10.31.0.5	b1 b1.bfd
10.31.0.10	b1 b1.bfd
10.31.0.18	b1 b1.bfd
10.31.0.14	k1 k1.bfd
10.31.0.17	k1 k1.bfd
10.31.0.41	k1 k1.bfd
10.31.0.21	a2 a2.bfd
10.31.0.29	a2 a2.bfd
10.31.0.33	a2 a2.bfd
10.31.0.25	b2 b2.bfd
10.31.0.30	b2 b2.bfd
10.31.0.38	b2 b2.bfd
10.31.0.34	k2 k2.bfd
10.31.0.37	k2 k2.bfd
10.31.0.42	k2 k2.bfd
10.31.0.2	h1 h1.bfd
10.31.0.6	h2 h2.bfd
10.31.0.22	h3 h3.bfd
10.31.0.26	h4 h4.bfd
NSLAB_EOF
mkdir -p /etc/netns/bfd-k2 && { echo '# nslab lab=bfd: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bfd-k2/hosts <<'NSLAB_EOF'
# the nodes of lab bfd (nslab)
10.31.0.1	a1 a1.bfd
10.31.0.9	a1 a1.bfd
10.31.0.13	a1 a1.bfd
10.31.0.5	b1 b1.bfd
10.31.0.10	b1 b1.bfd
10.31.0.18	b1 b1.bfd
10.31.0.14	k1 k1.bfd
10.31.0.17	k1 k1.bfd
10.31.0.41	k1 k1.bfd
10.31.0.21	a2 a2.bfd
10.31.0.29	a2 a2.bfd
10.31.0.33	a2 a2.bfd
10.31.0.25	b2 b2.bfd
10.31.0.30	b2 b2.bfd
10.31.0.38	b2 b2.bfd
10.31.0.34	k2 k2.bfd
10.31.0.37	k2 k2.bfd
10.31.0.42	k2 k2.bfd
10.31.0.2	h1 h1.bfd
10.31.0.6	h2 h2.bfd
10.31.0.22	h3 h3.bfd
10.31.0.26	h4 h4.bfd
NSLAB_EOF
mkdir -p /etc/netns/bfd-h1 && { echo '# nslab lab=bfd: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bfd-h1/hosts <<'NSLAB_EOF'
# the nodes of lab bfd (nslab)
10.31.0.1	a1 a1.bfd
10.31.0.9	a1 a1.bfd
10.31.0.13	a1 a1.bfd
10.31.0.5	b1 b1.bfd
10.31.0.10	b1 b1.bfd
10.31.0.18	b1 b1.bfd
10.31.0.14	k1 k1.bfd
10.31.0.17	k1 k1.bfd
10.31.0.41	k1 k1.bfd
10.31.0.21	a2 a2.bfd
10.31.0.29	a2 a2.bfd
10.31.0.33	a2 a2.bfd
10.31.0.25	b2 b2.bfd
10.31.0.30	b2 b2.bfd
10.31.0.38	b2 b2.bfd
10.31.0.34	k2 k2.bfd
10.31.0.37	k2 k2.bfd
10.31.0.42	k2 k2.bfd
10.31.0.2	h1 h1.bfd
10.31.0.6	h2 h2.bfd
10.31.0.22	h3 h3.bfd
10.31.0.26	h4 h4.bfd
NSLAB_EOF
mkdir -p /etc/netns/bfd-h2 && { echo '# nslab lab=bfd: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bfd-h2/hosts <<'NSLAB_EOF'
# the nodes of lab bfd (nslab)
10.31.0.1	a1 a1.bfd
10.31.0.9	a1 a1.bfd
10.31.0.13	a1 a1.bfd
10.31.0.5	b1 b1.bfd
10.31.0.10	b1 b1.bfd
10.31.0.18	b1 b1.bfd
10.31.0.14	k1 k1.bfd
10.31.0.17	k1 k1.bfd
10.31.0.41	k1 k1.bfd
10.31.0.21	a2 a2.bfd
10.31.0.29	a2 a2.bfd
10.31.0.33	a2 a2.bfd
10.31.0.25	b2 b2.bfd
10.31.0.30	b2 b2.bfd
10.31.0.38	b2 b2.bfd
10.31.0.34	k2 k2.bfd
10.31.0.37	k2 k2.bfd
10.31.0.42	k2 k2.bfd
10.31.0.2	h1 h1.bfd
10.31.0.6	h2 h2.bfd
10.31.0.22	h3 h3.bfd
10.31.0.26	h4 h4.bfd
NSLAB_EOF
mkdir -p /etc/netns/bfd-h3 && { echo '# nslab lab=bfd: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bfd-h3/hosts <<'NSLAB_EOF'
# the nodes of lab bfd (nslab)
10.31.0.1	a1 a1.bfd
10.31.0.9	a1 a1.bfd
10.31.0.13	a1 a1.bfd
10.31.0.5	b1 b1.bfd
10.31.0.10	b1 b1.bfd
10.31.0.18	b1 b1.bfd
10.31.0.14	k1 k1.bfd
10.31.0.17	k1 k1.bfd
10.31.0.41	k1 k1.bfd
10.31.0.21	a2 a2.bfd
10.31.0.29	a2 a2.bfd
10.31.0.33	a2 a2.bfd
10.31.0.25	b2 b2.bfd
10.31.0.30	b2 b2.bfd
10.31.0.38	b2 b2.bfd
10.31.0.34	k2 k2.bfd
10.31.0.37	k2 k2.bfd
10.31.0.42	k2 k2.bfd
10.31.0.2	h1 h1.bfd
10.31.0.6	h2 h2.bfd
10.31.0.22	h3 h3.bfd
10.31.0.26	h4 h4.bfd
NSLAB_EOF
mkdir -p /etc/netns/bfd-h4 && { echo '# nslab lab=bfd: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bfd-h4/hosts <<'NSLAB_EOF'
# the nodes of lab bfd (nslab)
10.31.0.1	a1 a1.bfd
10.31.0.9	a1 a1.bfd
10.31.0.13	a1 a1.bfd
10.31.0.5	b1 b1.bfd
10.31.0.10	b1 b1.bfd
10.31.0.18	b1 b1.bfd
10.31.0.14	k1 k1.bfd
10.31.0.17	k1 k1.bfd
10.31.0.41	k1 k1.bfd
10.31.0.21	a2 a2.bfd
10.31.0.29	a2 a2.bfd
10.31.0.33	a2 a2.bfd
10.31.0.25	b2 b2.bfd
10.31.0.30	b2 b2.bfd
10.31.0.38	b2 b2.bfd
10.31.0.34	k2 k2.bfd
10.31.0.37	k2 k2.bfd
10.31.0.42	k2 k2.bfd
10.31.0.2	h1 h1.bfd
10.31.0.6	h2 h2.bfd
10.31.0.22	h3 h3.bfd
10.31.0.26	h4 h4.bfd
NSLAB_EOF
mkdir -p /run/nslab/bfd/routing/a1
cat >/run/nslab/bfd/routing/a1/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname a1
service integrated-vtysh-config
!
interface lo
 ip ospf area 0
!
interface eth0
 ip ospf area 0
 ip ospf passive
!
interface eth1
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
 ip ospf bfd
 ip ospf bfd profile nslab
!
interface eth2
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
!
router ospf
 ospf router-id 10.31.255.254
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
bfd
 profile nslab
  transmit-interval 150
  receive-interval 150
  detect-multiplier 3
 !
!
NSLAB_EOF
: >/run/nslab/bfd/routing/a1/vtysh.conf
chown -R frr:frr /run/nslab/bfd/routing/a1
ip netns exec bfd-a1 unshare --uts sh -ec 'hostname a1 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0 && /usr/lib/frr/bfdd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bfdd.pid --log file:/var/run/frr/bfdd.log -P 0' /run/nslab/bfd/routing/a1
vtysh --vty_socket /run/nslab/bfd/routing/a1 --config_dir /run/nslab/bfd/routing/a1 -b
mkdir -p /run/nslab/bfd/routing/b1
cat >/run/nslab/bfd/routing/b1/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname b1
service integrated-vtysh-config
!
interface lo
 ip ospf area 0
!
interface eth0
 ip ospf area 0
 ip ospf passive
!
interface eth1
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
 ip ospf bfd
 ip ospf bfd profile nslab
!
interface eth2
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
!
router ospf
 ospf router-id 10.31.255.253
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
bfd
 profile nslab
  transmit-interval 150
  receive-interval 150
  detect-multiplier 3
 !
!
NSLAB_EOF
: >/run/nslab/bfd/routing/b1/vtysh.conf
chown -R frr:frr /run/nslab/bfd/routing/b1
ip netns exec bfd-b1 unshare --uts sh -ec 'hostname b1 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0 && /usr/lib/frr/bfdd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bfdd.pid --log file:/var/run/frr/bfdd.log -P 0' /run/nslab/bfd/routing/b1
vtysh --vty_socket /run/nslab/bfd/routing/b1 --config_dir /run/nslab/bfd/routing/b1 -b
mkdir -p /run/nslab/bfd/routing/k1
cat >/run/nslab/bfd/routing/k1/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname k1
service integrated-vtysh-config
!
interface lo
 ip ospf area 0
!
interface eth0
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
!
interface eth1
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
!
interface eth2
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
!
router ospf
 ospf router-id 10.31.255.252
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/bfd/routing/k1/vtysh.conf
chown -R frr:frr /run/nslab/bfd/routing/k1
ip netns exec bfd-k1 unshare --uts sh -ec 'hostname k1 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/bfd/routing/k1
vtysh --vty_socket /run/nslab/bfd/routing/k1 --config_dir /run/nslab/bfd/routing/k1 -b
mkdir -p /run/nslab/bfd/routing/a2
cat >/run/nslab/bfd/routing/a2/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname a2
service integrated-vtysh-config
!
interface lo
 ip ospf area 0
!
interface eth0
 ip ospf area 0
 ip ospf passive
!
interface eth1
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
!
interface eth2
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
!
router ospf
 ospf router-id 10.31.255.251
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/bfd/routing/a2/vtysh.conf
chown -R frr:frr /run/nslab/bfd/routing/a2
ip netns exec bfd-a2 unshare --uts sh -ec 'hostname a2 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/bfd/routing/a2
vtysh --vty_socket /run/nslab/bfd/routing/a2 --config_dir /run/nslab/bfd/routing/a2 -b
mkdir -p /run/nslab/bfd/routing/b2
cat >/run/nslab/bfd/routing/b2/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname b2
service integrated-vtysh-config
!
interface lo
 ip ospf area 0
!
interface eth0
 ip ospf area 0
 ip ospf passive
!
interface eth1
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
!
interface eth2
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
!
router ospf
 ospf router-id 10.31.255.250
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/bfd/routing/b2/vtysh.conf
chown -R frr:frr /run/nslab/bfd/routing/b2
ip netns exec bfd-b2 unshare --uts sh -ec 'hostname b2 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/bfd/routing/b2
vtysh --vty_socket /run/nslab/bfd/routing/b2 --config_dir /run/nslab/bfd/routing/b2 -b
mkdir -p /run/nslab/bfd/routing/k2
cat >/run/nslab/bfd/routing/k2/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname k2
service integrated-vtysh-config
!
interface lo
 ip ospf area 0
!
interface eth0
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
!
interface eth1
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
!
interface eth2
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 1
!
router ospf
 ospf router-id 10.31.255.249
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/bfd/routing/k2/vtysh.conf
chown -R frr:frr /run/nslab/bfd/routing/k2
ip netns exec bfd-k2 unshare --uts sh -ec 'hostname k2 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/bfd/routing/k2
vtysh --vty_socket /run/nslab/bfd/routing/k2 --config_dir /run/nslab/bfd/routing/k2 -b
