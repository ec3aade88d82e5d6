"""A lab that is up: what the verbs that read or change it share, so that no
verb imports another. Its record (journal, lab.json, plan.json), the change
runner (announce, execute, close, roll back), teardown, the readback and its
differences, link and node changes, the machine's side, routing daemons.
May import the state, the kernel seam and the pure layers; never a verb."""
