#!/bin/bash
# nslab plan for lab 'hb06b': the same lab, by hand.
set -e
ip netns add ns1
ip netns exec ns1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ns1 link set lo alias 'nslab lab=hb06b node=ns1 id=0' up
ip netns add ns2
ip netns exec ns2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ns2 link set lo alias 'nslab lab=hb06b node=ns2 id=0' up
ip link add veth-ns1 netns ns1 type veth peer name veth-br1
ip link set veth-br1 alias 'nslab hb06b ns1:veth-ns1'
ip link add veth-ns2 netns ns2 type veth peer name veth-br2
ip link set veth-br2 alias 'nslab hb06b ns2:veth-ns2'
ip link add br0 type bridge
ip link set br0 alias 'nslab hb06b bridge 0'
ip link set veth-br1 master br0
ip link set veth-br2 master br0
ip -n ns1 addr add 192.168.50.2/16 dev veth-ns1
ip -n ns2 addr add 192.168.50.3/16 dev veth-ns2
ip addr add 192.168.50.1/16 dev br0
ip link set br0 up
ip -n ns1 link set veth-ns1 up
ip -n ns2 link set veth-ns2 up
ip link set veth-br1 up
ip link set veth-br2 up
ip -n ns1 route add default via 192.168.50.1
ip -n ns2 route add default via 192.168.50.1
