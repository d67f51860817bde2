#!/usr/bin/env bash
# Wasmo's benchmark suite, one command:
#
#   benches/run.sh [kernels] [exceptions] [large] [deserialize] [process]   (no argument: all five)
#
# kernels: the C kernels in benches/kernels/, compiled to wasm by clang-14 and natively by gcc -O2,
#   run by every engine: native, wasmo optimised (WASMO_MODE=opt), wasmo lift-off (WASMO_MODE=liftoff,
#   timed after tier-up), wasmtime, and node's V8 three ways (default, --liftoff-only, --no-liftoff).
# exceptions: exception handling (benches/exceptions/*.wat), run by wasmo optimised and lift-off,
#   wasmtime and V8: fib with a handler around each recursive call (try_table, and the legacy try
#   that node 20's V8 runs) against the same fib without (zero cost while nothing throws), and a
#   loop that throws and catches once per iteration (the cost of a round trip). An engine that has
#   no form of the instructions (wasmtime the legacy one, node 20 try_table) is "skipped".
# large: real .wasm modules shipped in npm packages (pinned versions below): compile time, MB/s
#   (wasmo optimised with 1 and 2 compile threads) and time from the start of compiling to the first
#   result of a small export, per engine.
# deserialize: the large modules of DESERIALIZE_MODULES (default: sqlite) compiled, serialised and
#   loaded back, by wasmo (optimised) and wasmtime: wasm_module_deserialize from bytes, and each
#   library's own load from a file (wasmo_module_deserialize_file, wasmtime_module_deserialize_file),
#   best of REPEAT each (driver --deserialize).
# process: what a program pays to start and end with each library before any module: the
#   driver's --engine-only (load the library, make an engine and a store, exit), median wall time
#   of PROCESS_REPEAT (default 20) whole processes, by benches/time-process.py; also node's own
#   start (`node -e 0`) for scale.
#
# Markdown tables go to stdout (and build/bench/report.md), progress to stderr. Results must agree
# between engines: a mismatch stops the script at once. An engine that fails on a kernel or module
# shows "failed" in its cells, with the reason listed under the tables; the script then exits 1.
#
# Environment: REPEAT=N best-of count for timed calls (default 5); LARGE_MODULES="esbuild swc ..."
# which large modules (default: sqlite esbuild swc; see the list below); BENCH_TIMEOUT=S limit for one
# engine on one large module (default 3600 s); KERNEL_TIMEOUT=S the same for a kernel (default 600 s);
# ENGINES="wasmo-opt v8 ..." runs only those engines (ids: wasmo-default wasmo-opt wasmo-opt-epoch
# (optimised, WASMO_EPOCH_INTERRUPTION=1: the cost of the checks) wasmo-liftoff
# wasmo-liftoff-cached (kernels: the second process with the code cache, benches/warm-cache.sh) wasmtime v8
# v8-liftoff v8-turbofan, and for large modules wasmo-opt-1t wasmo-opt-2t; native always runs).
# On large modules, wasmo-opt-1t is skipped while libwasmo.so ignores WASMO_THREADS and
# wasmo-liftoff while it has no lift-off mode (each would repeat the 2-thread optimised compile);
# FORCE_ALL=1 runs them anyway.
set -euo pipefail
# The whole script is one brace group, which bash reads completely before running it, so editing
# this file during a long run cannot derail the run.
{
cd "$(dirname "$0")/.."
root=$PWD

sections=()
for a in "$@"; do
  case $a in
    kernels | exceptions | large | deserialize | process) sections+=("$a") ;;
    all) sections+=(kernels exceptions large deserialize process) ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
    *) echo "benches/run.sh: unknown section '$a' (kernels, large, deserialize, process, all)" >&2; exit 2 ;;
  esac
