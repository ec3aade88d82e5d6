# nodes added [], removed [], remade [], changed ['h1', 'h2', 'h3', 'lan', 'r1']
# links added ['lan:eth1 r1:eth0'], removed ['h2:eth0 lan:eth1', 'lan:eth2 r1:eth0']
#!/bin/bash
# nslab: the change to the running lab 'chg', by hand.
set -e
rm -f /etc/netns/chg-h1/hosts
rm -f /etc/netns/chg-h2/hosts
rm -f /etc/netns/chg-r1/hosts
rm -f /etc/netns/chg-h3/hosts
ip -n chg-h2 route del default
ip -n chg-h1 addr del 10.128.0.2/29 dev eth0
ip -n chg-r1 addr del 10.128.0.9/30 dev eth1
ip -n chg-h3 addr del 10.128.0.10/30 dev eth0
ip -n chg-h2 link del eth0
ip -n chg-lan link del eth2
ip link add eth1 netns chg-lan type veth peer name eth0 netns chg-r1
ip -n chg-lan link set eth1 master br0
ip -n chg-h1 addr add 10.128.0.2/30 dev eth0
ip -n chg-r1 addr add 10.128.0.1/30 dev eth0
ip -n chg-r1 addr add 10.128.0.5/30 dev eth1
ip -n chg-h3 addr add 10.128.0.6/30 dev eth0
ip -n chg-lan link set eth1 up
ip -n chg-r1 link set eth0 up
ip -n chg-h1 route replace default via 10.128.0.1 dev eth0
ip -n chg-h3 route replace default via 10.128.0.5 dev eth0
mkdir -p /etc/netns/chg-h1 && { echo '# nslab lab=chg: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chg-h1/hosts <<'NSLAB_EOF'
# the nodes of lab chg (nslab)
10.128.0.2	h1 h1.chg
10.128.0.1	r1 r1.chg
10.128.0.5	r1 r1.chg
10.128.0.6	h3 h3.chg
NSLAB_EOF
mkdir -p /etc/netns/chg-h2 && { echo '# nslab lab=chg: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chg-h2/hosts <<'NSLAB_EOF'
# the nodes of lab chg (nslab)
10.128.0.2	h1 h1.chg
10.128.0.1	r1 r1.chg
10.128.0.5	r1 r1.chg
10.128.0.6	h3 h3.chg
NSLAB_EOF
mkdir -p /etc/netns/chg-r1 && { echo '# nslab lab=chg: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chg-r1/hosts <<'NSLAB_EOF'
# the nodes of lab chg (nslab)
10.128.0.2	h1 h1.chg
10.128.0.1	r1 r1.chg
10.128.0.5	r1 r1.chg
10.128.0.6	h3 h3.chg
NSLAB_EOF
mkdir -p /etc/netns/chg-h3 && { echo '# nslab lab=chg: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chg-h3/hosts <<'NSLAB_EOF'
# the nodes of lab chg (nslab)
10.128.0.2	h1 h1.chg
10.128.0.1	r1 r1.chg
10.128.0.5	r1 r1.chg
10.128.0.6	h3 h3.chg
NSLAB_EOF
ip netns exec chg-r1 nft -f - <<'NSLAB_EOF'
table inet nslab
delete table inet nslab
table inet nslab {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname "lo" accept
    ip saddr 10.128.0.2 meta l4proto icmp accept comment "rule 1"
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ip saddr 10.128.0.2 meta l4proto icmp accept comment "rule 1"
  }
}
NSLAB_EOF
