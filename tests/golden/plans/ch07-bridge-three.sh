#!/bin/bash
# nslab plan for lab 'hb07': the same lab, by hand.
set -e
ip netns add ns1
ip netns exec ns1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ns1 link set lo alias 'nslab lab=hb07 node=ns1 id=0' up
ip netns add ns2
ip netns exec ns2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ns2 link set lo alias 'nslab lab=hb07 node=ns2 id=0' up
ip netns add ns3
ip netns exec ns3 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n ns3 link set lo alias 'nslab lab=hb07 node=ns3 id=0' up
ip link add veth-ns1 netns ns1 type veth peer name veth-br1
ip link set veth-br1 alias 'nslab hb07 ns1:veth-ns1'
ip link add veth-ns2 netns ns2 type veth peer name veth-br2
ip link set veth-br2 alias 'nslab hb07 ns2:veth-ns2'
ip link add veth-ns3 netns ns3 type veth peer name veth-br3
ip link set veth-br3 alias 'nslab hb07 ns3:veth-ns3'
ip link add br0 type bridge
ip link set br0 alias 'nslab hb07 bridge 0'
ip link set veth-br1 master br0
ip link set veth-br2 master br0
ip link set veth-br3 master br0
ip -n ns1 addr add 172.18.0.2/24 dev veth-ns1
ip -n ns2 addr add 172.18.0.3/24 dev veth-ns2
ip -n ns3 addr add 172.18.0.4/24 dev veth-ns3
ip addr add 172.18.0.1/24 dev br0
ip link set br0 up
ip -n ns1 link set veth-ns1 up
ip -n ns2 link set veth-ns2 up
ip -n ns3 link set veth-ns3 up
ip link set veth-br1 up
ip link set veth-br2 up
ip link set veth-br3 up
