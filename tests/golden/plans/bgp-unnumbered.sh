#!/bin/bash
# nslab plan for lab 'bgp-unnumbered': the same lab, by hand.
set -e
ip netns add bgp-unnumbered-s1
ip netns exec bgp-unnumbered-s1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n bgp-unnumbered-s1 link set lo alias 'nslab lab=bgp-unnumbered node=s1 id=0' up
ip netns add bgp-unnumbered-s2
ip netns exec bgp-unnumbered-s2 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n bgp-unnumbered-s2 link set lo alias 'nslab lab=bgp-unnumbered node=s2 id=0' up
ip netns add bgp-unnumbered-l1
ip netns exec bgp-unnumbered-l1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n bgp-unnumbered-l1 link set lo alias 'nslab lab=bgp-unnumbered node=l1 id=0' up
ip netns add bgp-unnumbered-l2
ip netns exec bgp-unnumbered-l2 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n bgp-unnumbered-l2 link set lo alias 'nslab lab=bgp-unnumbered node=l2 id=0' up
ip netns add bgp-unnumbered-h1
ip netns exec bgp-unnumbered-h1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n bgp-unnumbered-h1 link set lo alias 'nslab lab=bgp-unnumbered node=h1 id=0' up
ip netns add bgp-unnumbered-h2
ip netns exec bgp-unnumbered-h2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n bgp-unnumbered-h2 link set lo alias 'nslab lab=bgp-unnumbered node=h2 id=0' up
ip link add eth0 netns bgp-unnumbered-l1 type veth peer name eth0 netns bgp-unnumbered-s1
ip link add eth1 netns bgp-unnumbered-l1 type veth peer name eth0 netns bgp-unnumbered-s2
ip link add eth0 netns bgp-unnumbered-l2 type veth peer name eth1 netns bgp-unnumbered-s1
ip link add eth1 netns bgp-unnumbered-l2 type veth peer name eth1 netns bgp-unnumbered-s2
ip link add eth0 netns bgp-unnumbered-h1 type veth peer name eth2 netns bgp-unnumbered-l1
ip link add eth0 netns bgp-unnumbered-h2 type veth peer name eth2 netns bgp-unnumbered-l2
ip -n bgp-unnumbered-l1 addr add 10.41.0.1/30 dev eth2
ip -n bgp-unnumbered-l2 addr add 10.41.0.5/30 dev eth2
ip -n bgp-unnumbered-h1 addr add 10.41.0.2/30 dev eth0
ip -n bgp-unnumbered-h2 addr add 10.41.0.6/30 dev eth0
ip -n bgp-unnumbered-s1 addr add 10.41.255.254/32 dev lo
ip -n bgp-unnumbered-s2 addr add 10.41.255.253/32 dev lo
ip -n bgp-unnumbered-l1 addr add 10.41.255.252/32 dev lo
ip -n bgp-unnumbered-l2 addr add 10.41.255.251/32 dev lo
ip -n bgp-unnumbered-s1 link set eth0 up
ip -n bgp-unnumbered-s1 link set eth1 up
ip -n bgp-unnumbered-s2 link set eth0 up
ip -n bgp-unnumbered-s2 link set eth1 up
ip -n bgp-unnumbered-l1 link set eth0 up
ip -n bgp-unnumbered-l1 link set eth1 up
ip -n bgp-unnumbered-l1 link set eth2 up
ip -n bgp-unnumbered-l2 link set eth0 up
ip -n bgp-unnumbered-l2 link set eth1 up
ip -n bgp-unnumbered-l2 link set eth2 up
ip -n bgp-unnumbered-h1 link set eth0 up
ip -n bgp-unnumbered-h2 link set eth0 up
ip -n bgp-unnumbered-h1 route add default via 10.41.0.1 dev eth0
ip -n bgp-unnumbered-h2 route add default via 10.41.0.5 dev eth0
mkdir -p /etc/netns/bgp-unnumbered-s1 && { echo '# nslab lab=bgp-unnumbered: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bgp-unnumbered-s1/hosts <<'NSLAB_EOF'
# the nodes of lab bgp-unnumbered (nslab)
10.41.255.254	s1 s1.bgp-unnumbered
10.41.255.253	s2 s2.bgp-unnumbered
10.41.0.1	l1 l1.bgp-unnumbered
10.41.0.5	l2 l2.bgp-unnumbered
10.41.0.2	h1 h1.bgp-unnumbered
10.41.0.6	h2 h2.bgp-unnumbered
NSLAB_EOF
mkdir -p /etc/netns/bgp-unnumbered-s2 && { echo '# nslab lab=bgp-unnumbered: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bgp-unnumbered-s2/hosts <<'NSLAB_EOF'
# the nodes of lab bgp-unnumbered (nslab)
10.41.255.254	s1 s1.bgp-unnumbered
10.41.255.253	s2 s2.bgp-unnumbered
10.41.0.1	l1 l1.bgp-unnumbered
10.41.0.5	l2 l2.bgp-unnumbered
10.41.0.2	h1 h1.bgp-unnumbered
10.41.0.6	h2 h2.bgp-unnumbered
NSLAB_EOF
mkdir -p /etc/netns/bgp-unnumbered-l1 && { echo '# nslab lab=bgp-unnumbered: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bgp-unnumbered-l1/hosts <<'NSLAB_EOF'
# the nodes of lab bgp-unnumbered (nslab)
10.41.255.254	s1 s1.bgp-unnumbered
10.41.255.253	s2 s2.bgp-unnumbered
10.41.0.1	l1 l1.bgp-unnumbered
10.41.0.5	l2 l2.bgp-unnumbered
10.41.0.2	h1 h1.bgp-unnumbered
10.41.0.6	h2 h2.bgp-unnumbered
NSLAB_EOF
mkdir -p /etc/netns/bgp-unnumbered-l2 && { echo '# nslab lab=bgp-unnumbered: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bgp-unnumbered-l2/hosts <<'NSLAB_EOF'
# the nodes of lab bgp-unnumbered (nslab)
10.41.255.254	s1 s1.bgp-unnumbered
10.41.255.253	s2 s2.bgp-unnumbered
10.41.0.1	l1 l1.bgp-unnumbered
10.41.0.5	l2 l2.bgp-unnumbered
10.41.0.2	h1 h1.bgp-unnumbered
10.41.0.6	h2 h2.bgp-unnumbered
NSLAB_EOF
mkdir -p /etc/netns/bgp-unnumbered-h1 && { echo '# nslab lab=bgp-unnumbered: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bgp-unnumbered-h1/hosts <<'NSLAB_EOF'
# the nodes of lab bgp-unnumbered (nslab)
10.41.255.254	s1 s1.bgp-unnumbered
10.41.255.253	s2 s2.bgp-unnumbered
10.41.0.1	l1 l1.bgp-unnumbered
10.41.0.5	l2 l2.bgp-unnumbered
10.41.0.2	h1 h1.bgp-unnumbered
10.41.0.6	h2 h2.bgp-unnumbered
NSLAB_EOF
mkdir -p /etc/netns/bgp-unnumbered-h2 && { echo '# nslab lab=bgp-unnumbered: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/bgp-unnumbered-h2/hosts <<'NSLAB_EOF'
# the nodes of lab bgp-unnumbered (nslab)
10.41.255.254	s1 s1.bgp-unnumbered
10.41.255.253	s2 s2.bgp-unnumbered
10.41.0.1	l1 l1.bgp-unnumbered
10.41.0.5	l2 l2.bgp-unnumbered
10.41.0.2	h1 h1.bgp-unnumbered
10.41.0.6	h2 h2.bgp-unnumbered
NSLAB_EOF
mkdir -p /run/nslab/bgp-unnumbered/routing/s1
cat >/run/nslab/bgp-unnumbered/routing/s1/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname s1
service integrated-vtysh-config
!
interface eth0
 ipv6 nd ra-interval 1
 no ipv6 nd suppress-ra
!
interface eth1
 ipv6 nd ra-interval 1
 no ipv6 nd suppress-ra
!
router bgp 65100
 bgp router-id 10.41.255.254
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp bestpath as-path multipath-relax
 timers bgp 1 3
 neighbor eth0 interface remote-as 65001
 neighbor eth0 timers connect 1
 neighbor eth0 advertisement-interval 0
 neighbor eth1 interface remote-as 65002
 neighbor eth1 timers connect 1
 neighbor eth1 advertisement-interval 0
 address-family ipv4 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
 exit-address-family
 address-family ipv6 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
  neighbor eth0 activate
  neighbor eth1 activate
 exit-address-family
!
!
NSLAB_EOF
: >/run/nslab/bgp-unnumbered/routing/s1/vtysh.conf
chown -R frr:frr /run/nslab/bgp-unnumbered/routing/s1
ip netns exec bgp-unnumbered-s1 unshare --uts sh -ec 'hostname s1 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/bgpd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bgpd.pid --log file:/var/run/frr/bgpd.log -P 0' /run/nslab/bgp-unnumbered/routing/s1
vtysh --vty_socket /run/nslab/bgp-unnumbered/routing/s1 --config_dir /run/nslab/bgp-unnumbered/routing/s1 -b
mkdir -p /run/nslab/bgp-unnumbered/routing/s2
cat >/run/nslab/bgp-unnumbered/routing/s2/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname s2
service integrated-vtysh-config
!
interface eth0
 ipv6 nd ra-interval 1
 no ipv6 nd suppress-ra
!
interface eth1
 ipv6 nd ra-interval 1
 no ipv6 nd suppress-ra
!
router bgp 65101
 bgp router-id 10.41.255.253
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp bestpath as-path multipath-relax
 timers bgp 1 3
 neighbor eth0 interface remote-as 65001
 neighbor eth0 timers connect 1
 neighbor eth0 advertisement-interval 0
 neighbor eth1 interface remote-as 65002
 neighbor eth1 timers connect 1
 neighbor eth1 advertisement-interval 0
 address-family ipv4 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
 exit-address-family
 address-family ipv6 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
  neighbor eth0 activate
  neighbor eth1 activate
 exit-address-family
!
!
NSLAB_EOF
: >/run/nslab/bgp-unnumbered/routing/s2/vtysh.conf
chown -R frr:frr /run/nslab/bgp-unnumbered/routing/s2
ip netns exec bgp-unnumbered-s2 unshare --uts sh -ec 'hostname s2 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/bgpd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bgpd.pid --log file:/var/run/frr/bgpd.log -P 0' /run/nslab/bgp-unnumbered/routing/s2
vtysh --vty_socket /run/nslab/bgp-unnumbered/routing/s2 --config_dir /run/nslab/bgp-unnumbered/routing/s2 -b
mkdir -p /run/nslab/bgp-unnumbered/routing/l1
cat >/run/nslab/bgp-unnumbered/routing/l1/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname l1
service integrated-vtysh-config
!
interface eth0
 ipv6 nd ra-interval 1
 no ipv6 nd suppress-ra
!
interface eth1
 ipv6 nd ra-interval 1
 no ipv6 nd suppress-ra
!
router bgp 65001
 bgp router-id 10.41.255.252
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp bestpath as-path multipath-relax
 timers bgp 1 3
 neighbor eth0 interface remote-as 65100
 neighbor eth0 timers connect 1
 neighbor eth0 advertisement-interval 0
 neighbor eth1 interface remote-as 65101
 neighbor eth1 timers connect 1
 neighbor eth1 advertisement-interval 0
 address-family ipv4 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
 exit-address-family
 address-family ipv6 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
  neighbor eth0 activate
  neighbor eth1 activate
 exit-address-family
!
!
NSLAB_EOF
: >/run/nslab/bgp-unnumbered/routing/l1/vtysh.conf
chown -R frr:frr /run/nslab/bgp-unnumbered/routing/l1
ip netns exec bgp-unnumbered-l1 unshare --uts sh -ec 'hostname l1 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/bgpd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bgpd.pid --log file:/var/run/frr/bgpd.log -P 0' /run/nslab/bgp-unnumbered/routing/l1
vtysh --vty_socket /run/nslab/bgp-unnumbered/routing/l1 --config_dir /run/nslab/bgp-unnumbered/routing/l1 -b
mkdir -p /run/nslab/bgp-unnumbered/routing/l2
cat >/run/nslab/bgp-unnumbered/routing/l2/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname l2
service integrated-vtysh-config
!
interface eth0
 ipv6 nd ra-interval 1
 no ipv6 nd suppress-ra
!
interface eth1
 ipv6 nd ra-interval 1
 no ipv6 nd suppress-ra
!
router bgp 65002
 bgp router-id 10.41.255.251
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp bestpath as-path multipath-relax
 timers bgp 1 3
 neighbor eth0 interface remote-as 65100
 neighbor eth0 timers connect 1
 neighbor eth0 advertisement-interval 0
 neighbor eth1 interface remote-as 65101
 neighbor eth1 timers connect 1
 neighbor eth1 advertisement-interval 0
 address-family ipv4 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
 exit-address-family
 address-family ipv6 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
  neighbor eth0 activate
  neighbor eth1 activate
 exit-address-family
!
!
NSLAB_EOF
: >/run/nslab/bgp-unnumbered/routing/l2/vtysh.conf
chown -R frr:frr /run/nslab/bgp-unnumbered/routing/l2
ip netns exec bgp-unnumbered-l2 unshare --uts sh -ec 'hostname l2 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/bgpd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bgpd.pid --log file:/var/run/frr/bgpd.log -P 0' /run/nslab/bgp-unnumbered/routing/l2
vtysh --vty_socket /run/nslab/bgp-unnumbered/routing/l2 --config_dir /run/nslab/bgp-unnumbered/routing/l2 -b
