# nodes added [], removed [], remade [], changed ['h3', 'r1']
# links added [], removed []
#!/bin/bash
# nslab: the change to the running lab 'chg', by hand.
set -e
ip netns exec chg-r1 tc qdisc del dev eth1 root
ip netns exec chg-h3 tc qdisc del dev eth0 root
