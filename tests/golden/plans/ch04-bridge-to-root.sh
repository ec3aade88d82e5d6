#!/bin/bash
# nslab plan for lab 'hb04': the same lab, by hand.
set -e
ip netns add ns1
ip netns exec ns1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ns1 link set lo alias 'nslab lab=hb04 node=ns1 id=0' up
ip link add veth-ns1 netns ns1 type veth peer name veth-br1
ip link set veth-br1 alias 'nslab hb04 ns1:veth-ns1'
ip link add br0 type bridge
ip link set br0 alias 'nslab hb04 bridge 0'
ip link set veth-br1 master br0
ip -n ns1 addr add 192.168.100.2/16 dev veth-ns1
ip addr add 192.168.100.1/16 dev br0
ip link set br0 up
ip -n ns1 link set veth-ns1 up
ip link set veth-br1 up
ip -n ns1 route add default via 192.168.100.1
