#!/usr/bin/env bash
# `make tidy`: the style (.clang-format, checked, not applied) and
# clang-tidy's checks (.clang-tidy) over lib/ and tools/, with the build's
# compile_commands.json. Prints each finding; exits non-zero if there is any.
set -u
cd "$(dirname "$0")/.."
build=${BUILD:-build}
[ -f "$build/compile_commands.json" ] || { echo "tidy: no $build/compile_commands.json (run make build)" >&2; exit 2; }
unformatted=$(git ls-files 'lib/*.cpp' 'lib/*.h' 'tools/*.cpp' 'tests/unit/*.cpp' 'tests/fuzz/*.cpp' |
  xargs clang-format --dry-run 2>&1 | grep -o '^[^:]*:[0-9]*' | cut -d: -f1 | sort -u)
[ -z "$unformatted" ] || { printf '%s: not as .clang-format has it (clang-format -i)\n' $unformatted; status=1; }
out=$(git ls-files 'lib/*.cpp' 'tools/*.cpp' | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet 2> /dev/null |
  grep -E 'warning:|error:')
[ -z "$out" ] && exit "${status:-0}"
printf '%s\n' "$out"
echo "tidy: $(printf '%s\n' "$out" | wc -l) finding(s)" >&2
exit 1
