#!/bin/bash
# nslab plan for lab 'internet': the same lab, by hand.
set -e
ip netns add internet-t1
ip netns exec internet-t1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n internet-t1 link set lo alias 'nslab lab=internet node=t1 id=0' up
ip netns add internet-t2
ip netns exec internet-t2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n internet-t2 link set lo alias 'nslab lab=internet node=t2 id=0' up
ip netns add internet-ix
ip netns exec internet-ix sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n internet-ix link set lo alias 'nslab lab=internet node=ix id=0' up
ip netns add internet-c1
ip netns exec internet-c1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n internet-c1 link set lo alias 'nslab lab=internet node=c1 id=0' up
ip netns add internet-c2
ip netns exec internet-c2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n internet-c2 link set lo alias 'nslab lab=internet node=c2 id=0' up
ip netns add internet-lan1
ip netns exec internet-lan1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n internet-lan1 link set lo alias 'nslab lab=internet node=lan1 id=0' up
ip netns add internet-alice
ip netns exec internet-alice sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n internet-alice link set lo alias 'nslab lab=internet node=alice id=0' up
ip netns add internet-ns1
ip netns exec internet-ns1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n internet-ns1 link set lo alias 'nslab lab=internet node=ns1 id=0' up
ip netns add internet-www
ip netns exec internet-www sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n internet-www link set lo alias 'nslab lab=internet node=www id=0' up
ip link add eth0 netns internet-t1 type veth peer name eth0 netns internet-ix
ip link add eth0 netns internet-t2 type veth peer name eth1 netns internet-ix
ip link add eth0 netns internet-c1 type veth peer name eth1 netns internet-t1
ip link add eth0 netns internet-c2 type veth peer name eth2 netns internet-t1
ip link add eth1 netns internet-c2 type veth peer name eth1 netns internet-t2
ip link add eth1 netns internet-c1 type veth peer name eth0 netns internet-lan1
ip link add eth0 netns internet-alice type veth peer name eth1 netns internet-lan1
ip link add eth0 netns internet-ns1 type veth peer name eth2 netns internet-lan1
ip link add eth0 netns internet-www type veth peer name eth2 netns internet-c2
ip -n internet-ix link add br0 type bridge
ip -n internet-lan1 link add br0 type bridge
ip -n internet-ix link set eth0 master br0
ip -n internet-ix link set eth1 master br0
ip -n internet-lan1 link set eth0 master br0
ip -n internet-lan1 link set eth1 master br0
ip -n internet-lan1 link set eth2 master br0
ip -n internet-t1 addr add 10.99.0.1/30 dev eth0
ip -n internet-t1 addr add 10.99.0.6/30 dev eth1
ip -n internet-t1 addr add 10.99.0.10/30 dev eth2
ip -n internet-t2 addr add 10.99.0.2/30 dev eth0
ip -n internet-t2 addr add 10.99.0.14/30 dev eth1
ip -n internet-c1 addr add 10.99.0.5/30 dev eth0
ip -n internet-c1 addr add 198.51.100.1/24 dev eth1
ip -n internet-c2 addr add 10.99.0.9/30 dev eth0
ip -n internet-c2 addr add 10.99.0.13/30 dev eth1
ip -n internet-c2 addr add 203.0.113.1/24 dev eth2
ip -n internet-alice addr add 198.51.100.10/24 dev eth0
ip -n internet-ns1 addr add 198.51.100.53/24 dev eth0
ip -n internet-www addr add 203.0.113.80/24 dev eth0
ip -n internet-t1 addr add 10.99.255.254/32 dev lo
ip -n internet-t2 addr add 10.99.255.253/32 dev lo
ip -n internet-c1 addr add 10.99.255.252/32 dev lo
ip -n internet-c2 addr add 10.99.255.251/32 dev lo
ip -n internet-ix link set br0 up
ip -n internet-lan1 link set br0 up
ip -n internet-t1 link set eth0 up
ip -n internet-t1 link set eth1 up
ip -n internet-t1 link set eth2 up
ip -n internet-t2 link set eth0 up
ip -n internet-t2 link set eth1 up
ip -n internet-ix link set eth0 up
ip -n internet-ix link set eth1 up
ip -n internet-c1 link set eth0 up
ip -n internet-c1 link set eth1 up
ip -n internet-c2 link set eth0 up
ip -n internet-c2 link set eth1 up
ip -n internet-c2 link set eth2 up
ip -n internet-lan1 link set eth0 up
ip -n internet-lan1 link set eth1 up
ip -n internet-lan1 link set eth2 up
ip -n internet-alice link set eth0 up
ip -n internet-ns1 link set eth0 up
ip -n internet-www link set eth0 up
ip -n internet-alice route add default via 198.51.100.1 dev eth0
ip -n internet-ns1 route add default via 198.51.100.1 dev eth0
ip -n internet-www route add default via 203.0.113.1 dev eth0
mkdir -p /etc/netns/internet-t1 && { echo '# nslab lab=internet: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/internet-t1/hosts <<'NSLAB_EOF'
# the nodes of lab internet (nslab)
10.99.0.1	t1 t1.internet
10.99.0.6	t1 t1.internet
10.99.0.10	t1 t1.internet
10.99.0.2	t2 t2.internet
10.99.0.14	t2 t2.internet
10.99.0.5	c1 c1.internet
198.51.100.1	c1 c1.internet
10.99.0.9	c2 c2.internet
10.99.0.13	c2 c2.internet
203.0.113.1	c2 c2.internet
198.51.100.10	alice alice.internet
198.51.100.53	ns1 ns1.internet
203.0.113.80	www www.internet
NSLAB_EOF
mkdir -p /etc/netns/internet-t2 && { echo '# nslab lab=internet: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/internet-t2/hosts <<'NSLAB_EOF'
# the nodes of lab internet (nslab)
10.99.0.1	t1 t1.internet
10.99.0.6	t1 t1.internet
10.99.0.10	t1 t1.internet
10.99.0.2	t2 t2.internet
10.99.0.14	t2 t2.internet
10.99.0.5	c1 c1.internet
198.51.100.1	c1 c1.internet
10.99.0.9	c2 c2.internet
10.99.0.13	c2 c2.internet
203.0.113.1	c2 c2.internet
198.51.100.10	alice alice.internet
198.51.100.53	ns1 ns1.internet
203.0.113.80	www www.internet
NSLAB_EOF
mkdir -p /etc/netns/internet-c1 && { echo '# nslab lab=internet: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/internet-c1/hosts <<'NSLAB_EOF'
# the nodes of lab internet (nslab)
10.99.0.1	t1 t1.internet
10.99.0.6	t1 t1.internet
10.99.0.10	t1 t1.internet
10.99.0.2	t2 t2.internet
10.99.0.14	t2 t2.internet
10.99.0.5	c1 c1.internet
198.51.100.1	c1 c1.internet
10.99.0.9	c2 c2.internet
10.99.0.13	c2 c2.internet
203.0.113.1	c2 c2.internet
198.51.100.10	alice alice.internet
198.51.100.53	ns1 ns1.internet
203.0.113.80	www www.internet
NSLAB_EOF
mkdir -p /etc/netns/internet-c2 && { echo '# nslab lab=internet: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/internet-c2/hosts <<'NSLAB_EOF'
# the nodes of lab internet (nslab)
10.99.0.1	t1 t1.internet
10.99.0.6	t1 t1.internet
10.99.0.10	t1 t1.internet
10.99.0.2	t2 t2.internet
10.99.0.14	t2 t2.internet
10.99.0.5	c1 c1.internet
198.51.100.1	c1 c1.internet
10.99.0.9	c2 c2.internet
10.99.0.13	c2 c2.internet
203.0.113.1	c2 c2.internet
198.51.100.10	alice alice.internet
198.51.100.53	ns1 ns1.internet
203.0.113.80	www www.internet
NSLAB_EOF
mkdir -p /etc/netns/internet-alice && { echo '# nslab lab=internet: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/internet-alice/hosts <<'NSLAB_EOF'
# the nodes of lab internet (nslab)
10.99.0.1	t1 t1.internet
10.99.0.6	t1 t1.internet
10.99.0.10	t1 t1.internet
10.99.0.2	t2 t2.internet
10.99.0.14	t2 t2.internet
10.99.0.5	c1 c1.internet
198.51.100.1	c1 c1.internet
10.99.0.9	c2 c2.internet
10.99.0.13	c2 c2.internet
203.0.113.1	c2 c2.internet
198.51.100.10	alice alice.internet
198.51.100.53	ns1 ns1.internet
203.0.113.80	www www.internet
NSLAB_EOF
mkdir -p /etc/netns/internet-alice && { echo '# nslab lab=internet: written by nslab up, removed by nslab down'; cat; } >/etc/netns/internet-alice/resolv.conf <<'NSLAB_EOF'
nameserver 198.51.100.53
NSLAB_EOF
mkdir -p /etc/netns/internet-ns1 && { echo '# nslab lab=internet: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/internet-ns1/hosts <<'NSLAB_EOF'
# the nodes of lab internet (nslab)
10.99.0.1	t1 t1.internet
10.99.0.6	t1 t1.internet
10.99.0.10	t1 t1.internet
10.99.0.2	t2 t2.internet
10.99.0.14	t2 t2.internet
10.99.0.5	c1 c1.internet
198.51.100.1	c1 c1.internet
10.99.0.9	c2 c2.internet
10.99.0.13	c2 c2.internet
203.0.113.1	c2 c2.internet
198.51.100.10	alice alice.internet
198.51.100.53	ns1 ns1.internet
203.0.113.80	www www.internet
NSLAB_EOF
mkdir -p /etc/netns/internet-www && { echo '# nslab lab=internet: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/internet-www/hosts <<'NSLAB_EOF'
# the nodes of lab internet (nslab)
10.99.0.1	t1 t1.internet
10.99.0.6	t1 t1.internet
10.99.0.10	t1 t1.internet
10.99.0.2	t2 t2.internet
10.99.0.14	t2 t2.internet
10.99.0.5	c1 c1.internet
198.51.100.1	c1 c1.internet
10.99.0.9	c2 c2.internet
10.99.0.13	c2 c2.internet
203.0.113.1	c2 c2.internet
198.51.100.10	alice alice.internet
198.51.100.53	ns1 ns1.internet
203.0.113.80	www www.internet
NSLAB_EOF
mkdir -p /run/nslab/internet/routing/t1
cat >/run/nslab/internet/routing/t1/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname t1
service integrated-vtysh-config
!
router bgp 64501
 bgp router-id 10.99.255.254
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp bestpath as-path multipath-relax
 timers bgp 1 3
 neighbor 10.99.0.2 remote-as 64502
 neighbor 10.99.0.2 timers connect 1
 neighbor 10.99.0.2 advertisement-interval 0
 neighbor 10.99.0.2 local-role peer
 neighbor 10.99.0.5 remote-as 64511
 neighbor 10.99.0.5 timers connect 1
 neighbor 10.99.0.5 advertisement-interval 0
 neighbor 10.99.0.5 local-role provider
 neighbor 10.99.0.9 remote-as 64512
 neighbor 10.99.0.9 timers connect 1
 neighbor 10.99.0.9 advertisement-interval 0
 neighbor 10.99.0.9 local-role provider
 address-family ipv4 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
  neighbor 10.99.0.2 route-map from-t2 in
  neighbor 10.99.0.5 route-map from-c1 in
  neighbor 10.99.0.9 route-map from-c2 in
 exit-address-family
!
route-map from-t2 permit 10
 set local-preference 150
!
route-map from-c1 permit 10
 set local-preference 200
!
route-map from-c2 permit 10
 set local-preference 200
!
!
NSLAB_EOF
: >/run/nslab/internet/routing/t1/vtysh.conf
chown -R frr:frr /run/nslab/internet/routing/t1
ip netns exec internet-t1 unshare --uts sh -ec 'hostname t1 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/bgpd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bgpd.pid --log file:/var/run/frr/bgpd.log -P 0' /run/nslab/internet/routing/t1
vtysh --vty_socket /run/nslab/internet/routing/t1 --config_dir /run/nslab/internet/routing/t1 -b
mkdir -p /run/nslab/internet/routing/t2
cat >/run/nslab/internet/routing/t2/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname t2
service integrated-vtysh-config
!
router bgp 64502
 bgp router-id 10.99.255.253
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp bestpath as-path multipath-relax
 timers bgp 1 3
 neighbor 10.99.0.1 remote-as 64501
 neighbor 10.99.0.1 timers connect 1
 neighbor 10.99.0.1 advertisement-interval 0
 neighbor 10.99.0.1 local-role peer
 neighbor 10.99.0.13 remote-as 64512
 neighbor 10.99.0.13 timers connect 1
 neighbor 10.99.0.13 advertisement-interval 0
 neighbor 10.99.0.13 local-role provider
 address-family ipv4 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
  neighbor 10.99.0.1 route-map from-t1 in
  neighbor 10.99.0.13 route-map from-c2 in
 exit-address-family
!
route-map from-t1 permit 10
 set local-preference 150
!
route-map from-c2 permit 10
 set local-preference 200
!
!
NSLAB_EOF
: >/run/nslab/internet/routing/t2/vtysh.conf
chown -R frr:frr /run/nslab/internet/routing/t2
ip netns exec internet-t2 unshare --uts sh -ec 'hostname t2 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/bgpd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bgpd.pid --log file:/var/run/frr/bgpd.log -P 0' /run/nslab/internet/routing/t2
vtysh --vty_socket /run/nslab/internet/routing/t2 --config_dir /run/nslab/internet/routing/t2 -b
mkdir -p /run/nslab/internet/routing/c1
cat >/run/nslab/internet/routing/c1/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname c1
service integrated-vtysh-config
!
router bgp 64511
 bgp router-id 10.99.255.252
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp bestpath as-path multipath-relax
 timers bgp 1 3
 neighbor 10.99.0.6 remote-as 64501
 neighbor 10.99.0.6 timers connect 1
 neighbor 10.99.0.6 advertisement-interval 0
 neighbor 10.99.0.6 local-role customer
 address-family ipv4 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
  network 198.51.100.0/24
  neighbor 10.99.0.6 route-map from-t1 in
 exit-address-family
!
route-map from-t1 permit 10
 set local-preference 100
!
ip route 198.51.100.0/24 blackhole 254
!
NSLAB_EOF
: >/run/nslab/internet/routing/c1/vtysh.conf
chown -R frr:frr /run/nslab/internet/routing/c1
ip netns exec internet-c1 unshare --uts sh -ec 'hostname c1 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/staticd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/staticd.pid --log file:/var/run/frr/staticd.log -P 0 && /usr/lib/frr/bgpd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bgpd.pid --log file:/var/run/frr/bgpd.log -P 0' /run/nslab/internet/routing/c1
vtysh --vty_socket /run/nslab/internet/routing/c1 --config_dir /run/nslab/internet/routing/c1 -b
mkdir -p /run/nslab/internet/routing/c2
cat >/run/nslab/internet/routing/c2/frr.conf <<'NSLAB_EOF'
frr defaults traditional
hostname c2
service integrated-vtysh-config
!
router bgp 64512
 bgp router-id 10.99.255.251
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp bestpath as-path multipath-relax
 timers bgp 1 3
 neighbor 10.99.0.10 remote-as 64501
 neighbor 10.99.0.10 timers connect 1
 neighbor 10.99.0.10 advertisement-interval 0
 neighbor 10.99.0.10 local-role customer
 neighbor 10.99.0.14 remote-as 64502
 neighbor 10.99.0.14 timers connect 1
 neighbor 10.99.0.14 advertisement-interval 0
 neighbor 10.99.0.14 local-role customer
 address-family ipv4 unicast
  redistribute connected
  maximum-paths 64
  maximum-paths ibgp 64
  network 203.0.113.0/24
  neighbor 10.99.0.10 route-map from-t1 in
  neighbor 10.99.0.14 route-map from-t2 in
 exit-address-family
!
route-map from-t1 permit 10
 set local-preference 120
!
route-map from-t2 permit 10
 set local-preference 100
!
ip route 203.0.113.0/24 blackhole 254
!
NSLAB_EOF
: >/run/nslab/internet/routing/c2/vtysh.conf
chown -R frr:frr /run/nslab/internet/routing/c2
ip netns exec internet-c2 unshare --uts sh -ec 'hostname c2 && mount -t tmpfs -o mode=1777 nslab /var/tmp && mkdir /var/tmp/node && mount --bind "$0" /var/tmp/node && mount -t tmpfs -o mode=755 nslab /var/run && mkdir /var/run/frr && mount --bind /var/tmp/node /var/run/frr && /usr/lib/frr/zebra -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/zebra.pid --log file:/var/run/frr/zebra.log -P 0 && /usr/lib/frr/staticd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/staticd.pid --log file:/var/run/frr/staticd.log -P 0 && /usr/lib/frr/bgpd -d -F traditional -z /var/run/frr/zserv.api --vty_socket /var/run/frr -i /var/run/frr/bgpd.pid --log file:/var/run/frr/bgpd.log -P 0' /run/nslab/internet/routing/c2
vtysh --vty_socket /run/nslab/internet/routing/c2 --config_dir /run/nslab/internet/routing/c2 -b
ip netns exec internet-ns1 dnsmasq --no-daemon --no-resolv --no-hosts --listen-address=198.51.100.53 --bind-interfaces --address=/www.cust2.lab/203.0.113.80 >/run/nslab/internet/services/ns1.dns.log 2>&1 &
ip netns exec internet-www python3 -m http.server 8080 --bind 203.0.113.80 >/run/nslab/internet/services/www.web.log 2>&1 &
