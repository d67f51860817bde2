#!/usr/bin/env bash
# The O2 pipeline study: each choice of Wasmo's tuned pipeline (`Tuning` in src/codegen/mod.rs)
# flipped one at a time, plus LLVM's own default<O1> and default<O3>, measured for
#   - run time on every kernel of benches/run.sh (best of REPEAT calls after the first, and best
#     over ROUNDS rounds: the variants take turns within a round, so drift on a shared machine
#     hits them alike);
#   - compile time (2 threads, best over ROUNDS) on SQLite as shipped by the npm package
#     sql.js@1.16.0 (672 KB of code, 1968 functions): a mid-sized real module whose O2 compile
#     takes seconds, not the large modules' minutes.
#
#   benches/pipeline.sh            (ROUNDS=3 REPEAT=5 by default)
#
# Prints a markdown table (also build/bench/pipeline.md): each variant's time over the default
# pipeline's, per kernel, their geometric mean, and SQLite's compile time. Below 1 is faster.
# The kernels' .wasm files and the driver come from benches/run.sh; they are built when missing.
set -euo pipefail
{
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
REPEAT=${REPEAT:-5}
out=build/bench
log() { printf '%s\n' "$*" >&2; }

kernels="fib 37
sieve 3
matmul 40
indirect 20000000
nbody 100000
stream 2
calls 6000000
hash 10000
blur-scalar 600
blur-simd128 600"
variants="default -
slp+ WASMO_LLVM_SLP=1
unroll+ WASMO_LLVM_UNROLL=1
no-loop-vectorize WASMO_LLVM_VECTORIZE=0
no-inline WASMO_LLVM_INLINE=0
no-gvn WASMO_LLVM_GVN=0
no-licm WASMO_LLVM_LICM=0
no-plain-float WASMO_LLVM_PLAIN_FLOAT=0
no-unroll-and-jam WASMO_LLVM_UNROLL_AND_JAM=0
no-version-loops WASMO_LLVM_VERSION_LOOPS=0
llvm-O1 WASMO_OPT_LEVEL=1
llvm-O3 WASMO_OPT_LEVEL=3"

missing=0
while read -r k _; do [ -s "$out/$k.wasm" ] || missing=1; done <<<"$kernels"
[ -x "$out/driver-wasmo" ] || missing=1
if [ $missing = 1 ]; then
  log "building the kernels and the driver (benches/run.sh kernels, wasmo only)"
  ENGINES=wasmo-opt REPEAT=1 benches/run.sh kernels >/dev/null
else
  cargo build --release -q
fi

sqlite=$out/npm/sqlite.wasm
if [ ! -s "$sqlite" ]; then
  mkdir -p "$out/npm"
  tgz=$(cd "$out/npm" && npm pack --silent sql.js@1.16.0 | tail -1)
  tar -xzf "$out/npm/$tgz" -O package/dist/sql-wasm.wasm >"$sqlite.tmp" && mv "$sqlite.tmp" "$sqlite"
fi

results=$out/pipeline.tsv
: >"$results"
# run VARIANT SETTING THREADS ROW ARGS...: one driver process; records compile and run times.
run() {
  local variant=$1 setting=$2 threads=$3 row=$4 line
  shift 4
  [ "$setting" = - ] && setting=
  # shellcheck disable=SC2086
  line=$(env -u WASMO_CACHE_DIR WASMO_MODE=opt WASMO_THREADS="$threads" $setting "$out/driver-wasmo" "$@")
  [[ " $line" =~ \ compile=([^ ]+).*\ run=([^ ]+).*\ result=([^ ]+) ]] || {
    log "no result from $variant on $row: $line"
    exit 1
  }
  printf '%s\t%s\t%s\t%s\t%s\n' "$variant" "$row" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" \
    "${BASH_REMATCH[3]}" >>"$results"
}
for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round of $ROUNDS"
  while read -r k arg; do
    while read -r variant setting; do
      run "$variant" "$setting" 1 "$k" "$out/$k.wasm" run "$REPEAT" "$arg"
    done <<<"$variants"
  done <<<"$kernels"
  while read -r variant setting; do
    # sqlite3_column_count(NULL) = 0: a leaf export that calls no import.
    run "$variant" "$setting" 2 sqlite "$sqlite" ra 0 0
  done <<<"$variants"
done

python3 - "$results" "$(git rev-parse --short HEAD)" <<'PY' | tee "$out/pipeline.md"
import collections, math, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
best = collections.defaultdict(lambda: math.inf)   # (variant, row, "compile"|"run") -> best ms
results = collections.defaultdict(set)
for variant, row, compile_ms, run_ms, result in rows:
    best[variant, row, "compile"] = min(best[variant, row, "compile"], float(compile_ms))
    if run_ms != "-":
        best[variant, row, "run"] = min(best[variant, row, "run"], float(run_ms))
    results[row].add(result)
bad = [r for r, s in results.items() if len(s) > 1]
if bad:
    sys.exit(f"results differ between variants on: {', '.join(bad)}")
variants = list(dict.fromkeys(r[0] for r in rows))
kernels = [r for r in dict.fromkeys(r[1] for r in rows) if r != "sqlite"]
print(f"Pipeline study at {sys.argv[2]}: run time over the default pipeline's (best of each cell's"
      f" rounds; below 1 is faster); SQLite (sql.js@1.16.0) compile time with 2 threads.\n")
print("| variant | " + " | ".join(kernels) + " | geomean | SQLite compile s | compile ratio |")
print("| --- |" + " --: |" * (len(kernels) + 3))
for v in variants:
    ratios = [best[v, k, "run"] / best["default", k, "run"] for k in kernels]
    geo = math.exp(sum(map(math.log, ratios)) / len(ratios))
    c = best[v, "sqlite", "compile"] / 1000
    cr = best[v, "sqlite", "compile"] / best["default", "sqlite", "compile"]
    print(f"| {v} | " + " | ".join(f"{r:.2f}" for r in ratios) + f" | {geo:.3f} | {c:.1f} | {cr:.2f} |")
print("\nDefault pipeline, absolute: " + ", ".join(
    f"{k} {best['default', k, 'run']:.1f} ms" for k in kernels) + ".")
PY
}
