#!/usr/bin/env bats
# The standing rules of lib/ and tools/ (tests/rules.sh), one test per rule
# so that a failure names it; then the script itself on a small tree that
# breaks each rule once.

load helpers

RULES=$BATS_TEST_DIRNAME/rules.sh

@test "rules: no function over 60 lines but the README's exceptions, none stale" {
  "$RULES" functions
}

@test "rules: no file over 450 lines but the README's exceptions, none stale" {
  "$RULES" files
}

@test "rules: at most 12 raw ::close( in lib/" {
  "$RULES" close
}

@test "rules: every folder of lib/ includes what its README's May include: names" {
  "$RULES" includes
}

# A tree with one folder of lib/ and tools/, within every rule.
make_tree() {
  R=$BATS_TEST_TMPDIR/tree
  mkdir -p "$R/lib/core" "$R/lib/handle" "$R/tools"
  printf '# lib: the architecture, no sources of its own\n' > "$R/lib/README.md"
  printf 'May include: the C++ library.\n' > "$R/lib/core/README.md"
  printf 'May include: core/, transport/transport.h.\n' > "$R/lib/handle/README.md"
  : > "$R/tools/README.md"
  printf '#include "core/a.h"\nint a() { return 1; }\n' > "$R/lib/core/a.cpp"
  printf '#include "core/a.h"\n#include "handle/h.h"\n#include "transport/transport.h"\nint h() { return 2; }\n' \
    > "$R/lib/handle/h.cpp"
  printf 'int main() { return 0; }\n' > "$R/tools/t.cpp"
}

# A function NAME of N lines.
long_function() {
  echo "int $1() {"
  for ((i = 0; i < $2 - 3; i++)); do echo "  int x$i = $i;"; done
  echo "  return 0;"
  echo "}"
}

@test "rules.sh: a tree within the rules passes" {
  make_tree
  EVT_RULES_ROOT=$R run "$RULES"
  assert_success
  assert_output ''
}

@test "rules.sh: one line per violation, naming file, function and count" {
  make_tree
  long_function big 70 >> "$R/lib/core/a.cpp"
  long_function main2 65 >> "$R/tools/t.cpp"
  for ((i = 0; i < 460; i++)); do echo "// $i"; done >> "$R/lib/handle/h.cpp"
  for ((i = 0; i < 13; i++)); do echo "void c$i(int fd) { ::close(fd); }"; done >> "$R/lib/core/a.cpp"
  printf '#include "transport/local_bus.h"\n#include "core/a.h"\n' > "$R/lib/handle/bad.cpp"
  printf '#include "handle/h.h"\n' >> "$R/lib/core/a.cpp"
  EVT_RULES_ROOT=$R run "$RULES"
  assert_failure
  assert_line 'lib/core/a.cpp:big: 70 lines (at most 60)'
  assert_line 'tools/t.cpp:main2: 65 lines (at most 60)'
  assert_line --regexp '^lib/handle/h.cpp: 46[0-9] lines \(at most 450\)$'
  assert_line 'lib/: 13 raw ::close( (at most 12; own descriptors with core/unique_fd.h): lib/core/a.cpp 13'
  assert_line "lib/handle/bad.cpp: includes \"transport/local_bus.h\", which lib/handle/README.md's \"May include:\" does not name"
  assert_line "lib/core/a.cpp: includes \"handle/h.h\", which lib/core/README.md's \"May include:\" does not name"
  [ "${#lines[@]}" -eq 6 ]
}

@test "rules.sh: exceptions in the folder's README, and the stale ones reported" {
  make_tree
  long_function big 70 >> "$R/lib/core/a.cpp"
  long_function huge 80 >> "$R/lib/core/a.cpp"
  for ((i = 0; i < 460; i++)); do echo "// $i"; done >> "$R/lib/handle/h.cpp"
  long_function main 62 > "$R/tools/t.cpp"
  cat >> "$R/lib/core/README.md" <<'EOF'

Exception: a.cpp:big, a.cpp:huge — 69 and 79 lines: for the test.
Exception: a.cpp:small — once long.
Exception: a.cpp — once long.
EOF
  printf '\nException: h.cpp — 460 lines: for the test.\nException: gone.cpp — removed.\n' >> "$R/lib/handle/README.md"
  printf 'Exception: t.cpp:main — 61 lines: for the test.\n' >> "$R/tools/README.md"
  EVT_RULES_ROOT=$R run "$RULES" functions files
  assert_failure
  assert_line 'lib/core/README.md: stale exception lib/core/a.cpp:small: no such function'
  assert_line --regexp '^lib/core/README.md: stale exception lib/core/a.cpp: [0-9]+ lines \(at most 450\)$'
  assert_line 'lib/handle/README.md: stale exception lib/handle/gone.cpp: no such file'
  [ "${#lines[@]}" -eq 3 ]
}
