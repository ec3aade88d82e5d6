#!/usr/bin/env bash
# The whole test suite: set up, lint, type-check, build the docs site, then both lanes
# side by side (the pure one's output printed when both are done):
#   the pure lane (-m "not kernel"): no root, no namespaces, seconds; as root it
#     runs without CAP_NET_ADMIN and CAP_SYS_ADMIN, to prove it needs neither;
#   the kernel lane (-m kernel): root and a real kernel (skipped without root).
# Arguments go to pytest in both lanes (a lane they select nothing from is fine).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check nslab tests bench examples
.venv/bin/mypy
echo "== docs: mkdocs build --strict"
site=$(mktemp -d)
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet --site-dir "$site"
rm -rf "$site"
lane() {  # pytest's "no tests collected" (5) is fine when arguments narrowed the run
  local rc=0
  "$@" || rc=$?
  if [ "$rc" = 5 ] && [ "$narrowed" = 1 ]; then rc=0; fi
  return "$rc"
}
narrowed=$([ $# -gt 0 ] && echo 1 || echo 0)
pure=(.venv/bin/pytest -q -p no:cacheprovider -m "not kernel" "$@")
pure_lane() {
  if [ "$(id -u)" = 0 ] && command -v capsh >/dev/null 2>&1; then
    lane capsh --drop=cap_net_admin,cap_sys_admin -- -c "$(printf '%q ' "${pure[@]}")"
  else
    lane "${pure[@]}"
  fi
}
# the two lanes side by side (the pure one uses a CPU, the kernel one mostly waits
# on the kernel and the daemons); the pure lane's words are printed once it ends
pure_log=$(mktemp)
pure_lane >"$pure_log" 2>&1 &
pure_pid=$!
echo "== kernel lane: pytest -m kernel (the pure lane runs beside it)"
kernel_rc=0
lane .venv/bin/pytest -q -p no:cacheprovider -m kernel --durations=10 "$@" || kernel_rc=$?
pure_rc=0
wait "$pure_pid" || pure_rc=$?
echo "== pure lane: pytest -m 'not kernel'"
cat "$pure_log"
rm -f "$pure_log"
if [ "$pure_rc" != 0 ] || [ "$kernel_rc" != 0 ]; then
  echo "test.sh: pure lane exit $pure_rc, kernel lane exit $kernel_rc" >&2
  exit 1
fi
