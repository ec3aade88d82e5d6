"""What the tests share and run inside their sandboxes: not tests themselves
(pytest collects only tests/test_*.py)."""
