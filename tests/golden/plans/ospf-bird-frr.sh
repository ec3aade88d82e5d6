#!/bin/bash
# nslab plan for lab 'mixed': the same lab, by hand.
set -e
ip netns add mixed-r1
ip netns exec mixed-r1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n mixed-r1 link set lo alias 'nslab lab=mixed node=r1 id=0' up
ip netns add mixed-r2
ip netns exec mixed-r2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n mixed-r2 link set lo alias 'nslab lab=mixed node=r2 id=0' up
ip netns add mixed-r3
ip netns exec mixed-r3 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n mixed-r3 link set lo alias 'nslab lab=mixed node=r3 id=0' up
ip netns add mixed-h1
ip netns exec mixed-h1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n mixed-h1 link set lo alias 'nslab lab=mixed node=h1 id=0' up
ip netns add mixed-h3
ip netns exec mixed-h3 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n mixed-h3 link set lo alias 'nslab lab=mixed node=h3 id=0' up
ip link add eth0 netns mixed-r1 type veth peer name eth0 netns mixed-r2
ip link add eth1 netns mixed-r2 type veth peer name eth0 netns mixed-r3
ip link add eth0 netns mixed-h1 type veth peer name eth1 netns mixed-r1
ip link add eth0 netns mixed-h3 type veth peer name eth1 netns mixed-r3
ip -n mixed-r1 addr add 10.30.0.1/30 dev eth0
ip -n mixed-r1 addr add 10.30.0.9/30 dev eth1
ip -n mixed-r2 addr add 10.30.0.2/30 dev eth0
ip -n mixed-r2 addr add 10.30.0.5/30 dev eth1
ip -n mixed-r3 addr add 10.30.0.6/30 dev eth0
ip -n mixed-r3 addr add 10.30.0.13/30 dev eth1
ip -n mixed-h1 addr add 10.30.0.10/30 dev eth0
ip -n mixed-h3 addr add 10.30.0.14/30 dev eth0
ip -n mixed-r1 addr add 10.30.255.254/32 dev lo
ip -n mixed-r2 addr add 10.30.255.253/32 dev lo
ip -n mixed-r3 addr add 10.30.255.252/32 dev lo
ip -n mixed-r1 link set eth0 up
ip -n mixed-r1 link set eth1 up
ip -n mixed-r2 link set eth0 up
ip -n mixed-r2 link set eth1 up
ip -n mixed-r3 link set eth0 up
ip -n mixed-r3 link set eth1 up
ip -n mixed-h1 link set eth0 up
ip -n mixed-h3 link set eth0 up
ip -n mixed-h1 route add default via 10.30.0.9 dev eth0
ip -n mixed-h3 route add default via 10.30.0.13 dev eth0
mkdir -p /etc/netns/mixed-r1 && { echo '# nslab lab=mixed: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/mixed-r1/hosts <<'NSLAB_EOF'
# the nodes of lab mixed (nslab)
10.30.0.1	r1 r1.mixed
10.30.0.9	r1 r1.mixed
10.30.0.2	r2 r2.mixed
10.30.0.5	r2 r2.mixed
10.30.0.6	r3 r3.mixed
10.30.0.13	r3 r3.mixed
10.30.0.10	h1 h1.mixed
10.30.0.14	h3 h3.mixed
NSLAB_EOF
mkdir -p /etc/netns/mixed-r2 && { echo '# nslab lab=mixed: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/mixed-r2/hosts <<'NSLAB_EOF'
# the nodes of lab mixed (nslab)
10.30.0.1	r1 r1.mixed
10.30.0.9	r1 r1.mixed
10.30.0.2	r2 r2.mixed
10.30.0.5	r2 r2.mixed
10.30.0.6	r3 r3.mixed
10.30.0.13	r3 r3.mixed
10.30.0.10	h1 h1.mixed
10.30.0.14	h3 h3.mixed
NSLAB_EOF
mkdir -p /etc/netns/mixed-r3 && { echo '# nslab lab=mixed: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/mixed-r3/hosts <<'NSLAB_EOF'
# the nodes of lab mixed (nslab)
10.30.0.1	r1 r1.mixed
10.30.0.9	r1 r1.mixed
10.30.0.2	r2 r2.mixed
10.30.0.5	r2 r2.mixed
10.30.0.6	r3 r3.mixed
10.30.0.13	r3 r3.mixed
10.30.0.10	h1 h1.mixed
10.30.0.14	h3 h3.mixed
NSLAB_EOF
mkdir -p /etc/netns/mixed-h1 && { echo '# nslab lab=mixed: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/mixed-h1/hosts <<'NSLAB_EOF'
# the nodes of lab mixed (nslab)
10.30.0.1	r1 r1.mixed
10.30.0.9	r1 r1.mixed
10.30.0.2	r2 r2.mixed
10.30.0.5	r2 r2.mixed
10.30.0.6	r3 r3.mixed
10.30.0.13	r3 r3.mixed
10.30.0.10	h1 h1.mixed
10.30.0.14	h3 h3.mixed
NSLAB_EOF
mkdir -p /etc/netns/mixed-h3 && { echo '# nslab lab=mixed: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/mixed-h3/hosts <<'NSLAB_EOF'
# the nodes of lab mixed (nslab)
10.30.0.1	r1 r1.mixed
10.30.0.9	r1 r1.mixed
10.30.0.2	r2 r2.mixed
10.30.0.5	r2 r2.mixed
10.30.0.6	r3 r3.mixed
10.30.0.13	r3 r3.mixed
10.30.0.10	h1 h1.mixed
10.30.0.14	h3 h3.mixed
NSLAB_EOF
mkdir -p /run/nslab/mixed/routing/r1
cat >/run/nslab/mixed/routing/r1/frr.conf <<'NSLAB_EOF'
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
 ip ospf passive
!
router ospf
 ospf router-id 10.30.255.254
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/mixed/routing/r1/vtysh.conf
chown -R frr:frr /run/nslab/mixed/routing/r1
ip netns exec mixed-r1 unshare --uts sh -ec 'hostname r1 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/mixed/routing/r1
vtysh --vty_socket /run/nslab/mixed/routing/r1 --config_dir /run/nslab/mixed/routing/r1 -b
mkdir -p /run/nslab/mixed/routing/r2
cat >/run/nslab/mixed/routing/r2/bird.conf <<'NSLAB_EOF'
router id 10.30.255.253;
protocol device { scan time 2; }
protocol kernel { ipv4 { import none; export all; }; merge paths on; }
protocol ospf v2 {
  ecmp yes;
  ipv4 { import all; export none; };
  area 0 {
    interface "lo" { stub yes; };
    interface "eth0" { type ptp; hello 1; dead 4; retransmit 2; };
    interface "eth1" { type ptp; hello 1; dead 4; retransmit 2; };
  };
}
NSLAB_EOF
ip netns exec mixed-r2 unshare --uts sh -c 'hostname "$0" && exec "$@"' r2 bird -c /run/nslab/mixed/routing/r2/bird.conf -s /run/nslab/mixed/routing/r2/bird.ctl -P /run/nslab/mixed/routing/r2/bird.pid
mkdir -p /run/nslab/mixed/routing/r3
cat >/run/nslab/mixed/routing/r3/frr.conf <<'NSLAB_EOF'
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
 ip ospf passive
!
router ospf
 ospf router-id 10.30.255.252
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
 maximum-paths 64
!
NSLAB_EOF
: >/run/nslab/mixed/routing/r3/vtysh.conf
chown -R frr:frr /run/nslab/mixed/routing/r3
ip netns exec mixed-r3 unshare --uts sh -ec 'hostname r3 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/ospfd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/ospfd.pid --log file:/var/run/frr/ospfd.log -P 0' /run/nslab/mixed/routing/r3
vtysh --vty_socket /run/nslab/mixed/routing/r3 --config_dir /run/nslab/mixed/routing/r3 -b
