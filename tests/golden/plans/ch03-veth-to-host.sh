#!/bin/bash
# nslab plan for lab 'hb03': the same lab, by hand.
set -e
ip netns add ns1
ip netns exec ns1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ns1 link set lo alias 'nslab lab=hb03 node=ns1 id=0' up
ip link add veth-ns netns ns1 type veth peer name veth-host
ip link set veth-host alias 'nslab hb03 ns1:veth-ns'
ip -n ns1 addr add 10.0.0.2/24 dev veth-ns
ip addr add 10.0.0.1/24 dev veth-host
ip -n ns1 link set veth-ns up
ip link set veth-host up
ip -n ns1 route add default via 10.0.0.1
