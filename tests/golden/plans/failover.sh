#!/bin/bash
# nslab plan for lab 'failover': the same lab, by hand.
set -e
ip netns add failover-a
ip netns exec failover-a sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n failover-a link set lo alias 'nslab lab=failover node=a id=0' up
ip netns add failover-b
ip netns exec failover-b sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n failover-b link set lo alias 'nslab lab=failover node=b id=0' up
ip netns add failover-backup
ip netns exec failover-backup sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n failover-backup link set lo alias 'nslab lab=failover node=backup id=0' up
ip netns add failover-h1
ip netns exec failover-h1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n failover-h1 link set lo alias 'nslab lab=failover node=h1 id=0' up
ip netns add failover-h2
ip netns exec failover-h2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n failover-h2 link set lo alias 'nslab lab=failover node=h2 id=0' up
ip link add eth0 netns failover-h1 type veth peer name eth0 netns failover-a
ip link add eth0 netns failover-h2 type veth peer name eth0 netns failover-b
ip link add eth1 netns failover-a type veth peer name eth1 netns failover-b
ip link add eth2 netns failover-a type veth peer name eth0 netns failover-backup
ip link add eth1 netns failover-backup type veth peer name eth2 netns failover-b
ip -n failover-a addr add 10.30.0.1/30 dev eth0
ip -n failover-a addr add 10.30.0.9/30 dev eth1
ip -n failover-a addr add 10.30.0.13/30 dev eth2
ip -n failover-b addr add 10.30.0.5/30 dev eth0
ip -n failover-b addr add 10.30.0.10/30 dev eth1
ip -n failover-b addr add 10.30.0.18/30 dev eth2
ip -n failover-backup addr add 10.30.0.14/30 dev eth0
ip -n failover-backup addr add 10.30.0.17/30 dev eth1
ip -n failover-h1 addr add 10.30.0.2/30 dev eth0
ip -n failover-h2 addr add 10.30.0.6/30 dev eth0
ip -n failover-a addr add 10.30.255.254/32 dev lo
ip -n failover-b addr add 10.30.255.253/32 dev lo
ip -n failover-backup addr add 10.30.255.252/32 dev lo
ip -n failover-a link set eth0 up
ip -n failover-a link set eth1 up
ip -n failover-a link set eth2 up
ip -n failover-b link set eth0 up
ip -n failover-b link set eth1 up
ip -n failover-b link set eth2 up
ip -n failover-backup link set eth0 up
ip -n failover-backup link set eth1 up
ip -n failover-h1 link set eth0 up
ip -n failover-h2 link set eth0 up
ip -n failover-h1 route add default via 10.30.0.1 dev eth0
ip -n failover-h2 route add default via 10.30.0.5 dev eth0
mkdir -p /etc/netns/failover-a && { echo '# nslab lab=failover: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/failover-a/hosts <<'NSLAB_EOF'
# the nodes of lab failover (nslab)
10.30.0.1	a a.failover
10.30.0.9	a a.failover
10.30.0.13	a a.failover
10.30.0.5	b b.failover
10.30.0.10	b b.failover
10.30.0.18	b b.failover
10.30.0.14	backup backup.failover
10.30.0.17	backup backup.failover
10.30.0.2	h1 h1.failover
10.30.0.6	h2 h2.failover
NSLAB_EOF
mkdir -p /etc/netns/failover-b && { echo '# nslab lab=failover: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/failover-b/hosts <<'NSLAB_EOF'
# the nodes of lab failover (nslab)
10.30.0.1	a a.failover
10.30.0.9	a a.failover
10.30.0.13	a a.failover
10.30.0.5	b b.failover
10.30.0.10	b b.failover
10.30.0.18	b b.failover
10.30.0.14	backup backup.failover
10.30.0.17	backup backup.failover
10.30.0.2	h1 h1.failover
10.30.0.6	h2 h2.failover
NSLAB_EOF
mkdir -p /etc/netns/failover-backup && { echo '# nslab lab=failover: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/failover-backup/hosts <<'NSLAB_EOF'
# the nodes of lab failover (nslab)
10.30.0.1	a a.failover
10.30.0.9	a a.failover
10.30.0.13	a a.failover
10.30.0.5	b b.failover
10.30.0.10	b b.failover
10.30.0.18	b b.failover
10.30.0.14	backup backup.failover
10.30.0.17	backup backup.failover
10.30.0.2	h1 h1.failover
10.30.0.6	h2 h2.failover
NSLAB_EOF
mkdir -p /etc/netns/failover-h1 && { echo '# nslab lab=failover: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/failover-h1/hosts <<'NSLAB_EOF'
# the nodes of lab failover (nslab)
10.30.0.1	a a.failover
10.30.0.9	a a.failover
10.30.0.13	a a.failover
10.30.0.5	b b.failover
10.30.0.10	b b.failover
10.30.0.18	b b.failover
10.30.0.14	backup backup.failover
10.30.0.17	backup backup.failover
10.30.0.2	h1 h1.failover
10.30.0.6	h2 h2.failover
NSLAB_EOF
mkdir -p /etc/netns/failover-h2 && { echo '# nslab lab=failover: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/failover-h2/hosts <<'NSLAB_EOF'
# the nodes of lab failover (nslab)
10.30.0.1	a a.failover
10.30.0.9	a a.failover
10.30.0.13	a a.failover
10.30.0.5	b b.failover
10.30.0.10	b b.failover
10.30.0.18	b b.failover
10.30.0.14	backup backup.failover
10.30.0.17	backup backup.failover
10.30.0.2	h1 h1.failover
10.30.0.6	h2 h2.failover
NSLAB_EOF
mkdir -p /run/nslab/failover/routing/a
cat >/run/nslab/failover/routing/a/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname a
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
 ospf router-id 10.30.255.254
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/failover/routing/a/vtysh.conf
chown -R frr:frr /run/nslab/failover/routing/a
ip netns exec failover-a unshare --uts sh -ec 'hostname a && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/failover/routing/a
vtysh --vty_socket /run/nslab/failover/routing/a --config_dir /run/nslab/failover/routing/a -b
mkdir -p /run/nslab/failover/routing/b
cat >/run/nslab/failover/routing/b/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname b
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
 ospf router-id 10.30.255.253
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/failover/routing/b/vtysh.conf
chown -R frr:frr /run/nslab/failover/routing/b
ip netns exec failover-b unshare --uts sh -ec 'hostname b && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/failover/routing/b
vtysh --vty_socket /run/nslab/failover/routing/b --config_dir /run/nslab/failover/routing/b -b
mkdir -p /run/nslab/failover/routing/backup
cat >/run/nslab/failover/routing/backup/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname backup
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
 ospf router-id 10.30.255.252
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/failover/routing/backup/vtysh.conf
chown -R frr:frr /run/nslab/failover/routing/backup
ip netns exec failover-backup unshare --uts sh -ec 'hostname backup && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/failover/routing/backup
vtysh --vty_socket /run/nslab/failover/routing/backup --config_dir /run/nslab/failover/routing/backup -b
