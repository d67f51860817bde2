#!/usr/bin/env bash
# Checks that the C API tests call everything libwasmo.so offers: every exported wasm_*/wasmo_*/wasi_*
# function (from nm), plus wasm.h's static inline helpers, its wasm_name_* alias macros and its
# convenience macros (WASM_*_VAL, WASM_*_VEC), which exist only in the header.
#
# A name counts as covered when it appears as a whole identifier in the code (comments stripped)
# of some capi-tests/test_*.c or test_*.cc file. Prints the uncovered names and fails if any.
#
# Usage: scripts/check-capi-coverage.sh [path/to/libwasmo.so]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
lib=${1:-$here/target/release/libwasmo.so}
header=$here/include/wasm.h
tests_dir=$here/capi-tests

[ -f "$lib" ] || { echo "FAIL: no library at $lib" >&2; exit 2; }

exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -E '^(wasmo?|wasi)_' | sort -u)
[ -n "$exported" ] || { echo "FAIL: $lib exports no wasm_/wasmo_ function" >&2; exit 2; }

# Header-only API: static inline functions (except wasm__ internals), the wasm_name_* aliases,
# and the macros of the "Convenience" section.
inline_fns=$(grep -oE 'static inline [^(]*\bwasm_[a-z0-9_]+\(' "$header" |
  grep -oE 'wasm_[a-z0-9_]+\($' | tr -d '(' | grep -v '^wasm__' | sort -u)
alias_macros=$(grep -oE '^#define +wasm_name_[a-z0-9_]+' "$header" | awk '{print $2}' | sort -u)
convenience_macros=$(sed -n '/^\/\/ Convenience/,$p' "$header" |
  grep -oE '^#define +WASM_[A-Z0-9_]+' | awk '{print $2}' | sort -u)
header_only=$(printf '%s\n%s\n%s\n' "$inline_fns" "$alias_macros" "$convenience_macros" | grep . | sort -u)
[ -n "$inline_fns" ] && [ -n "$convenience_macros" ] ||
  { echo "FAIL: found no inline helpers or macros in $header" >&2; exit 2; }

shopt -s nullglob
test_files=("$tests_dir"/test_*.c "$tests_dir"/test_*.cc)
[ ${#test_files[@]} -gt 0 ] || { echo "FAIL: no capi-tests/test_*.c or test_*.cc" >&2; exit 2; }

# Every identifier used in the test code, comments removed.
used=$(cat "${test_files[@]}" |
  perl -0777 -pe 's{/\*.*?\*/}{ }gs; s{//[^\n]*}{}g' |
  grep -oE '[A-Za-z_][A-Za-z0-9_]*' | sort -u)

status=0
report() {  # report <label> <names>
  local label=$1 names=$2
  local total missing n_missing
  total=$(echo "$names" | grep -c .)
  missing=$(comm -23 <(echo "$names") <(echo "$used") | grep . || true)
  n_missing=$(echo -n "$missing" | grep -c . || true)
  echo "$label: $((total - n_missing)) of $total called by capi-tests/test_*"
  if [ -n "$missing" ]; then
    echo "FAIL: $label not called by any test:"
    echo "$missing" | sed 's/^/  /'
    status=1
  fi
}
report "exported functions" "$exported"
report "wasm.h inline helpers and macros" "$header_only"
exit $status
