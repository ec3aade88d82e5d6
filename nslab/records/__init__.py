"""Pure frozen records read back from the kernel: what inspect observes
(observed) and what test and why conclude (verdicts). Their asdict is the
documented --json."""
