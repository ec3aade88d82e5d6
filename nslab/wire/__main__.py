"""`python3 -m nslab.wire FOLDER`: the lab's relay (nslab.wire.relay)."""

import sys

from nslab.wire.relay import main

sys.exit(main(sys.argv[1:]))
