#!/bin/bash
# nslab plan for lab 'hb06a': the same lab, by hand.
set -e
ip netns add ns1
ip netns exec ns1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ns1 link set lo alias 'nslab lab=hb06a node=ns1 id=0' up
ip netns add ns2
ip netns exec ns2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ns2 link set lo alias 'nslab lab=hb06a node=ns2 id=0' up
ip link add veth1 netns ns1 type veth peer name veth2 netns ns2
ip -n ns1 addr add 10.200.10.1/16 dev veth1
ip -n ns2 addr add 10.200.10.2/16 dev veth2
ip -n ns1 link set veth1 up
ip -n ns2 link set veth2 up
