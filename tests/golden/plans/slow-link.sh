#!/bin/bash
# nslab plan for lab 'slow': the same lab, by hand.
set -e
ip netns add slow-client
ip netns exec slow-client sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n slow-client link set lo alias 'nslab lab=slow node=client id=0' up
ip netns add slow-server
ip netns exec slow-server sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n slow-server link set lo alias 'nslab lab=slow node=server id=0' up
ip link add eth0 netns slow-client type veth peer name eth0 netns slow-server
ip -n slow-client addr add 10.128.0.1/30 dev eth0
ip -n slow-server addr add 10.128.0.2/30 dev eth0
ip -n slow-client link set eth0 up
ip -n slow-server link set eth0 up
ip netns exec slow-client tc qdisc add dev eth0 root netem delay 20ms rate 2000000bit
ip netns exec slow-server tc qdisc add dev eth0 root netem delay 20ms rate 2000000bit
ip netns exec slow-client nft -f - <<'NSLAB_EOF'
table netdev nslab_loss {
  chain in0 {
    type filter hook ingress device "eth0" priority -500; policy accept;
    numgen random mod 1000000 < 10000 counter drop
  }
}
NSLAB_EOF
ip netns exec slow-server nft -f - <<'NSLAB_EOF'
table netdev nslab_loss {
  chain in0 {
    type filter hook ingress device "eth0" priority -500; policy accept;
    numgen random mod 1000000 < 10000 counter drop
  }
}
NSLAB_EOF
mkdir -p /etc/netns/slow-client && { echo '# nslab lab=slow: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/slow-client/hosts <<'NSLAB_EOF'
# the nodes of lab slow (nslab)
10.128.0.1	client client.slow
10.128.0.2	server server.slow
NSLAB_EOF
mkdir -p /etc/netns/slow-server && { echo '# nslab lab=slow: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/slow-server/hosts <<'NSLAB_EOF'
# the nodes of lab slow (nslab)
10.128.0.1	client client.slow
10.128.0.2	server server.slow
NSLAB_EOF
ip netns exec slow-server python3 -m http.server 8080 >/run/nslab/slow/services/server.web.log 2>&1 &
