#!/bin/bash
# nslab plan for lab 'diamond': the same lab, by hand.
set -e
ip netns add diamond-h1
ip netns exec diamond-h1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n diamond-h1 link set lo alias 'nslab lab=diamond node=h1 id=0' up
ip netns add diamond-r1
ip netns exec diamond-r1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n diamond-r1 link set lo alias 'nslab lab=diamond node=r1 id=0' up
ip netns add diamond-r2
ip netns exec diamond-r2 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n diamond-r2 link set lo alias 'nslab lab=diamond node=r2 id=0' up
ip netns add diamond-r3
ip netns exec diamond-r3 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n diamond-r3 link set lo alias 'nslab lab=diamond node=r3 id=0' up
ip netns add diamond-r4
ip netns exec diamond-r4 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n diamond-r4 link set lo alias 'nslab lab=diamond node=r4 id=0' up
ip netns add diamond-h2
ip netns exec diamond-h2 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n diamond-h2 link set lo alias 'nslab lab=diamond node=h2 id=0' up
ip netns exec diamond-r1 sysctl -qw net.ipv4.fib_multipath_hash_policy=1
ip netns exec diamond-r1 sysctl -qw net.ipv6.fib_multipath_hash_policy=1
ip netns exec diamond-r4 sysctl -qw net.ipv4.fib_multipath_hash_policy=1
ip netns exec diamond-r4 sysctl -qw net.ipv6.fib_multipath_hash_policy=1
ip link add eth0 netns diamond-h1 type veth peer name eth0 netns diamond-r1
ip link add eth1 netns diamond-r1 type veth peer name eth0 netns diamond-r2
ip link add eth2 netns diamond-r1 type veth peer name eth0 netns diamond-r3
ip link add eth1 netns diamond-r2 type veth peer name eth0 netns diamond-r4
ip link add eth1 netns diamond-r3 type veth peer name eth1 netns diamond-r4
ip link add eth2 netns diamond-r4 type veth peer name eth0 netns diamond-h2
ip -n diamond-h1 addr add 10.20.0.2/30 dev eth0
ip -n diamond-h1 addr add fd00:20::2/64 dev eth0 nodad
ip -n diamond-r1 addr add 10.20.0.1/30 dev eth0
ip -n diamond-r1 addr add fd00:20::1/64 dev eth0 nodad
ip -n diamond-r1 addr add 10.20.0.5/30 dev eth1
ip -n diamond-r1 addr add fd00:20:0:1::1/64 dev eth1 nodad
ip -n diamond-r1 addr add 10.20.0.9/30 dev eth2
ip -n diamond-r1 addr add fd00:20:0:2::1/64 dev eth2 nodad
ip -n diamond-r2 addr add 10.20.0.6/30 dev eth0
ip -n diamond-r2 addr add fd00:20:0:1::2/64 dev eth0 nodad
ip -n diamond-r2 addr add 10.20.0.13/30 dev eth1
ip -n diamond-r2 addr add fd00:20:0:3::1/64 dev eth1 nodad
ip -n diamond-r3 addr add 10.20.0.10/30 dev eth0
ip -n diamond-r3 addr add fd00:20:0:2::2/64 dev eth0 nodad
ip -n diamond-r3 addr add 10.20.0.17/30 dev eth1
ip -n diamond-r3 addr add fd00:20:0:4::1/64 dev eth1 nodad
ip -n diamond-r4 addr add 10.20.0.14/30 dev eth0
ip -n diamond-r4 addr add fd00:20:0:3::2/64 dev eth0 nodad
ip -n diamond-r4 addr add 10.20.0.18/30 dev eth1
ip -n diamond-r4 addr add fd00:20:0:4::2/64 dev eth1 nodad
ip -n diamond-r4 addr add 10.20.0.21/30 dev eth2
ip -n diamond-r4 addr add fd00:20:0:5::1/64 dev eth2 nodad
ip -n diamond-h2 addr add 10.20.0.22/30 dev eth0
ip -n diamond-h2 addr add fd00:20:0:5::2/64 dev eth0 nodad
ip -n diamond-h1 link set eth0 up
ip -n diamond-r1 link set eth0 up
ip -n diamond-r1 link set eth1 up
ip -n diamond-r1 link set eth2 up
ip -n diamond-r2 link set eth0 up
ip -n diamond-r2 link set eth1 up
ip -n diamond-r3 link set eth0 up
ip -n diamond-r3 link set eth1 up
ip -n diamond-r4 link set eth0 up
ip -n diamond-r4 link set eth1 up
ip -n diamond-r4 link set eth2 up
ip -n diamond-h2 link set eth0 up
ip -n diamond-h1 route add default via 10.20.0.1 dev eth0
ip -n diamond-h1 -6 route add default via fd00:20::1 dev eth0
ip -n diamond-r1 route add 10.20.0.12/30 via 10.20.0.6 dev eth1
ip -n diamond-r1 -6 route add fd00:20:0:3::/64 via fd00:20:0:1::2 dev eth1
ip -n diamond-r1 route add 10.20.0.16/30 via 10.20.0.10 dev eth2
ip -n diamond-r1 -6 route add fd00:20:0:4::/64 via fd00:20:0:2::2 dev eth2
ip -n diamond-r1 route add 10.20.0.20/30 nexthop via 10.20.0.6 dev eth1 nexthop via 10.20.0.10 dev eth2
ip -n diamond-r1 -6 route add fd00:20:0:5::/64 nexthop via fd00:20:0:1::2 dev eth1 nexthop via fd00:20:0:2::2 dev eth2
ip -n diamond-r2 route add 10.20.0.0/30 via 10.20.0.5 dev eth0
ip -n diamond-r2 -6 route add fd00:20::/64 via fd00:20:0:1::1 dev eth0
ip -n diamond-r2 route add 10.20.0.8/30 via 10.20.0.5 dev eth0
ip -n diamond-r2 -6 route add fd00:20:0:2::/64 via fd00:20:0:1::1 dev eth0
ip -n diamond-r2 route add 10.20.0.16/30 via 10.20.0.14 dev eth1
ip -n diamond-r2 -6 route add fd00:20:0:4::/64 via fd00:20:0:3::2 dev eth1
ip -n diamond-r2 route add 10.20.0.20/30 via 10.20.0.14 dev eth1
ip -n diamond-r2 -6 route add fd00:20:0:5::/64 via fd00:20:0:3::2 dev eth1
ip -n diamond-r3 route add 10.20.0.0/30 via 10.20.0.9 dev eth0
ip -n diamond-r3 -6 route add fd00:20::/64 via fd00:20:0:2::1 dev eth0
ip -n diamond-r3 route add 10.20.0.4/30 via 10.20.0.9 dev eth0
ip -n diamond-r3 -6 route add fd00:20:0:1::/64 via fd00:20:0:2::1 dev eth0
ip -n diamond-r3 route add 10.20.0.12/30 via 10.20.0.18 dev eth1
ip -n diamond-r3 -6 route add fd00:20:0:3::/64 via fd00:20:0:4::2 dev eth1
ip -n diamond-r3 route add 10.20.0.20/30 via 10.20.0.18 dev eth1
ip -n diamond-r3 -6 route add fd00:20:0:5::/64 via fd00:20:0:4::2 dev eth1
ip -n diamond-r4 route add 10.20.0.0/30 nexthop via 10.20.0.13 dev eth0 nexthop via 10.20.0.17 dev eth1
ip -n diamond-r4 -6 route add fd00:20::/64 nexthop via fd00:20:0:3::1 dev eth0 nexthop via fd00:20:0:4::1 dev eth1
ip -n diamond-r4 route add 10.20.0.4/30 via 10.20.0.13 dev eth0
ip -n diamond-r4 -6 route add fd00:20:0:1::/64 via fd00:20:0:3::1 dev eth0
ip -n diamond-r4 route add 10.20.0.8/30 via 10.20.0.17 dev eth1
ip -n diamond-r4 -6 route add fd00:20:0:2::/64 via fd00:20:0:4::1 dev eth1
ip -n diamond-h2 route add default via 10.20.0.21 dev eth0
ip -n diamond-h2 -6 route add default via fd00:20:0:5::1 dev eth0
mkdir -p /etc/netns/diamond-h1 && { echo '# nslab lab=diamond: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/diamond-h1/hosts <<'NSLAB_EOF'
# the nodes of lab diamond (nslab)
10.20.0.2	h1 h1.diamond
fd00:20::2	h1 h1.diamond
10.20.0.1	r1 r1.diamond
fd00:20::1	r1 r1.diamond
10.20.0.5	r1 r1.diamond
fd00:20:0:1::1	r1 r1.diamond
10.20.0.9	r1 r1.diamond
fd00:20:0:2::1	r1 r1.diamond
10.20.0.6	r2 r2.diamond
fd00:20:0:1::2	r2 r2.diamond
10.20.0.13	r2 r2.diamond
fd00:20:0:3::1	r2 r2.diamond
10.20.0.10	r3 r3.diamond
fd00:20:0:2::2	r3 r3.diamond
10.20.0.17	r3 r3.diamond
fd00:20:0:4::1	r3 r3.diamond
10.20.0.14	r4 r4.diamond
fd00:20:0:3::2	r4 r4.diamond
10.20.0.18	r4 r4.diamond
fd00:20:0:4::2	r4 r4.diamond
10.20.0.21	r4 r4.diamond
fd00:20:0:5::1	r4 r4.diamond
10.20.0.22	h2 h2.diamond
fd00:20:0:5::2	h2 h2.diamond
NSLAB_EOF
mkdir -p /etc/netns/diamond-r1 && { echo '# nslab lab=diamond: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/diamond-r1/hosts <<'NSLAB_EOF'
# the nodes of lab diamond (nslab)
10.20.0.2	h1 h1.diamond
fd00:20::2	h1 h1.diamond
10.20.0.1	r1 r1.diamond
fd00:20::1	r1 r1.diamond
10.20.0.5	r1 r1.diamond
fd00:20:0:1::1	r1 r1.diamond
10.20.0.9	r1 r1.diamond
fd00:20:0:2::1	r1 r1.diamond
10.20.0.6	r2 r2.diamond
fd00:20:0:1::2	r2 r2.diamond
10.20.0.13	r2 r2.diamond
fd00:20:0:3::1	r2 r2.diamond
10.20.0.10	r3 r3.diamond
fd00:20:0:2::2	r3 r3.diamond
10.20.0.17	r3 r3.diamond
fd00:20:0:4::1	r3 r3.diamond
10.20.0.14	r4 r4.diamond
fd00:20:0:3::2	r4 r4.diamond
10.20.0.18	r4 r4.diamond
fd00:20:0:4::2	r4 r4.diamond
10.20.0.21	r4 r4.diamond
fd00:20:0:5::1	r4 r4.diamond
10.20.0.22	h2 h2.diamond
fd00:20:0:5::2	h2 h2.diamond
NSLAB_EOF
mkdir -p /etc/netns/diamond-r2 && { echo '# nslab lab=diamond: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/diamond-r2/hosts <<'NSLAB_EOF'
# the nodes of lab diamond (nslab)
10.20.0.2	h1 h1.diamond
fd00:20::2	h1 h1.diamond
10.20.0.1	r1 r1.diamond
fd00:20::1	r1 r1.diamond
10.20.0.5	r1 r1.diamond
fd00:20:0:1::1	r1 r1.diamond
10.20.0.9	r1 r1.diamond
fd00:20:0:2::1	r1 r1.diamond
10.20.0.6	r2 r2.diamond
fd00:20:0:1::2	r2 r2.diamond
10.20.0.13	r2 r2.diamond
fd00:20:0:3::1	r2 r2.diamond
10.20.0.10	r3 r3.diamond
fd00:20:0:2::2	r3 r3.diamond
10.20.0.17	r3 r3.diamond
fd00:20:0:4::1	r3 r3.diamond
10.20.0.14	r4 r4.diamond
fd00:20:0:3::2	r4 r4.diamond
10.20.0.18	r4 r4.diamond
fd00:20:0:4::2	r4 r4.diamond
10.20.0.21	r4 r4.diamond
fd00:20:0:5::1	r4 r4.diamond
10.20.0.22	h2 h2.diamond
fd00:20:0:5::2	h2 h2.diamond
NSLAB_EOF
mkdir -p /etc/netns/diamond-r3 && { echo '# nslab lab=diamond: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/diamond-r3/hosts <<'NSLAB_EOF'
# the nodes of lab diamond (nslab)
10.20.0.2	h1 h1.diamond
fd00:20::2	h1 h1.diamond
10.20.0.1	r1 r1.diamond
fd00:20::1	r1 r1.diamond
10.20.0.5	r1 r1.diamond
fd00:20:0:1::1	r1 r1.diamond
10.20.0.9	r1 r1.diamond
fd00:20:0:2::1	r1 r1.diamond
10.20.0.6	r2 r2.diamond
fd00:20:0:1::2	r2 r2.diamond
10.20.0.13	r2 r2.diamond
fd00:20:0:3::1	r2 r2.diamond
10.20.0.10	r3 r3.diamond
fd00:20:0:2::2	r3 r3.diamond
10.20.0.17	r3 r3.diamond
fd00:20:0:4::1	r3 r3.diamond
10.20.0.14	r4 r4.diamond
fd00:20:0:3::2	r4 r4.diamond
10.20.0.18	r4 r4.diamond
fd00:20:0:4::2	r4 r4.diamond
10.20.0.21	r4 r4.diamond
fd00:20:0:5::1	r4 r4.diamond
10.20.0.22	h2 h2.diamond
fd00:20:0:5::2	h2 h2.diamond
NSLAB_EOF
mkdir -p /etc/netns/diamond-r4 && { echo '# nslab lab=diamond: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/diamond-r4/hosts <<'NSLAB_EOF'
# the nodes of lab diamond (nslab)
10.20.0.2	h1 h1.diamond
fd00:20::2	h1 h1.diamond
10.20.0.1	r1 r1.diamond
fd00:20::1	r1 r1.diamond
10.20.0.5	r1 r1.diamond
fd00:20:0:1::1	r1 r1.diamond
10.20.0.9	r1 r1.diamond
fd00:20:0:2::1	r1 r1.diamond
10.20.0.6	r2 r2.diamond
fd00:20:0:1::2	r2 r2.diamond
10.20.0.13	r2 r2.diamond
fd00:20:0:3::1	r2 r2.diamond
10.20.0.10	r3 r3.diamond
fd00:20:0:2::2	r3 r3.diamond
10.20.0.17	r3 r3.diamond
fd00:20:0:4::1	r3 r3.diamond
10.20.0.14	r4 r4.diamond
fd00:20:0:3::2	r4 r4.diamond
10.20.0.18	r4 r4.diamond
fd00:20:0:4::2	r4 r4.diamond
10.20.0.21	r4 r4.diamond
fd00:20:0:5::1	r4 r4.diamond
10.20.0.22	h2 h2.diamond
fd00:20:0:5::2	h2 h2.diamond
NSLAB_EOF
mkdir -p /etc/netns/diamond-h2 && { echo '# nslab lab=diamond: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/diamond-h2/hosts <<'NSLAB_EOF'
# the nodes of lab diamond (nslab)
10.20.0.2	h1 h1.diamond
fd00:20::2	h1 h1.diamond
10.20.0.1	r1 r1.diamond
fd00:20::1	r1 r1.diamond
10.20.0.5	r1 r1.diamond
fd00:20:0:1::1	r1 r1.diamond
10.20.0.9	r1 r1.diamond
fd00:20:0:2::1	r1 r1.diamond
10.20.0.6	r2 r2.diamond
fd00:20:0:1::2	r2 r2.diamond
10.20.0.13	r2 r2.diamond
fd00:20:0:3::1	r2 r2.diamond
10.20.0.10	r3 r3.diamond
fd00:20:0:2::2	r3 r3.diamond
10.20.0.17	r3 r3.diamond
fd00:20:0:4::1	r3 r3.diamond
10.20.0.14	r4 r4.diamond
fd00:20:0:3::2	r4 r4.diamond
10.20.0.18	r4 r4.diamond
fd00:20:0:4::2	r4 r4.diamond
10.20.0.21	r4 r4.diamond
fd00:20:0:5::1	r4 r4.diamond
10.20.0.22	h2 h2.diamond
fd00:20:0:5::2	h2 h2.diamond
NSLAB_EOF
