# nodes added [], removed [], remade [], changed ['h3']
# links added [], removed []
#!/bin/bash
# nslab: the change to the running lab 'chg', by hand.
set -e
kill $PID_OF_h3_web  # service web of h3
ip netns exec chg-h3 sh -c 'python3 -m http.server 8081' >/run/nslab/chg/services/h3.web.log 2>&1 &
