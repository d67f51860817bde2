#!/usr/bin/env bash
# The differential fuzzer: N modules per configuration (scalar, simd, trap-free, wasm3,
# exceptions) from SEED, each run in Wasmo's optimised, lift-off and serialised modes and in
# wasmi (exceptions: against optimised mode), plus byte mutations of modules and artifacts.
# The regression cases of tests/fuzz-regressions/ are replayed first.
#
#   scripts/fuzz.sh [N] [SEED] [more options of tests/fuzz/main.rs, e.g. --configs scalar]
#
# Exits non-zero on any mismatch, panic or failing regression case. FUZZ_ALLOW_KNOWN=1 (for CI,
# while the bugs are open) lets mismatches in the classes tests/fuzz-regressions/KNOWN.md lists
# through, still printing them with their bug. Findings go to target/fuzz-findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
seed=${2:-1}
shift $(( $# < 2 ? $# : 2 ))
mode=--strict
if [ "${FUZZ_ALLOW_KNOWN:-0}" = 1 ]; then mode=--allow-known; fi
export CARGO_TERM_COLOR=never
cargo test --release -j "${FUZZ_JOBS:-$(nproc)}" --test fuzz -- \
  --modules "$n" --seed "$seed" "$mode" "$@"
