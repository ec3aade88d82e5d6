#!/bin/bash
# nslab plan for lab 'hb05': the same lab, by hand.
set -e
ip netns add ns1
ip netns exec ns1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ns1 link set lo alias 'nslab lab=hb05 node=ns1 id=0' up
sysctl -qw net.ipv4.ip_forward=1
ip link add veth-ns1 netns ns1 type veth peer name veth-br1
ip link set veth-br1 alias 'nslab hb05 ns1:veth-ns1'
ip link add br0 type bridge
ip link set br0 alias 'nslab hb05 bridge 0'
ip link set veth-br1 master br0
ip -n ns1 addr add 192.168.100.2/16 dev veth-ns1
ip addr add 192.168.100.1/16 dev br0
ip link set br0 up
ip -n ns1 link set veth-ns1 up
ip link set veth-br1 up
ip -n ns1 route add default via 192.168.100.1
nft -f - <<'NSLAB_EOF'
table inet nslab_hb05 {
  comment "nslab lab=hb05"
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "UPLINK" ip saddr 192.168.0.0/16 masquerade comment "egress of lab hb05"
  }
}
NSLAB_EOF