done
[ ${#sections[@]} -gt 0 ] || sections=(kernels exceptions large deserialize process)
want() { [[ " ${sections[*]} " == *" $1 "* ]]; }
ENGINES=${ENGINES:-}
selected() { [ -z "$ENGINES" ] || [[ " $ENGINES " == *" $1 "* ]]; }

REPEAT=${REPEAT:-5}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-3600}
KERNEL_TIMEOUT=${KERNEL_TIMEOUT:-600}
WASMTIME_VERSION=${WASMTIME_VERSION:-50.0.1}

scripts/setup.sh
cargo build --release -q
out=build/bench
mkdir -p "$out"
results=$out/results.tsv   # one line per measurement; benches/report.py turns it into tables
: >"$results"
log() { printf '%s\n' "$*" >&2; }

# wasmtime's C API library, from the PyPI wheel (a registry package; nothing is built).
if [ ! -f "$out/libwasmtime.so" ] || [ "$(cat "$out/wasmtime-version" 2>/dev/null)" != "$WASMTIME_VERSION" ]; then
  rm -rf "$out/wheel" && mkdir -p "$out/wheel"
  python3 -m pip download --no-deps -q "wasmtime==$WASMTIME_VERSION" -d "$out/wheel"
  python3 - "$out" <<'PY'
import glob, sys, zipfile
out = sys.argv[1]
wheel = zipfile.ZipFile(glob.glob(f"{out}/wheel/*.whl")[0])
name = next(n for n in wheel.namelist() if n.endswith("libwasmtime.so"))
open(f"{out}/libwasmtime.so", "wb").write(wheel.read(name))
PY
  echo "$WASMTIME_VERSION" >"$out/wasmtime-version"
fi

# The same driver, linked against each library (libwasmtime.so has no SONAME: link it by -l so the
# binary records its name, not the path it was linked from).
cc -O2 -Iinclude benches/driver.c -o "$out/driver-wasmo" -Ltarget/release -lwasmo -Wl,-rpath,"$PWD/target/release"
cc -O2 -Iinclude benches/driver.c -o "$out/driver-wasmtime" -L"$out" -lwasmtime -Wl,-rpath,"$PWD/$out"

# Engines, in table order: id and command (prefix before FILE.wasm EXPORT REPEAT ARGS).
# wasmo's mode and compile threads come from the environment, as for any unmodified wasm.h program.
# wasmo-liftoff runs with --steady: after the first call it waits for tier-up (when the library has
# wasmo_module_wait_tier_up), so its run time is the steady state on optimised code.
# The on-disk code cache is always off (a cache hit would pass for a compile); other WASMO_*
# settings in the caller's environment (WASMO_OPT_LEVEL, WASMO_LAZY, WASMO_THREADS for kernels)
# pass through and are listed on the Engines line.
wasmo_env=$(env | grep -E '^WASMO_' | grep -vE '^WASMO_(MODE|CACHE_DIR)=' | sort | tr '\n' ' ' || true)
wasmo="env -u WASMO_CACHE_DIR"
have_node=1
command -v node >/dev/null || have_node=0
# wasmo-default is a plain wasm.h program: every WASMO_* variable removed, so whatever the
# library does by default (today: optimised mode) is what it measures.
wasmo_default="env $( (env | grep -oE '^WASMO_[A-Za-z0-9_]*' || true) | sed 's/^/-u /' | tr '\n' ' ')"
declare -A engine_cmd=(
  [wasmo-default]="$wasmo_default $out/driver-wasmo"
  [wasmo-opt]="$wasmo WASMO_MODE=opt $out/driver-wasmo"
  [wasmo-opt-epoch]="$wasmo WASMO_MODE=opt WASMO_EPOCH_INTERRUPTION=1 $out/driver-wasmo"
  [wasmo-liftoff]="$wasmo WASMO_MODE=liftoff $out/driver-wasmo --steady"
  [wasmo-liftoff-cached]="$wasmo benches/warm-cache.sh $out/driver-wasmo"
  [wasmtime]="$out/driver-wasmtime"
  [v8]="node benches/node-driver.mjs"
  [v8-liftoff]="node --liftoff-only benches/node-driver.mjs"
  [v8-turbofan]="node --no-liftoff benches/node-driver.mjs"
)
kernel_engines=(wasmo-default wasmo-opt wasmo-opt-epoch wasmo-liftoff wasmo-liftoff-cached wasmtime v8 v8-liftoff v8-turbofan)

# record SECTION ROW ENGINE STATUS FIELDS...: one line of the results file.
record() {
  local IFS=$'\t'
  printf '%s\n' "$*" >>"$results"
}
# measure SECTION ROW ENGINE TIMEOUT COMMAND...: runs one driver command and records its key=value
# fields, or "failed" and the reason. Sets `fields` (the line) and `result` ("" on failure).
measure() {
  local section=$1 row=$2 engine=$3 limit=$4 line rc reason
  shift 4
  fields="" result=""
  log "  $engine: $*"
  if line=$(timeout "$limit" "$@" 2>"$out/stderr"); then
    if [[ " $line" =~ \ result=([^ ]+) ]]; then
      fields=$line result=${BASH_REMATCH[1]}
      record "$section" "$row" "$engine" ok "$line"
      return 0
    fi
    reason="no result in the output: $line $(head -c 400 "$out/stderr")"
  else
    rc=$?
    reason=$(tail -c 600 "$out/stderr" | tr '\n\t' '  ')
    if [ $rc -eq 124 ]; then reason="timed out after ${limit} s"
    elif [ $rc -gt 128 ]; then reason="killed by signal $((rc - 128)) $reason"
    fi
  fi
  if [ -n "${SKIP_ON_FAILURE:-}" ]; then
    # A build a peer engine may not support (wasm64): noted, not a failure of the suite.
    log "    skipped: $SKIP_ON_FAILURE: $reason"
    record "$section" "$row" "$engine" skipped "reason=$SKIP_ON_FAILURE: ${reason:-exit status $rc}"
    return 0
  fi
  log "    failed: $reason"
  record "$section" "$row" "$engine" failed "reason=${reason:-exit status $rc}"
  return 0
}
# check_agree ROW ENGINE=RESULT...: every result that is not empty (failed) must be the same.
check_agree() {
  local row=$1 first="" pair
  shift
  for pair in "$@"; do
    [ -n "${pair#*=}" ] || continue
    if [ -z "$first" ]; then first=${pair#*=}
    elif [ "${pair#*=}" != "$first" ]; then
      echo "benches/run.sh: result mismatch on $row: $*" >&2
      exit 1
    fi
  done
}
# simd_ops FILE.wasm: how many SIMD (v128) instructions the code section holds.
simd_ops() {
  wasm-objdump -d "$1" | grep -cE '\| *(v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\.' || true
}

# ---- Engines line ----
wasmo_rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
liftoff_built=no
nm -D target/release/libwasmo.so 2>/dev/null | grep -q ' T wasmo_module_wait_tier_up$' && liftoff_built=yes
env_settings=no  # whether this libwasmo.so reads WASMO_MODE / WASMO_THREADS at all
grep -qa WASMO_THREADS target/release/libwasmo.so && env_settings=yes
node_version=$([ $have_node = 1 ] && node --version || echo "not found")
v8_version=$([ $have_node = 1 ] && node -p process.versions.v8 || echo "-")
record meta - wasmo_rev "$wasmo_rev"
record meta - liftoff_built "$liftoff_built"
record meta - env_settings "$env_settings"
record meta - wasmo_env "${wasmo_env% }"
record meta - wasmtime_version "$WASMTIME_VERSION"
record meta - node_version "$node_version"
record meta - v8_version "$v8_version"
record meta - gcc_version "$(gcc -dumpfullversion)"
record meta - clang_version "$(clang-14 --version | sed -n 's/.*clang version \([0-9.]*\).*/\1/p')"
record meta - cores "$(nproc)"
record meta - cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
# The CPU LLVM 16 (the library Wasmo links) compiles for: the host's, unless WASMO_CPU says.
record meta - llvm_cpu "${WASMO_CPU:-$(llc-16 --version | sed -n 's/^ *Host CPU: //p')}"
record meta - repeat "$REPEAT"
record meta - sections "${sections[*]}"
record meta - engines "$ENGINES"
node_missing() {  # records V8 engines as failed when node is absent
  local section=$1 row=$2 e
  for e in v8 v8-liftoff v8-turbofan; do record "$section" "$row" "$e" failed "reason=node not found on PATH"; done
}

# ---- Kernels ----
# kernel  argument  build ("-": the plain scalar build; "scalar" and "simd128": the same source
# compiled without and with -msimd128, reported as a pair in the SIMD table). Arguments are chosen
# for roughly 50-300 ms per call natively. ("switch": the plain build, named apart to stay out of
# the geometric mean like the tail-call build.)
kernels="fib 37 -
sieve 3 -
matmul 40 -
indirect 20000000 -
nbody 100000 -
stream 2 -
calls 6000000 -
hash 10000 -
blur 600 scalar
blur 600 simd128
fib 37 wasm64
sieve 3 wasm64
matmul 40 wasm64
indirect 20000000 wasm64
nbody 100000 wasm64
stream 2 wasm64
calls 6000000 wasm64
hash 10000 wasm64
tailcall 10000000 tail-call
interp 3000000 switch"

if want kernels; then
  log "== kernels (best of $REPEAT calls after the first)"
  declare -A native_done  # native "result" by kernel(arg): one native build serves every variant
  while read -r name arg build; do
    label="$name($arg)"
    flags=() wasm="$out/$name.wasm" row="$label" target=wasm32
    if [ "$build" != - ]; then
      row="$label $build"
      wasm="$out/$name-$build.wasm"
      [ "$build" = simd128 ] && flags=(-msimd128)
      # The same source for a 64-bit memory (memory64): what explicit bounds checks cost.
      [ "$build" = wasm64 ] && target=wasm64
      # Handlers that dispatch by musttail: return_call_indirect in wasm (Wasm 3.0 tail calls).
      [ "$build" = tail-call ] && flags=(-mtail-call)
    fi
    log "$row"
    clang-14 --target=$target -O2 -mbulk-memory "${flags[@]}" -nostdlib -fuse-ld=/usr/bin/wasm-ld-14 -Wl,--no-entry -Wl,--export=run \
      "benches/kernels/$name.c" -o "$wasm"
    # The pair only means something if the simd128 image really is vectorised and the scalar one is not.
    if [ "$build" = scalar ] || [ "$build" = simd128 ]; then
      n=$(simd_ops "$wasm")
      record meta "$row" simd_ops "$n"
      if { [ "$build" = simd128 ] && [ "$n" -eq 0 ]; } || { [ "$build" = scalar ] && [ "$n" -ne 0 ]; }; then
        echo "benches/run.sh: $row: unexpected SIMD instruction count $n in $wasm" >&2
        exit 1
      fi
    fi
    record meta "$row" kernel "$name $arg $build"
    if [ -z "${native_done[$label]:-}" ]; then
      gcc -O2 "benches/kernels/$name.c" benches/native.c -lm -o "$out/$name-native"
      measure kernels "$label" native "$KERNEL_TIMEOUT" "$out/$name-native" "$arg" "$REPEAT"
      native_done[$label]="native=$result"
    fi
    agree=("${native_done[$label]}")
    for e in "${kernel_engines[@]}"; do
      selected "$e" || continue
      if [[ $e == v8* && $have_node = 0 ]]; then continue; fi
      skip=""
      [ "$build" = wasm64 ] && [[ $e != wasmo* ]] && skip="its memory64 support did not run the wasm64 build"
      # shellcheck disable=SC2086  # the engine command is a word list
      SKIP_ON_FAILURE=$skip measure kernels "$row" "$e" "$KERNEL_TIMEOUT" ${engine_cmd[$e]} "$wasm" run "$REPEAT" "$arg"
      agree+=("$e=$result")
    done
    [ $have_node = 1 ] || node_missing kernels "$row"
    check_agree "$row" "${agree[@]}"
  done <<<"$kernels"
fi

# ---- Exceptions ----
# row  module (benches/exceptions/M.wat)  argument  which form of the instructions it uses
exception_rows="fib(35) fib 35 none
fib(35) fib_try 35 try_table
fib(35) fib_legacy 35 legacy
throw(100000) throw 100000 try_table
throw(100000) throw_legacy 100000 legacy"
exception_engines=(wasmo-opt wasmo-liftoff wasmtime v8)

if want exceptions; then
  log "== exceptions (best of $REPEAT calls after the first)"
  while read -r label name arg form; do
    row="$label $name"
    wasm="$out/$name.wasm"
    # The text format through the library's own wasmo_wat2wasm (the Python binding's wat2wasm).
    WASMO_LIBRARY=$PWD/target/release/libwasmo.so PYTHONPATH=bindings/python python3 -c \
      'import sys, wasmo; open(sys.argv[2], "wb").write(wasmo.wat2wasm(open(sys.argv[1]).read()))' \
      "benches/exceptions/$name.wat" "$wasm"
    log "$row"
    record meta "$row" exception "$label $name $arg $form"
    agree=()
    for e in "${exception_engines[@]}"; do
      selected "$e" || continue
      if [[ $e == v8* && $have_node = 0 ]]; then continue; fi
      skip=""
      [ "$form" = legacy ] && [ "$e" = wasmtime ] && skip="wasmtime has no legacy exception instructions"
      [ "$form" = try_table ] && [[ $e == v8* ]] && skip="node $node_version's V8 has no try_table"
      # shellcheck disable=SC2086  # the engine command is a word list
      SKIP_ON_FAILURE=$skip measure exceptions "$row" "$e" "$KERNEL_TIMEOUT" ${engine_cmd[$e]} "$wasm" run "$REPEAT" "$arg"
      agree+=("$e=$result")
    done
    check_agree "$row" "${agree[@]}"
  done <<<"$exception_rows"
fi

# ---- Large modules from npm ----
# name  package@version  file in the package  export  args  -- why that export:
#   esbuild: Go's wasm port (js/wasm). getsp() returns the goroutine stack pointer: a leaf that
#     reads a global, needs no runtime set-up and calls no import.
#   swc: Rust through wasm-bindgen. __wbindgen_add_to_stack_pointer(0) adds 0 to the shadow stack
#     pointer global and returns it: a leaf, no import.
#   biome: Rust through wasm-bindgen (45 MB). __wbindgen_malloc_command_export(16, 1): the
#     allocator, allocating 16 bytes; the command-export wrapper runs the static constructors
#     first. Calls no import (the drivers count stub calls: stub_calls=0).
#   yosys: C++ (31 MB core module of a WASI program). Its only function export is _start, which
#     runs the whole program through WASI, so no call ("-"): compile and instantiate only.
#   sqlite: SQLite through Emscripten (sql.js, 0.7 MB; export names are minified). "ra" is
#     sqlite3_column_count; given a null statement it returns 0 without calling an import.
# biome and yosys are not in the default list: an LLVM O2 compile of either takes long on 2 cores.
large_list="sqlite sql.js@1.16.0 package/dist/sql-wasm.wasm ra 0
esbuild esbuild-wasm@0.28.2 package/esbuild.wasm getsp
swc @swc/wasm@1.16.18 package/wasm_bg.wasm __wbindgen_add_to_stack_pointer 0
biome @biomejs/wasm-nodejs@2.5.14 package/biome_wasm_bg.wasm __wbindgen_malloc_command_export 16 1
yosys @yowasp/yosys@0.55.944 package/gen/yosys.core.wasm -"
LARGE_MODULES=${LARGE_MODULES:-sqlite esbuild swc}

npm_dir=$out/npm
mkdir -p "$npm_dir"
have_npm=1
command -v npm >/dev/null || have_npm=0
# fetch_large M: sets pkg file export args wasm for large module M (fetching it with npm pack on
# first use) and returns 0; on failure returns 1 with the reason in `reason`.
fetch_large() {
  local m=$1 spec tgz
  spec=$(awk -v m="$m" '$1 == m' <<<"$large_list")
  if [ -z "$spec" ]; then
    echo "benches/run.sh: unknown large module '$m' (known: $(awk '{printf "%s ", $1}' <<<"$large_list"))" >&2
    exit 2
  fi
  read -r _ pkg file export args <<<"$spec"
  read -ra args <<<"${args:-}"
  wasm=$npm_dir/$m.wasm
  log "$m: $pkg $file, export $export(${args[*]})"
  if [ ! -s "$wasm" ] || [ "$(cat "$wasm.from" 2>/dev/null)" != "$pkg $file" ]; then
    rm -f "$wasm"
    tgz=""
    if [ $have_npm = 1 ] && tgz=$(cd "$npm_dir" && npm pack --silent "$pkg" 2>"$root/$out/stderr" | tail -1) && [ -f "$npm_dir/$tgz" ]; then
      tar -xzf "$npm_dir/$tgz" -O "$file" >"$wasm.tmp" 2>"$out/stderr" && mv "$wasm.tmp" "$wasm" && echo "$pkg $file" >"$wasm.from"
    fi
  fi
  record meta "$m" module "$pkg $file $export ${args[*]}"
  if [ ! -s "$wasm" ]; then
    reason="could not fetch $pkg with npm pack: $(tr '\n\t' '  ' <"$out/stderr" | tail -c 400)"
    [ $have_npm = 1 ] || reason="npm not found on PATH"
    log "  failed: $reason"
    return 1
  fi
  record meta "$m" bytes "$(stat -c %s "$wasm")"
  return 0
}

if want large; then
  log "== large modules: $LARGE_MODULES"
  for m in $LARGE_MODULES; do
    if ! fetch_large "$m"; then
      for e in wasmo-default wasmo-opt-1t wasmo-opt-2t wasmo-liftoff wasmtime v8 v8-liftoff v8-turbofan; do
        record large "$m" "$e" failed "reason=$reason"
      done
      continue
    fi
    agree=()
    # wasmo with default settings (lift-off) and wasmo optimised: one run each (an LLVM O2 compile
    # of a large module takes minutes).
    if selected wasmo-default; then
      # shellcheck disable=SC2086
      measure large "$m" wasmo-default "$BENCH_TIMEOUT" ${engine_cmd[wasmo-default]} "$wasm" "$export" 0 "${args[@]}"
      agree+=("wasmo-default=$result")
    fi
    for threads in 1 2; do
      selected "wasmo-opt-${threads}t" || continue
      # A library that ignores WASMO_THREADS would compile the same way twice: minutes for nothing.
      if [ "$threads" = 1 ] && [ "$env_settings" = no ] && [ -z "${FORCE_ALL:-}" ]; then
        record large "$m" wasmo-opt-1t skipped "reason=this libwasmo.so does not read WASMO_THREADS"
        continue
      fi
      measure large "$m" "wasmo-opt-${threads}t" "$BENCH_TIMEOUT" $wasmo WASMO_MODE=opt WASMO_THREADS=$threads "$out/driver-wasmo" "$wasm" "$export" 0 "${args[@]}"
      agree+=("wasmo-opt-${threads}t=$result")
    done
    # Faster engines: best of up to 3 processes (by time to first result); wasmtime compiles
    # eagerly too, so it gets one run like wasmo optimised.
    for e in wasmo-liftoff wasmtime v8 v8-liftoff v8-turbofan; do
      selected "$e" || continue
      if [ "$e" = wasmo-liftoff ] && [ "$liftoff_built" = no ] && [ -z "${FORCE_ALL:-}" ]; then
        record large "$m" wasmo-liftoff skipped "reason=this libwasmo.so has no lift-off mode (it would compile optimised again)"
        continue
      fi
      if [[ $e == v8* && $have_node = 0 ]]; then continue; fi
      runs=$((REPEAT < 3 ? REPEAT : 3))
      [ "$e" = wasmtime ] && runs=1
      [ "$runs" -ge 1 ] || runs=1
      for ((k = 1; k <= runs; k++)); do
        # shellcheck disable=SC2086
        measure large "$m" "$e" "$BENCH_TIMEOUT" ${engine_cmd[$e]/ --steady/} "$wasm" "$export" 0 "${args[@]}"
        agree+=("$e=$result")
        [ -n "$result" ] || break
      done
    done
    [ $have_node = 1 ] || node_missing large "$m"
    check_agree "$m" "${agree[@]}"
  done
fi

DESERIALIZE_MODULES=${DESERIALIZE_MODULES:-sqlite}
if want deserialize; then
  log "== deserialize: $DESERIALIZE_MODULES"
  for m in $DESERIALIZE_MODULES; do
    if ! fetch_large "$m"; then
      for e in wasmo-opt wasmtime; do record deserialize "$m" "$e" failed "reason=$reason"; done
      continue
    fi
    selected wasmo-opt && measure deserialize "$m" wasmo-opt "$BENCH_TIMEOUT" $wasmo WASMO_MODE=opt "$out/driver-wasmo" --deserialize "$wasm" "$REPEAT"
    selected wasmtime && measure deserialize "$m" wasmtime "$BENCH_TIMEOUT" "$out/driver-wasmtime" --deserialize "$wasm" "$REPEAT"
  done
fi

if want process; then
  log "== process start"
  preps=${PROCESS_REPEAT:-20}
  selected wasmo-default && measure process start wasmo-default "$KERNEL_TIMEOUT" $wasmo benches/time-process.py "$preps" "$out/driver-wasmo" --engine-only
  selected wasmtime && measure process start wasmtime "$KERNEL_TIMEOUT" benches/time-process.py "$preps" "$out/driver-wasmtime" --engine-only
  if selected v8 && command -v node >/dev/null; then
    measure process start v8 "$KERNEL_TIMEOUT" benches/time-process.py "$preps" node -e 0
  fi
fi

python3 benches/report.py "$results" | tee "$out/report.md"
failed=$(awk -F'\t' '$4 == "failed"' "$results" | wc -l)
if [ "$failed" -gt 0 ]; then
  echo "benches/run.sh: $failed run(s) failed" >&2
  exit 1
fi
exit 0
}
