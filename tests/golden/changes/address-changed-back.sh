# nodes added [], removed [], remade [], changed ['h1', 'h2', 'h3', 'r1']
# links added [], removed []
#!/bin/bash
# nslab: the change to the running lab 'chg', by hand.
set -e
rm -f /etc/netns/chg-h1/hosts
rm -f /etc/netns/chg-h2/hosts
rm -f /etc/netns/chg-r1/hosts
rm -f /etc/netns/chg-h3/hosts
ip -n chg-r1 addr del 10.7.0.1/24 dev eth1
ip -n chg-h3 addr del 10.7.0.2/24 dev eth0
ip -n chg-r1 addr add 10.128.0.9/30 dev eth1
ip -n chg-h3 addr add 10.128.0.10/30 dev eth0
ip -n chg-h3 route replace default via 10.128.0.9 dev eth0
mkdir -p /etc/netns/chg-h1 && { echo '# nslab lab=chg: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chg-h1/hosts <<'NSLAB_EOF'
# the nodes of lab chg (nslab)
10.128.0.2	h1 h1.chg
10.128.0.3	h2 h2.chg
10.128.0.1	r1 r1.chg
10.128.0.9	r1 r1.chg
10.128.0.10	h3 h3.chg
NSLAB_EOF
mkdir -p /etc/netns/chg-h2 && { echo '# nslab lab=chg: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chg-h2/hosts <<'NSLAB_EOF'
# the nodes of lab chg (nslab)
10.128.0.2	h1 h1.chg
10.128.0.3	h2 h2.chg
10.128.0.1	r1 r1.chg
10.128.0.9	r1 r1.chg
10.128.0.10	h3 h3.chg
NSLAB_EOF
mkdir -p /etc/netns/chg-r1 && { echo '# nslab lab=chg: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chg-r1/hosts <<'NSLAB_EOF'
# the nodes of lab chg (nslab)
10.128.0.2	h1 h1.chg
10.128.0.3	h2 h2.chg
10.128.0.1	r1 r1.chg
10.128.0.9	r1 r1.chg
10.128.0.10	h3 h3.chg
NSLAB_EOF
mkdir -p /etc/netns/chg-h3 && { echo '# nslab lab=chg: written by nslab up, removed by nslab down'; cat /etc/hosts; cat; } >/etc/netns/chg-h3/hosts <<'NSLAB_EOF'
# the nodes of lab chg (nslab)
10.128.0.2	h1 h1.chg
10.128.0.3	h2 h2.chg
10.128.0.1	r1 r1.chg
10.128.0.9	r1 r1.chg
10.128.0.10	h3 h3.chg
NSLAB_EOF
