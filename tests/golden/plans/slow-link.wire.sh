#!/bin/bash
# nslab plan for lab 'slow': the same lab, by hand.
set -e
ip netns add slow-client
ip netns exec slow-client sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n slow-client link set lo alias 'nslab lab=slow node=client id=0' up
ip netns add slow-server
ip netns exec slow-server sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n slow-server link set lo alias 'nslab lab=slow node=server id=0' up
ip netns add slow~wire
ip netns exec slow~wire sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip -n slow~wire link set lo alias 'nslab lab=slow node=~wire id=0' up
ip link add eth0 netns slow-client type veth peer name wead2ece59c64 netns slow~wire
ip link add eth0 netns slow-server type veth peer name w13ef281ad07d netns slow~wire
# the wire: what client:eth0 sends (wead2ece59c64 -> w13ef281ad07d) is held 20 ms
mkdir -p /run/nslab/slow/wire && cat >/run/nslab/slow/wire/wead2ece59c64.json <<'NSLAB_EOF'
{"end": "client:eth0", "into": "wead2ece59c64", "out": "w13ef281ad07d", "delay_ms": 20.0, "jitter_ms": 0.0, "distribution": "uniform", "duplicate": 0.0, "reorder": 0.0, "corrupt": 0.0}
NSLAB_EOF
# the wire: what server:eth0 sends (w13ef281ad07d -> wead2ece59c64) is held 20 ms
mkdir -p /run/nslab/slow/wire && cat >/run/nslab/slow/wire/w13ef281ad07d.json <<'NSLAB_EOF'
{"end": "server:eth0", "into": "w13ef281ad07d", "out": "wead2ece59c64", "delay_ms": 20.0, "jitter_ms": 0.0, "distribution": "uniform", "duplicate": 0.0, "reorder": 0.0, "corrupt": 0.0}
NSLAB_EOF
# the wire: nslab's relay holds what crosses the lab's delayed links (the kernel has no netem)
ip netns exec slow~wire python3 -m nslab.wire /run/nslab/slow/wire >/run/nslab/slow/wire.log 2>&1 &
ip -n slow-client addr add 10.128.0.1/30 dev eth0
ip -n slow-server addr add 10.128.0.2/30 dev eth0
ip -n slow-client link set eth0 up
ip -n slow-server link set eth0 up
ip -n slow~wire link set wead2ece59c64 up
ip -n slow~wire link set w13ef281ad07d up
ip netns exec slow-client tc qdisc add dev eth0 root tbf rate 2000000bit burst 3200 limit 15700
ip netns exec slow-server tc qdisc add dev eth0 root tbf rate 2000000bit burst 3200 limit 15700
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
ip netns exec slow-server python3 -m http.server 8080 >/run/nslab/slow/services/server.web.log 2>&1 &
