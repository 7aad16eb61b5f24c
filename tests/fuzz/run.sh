#!/usr/bin/env bash
# `make fuzz`: each libFuzzer target of BUILD_DIR first replays its kept
# crash inputs (tests/fuzz/regressions/TARGET/, each once fixed), then fuzzes
# for SECONDS from the seeds in tests/fuzz/corpus/TARGET/, with the JSON
# tokens of json.dict. A new crash input
# is saved as tests/fuzz/crashes/TARGET-*; keep it under regressions/ once
# fixed. FUZZ_SEED fixes the random seed (CI's runs can then be replayed);
# unset, each run differs. Ends with "N passed, N failed" (one per target).
set -u
cd "$(dirname "$0")/../.."
build=${1:-build-fuzz}
seconds=${2:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p tests/fuzz/crashes
passed=0 failed=0
for target in envelope endpoint data_args output_format gluster zmq_frames listen_outputs datagram_webhook redis_message step_input salt_frames where; do
  bin=$build/fuzz_$target
  ok=1
  if [ -d "tests/fuzz/regressions/$target" ] && [ -n "$(ls -A "tests/fuzz/regressions/$target")" ]; then
    "$bin" -runs=0 "tests/fuzz/regressions/$target"/* > "$work/$target.replay" 2>&1 ||
      { ok=0; echo "fuzz $target: a kept regression input crashes again" >&2; tail -20 "$work/$target.replay" >&2; }
  fi
  mkdir -p "$work/corpus-$target"
  if ! "$bin" -max_total_time="$seconds" -dict=tests/fuzz/json.dict -seed="${FUZZ_SEED:-0}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="tests/fuzz/crashes/$target-" "$work/corpus-$target" "tests/fuzz/corpus/$target" \
       > "$work/$target.log" 2>&1; then
    ok=0
    echo "fuzz $target: crashed; input saved under tests/fuzz/crashes/" >&2
    grep -A30 -m1 'ERROR\|runtime error\|terminate' "$work/$target.log" | head -40 >&2
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log")
  if [ "$ok" = 1 ]; then
    passed=$((passed + 1)); echo "ok fuzz $target: ${runs:-?} inputs in ${seconds}s"
  else
    failed=$((failed + 1)); echo "not ok fuzz $target"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
