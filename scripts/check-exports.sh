#!/usr/bin/env bash
# Compares libwasmo.so's exported symbols with the 280 functions of the standard wasm.h
# (capi-tests/wasm_h_functions.txt). Prints the missing ones. Fails if a function is missing that
# capi-tests/not_yet_exported.txt does not list, or if a listed one is in fact exported.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
lib=${1:-$here/target/release/libwasmo.so}
all=$here/capi-tests/wasm_h_functions.txt
allowed=$here/capi-tests/not_yet_exported.txt

exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort -u)
missing=$(comm -23 <(sort -u "$all") <(echo "$exported"))
listed=$( { grep -v '^#' "$allowed" || true; } | awk 'NF {print $1}' | sort -u)

total=$(wc -l < "$all")
n_missing=$(echo -n "$missing" | grep -c . || true)
echo "libwasmo.so exports $((total - n_missing)) of the $total wasm.h functions"
[ -z "$missing" ] || { echo "missing:"; echo "$missing" | sed 's/^/  /'; }

status=0
unexpected=$(comm -23 <(echo "$missing") <(echo "$listed") | grep . || true)
if [ -n "$unexpected" ]; then
  echo "FAIL: missing but not listed in not_yet_exported.txt:"; echo "$unexpected" | sed 's/^/  /'
  status=1
fi
stale=$(comm -13 <(echo "$missing") <(echo "$listed") | grep . || true)
if [ -n "$stale" ]; then
  echo "FAIL: exported but still listed in not_yet_exported.txt:"; echo "$stale" | sed 's/^/  /'
  status=1
fi
# Every exported wasm_/wasmo_/wasi_ function must be declared by the headers with a compatible type:
# compile a reference to each one (an undeclared name is an error under -Werror).
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
{
  echo '#include "wasmo.h"'
  echo '#include "wasi.h"'
  echo 'void* wasmo_all_exports[] = {'
  nm -D --defined-only "$lib" | awk '{print $3}' | grep -E '^(wasmo?|wasi)_' | sort -u | sed 's/.*/  (void*)\&&,/'
  echo '};'
} > "$probe/exports.c"
if ! LC_ALL=C cc -std=c11 -Wall -Werror -Wno-pedantic -c -I "$here/include" "$probe/exports.c" -o "$probe/exports.o" 2> "$probe/log"; then
  echo "FAIL: exported functions that the headers do not declare:"
  grep -oE "'(wasmo?|wasi)_[a-z0-9_]+' undeclared|implicit declaration of function '[a-z0-9_]+'" "$probe/log" | sort -u | sed 's/^/  /'
  status=1
fi
exit $status
