#!/bin/bash
# nslab plan for lab 'ospfring': the same lab, by hand.
set -e
ip netns add ospfring-r1
ip netns exec ospfring-r1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ospfring-r1 link set lo alias 'nslab lab=ospfring node=r1 id=0' up
ip netns add ospfring-r2
ip netns exec ospfring-r2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ospfring-r2 link set lo alias 'nslab lab=ospfring node=r2 id=0' up
ip netns add ospfring-r3
ip netns exec ospfring-r3 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ospfring-r3 link set lo alias 'nslab lab=ospfring node=r3 id=0' up
ip netns add ospfring-r4
ip netns exec ospfring-r4 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ospfring-r4 link set lo alias 'nslab lab=ospfring node=r4 id=0' up
ip netns add ospfring-r5
ip netns exec ospfring-r5 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ospfring-r5 link set lo alias 'nslab lab=ospfring node=r5 id=0' up
ip netns add ospfring-r6
ip netns exec ospfring-r6 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ospfring-r6 link set lo alias 'nslab lab=ospfring node=r6 id=0' up
ip netns add ospfring-h1
ip netns exec ospfring-h1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ospfring-h1 link set lo alias 'nslab lab=ospfring node=h1 id=0' up
ip netns add ospfring-h3
ip netns exec ospfring-h3 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ospfring-h3 link set lo alias 'nslab lab=ospfring node=h3 id=0' up
ip netns add ospfring-h4
ip netns exec ospfring-h4 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ospfring-h4 link set lo alias 'nslab lab=ospfring node=h4 id=0' up
ip link add eth0 netns ospfring-r1 type veth peer name eth0 netns ospfring-r2
ip link add eth1 netns ospfring-r2 type veth peer name eth0 netns ospfring-r3
ip link add eth1 netns ospfring-r3 type veth peer name eth0 netns ospfring-r4
ip link add eth1 netns ospfring-r4 type veth peer name eth0 netns ospfring-r5
ip link add eth1 netns ospfring-r5 type veth peer name eth0 netns ospfring-r6
ip link add eth1 netns ospfring-r6 type veth peer name eth1 netns ospfring-r1
ip link add eth0 netns ospfring-h1 type veth peer name eth2 netns ospfring-r1
ip link add eth0 netns ospfring-h3 type veth peer name eth2 netns ospfring-r3
ip link add eth0 netns ospfring-h4 type veth peer name eth2 netns ospfring-r4
ip -n ospfring-r1 addr add 10.20.0.1/30 dev eth0
ip -n ospfring-r1 addr add 10.20.0.22/30 dev eth1
ip -n ospfring-r1 addr add 10.20.0.25/30 dev eth2
ip -n ospfring-r2 addr add 10.20.0.2/30 dev eth0
ip -n ospfring-r2 addr add 10.20.0.5/30 dev eth1
ip -n ospfring-r3 addr add 10.20.0.6/30 dev eth0
ip -n ospfring-r3 addr add 10.20.0.9/30 dev eth1
ip -n ospfring-r3 addr add 10.20.3.1/24 dev eth2
ip -n ospfring-r4 addr add 10.20.0.10/30 dev eth0
ip -n ospfring-r4 addr add 10.20.0.13/30 dev eth1
ip -n ospfring-r4 addr add 10.20.0.29/30 dev eth2
ip -n ospfring-r5 addr add 10.20.0.14/30 dev eth0
ip -n ospfring-r5 addr add 10.20.0.17/30 dev eth1
ip -n ospfring-r6 addr add 10.20.0.18/30 dev eth0
ip -n ospfring-r6 addr add 10.20.0.21/30 dev eth1
ip -n ospfring-h1 addr add 10.20.0.26/30 dev eth0
ip -n ospfring-h3 addr add 10.20.3.10/24 dev eth0
ip -n ospfring-h4 addr add 10.20.0.30/30 dev eth0
ip -n ospfring-r1 addr add 10.20.255.254/32 dev lo
ip -n ospfring-r2 addr add 10.20.255.253/32 dev lo
ip -n ospfring-r3 addr add 10.20.255.252/32 dev lo
ip -n ospfring-r4 addr add 10.20.255.251/32 dev lo
ip -n ospfring-r5 addr add 10.20.255.250/32 dev lo
ip -n ospfring-r6 addr add 10.20.255.249/32 dev lo
ip -n ospfring-r1 link set eth0 up
ip -n ospfring-r1 link set eth1 up
ip -n ospfring-r1 link set eth2 up
ip -n ospfring-r2 link set eth0 up
ip -n ospfring-r2 link set eth1 up
ip -n ospfring-r3 link set eth0 up
ip -n ospfring-r3 link set eth1 up
ip -n ospfring-r3 link set eth2 up
ip -n ospfring-r4 link set eth0 up
ip -n ospfring-r4 link set eth1 up
ip -n ospfring-r4 link set eth2 up
ip -n ospfring-r5 link set eth0 up
ip -n ospfring-r5 link set eth1 up
ip -n ospfring-r6 link set eth0 up
ip -n ospfring-r6 link set eth1 up
ip -n ospfring-h1 link set eth0 up
ip -n ospfring-h3 link set eth0 up
ip -n ospfring-h4 link set eth0 up
ip -n ospfring-h1 route add default via 10.20.0.25 dev eth0
ip -n ospfring-h3 route add default via 10.20.3.1 dev eth0
ip -n ospfring-h4 route add default via 10.20.0.29 dev eth0
mkdir -p /etc/netns/ospfring-r1 && { echo '# nslab lab=ospfring: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospfring-r1/hosts <<'NSLAB_EOF'
# the nodes of lab ospfring (nslab)
10.20.0.1	r1 r1.ospfring
10.20.0.22	r1 r1.ospfring
10.20.0.25	r1 r1.ospfring
10.20.0.2	r2 r2.ospfring
10.20.0.5	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.18	r6 r6.ospfring
10.20.0.21	r6 r6.ospfring
10.20.0.26	h1 h1.ospfring
10.20.3.10	h3 h3.ospfring
10.20.0.30	h4 h4.ospfring
NSLAB_EOF
mkdir -p /etc/netns/ospfring-r2 && { echo '# nslab lab=ospfring: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospfring-r2/hosts <<'NSLAB_EOF'
# the nodes of lab ospfring (nslab)
10.20.0.1	r1 r1.ospfring
10.20.0.22	r1 r1.ospfring
10.20.0.25	r1 r1.ospfring
10.20.0.2	r2 r2.ospfring
10.20.0.5	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.18	r6 r6.ospfring
10.20.0.21	r6 r6.ospfring
10.20.0.26	h1 h1.ospfring
10.20.3.10	h3 h3.ospfring
10.20.0.30	h4 h4.ospfring
NSLAB_EOF
mkdir -p /etc/netns/ospfring-r3 && { echo '# nslab lab=ospfring: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospfring-r3/hosts <<'NSLAB_EOF'
# the nodes of lab ospfring (nslab)
10.20.0.1	r1 r1.ospfring
10.20.0.22	r1 r1.ospfring
10.20.0.25	r1 r1.ospfring
10.20.0.2	r2 r2.ospfring
10.20.0.5	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.18	r6 r6.ospfring
10.20.0.21	r6 r6.ospfring
10.20.0.26	h1 h1.ospfring
10.20.3.10	h3 h3.ospfring
10.20.0.30	h4 h4.ospfring
NSLAB_EOF
mkdir -p /etc/netns/ospfring-r4 && { echo '# nslab lab=ospfring: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospfring-r4/hosts <<'NSLAB_EOF'
# the nodes of lab ospfring (nslab)
10.20.0.1	r1 r1.ospfring
10.20.0.22	r1 r1.ospfring
10.20.0.25	r1 r1.ospfring
10.20.0.2	r2 r2.ospfring
10.20.0.5	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.18	r6 r6.ospfring
10.20.0.21	r6 r6.ospfring
10.20.0.26	h1 h1.ospfring
10.20.3.10	h3 h3.ospfring
10.20.0.30	h4 h4.ospfring
NSLAB_EOF
mkdir -p /etc/netns/ospfring-r5 && { echo '# nslab lab=ospfring: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospfring-r5/hosts <<'NSLAB_EOF'
# the nodes of lab ospfring (nslab)
10.20.0.1	r1 r1.ospfring
10.20.0.22	r1 r1.ospfring
10.20.0.25	r1 r1.ospfring
10.20.0.2	r2 r2.ospfring
10.20.0.5	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.18	r6 r6.ospfring
10.20.0.21	r6 r6.ospfring
10.20.0.26	h1 h1.ospfring
10.20.3.10	h3 h3.ospfring
10.20.0.30	h4 h4.ospfring
NSLAB_EOF
mkdir -p /etc/netns/ospfring-r6 && { echo '# nslab lab=ospfring: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospfring-r6/hosts <<'NSLAB_EOF'
# the nodes of lab ospfring (nslab)
10.20.0.1	r1 r1.ospfring
10.20.0.22	r1 r1.ospfring
10.20.0.25	r1 r1.ospfring
10.20.0.2	r2 r2.ospfring
10.20.0.5	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.18	r6 r6.ospfring
10.20.0.21	r6 r6.ospfring
10.20.0.26	h1 h1.ospfring
10.20.3.10	h3 h3.ospfring
10.20.0.30	h4 h4.ospfring
NSLAB_EOF
mkdir -p /etc/netns/ospfring-h1 && { echo '# nslab lab=ospfring: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospfring-h1/hosts <<'NSLAB_EOF'
# the nodes of lab ospfring (nslab)
10.20.0.1	r1 r1.ospfring
10.20.0.22	r1 r1.ospfring
10.20.0.25	r1 r1.ospfring
10.20.0.2	r2 r2.ospfring
10.20.0.5	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.18	r6 r6.ospfring
10.20.0.21	r6 r6.ospfring
10.20.0.26	h1 h1.ospfring
10.20.3.10	h3 h3.ospfring
10.20.0.30	h4 h4.ospfring
NSLAB_EOF
mkdir -p /etc/netns/ospfring-h3 && { echo '# nslab lab=ospfring: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospfring-h3/hosts <<'NSLAB_EOF'
# the nodes of lab ospfring (nslab)
10.20.0.1	r1 r1.ospfring
10.20.0.22	r1 r1.ospfring
10.20.0.25	r1 r1.ospfring
10.20.0.2	r2 r2.ospfring
10.20.0.5	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.18	r6 r6.ospfring
10.20.0.21	r6 r6.ospfring
10.20.0.26	h1 h1.ospfring
10.20.3.10	h3 h3.ospfring
10.20.0.30	h4 h4.ospfring
NSLAB_EOF
mkdir -p /etc/netns/ospfring-h4 && { echo '# nslab lab=ospfring: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospfring-h4/hosts <<'NSLAB_EOF'
# the nodes of lab ospfring (nslab)
10.20.0.1	r1 r1.ospfring
10.20.0.22	r1 r1.ospfring
10.20.0.25	r1 r1.ospfring
10.20.0.2	r2 r2.ospfring
10.20.0.5	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.18	r6 r6.ospfring
10.20.0.21	r6 r6.ospfring
10.20.0.26	h1 h1.ospfring
10.20.3.10	h3 h3.ospfring
10.20.0.30	h4 h4.ospfring
NSLAB_EOF
mkdir -p /run/nslab/ospfring/routing/r1
cat >/run/nslab/ospfring/routing/r1/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname r1
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
 ospf router-id 10.20.255.254
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/ospfring/routing/r1/vtysh.conf
chown -R frr:frr /run/nslab/ospfring/routing/r1
ip netns exec ospfring-r1 unshare --uts sh -ec 'hostname r1 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/ospfring/routing/r1
vtysh --vty_socket /run/nslab/ospfring/routing/r1 --config_dir /run/nslab/ospfring/routing/r1 -b
mkdir -p /run/nslab/ospfring/routing/r2
cat >/run/nslab/ospfring/routing/r2/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname r2
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
 ospf router-id 10.20.255.253
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/ospfring/routing/r2/vtysh.conf
chown -R frr:frr /run/nslab/ospfring/routing/r2
ip netns exec ospfring-r2 unshare --uts sh -ec 'hostname r2 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/ospfring/routing/r2
vtysh --vty_socket /run/nslab/ospfring/routing/r2 --config_dir /run/nslab/ospfring/routing/r2 -b
mkdir -p /run/nslab/ospfring/routing/r3
cat >/run/nslab/ospfring/routing/r3/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname r3
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
 ospf router-id 10.20.255.252
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/ospfring/routing/r3/vtysh.conf
chown -R frr:frr /run/nslab/ospfring/routing/r3
ip netns exec ospfring-r3 unshare --uts sh -ec 'hostname r3 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/ospfring/routing/r3
vtysh --vty_socket /run/nslab/ospfring/routing/r3 --config_dir /run/nslab/ospfring/routing/r3 -b
mkdir -p /run/nslab/ospfring/routing/r4
cat >/run/nslab/ospfring/routing/r4/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname r4
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
 ospf router-id 10.20.255.251
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/ospfring/routing/r4/vtysh.conf
chown -R frr:frr /run/nslab/ospfring/routing/r4
ip netns exec ospfring-r4 unshare --uts sh -ec 'hostname r4 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/ospfring/routing/r4
vtysh --vty_socket /run/nslab/ospfring/routing/r4 --config_dir /run/nslab/ospfring/routing/r4 -b
mkdir -p /run/nslab/ospfring/routing/r5
cat >/run/nslab/ospfring/routing/r5/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname r5
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
 ospf router-id 10.20.255.250
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/ospfring/routing/r5/vtysh.conf
chown -R frr:frr /run/nslab/ospfring/routing/r5
ip netns exec ospfring-r5 unshare --uts sh -ec 'hostname r5 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/ospfring/routing/r5
vtysh --vty_socket /run/nslab/ospfring/routing/r5 --config_dir /run/nslab/ospfring/routing/r5 -b
mkdir -p /run/nslab/ospfring/routing/r6
cat >/run/nslab/ospfring/routing/r6/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname r6
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
 ospf router-id 10.20.255.249
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/ospfring/routing/r6/vtysh.conf
chown -R frr:frr /run/nslab/ospfring/routing/r6
ip netns exec ospfring-r6 unshare --uts sh -ec 'hostname r6 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/ospfring/routing/r6
vtysh --vty_socket /run/nslab/ospfring/routing/r6 --config_dir /run/nslab/ospfring/routing/r6 -b
