# nodes added [], removed [], remade [], changed ['h3', 'r1']
# links added [], removed []
#!/bin/bash
# nslab: the change to the running lab 'chg', by hand.
set -e
ip netns exec chg-r1 tc qdisc add dev eth1 root tbf rate 10000000bit burst 12500 limit 75000
ip netns exec chg-h3 tc qdisc add dev eth0 root tbf rate 10000000bit burst 12500 limit 75000
