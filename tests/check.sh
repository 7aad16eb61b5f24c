#!/usr/bin/env bash
# `make check`: the unit tests (ctest) and the end-to-end tests (bats), then
# one summary line "N passed, N failed". Exits non-zero if anything failed.
set -u
cd "$(dirname "$0")/.."
build=${BUILD:-build}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

ctest --test-dir "$build" --output-on-failure -j "$(nproc)" 2>&1 | tee "$log/ctest"
unit_total=$(sed -n 's/.* tests failed out of \([0-9]*\).*/\1/p' "$log/ctest" | tail -1)
unit_failed=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$log/ctest" | tail -1)
unit_total=${unit_total:-0}
unit_failed=${unit_failed:-1}  # no summary line: ctest itself failed

export EVT_BUILD_DIR="$PWD/$build"
# One bats run per file, so that a person watching sees which suite runs and
# a running count. The whole is bounded so that a hung test cannot hang CI
# (bats 1.8's BATS_TEST_TIMEOUT leaves a sleep per test holding its output
# open). Output goes to a file, streamed by tail, so a stray background
# process that keeps the descriptor open cannot stall the summary.
files=(tests/*.bats)
: > "$log/bats"  # before tail looks for it
timeout -k 10 "${BATS_SUITE_TIMEOUT:-2700}" bash -c '
  n=$#; i=0
  for file in "$@"; do
    i=$((i + 1))
    echo "# suite $i/$n: $file"
    bats --tap ${BATS_FILTER:+--filter "$BATS_FILTER"} "$file"
  done' _ "${files[@]}" > "$log/bats" 2>&1 &
bats_pid=$!
# The TAP as it comes, and before each suite a line with the count so far.
ok=0 bad=0
tail -n +1 -f --pid="$bats_pid" "$log/bats" | while IFS= read -r line; do
  case $line in
    "# suite "*) echo "[check] ${line#\# } (so far: $ok passed, $bad failed)"; continue ;;
    "ok "*) ok=$((ok + 1)) ;;
    "not ok "*) bad=$((bad + 1)) ;;
  esac
  printf '%s\n' "$line"
done
wait "$bats_pid"
bats_ok=$(grep -c '^ok ' "$log/bats")
bats_skipped=$(grep -c '^ok .* # skip' "$log/bats")
bats_failed=$(grep -c '^not ok ' "$log/bats")
bats_planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log/bats" | awk '{ n += $1 } END { print n + 0 }')
# A test file that dies before reporting shows up as fewer results than planned.
missing=$(( bats_planned - bats_ok - bats_failed ))
[ "$missing" -gt 0 ] && bats_failed=$((bats_failed + missing))
# A suite that never started (the bound ran out) has no plan at all.
started=$(grep -c '^# suite ' "$log/bats")
[ "$started" -lt "${#files[@]}" ] && bats_failed=$((bats_failed + ${#files[@]} - started))

passed=$(( unit_total - unit_failed + bats_ok ))
failed=$(( unit_failed + bats_failed ))
echo "unit: $((unit_total - unit_failed))/$unit_total passed; bats: $bats_ok passed ($bats_skipped skipped), $bats_failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
