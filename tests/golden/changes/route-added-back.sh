# nodes added [], removed [], remade [], changed ['h2']
# links added [], removed []
#!/bin/bash
# nslab: the change to the running lab 'chg', by hand.
set -e
ip -n chg-h2 route del 10.99.0.0/16
