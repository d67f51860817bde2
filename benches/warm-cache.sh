#!/usr/bin/env bash
# benches/warm-cache.sh DRIVER FILE.wasm EXPORT REPEAT [ARG...]: lift-off with the code cache, the
# second process. Runs DRIVER once in lift-off mode with a fresh cache directory and --steady (one
# call, then tier-up, whose optimised code goes to the cache's tier-up record), then again with the
# same cache and prints that second run's line: its first result is what a program sees the next
# time it starts.
set -euo pipefail
driver=$1
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
file=$1 export=$2 repeat=$3
shift 3
WASMO_MODE=liftoff WASMO_CACHE_DIR=$dir "$driver" --steady "$file" "$export" 1 "$@" >/dev/null
WASMO_MODE=liftoff WASMO_CACHE_DIR=$dir "$driver" "$file" "$export" "$repeat" "$@"
