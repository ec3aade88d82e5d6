# nodes added [], removed [], remade [], changed ['h1', 'h3', 'h4', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']
# links added ['r2:eth2 r5:eth2'], removed []
#!/bin/bash
# nslab: the change to the running lab 'ospfring', by hand.
set -e
rm -f /etc/netns/ospfring-r1/hosts
rm -f /etc/netns/ospfring-r2/hosts
rm -f /etc/netns/ospfring-r3/hosts
rm -f /etc/netns/ospfring-r4/hosts
rm -f /etc/netns/ospfring-r5/hosts
rm -f /etc/netns/ospfring-r6/hosts
rm -f /etc/netns/ospfring-h1/hosts
rm -f /etc/netns/ospfring-h3/hosts
rm -f /etc/netns/ospfring-h4/hosts
ip link add eth2 netns ospfring-r2 type veth peer name eth2 netns ospfring-r5
ip -n ospfring-r2 addr add 10.20.0.33/30 dev eth2
ip -n ospfring-r5 addr add 10.20.0.34/30 dev eth2
ip -n ospfring-r2 link set eth2 up
ip -n ospfring-r5 link set eth2 up
mkdir -p /etc/netns/ospfring-r1 && { echo '# nslab lab=ospfring: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/ospfring-r1/hosts <<'NSLAB_EOF'
# the nodes of lab ospfring (nslab)
10.20.0.1	r1 r1.ospfring
10.20.0.22	r1 r1.ospfring
10.20.0.25	r1 r1.ospfring
10.20.0.2	r2 r2.ospfring
10.20.0.5	r2 r2.ospfring
10.20.0.33	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.34	r5 r5.ospfring
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
10.20.0.33	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.34	r5 r5.ospfring
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
10.20.0.33	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.34	r5 r5.ospfring
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
10.20.0.33	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.34	r5 r5.ospfring
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
10.20.0.33	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.34	r5 r5.ospfring
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
10.20.0.33	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.34	r5 r5.ospfring
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
10.20.0.33	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.34	r5 r5.ospfring
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
10.20.0.33	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.34	r5 r5.ospfring
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
10.20.0.33	r2 r2.ospfring
10.20.0.6	r3 r3.ospfring
10.20.0.9	r3 r3.ospfring
10.20.3.1	r3 r3.ospfring
10.20.0.10	r4 r4.ospfring
10.20.0.13	r4 r4.ospfring
10.20.0.29	r4 r4.ospfring
10.20.0.14	r5 r5.ospfring
10.20.0.17	r5 r5.ospfring
10.20.0.34	r5 r5.ospfring
10.20.0.18	r6 r6.ospfring
10.20.0.21	r6 r6.ospfring
10.20.0.26	h1 h1.ospfring
10.20.3.10	h3 h3.ospfring
10.20.0.30	h4 h4.ospfring
NSLAB_EOF
cat >/run/nslab/ospfring/routing/r2/frr.conf.new <<'NSLAB_EOF'
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
interface eth2
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
chown frr:frr /run/nslab/ospfring/routing/r2/frr.conf.new
/usr/lib/frr/frr-reload.py --reload --stdout --bindir /usr/bin --confdir /run/nslab/ospfring/routing/r2 --rundir /run/nslab/ospfring/routing/r2 --vty_socket /run/nslab/ospfring/routing/r2 /run/nslab/ospfring/routing/r2/frr.conf.new
mv /run/nslab/ospfring/routing/r2/frr.conf.new /run/nslab/ospfring/routing/r2/frr.conf
cat >/run/nslab/ospfring/routing/r5/frr.conf.new <<'NSLAB_EOF'
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
interface eth2
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
chown frr:frr /run/nslab/ospfring/routing/r5/frr.conf.new
/usr/lib/frr/frr-reload.py --reload --stdout --bindir /usr/bin --confdir /run/nslab/ospfring/routing/r5 --rundir /run/nslab/ospfring/routing/r5 --vty_socket /run/nslab/ospfring/routing/r5 /run/nslab/ospfring/routing/r5/frr.conf.new
mv /run/nslab/ospfring/routing/r5/frr.conf.new /run/nslab/ospfring/routing/r5/frr.conf
