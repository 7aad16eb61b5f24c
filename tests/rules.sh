#!/usr/bin/env bash
# The standing rules of lib/ and tools/ (tests aside), with Debian's tools
# only (pmccabe, wc, grep, awk):
#
#   functions  no function over 60 lines, as pmccabe -v counts them (column 5)
#   files      no source file over 450 lines (wc -l)
#   close      at most 12 raw `::close(` in lib/: descriptors are owned
#              (core/unique_fd.h)
#   includes   each folder's `#include "..."` as its README.md's
#              "May include:" sentence allows
#
# An exception is a line of the folder's README.md:
#   Exception: FILE:FUNCTION[, FILE:FUNCTION...] — reason   (functions)
#   Exception: FILE — reason                                (files)
# FILE is relative to the folder; FUNCTION is the name pmccabe gives, or its
# last ::-separated part. An exception that no longer applies (the function or
# file is within the limit, or gone) is stale, and reported as a violation.
#
# The "May include:" sentence (up to its first full stop) names what the
# folder's files may include, spelled as the #include lines of lib/ spell it
# (relative to lib/): `D/` is any header directly in lib/D, `D/F.h` that one
# header; words without a slash (libraries) are for <...> includes and not
# checked. A folder's own headers are always allowed, its subfolders' are not.
#
# Usage: tests/rules.sh [functions|files|close|includes]...  (default: all)
# One line per violation on stderr; exit status 1 if there is any.
# EVT_RULES_ROOT: the tree to check (default: this clone).
set -u
root=${EVT_RULES_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2

MAX_FUNCTION=60
MAX_FILE=450
MAX_CLOSE=12
fail=0

violation() {
  echo "$*" >&2
  fail=1
}

# Source files of lib/ and tools/, one per line.
sources() {
  find lib tools -type f \( -name '*.cpp' -o -name '*.h' -o -name '*.cpp.in' \) | LC_ALL=C sort
}

# The exceptions of every README.md: "README<TAB>FILE<TAB>FUNCTION" per
# function named (FUNCTION empty for a whole file), FILE relative to the root.
exceptions() {
  local readme dir
  for readme in $(find lib tools -name README.md | LC_ALL=C sort); do
    dir=${readme%/README.md}
    grep -h '^Exception: ' "$readme" | sed 's/^Exception: //; s/ — .*//' |
      tr ',' '\n' | awk -v readme="$readme" -v dir="$dir" '
        { gsub(/^ +| +$/, "") }
        $0 == "" { next }
        {
          n = index($0, ":")
          if (n) print readme "\t" dir "/" substr($0, 1, n - 1) "\t" substr($0, n + 1)
          else print readme "\t" dir "/" $0 "\t"
        }'
  done
}

check_functions() {
  local long ex
  # "FILE<TAB>FUNCTION<TAB>LINES" for every function pmccabe sees.
  long=$(sources | grep -v '\.in$' | xargs pmccabe -v 2>/dev/null | awk -F'\t' '
    NF >= 6 && $1 ~ /^[0-9]+$/ {
      where = $6
      file = where; sub(/\(.*/, "", file)
      name = where; sub(/^[^)]*\): */, "", name)
      print file "\t" name "\t" $5
    }')
  ex=$(exceptions | awk -F'\t' '$3 != ""')
  # Over the limit and not excepted.
  while IFS=$'\t' read -r file name lines; do
    [ -n "$file" ] || continue
    [ "$lines" -gt "$MAX_FUNCTION" ] || continue
    if ! awk -F'\t' -v file="$file" -v name="$name" '
        $2 == file && (name == $3 || substr(name, length(name) - length($3) - 1) == "::" $3) { found = 1 }
        END { exit !found }' <<< "$ex"; then
      violation "$file:$name: $lines lines (at most $MAX_FUNCTION)"
    fi
  done <<< "$long"
  # Excepted and no longer over the limit.
  while IFS=$'\t' read -r readme file name; do
    [ -n "$readme" ] || continue
    local most
    most=$(awk -F'\t' -v file="$file" -v name="$name" '
        $1 == file && ($2 == name || substr($2, length($2) - length(name) - 1) == "::" name) {
          if ($3 > most) most = $3
        }
        END { print most + 0 }' <<< "$long")
    if [ "$most" -le "$MAX_FUNCTION" ]; then
      if [ "$most" -eq 0 ]; then
        violation "$readme: stale exception $file:$name: no such function"
      else
        violation "$readme: stale exception $file:$name: $most lines (at most $MAX_FUNCTION)"
      fi
    fi
  done <<< "$ex"
}

check_files() {
  local ex file lines readme name
  ex=$(exceptions | awk -F'\t' '$3 == ""')
  while read -r lines file; do
    [ "$file" = total ] && continue
    [ "$lines" -gt "$MAX_FILE" ] || continue
    awk -F'\t' -v file="$file" '$2 == file { found = 1 } END { exit !found }' <<< "$ex" ||
      violation "$file: $lines lines (at most $MAX_FILE)"
  done < <(sources | xargs wc -l)
  while IFS=$'\t' read -r readme file name; do
    [ -n "$readme" ] || continue
    if [ ! -f "$file" ]; then
      violation "$readme: stale exception $file: no such file"
    else
      lines=$(wc -l < "$file")
      [ "$lines" -le "$MAX_FILE" ] &&
        violation "$readme: stale exception $file: $lines lines (at most $MAX_FILE)"
    fi
  done <<< "$ex"
}

check_close() {
  local total
  total=$(grep -rF --include='*.cpp' --include='*.h' -o '::close(' lib | wc -l)
  if [ "$total" -gt "$MAX_CLOSE" ]; then
    violation "lib/: $total raw ::close( (at most $MAX_CLOSE; own descriptors with core/unique_fd.h):" \
      "$(grep -rF --include='*.cpp' --include='*.h' -c '::close(' lib | awk -F: '$2 > 0 { printf "%s%s %s", sep, $1, $2; sep = ", " }')"
  fi
}

# The paths a README's "May include:" sentence names, one per line.
allowed_includes() {
  awk '
    /^May include:/ { on = 1 }
    on && /^[[:space:]]*$/ { exit }
    on { text = text " " $0 }
    END {
      sub(/^ *May include:/, "", text)
      if (match(text, /\.( |$)/)) text = substr(text, 1, RSTART - 1)
      while (match(text, /[a-z_0-9]+(\/[a-z_0-9]+)*\/([a-z_0-9]+\.h)?/)) {
        print substr(text, RSTART, RLENGTH)
        text = substr(text, RSTART + RLENGTH)
      }
    }' "$1"
}

check_includes() {
  local readme dir folder allowed file inc incdir ok
  for readme in $(find lib -name README.md | LC_ALL=C sort); do
    dir=${readme%/README.md}
    folder=${dir#lib/}
    # lib/README.md is the architecture: no sources of its own.
    [ -n "$(find "$dir" -maxdepth 1 -type f \( -name '*.cpp' -o -name '*.h' \) -print -quit)" ] || continue
    if ! grep -q '^May include:' "$readme"; then
      violation "$readme: no \"May include:\" line"
      continue
    fi
    allowed=$(allowed_includes "$readme")
    for file in $(find "$dir" -maxdepth 1 -type f \( -name '*.cpp' -o -name '*.h' -o -name '*.cpp.in' \) | LC_ALL=C sort); do
      while read -r inc; do
        [ -n "$inc" ] || continue
        incdir=${inc%/*}
        [ "$incdir" = "$inc" ] && incdir=
        [ "$incdir" = "$folder" ] && continue
        ok=0
        while read -r a; do
          [ -n "$a" ] || continue
          if [ "$a" = "$inc" ] || [ "$a" = "$incdir/" ]; then ok=1; break; fi
        done <<< "$allowed"
        [ "$ok" = 1 ] || violation "$file: includes \"$inc\", which $readme's \"May include:\" does not name"
      done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
    done
  done
}

rules=("$@")
[ ${#rules[@]} -gt 0 ] || rules=(functions files close includes)
for rule in "${rules[@]}"; do
  case $rule in
    functions | files | close | includes) "check_$rule" ;;
    *) echo "rules.sh: unknown rule $rule (functions, files, close, includes)" >&2; exit 2 ;;
  esac
done
exit "$fail"
