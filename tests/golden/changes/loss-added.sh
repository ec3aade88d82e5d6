# nodes added [], removed [], remade [], changed ['h3', 'r1']
# links added [], removed []
#!/bin/bash
# nslab: the change to the running lab 'chg', by hand.
set -e
ip netns exec chg-r1 nft -f - <<'NSLAB_EOF'
table inet nslab
delete table inet nslab
table netdev nslab_loss
delete table netdev nslab_loss
table netdev nslab_loss {
  chain in0 {
    type filter hook ingress device "eth1" priority -500; policy accept;
    numgen random mod 1000000 < 50000 counter drop
  }
}
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
ip netns exec chg-h3 nft -f - <<'NSLAB_EOF'
table netdev nslab_loss
delete table netdev nslab_loss
table netdev nslab_loss {
  chain in0 {
    type filter hook ingress device "eth0" priority -500; policy accept;
    numgen random mod 1000000 < 50000 counter drop
  }
}
NSLAB_EOF
