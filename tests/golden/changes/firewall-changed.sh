# nodes added [], removed [], remade [], changed ['r1']
# links added [], removed []
#!/bin/bash
# nslab: the change to the running lab 'chg', by hand.
set -e
ip netns exec chg-r1 nft -f - <<'NSLAB_EOF'
table inet nslab
delete table inet nslab
table inet nslab {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname "lo" accept
    ip saddr 10.128.0.2 meta l4proto icmp accept comment "rule 1"
    ip saddr 10.128.0.3 meta l4proto icmp accept comment "rule 2"
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ip saddr 10.128.0.2 meta l4proto icmp accept comment "rule 1"
    ip saddr 10.128.0.3 meta l4proto icmp accept comment "rule 2"
  }
}
NSLAB_EOF
