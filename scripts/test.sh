#!/usr/bin/env bash
# The whole test suite: set up, lint, type-check, then every test (the kernel
# tests need root; without it they are skipped with that reason).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check nslab tests bench examples
.venv/bin/mypy
exec .venv/bin/pytest -q -p no:cacheprovider "$@"
