# nodes added [], removed [], remade [], changed ['h3', 'r1']
# links added [], removed []
#!/bin/bash
# nslab: the change to the running lab 'chg', by hand.
set -e
ip -n chg-r1 link set dev eth1 mtu 1400
ip -n chg-h3 link set dev eth0 mtu 1400
