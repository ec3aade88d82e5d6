#!/bin/bash
# nslab plan for lab 'ospf-unnumbered': the same lab, by hand.
set -e
ip netns add ospf-unnumbered-s1
ip netns exec ospf-unnumbered-s1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ospf-unnumbered-s1 link set lo alias 'nslab lab=ospf-unnumbered node=s1 id=0' up
ip netns add ospf-unnumbered-s2
ip netns exec ospf-unnumbered-s2 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ospf-unnumbered-s2 link set lo alias 'nslab lab=ospf-unnumbered node=s2 id=0' up
ip netns add ospf-unnumbered-l1
ip netns exec ospf-unnumbered-l1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ospf-unnumbered-l1 link set lo alias 'nslab lab=ospf-unnumbered node=l1 id=0' up
ip netns add ospf-unnumbered-l2
ip netns exec ospf-unnumbered-l2 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ospf-unnumbered-l2 link set lo alias 'nslab lab=ospf-unnumbered node=l2 id=0' up
ip netns add ospf-unnumbered-h1
ip netns exec ospf-unnumbered-h1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ospf-unnumbered-h1 link set lo alias 'nslab lab=ospf-unnumbered node=h1 id=0' up
ip netns add ospf-unnumbered-h2
ip netns exec ospf-unnumbered-h2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ospf-unnumbered-h2 link set lo alias 'nslab lab=ospf-unnumbered node=h2 id=0' up
ip link add eth0 netns ospf-unnumbered-l1 type veth peer name eth0 netns ospf-unnumbered-s1
ip link add eth1 netns ospf-unnumbered-l1 type veth peer name eth0 netns ospf-unnumbered-s2
ip link add eth0 netns ospf-unnumbered-l2 type veth peer name eth1 netns ospf-unnumbered-s1
ip link add eth1 netns ospf-unnumbered-l2 type veth peer name eth1 netns ospf-unnumbered-s2
ip link add eth0 netns ospf-unnumbered-h1 type veth peer name eth2 netns ospf-unnumbered-l1
ip link add eth0 netns ospf-unnumbered-h2 type veth peer name eth2 netns ospf-unnumbered-l2
ip -n ospf-unnumbered-s1 addr add 10.255.0.1/32 dev eth0
ip -n ospf-unnumbered-s1 addr add 10.255.0.1/32 dev eth1
ip -n ospf-unnumbered-s2 addr add 10.255.0.2/32 dev eth0
ip -n ospf-unnumbered-s2 addr add 10.255.0.2/32 dev eth1
ip -n ospf-unnumbered-l1 addr add 10.255.1.1/32 dev eth0
ip -n ospf-unnumbered-l1 addr add 10.255.1.1/32 dev eth1
ip -n ospf-unnumbered-l1 addr add 10.42.0.1/30 dev eth2
ip -n ospf-unnumbered-l2 addr add 10.255.1.2/32 dev eth0
ip -n ospf-unnumbered-l2 addr add 10.255.1.2/32 dev eth1
ip -n ospf-unnumbered-l2 addr add 10.42.0.5/30 dev eth2
ip -n ospf-unnumbered-h1 addr add 10.42.0.2/30 dev eth0
ip -n ospf-unnumbered-h2 addr add 10.42.0.6/30 dev eth0
ip -n ospf-unnumbered-s1 addr add 10.255.0.1/32 dev lo
ip -n ospf-unnumbered-s2 addr add 10.255.0.2/32 dev lo
ip -n ospf-unnumbered-l1 addr add 10.255.1.1/32 dev lo
ip -n ospf-unnumbered-l2 addr add 10.255.1.2/32 dev lo
ip -n ospf-unnumbered-s1 link set eth0 up
ip -n ospf-unnumbered-s1 link set eth1 up
ip -n ospf-unnumbered-s2 link set eth0 up
ip -n ospf-unnumbered-s2 link set eth1 up
ip -n ospf-unnumbered-l1 link set eth0 up
ip -n ospf-unnumbered-l1 link set eth1 up
ip -n ospf-unnumbered-l1 link set eth2 up
ip -n ospf-unnumbered-l2 link set eth0 up
ip -n ospf-unnumbered-l2 link set eth1 up
ip -n ospf-unnumbered-l2 link set eth2 up
ip -n ospf-unnumbered-h1 link set eth0 up
ip -n ospf-unnumbered-h2 link set eth0 up
ip -n ospf-unnumbered-h1 route add default via 10.42.0.1 dev eth0
ip -n ospf-unnumbered-h2 route add default via 10.42.0.5 dev eth0
mkdir -p /etc/netns/ospf-unnumbered-s1 && { echo '# nslab lab=ospf-unnumbered: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospf-unnumbered-s1/hosts <<'NSLAB_EOF'
# the nodes of lab ospf-unnumbered (nslab)
10.255.0.1	s1 s1.ospf-unnumbered
10.255.0.2	s2 s2.ospf-unnumbered
10.255.1.1	l1 l1.ospf-unnumbered
10.42.0.1	l1 l1.ospf-unnumbered
10.255.1.2	l2 l2.ospf-unnumbered
10.42.0.5	l2 l2.ospf-unnumbered
10.42.0.2	h1 h1.ospf-unnumbered
10.42.0.6	h2 h2.ospf-unnumbered
NSLAB_EOF
mkdir -p /etc/netns/ospf-unnumbered-s2 && { echo '# nslab lab=ospf-unnumbered: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospf-unnumbered-s2/hosts <<'NSLAB_EOF'
# the nodes of lab ospf-unnumbered (nslab)
10.255.0.1	s1 s1.ospf-unnumbered
10.255.0.2	s2 s2.ospf-unnumbered
10.255.1.1	l1 l1.ospf-unnumbered
10.42.0.1	l1 l1.ospf-unnumbered
10.255.1.2	l2 l2.ospf-unnumbered
10.42.0.5	l2 l2.ospf-unnumbered
10.42.0.2	h1 h1.ospf-unnumbered
10.42.0.6	h2 h2.ospf-unnumbered
NSLAB_EOF
mkdir -p /etc/netns/ospf-unnumbered-l1 && { echo '# nslab lab=ospf-unnumbered: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospf-unnumbered-l1/hosts <<'NSLAB_EOF'
# the nodes of lab ospf-unnumbered (nslab)
10.255.0.1	s1 s1.ospf-unnumbered
10.255.0.2	s2 s2.ospf-unnumbered
10.255.1.1	l1 l1.ospf-unnumbered
10.42.0.1	l1 l1.ospf-unnumbered
10.255.1.2	l2 l2.ospf-unnumbered
10.42.0.5	l2 l2.ospf-unnumbered
10.42.0.2	h1 h1.ospf-unnumbered
10.42.0.6	h2 h2.ospf-unnumbered
NSLAB_EOF
mkdir -p /etc/netns/ospf-unnumbered-l2 && { echo '# nslab lab=ospf-unnumbered: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospf-unnumbered-l2/hosts <<'NSLAB_EOF'
# the nodes of lab ospf-unnumbered (nslab)
10.255.0.1	s1 s1.ospf-unnumbered
10.255.0.2	s2 s2.ospf-unnumbered
10.255.1.1	l1 l1.ospf-unnumbered
10.42.0.1	l1 l1.ospf-unnumbered
10.255.1.2	l2 l2.ospf-unnumbered
10.42.0.5	l2 l2.ospf-unnumbered
10.42.0.2	h1 h1.ospf-unnumbered
10.42.0.6	h2 h2.ospf-unnumbered
NSLAB_EOF
mkdir -p /etc/netns/ospf-unnumbered-h1 && { echo '# nslab lab=ospf-unnumbered: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospf-unnumbered-h1/hosts <<'NSLAB_EOF'
# the nodes of lab ospf-unnumbered (nslab)
10.255.0.1	s1 s1.ospf-unnumbered
10.255.0.2	s2 s2.ospf-unnumbered
10.255.1.1	l1 l1.ospf-unnumbered
10.42.0.1	l1 l1.ospf-unnumbered
10.255.1.2	l2 l2.ospf-unnumbered
10.42.0.5	l2 l2.ospf-unnumbered
10.42.0.2	h1 h1.ospf-unnumbered
10.42.0.6	h2 h2.ospf-unnumbered
NSLAB_EOF
mkdir -p /etc/netns/ospf-unnumbered-h2 && { echo '# nslab lab=ospf-unnumbered: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospf-unnumbered-h2/hosts <<'NSLAB_EOF'
# the nodes of lab ospf-unnumbered (nslab)
10.255.0.1	s1 s1.ospf-unnumbered
10.255.0.2	s2 s2.ospf-unnumbered
10.255.1.1	l1 l1.ospf-unnumbered
10.42.0.1	l1 l1.ospf-unnumbered
10.255.1.2	l2 l2.ospf-unnumbered
10.42.0.5	l2 l2.ospf-unnumbered
10.42.0.2	h1 h1.ospf-unnumbered
10.42.0.6	h2 h2.ospf-unnumbered
NSLAB_EOF
mkdir -p /run/nslab/ospf-unnumbered/routing/s1
cat >/run/nslab/ospf-unnumbered/routing/s1/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname s1
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
router ospf
 ospf router-id 10.255.0.1
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/ospf-unnumbered/routing/s1/vtysh.conf
chown -R frr:frr /run/nslab/ospf-unnumbered/routing/s1
ip netns exec ospf-unnumbered-s1 unshare --uts sh -ec 'hostname s1 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/ospf-unnumbered/routing/s1
vtysh --vty_socket /run/nslab/ospf-unnumbered/routing/s1 --config_dir /run/nslab/ospf-unnumbered/routing/s1 -b
mkdir -p /run/nslab/ospf-unnumbered/routing/s2
cat >/run/nslab/ospf-unnumbered/routing/s2/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname s2
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
router ospf
 ospf router-id 10.255.0.2
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/ospf-unnumbered/routing/s2/vtysh.conf
chown -R frr:frr /run/nslab/ospf-unnumbered/routing/s2
ip netns exec ospf-unnumbered-s2 unshare --uts sh -ec 'hostname s2 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/ospf-unnumbered/routing/s2
vtysh --vty_socket /run/nslab/ospf-unnumbered/routing/s2 --config_dir /run/nslab/ospf-unnumbered/routing/s2 -b
mkdir -p /run/nslab/ospf-unnumbered/routing/l1
cat >/run/nslab/ospf-unnumbered/routing/l1/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname l1
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
 ip ospf passive
!
router ospf
 ospf router-id 10.255.1.1
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/ospf-unnumbered/routing/l1/vtysh.conf
chown -R frr:frr /run/nslab/ospf-unnumbered/routing/l1
ip netns exec ospf-unnumbered-l1 unshare --uts sh -ec 'hostname l1 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/ospf-unnumbered/routing/l1
vtysh --vty_socket /run/nslab/ospf-unnumbered/routing/l1 --config_dir /run/nslab/ospf-unnumbered/routing/l1 -b
mkdir -p /run/nslab/ospf-unnumbered/routing/l2
cat >/run/nslab/ospf-unnumbered/routing/l2/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname l2
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
 ip ospf passive
!
router ospf
 ospf router-id 10.255.1.2
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/ospf-unnumbered/routing/l2/vtysh.conf
chown -R frr:frr /run/nslab/ospf-unnumbered/routing/l2
ip netns exec ospf-unnumbered-l2 unshare --uts sh -ec 'hostname l2 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/ospf-unnumbered/routing/l2
vtysh --vty_socket /run/nslab/ospf-unnumbered/routing/l2 --config_dir /run/nslab/ospf-unnumbered/routing/l2 -b
