#!/bin/bash
# nslab plan for lab 'ipv6-core': the same lab, by hand.
set -e
ip netns add ipv6-core-ce1
ip netns exec ipv6-core-ce1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ipv6-core-ce1 link set lo alias 'nslab lab=ipv6-core node=ce1 id=0' up
ip netns add ipv6-core-p1
ip netns exec ipv6-core-p1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ipv6-core-p1 link set lo alias 'nslab lab=ipv6-core node=p1 id=0' up
ip netns add ipv6-core-p2
ip netns exec ipv6-core-p2 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ipv6-core-p2 link set lo alias 'nslab lab=ipv6-core node=p2 id=0' up
ip netns add ipv6-core-ce2
ip netns exec ipv6-core-ce2 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n ipv6-core-ce2 link set lo alias 'nslab lab=ipv6-core node=ce2 id=0' up
ip netns add ipv6-core-h1
ip netns exec ipv6-core-h1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ipv6-core-h1 link set lo alias 'nslab lab=ipv6-core node=h1 id=0' up
ip netns add ipv6-core-h2
ip netns exec ipv6-core-h2 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ipv6-core-h2 link set lo alias 'nslab lab=ipv6-core node=h2 id=0' up
ip link add eth0 netns ipv6-core-h1 type veth peer name eth0 netns ipv6-core-ce1
ip link add eth1 netns ipv6-core-ce1 type veth peer name eth0 netns ipv6-core-p1
ip link add eth1 netns ipv6-core-p1 type veth peer name eth0 netns ipv6-core-p2
ip link add eth1 netns ipv6-core-p2 type veth peer name eth0 netns ipv6-core-ce2
ip link add eth1 netns ipv6-core-ce2 type veth peer name eth0 netns ipv6-core-h2
ip -n ipv6-core-ce1 addr add 10.42.0.1/30 dev eth0
ip -n ipv6-core-ce1 addr add fd00:42::1/64 dev eth0 nodad
ip -n ipv6-core-ce1 addr add fd00:42:0:1::1/64 dev eth1 nodad
ip -n ipv6-core-p1 addr add fd00:42:0:1::2/64 dev eth0 nodad
ip -n ipv6-core-p1 addr add fd00:42:0:2::1/64 dev eth1 nodad
ip -n ipv6-core-p2 addr add fd00:42:0:2::2/64 dev eth0 nodad
ip -n ipv6-core-p2 addr add fd00:42:0:3::1/64 dev eth1 nodad
ip -n ipv6-core-ce2 addr add fd00:42:0:3::2/64 dev eth0 nodad
ip -n ipv6-core-ce2 addr add 10.42.0.5/30 dev eth1
ip -n ipv6-core-ce2 addr add fd00:42:0:4::1/64 dev eth1 nodad
ip -n ipv6-core-h1 addr add 10.42.0.2/30 dev eth0
ip -n ipv6-core-h1 addr add fd00:42::2/64 dev eth0 nodad
ip -n ipv6-core-h2 addr add 10.42.0.6/30 dev eth0
ip -n ipv6-core-h2 addr add fd00:42:0:4::2/64 dev eth0 nodad
ip -n ipv6-core-ce1 addr add 10.42.255.254/32 dev lo
ip -n ipv6-core-ce1 addr add fd00:42:0:ffff::1/128 dev lo nodad
ip -n ipv6-core-p1 addr add 10.42.255.253/32 dev lo
ip -n ipv6-core-p1 addr add fd00:42:0:ffff::2/128 dev lo nodad
ip -n ipv6-core-p2 addr add 10.42.255.252/32 dev lo
ip -n ipv6-core-p2 addr add fd00:42:0:ffff::3/128 dev lo nodad
ip -n ipv6-core-ce2 addr add 10.42.255.251/32 dev lo
ip -n ipv6-core-ce2 addr add fd00:42:0:ffff::4/128 dev lo nodad
ip -n ipv6-core-ce1 link set eth0 up
ip -n ipv6-core-ce1 link set eth1 up
ip -n ipv6-core-p1 link set eth0 up
ip -n ipv6-core-p1 link set eth1 up
ip -n ipv6-core-p2 link set eth0 up
ip -n ipv6-core-p2 link set eth1 up
ip -n ipv6-core-ce2 link set eth0 up
ip -n ipv6-core-ce2 link set eth1 up
ip -n ipv6-core-h1 link set eth0 up
ip -n ipv6-core-h2 link set eth0 up
ip -n ipv6-core-h1 route add default via 10.42.0.1 dev eth0
ip -n ipv6-core-h1 -6 route add default via fd00:42::1 dev eth0
ip -n ipv6-core-h2 route add default via 10.42.0.5 dev eth0
ip -n ipv6-core-h2 -6 route add default via fd00:42:0:4::1 dev eth0
mkdir -p /etc/netns/ipv6-core-ce1 && { echo '# nslab lab=ipv6-core: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ipv6-core-ce1/hosts <<'NSLAB_EOF'
# the nodes of lab ipv6-core (nslab)
10.42.0.1	ce1 ce1.ipv6-core
fd00:42::1	ce1 ce1.ipv6-core
fd00:42:0:1::1	ce1 ce1.ipv6-core
fd00:42:0:1::2	p1 p1.ipv6-core
fd00:42:0:2::1	p1 p1.ipv6-core
10.42.255.253	p1 p1.ipv6-core
fd00:42:0:2::2	p2 p2.ipv6-core
fd00:42:0:3::1	p2 p2.ipv6-core
10.42.255.252	p2 p2.ipv6-core
fd00:42:0:3::2	ce2 ce2.ipv6-core
10.42.0.5	ce2 ce2.ipv6-core
fd00:42:0:4::1	ce2 ce2.ipv6-core
10.42.0.2	h1 h1.ipv6-core
fd00:42::2	h1 h1.ipv6-core
10.42.0.6	h2 h2.ipv6-core
fd00:42:0:4::2	h2 h2.ipv6-core
NSLAB_EOF
mkdir -p /etc/netns/ipv6-core-p1 && { echo '# nslab lab=ipv6-core: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ipv6-core-p1/hosts <<'NSLAB_EOF'
# the nodes of lab ipv6-core (nslab)
10.42.0.1	ce1 ce1.ipv6-core
fd00:42::1	ce1 ce1.ipv6-core
fd00:42:0:1::1	ce1 ce1.ipv6-core
fd00:42:0:1::2	p1 p1.ipv6-core
fd00:42:0:2::1	p1 p1.ipv6-core
10.42.255.253	p1 p1.ipv6-core
fd00:42:0:2::2	p2 p2.ipv6-core
fd00:42:0:3::1	p2 p2.ipv6-core
10.42.255.252	p2 p2.ipv6-core
fd00:42:0:3::2	ce2 ce2.ipv6-core
10.42.0.5	ce2 ce2.ipv6-core
fd00:42:0:4::1	ce2 ce2.ipv6-core
10.42.0.2	h1 h1.ipv6-core
fd00:42::2	h1 h1.ipv6-core
10.42.0.6	h2 h2.ipv6-core
fd00:42:0:4::2	h2 h2.ipv6-core
NSLAB_EOF
mkdir -p /etc/netns/ipv6-core-p2 && { echo '# nslab lab=ipv6-core: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ipv6-core-p2/hosts <<'NSLAB_EOF'
# the nodes of lab ipv6-core (nslab)
10.42.0.1	ce1 ce1.ipv6-core
fd00:42::1	ce1 ce1.ipv6-core
fd00:42:0:1::1	ce1 ce1.ipv6-core
fd00:42:0:1::2	p1 p1.ipv6-core
fd00:42:0:2::1	p1 p1.ipv6-core
10.42.255.253	p1 p1.ipv6-core
fd00:42:0:2::2	p2 p2.ipv6-core
fd00:42:0:3::1	p2 p2.ipv6-core
10.42.255.252	p2 p2.ipv6-core
fd00:42:0:3::2	ce2 ce2.ipv6-core
10.42.0.5	ce2 ce2.ipv6-core
fd00:42:0:4::1	ce2 ce2.ipv6-core
10.42.0.2	h1 h1.ipv6-core
fd00:42::2	h1 h1.ipv6-core
10.42.0.6	h2 h2.ipv6-core
fd00:42:0:4::2	h2 h2.ipv6-core
NSLAB_EOF
mkdir -p /etc/netns/ipv6-core-ce2 && { echo '# nslab lab=ipv6-core: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ipv6-core-ce2/hosts <<'NSLAB_EOF'
# the nodes of lab ipv6-core (nslab)
10.42.0.1	ce1 ce1.ipv6-core
fd00:42::1	ce1 ce1.ipv6-core
fd00:42:0:1::1	ce1 ce1.ipv6-core
fd00:42:0:1::2	p1 p1.ipv6-core
fd00:42:0:2::1	p1 p1.ipv6-core
10.42.255.253	p1 p1.ipv6-core
fd00:42:0:2::2	p2 p2.ipv6-core
fd00:42:0:3::1	p2 p2.ipv6-core
10.42.255.252	p2 p2.ipv6-core
fd00:42:0:3::2	ce2 ce2.ipv6-core
10.42.0.5	ce2 ce2.ipv6-core
fd00:42:0:4::1	ce2 ce2.ipv6-core
10.42.0.2	h1 h1.ipv6-core
fd00:42::2	h1 h1.ipv6-core
10.42.0.6	h2 h2.ipv6-core
fd00:42:0:4::2	h2 h2.ipv6-core
NSLAB_EOF
mkdir -p /etc/netns/ipv6-core-h1 && { echo '# nslab lab=ipv6-core: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ipv6-core-h1/hosts <<'NSLAB_EOF'
# the nodes of lab ipv6-core (nslab)
10.42.0.1	ce1 ce1.ipv6-core
fd00:42::1	ce1 ce1.ipv6-core
fd00:42:0:1::1	ce1 ce1.ipv6-core
fd00:42:0:1::2	p1 p1.ipv6-core
fd00:42:0:2::1	p1 p1.ipv6-core
10.42.255.253	p1 p1.ipv6-core
fd00:42:0:2::2	p2 p2.ipv6-core
fd00:42:0:3::1	p2 p2.ipv6-core
10.42.255.252	p2 p2.ipv6-core
fd00:42:0:3::2	ce2 ce2.ipv6-core
10.42.0.5	ce2 ce2.ipv6-core
fd00:42:0:4::1	ce2 ce2.ipv6-core
10.42.0.2	h1 h1.ipv6-core
fd00:42::2	h1 h1.ipv6-core
10.42.0.6	h2 h2.ipv6-core
fd00:42:0:4::2	h2 h2.ipv6-core
NSLAB_EOF
mkdir -p /etc/netns/ipv6-core-h2 && { echo '# nslab lab=ipv6-core: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ipv6-core-h2/hosts <<'NSLAB_EOF'
# the nodes of lab ipv6-core (nslab)
10.42.0.1	ce1 ce1.ipv6-core
fd00:42::1	ce1 ce1.ipv6-core
fd00:42:0:1::1	ce1 ce1.ipv6-core
fd00:42:0:1::2	p1 p1.ipv6-core
fd00:42:0:2::1	p1 p1.ipv6-core
10.42.255.253	p1 p1.ipv6-core
fd00:42:0:2::2	p2 p2.ipv6-core
fd00:42:0:3::1	p2 p2.ipv6-core
10.42.255.252	p2 p2.ipv6-core
fd00:42:0:3::2	ce2 ce2.ipv6-core
10.42.0.5	ce2 ce2.ipv6-core
fd00:42:0:4::1	ce2 ce2.ipv6-core
10.42.0.2	h1 h1.ipv6-core
fd00:42::2	h1 h1.ipv6-core
10.42.0.6	h2 h2.ipv6-core
fd00:42:0:4::2	h2 h2.ipv6-core
NSLAB_EOF
mkdir -p /run/nslab/ipv6-core/routing/ce1
cat >/run/nslab/ipv6-core/routing/ce1/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname ce1
service integrated-vtysh-config
!
router bgp 65001
 bgp router-id 10.42.255.254
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp bestpath as-path multipath-relax
 timers bgp 1 3
 neighbor fd00:42:0:1::2 remote-as 65100
 neighbor fd00:42:0:1::2 timers connect 1
 neighbor fd00:42:0:1::2 advertisement-interval 0
 neighbor fd00:42:0:1::2 capability extended-nexthop
 address-family ipv4 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
 exit-address-family
 address-family ipv6 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
  neighbor fd00:42:0:1::2 activate
 exit-address-family
!
!
NSLAB_EOF
: >/run/nslab/ipv6-core/routing/ce1/vtysh.conf
chown -R frr:frr /run/nslab/ipv6-core/routing/ce1
ip netns exec ipv6-core-ce1 unshare --uts sh -ec 'hostname ce1 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/bgpd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bgpd.pid --log file:/var/run/frr/bgpd.log -P 0' /run/nslab/ipv6-core/routing/ce1
vtysh --vty_socket /run/nslab/ipv6-core/routing/ce1 --config_dir /run/nslab/ipv6-core/routing/ce1 -b
mkdir -p /run/nslab/ipv6-core/routing/p1
cat >/run/nslab/ipv6-core/routing/p1/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname p1
service integrated-vtysh-config
!
router bgp 65100
 bgp router-id 10.42.255.253
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp bestpath as-path multipath-relax
 timers bgp 1 3
 neighbor fd00:42:0:1::1 remote-as 65001
 neighbor fd00:42:0:1::1 timers connect 1
 neighbor fd00:42:0:1::1 advertisement-interval 0
 neighbor fd00:42:0:1::1 capability extended-nexthop
 neighbor fd00:42:0:2::2 remote-as 65200
 neighbor fd00:42:0:2::2 timers connect 1
 neighbor fd00:42:0:2::2 advertisement-interval 0
 neighbor fd00:42:0:2::2 capability extended-nexthop
 address-family ipv4 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
 exit-address-family
 address-family ipv6 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
  neighbor fd00:42:0:1::1 activate
  neighbor fd00:42:0:2::2 activate
 exit-address-family
!
!
NSLAB_EOF
: >/run/nslab/ipv6-core/routing/p1/vtysh.conf
chown -R frr:frr /run/nslab/ipv6-core/routing/p1
ip netns exec ipv6-core-p1 unshare --uts sh -ec 'hostname p1 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/bgpd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bgpd.pid --log file:/var/run/frr/bgpd.log -P 0' /run/nslab/ipv6-core/routing/p1
vtysh --vty_socket /run/nslab/ipv6-core/routing/p1 --config_dir /run/nslab/ipv6-core/routing/p1 -b
mkdir -p /run/nslab/ipv6-core/routing/p2
cat >/run/nslab/ipv6-core/routing/p2/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname p2
service integrated-vtysh-config
!
router bgp 65200
 bgp router-id 10.42.255.252
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp bestpath as-path multipath-relax
 timers bgp 1 3
 neighbor fd00:42:0:2::1 remote-as 65100
 neighbor fd00:42:0:2::1 timers connect 1
 neighbor fd00:42:0:2::1 advertisement-interval 0
 neighbor fd00:42:0:2::1 capability extended-nexthop
 neighbor fd00:42:0:3::2 remote-as 65002
 neighbor fd00:42:0:3::2 timers connect 1
 neighbor fd00:42:0:3::2 advertisement-interval 0
 neighbor fd00:42:0:3::2 capability extended-nexthop
 address-family ipv4 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
 exit-address-family
 address-family ipv6 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
  neighbor fd00:42:0:2::1 activate
  neighbor fd00:42:0:3::2 activate
 exit-address-family
!
!
NSLAB_EOF
: >/run/nslab/ipv6-core/routing/p2/vtysh.conf
chown -R frr:frr /run/nslab/ipv6-core/routing/p2
ip netns exec ipv6-core-p2 unshare --uts sh -ec 'hostname p2 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/bgpd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bgpd.pid --log file:/var/run/frr/bgpd.log -P 0' /run/nslab/ipv6-core/routing/p2
vtysh --vty_socket /run/nslab/ipv6-core/routing/p2 --config_dir /run/nslab/ipv6-core/routing/p2 -b
mkdir -p /run/nslab/ipv6-core/routing/ce2
cat >/run/nslab/ipv6-core/routing/ce2/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname ce2
service integrated-vtysh-config
!
router bgp 65002
 bgp router-id 10.42.255.251
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp bestpath as-path multipath-relax
 timers bgp 1 3
 neighbor fd00:42:0:3::1 remote-as 65200
 neighbor fd00:42:0:3::1 timers connect 1
 neighbor fd00:42:0:3::1 advertisement-interval 0
 neighbor fd00:42:0:3::1 capability extended-nexthop
 address-family ipv4 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
 exit-address-family
 address-family ipv6 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
  neighbor fd00:42:0:3::1 activate
 exit-address-family
!
!
NSLAB_EOF
: >/run/nslab/ipv6-core/routing/ce2/vtysh.conf
chown -R frr:frr /run/nslab/ipv6-core/routing/ce2
ip netns exec ipv6-core-ce2 unshare --uts sh -ec 'hostname ce2 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/bgpd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bgpd.pid --log file:/var/run/frr/bgpd.log -P 0' /run/nslab/ipv6-core/routing/ce2
vtysh --vty_socket /run/nslab/ipv6-core/routing/ce2 --config_dir /run/nslab/ipv6-core/routing/ce2 -b
