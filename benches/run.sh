#!/usr/bin/env bash
# Benchmarks Wasmo against wasmtime (libwasmtime.so from the PyPI `wasmtime` wheel, through the
# same wasm.h driver) and native gcc -O2 on the kernels in benches/kernels/, and prints a
# markdown table. One command: benches/run.sh   (set REPEAT=N to change the best-of count)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release -q
out=build/bench
mkdir -p "$out"

# wasmtime's C API library, from the PyPI wheel (a registry package; nothing is built).
if [ ! -f "$out/libwasmtime.so" ]; then
  rm -rf "$out/wheel" && mkdir -p "$out/wheel"
  python3 -m pip download --no-deps -q wasmtime -d "$out/wheel"
  python3 - "$out" <<'PY'
import glob, sys, zipfile
out = sys.argv[1]
wheel = zipfile.ZipFile(glob.glob(f"{out}/wheel/*.whl")[0])
name = next(n for n in wheel.namelist() if n.endswith("libwasmtime.so"))
open(f"{out}/libwasmtime.so", "wb").write(wheel.read(name))
print("wasmtime wheel:", glob.glob(f"{out}/wheel/*.whl")[0].split("/")[-1])
PY
fi

cc -O2 -Iinclude benches/driver.c -o "$out/driver-wasmo" -Ltarget/release -lwasmo -Wl,-rpath,"$PWD/target/release"
cc -O2 -Iinclude benches/driver.c -o "$out/driver-wasmtime" "$out/libwasmtime.so" -Wl,-rpath,"$PWD/$out"

# kernel  argument  repeats  build ("-": the plain scalar build; "scalar" and "simd128": the same
# source compiled without and with -msimd128, reported as a pair in the SIMD table below)
kernels="fib 30 5 -
sieve 3 5 -
matmul 20 5 -
indirect 20000000 5 -
blur 600 5 scalar
blur 600 5 simd128"
REPEAT=${REPEAT:-}

failures=()  # "engine on kernel: why", reported after the tables; the script then exits 1
declare -A ms  # run ms by "engine kernel(arg) build", for the SIMD table
declare -A native_done  # native results by kernel(arg): the native build is the same for every variant

# measure ENGINE LABEL COMMAND...: runs one timing command and sets c i r res (compile, instantiate,
# run ms, result), or records why it failed and sets all four to "failed".
measure() {
  local engine=$1 label=$2 line
  shift 2
  if line=$("$@" 2>"$out/stderr") && read -r c i r res <<<"$line" && [[ "$res" =~ ^-?[0-9]+$ ]]; then
    return 0
  fi
  c=failed i=failed r=failed res=failed
  line=$(<"$out/stderr")
  failures+=("$engine on $label: ${line//$'\n'/ }")
}
# ratio A B: A/B to two decimals, or "-" when either is not a number (a failed run).
ratio() {
  if [[ "$1" =~ ^[0-9.]+$ && "$2" =~ ^[0-9.]+$ ]]; then python3 -c "print(f'{$1/$2:.2f}')"; else echo -; fi
}
# simd_ops FILE.wasm: how many SIMD (v128) instructions the code section holds.
simd_ops() {
  wasm-objdump -d "$1" | grep -cE '\| *(v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\.' || true
}

# Main table: one row per build; the geometric mean covers the plain ("-") kernels only.
echo "| kernel | wasmo run ms | wasmtime run ms | native gcc -O2 ms | wasmo / wasmtime | wasmo / native | wasmo compile ms | wasmtime compile ms | wasmo instantiate ms | wasmtime instantiate ms |"
echo "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |"
geo_wt=0; geo_nat=0; count=0; geo_names=()
simd_notes=()
while read -r name arg repeat build; do
  repeat=${REPEAT:-$repeat}
  label="$name($arg)"
  flags=() wasm="$out/$name.wasm" row="$label"
  if [ "$build" != - ]; then
    row="$label $build"
    wasm="$out/$name-$build.wasm"
    [ "$build" = simd128 ] && flags=(-msimd128)
  fi
  clang-14 --target=wasm32 -O2 -mbulk-memory "${flags[@]}" -nostdlib -fuse-ld=/usr/bin/wasm-ld-14 -Wl,--no-entry -Wl,--export=run \
    "benches/kernels/$name.c" -o "$wasm"
  # The pair only means something if the simd128 image really is vectorised and the scalar one is not.
  if [ "$build" != - ]; then
    n=$(simd_ops "$wasm")
    simd_notes+=("$row: $n SIMD instructions in the code section")
    if { [ "$build" = simd128 ] && [ "$n" -eq 0 ]; } || { [ "$build" = scalar ] && [ "$n" -ne 0 ]; }; then
      echo "$row: unexpected SIMD instruction count $n in $wasm" >&2
      exit 1
    fi
  fi
  if [ -z "${native_done[$label]:-}" ]; then
    gcc -O2 "benches/kernels/$name.c" benches/native.c -o "$out/$name-native"
    measure native "$row" "$out/$name-native" "$arg" "$repeat"
    native_done[$label]="$r $res"
  fi
  read -r nr nres <<<"${native_done[$label]}"
  measure wasmo "$row" "$out/driver-wasmo" "$wasm" "$arg" "$repeat"
  wc=$c wi=$i wr=$r wres=$res
  measure wasmtime "$row" "$out/driver-wasmtime" "$wasm" "$arg" "$repeat"
  tc=$c ti=$i tr=$r tres=$res
  # Results must agree between every engine that ran.
  ok=()
  for v in "$wres" "$tres" "$nres"; do [ "$v" = failed ] || ok+=("$v"); done
  for v in "${ok[@]}"; do
    if [ "$v" != "${ok[0]}" ]; then
      echo "result mismatch on $row: wasmo $wres, wasmtime $tres, native $nres" >&2
      exit 1
    fi
  done
  r_wt=$(ratio "$wr" "$tr")
  r_nat=$(ratio "$wr" "$nr")
  echo "| $row | $wr | $tr | $nr | $r_wt | $r_nat | $wc | $tc | $wi | $ti |"
  ms["wasmo $label $build"]=$wr
  ms["wasmtime $label $build"]=$tr
  ms["native $label"]=$nr
  # The geometric mean covers the plain kernels only, and only where all three engines ran.
  if [ "$build" = - ] && [ "$r_wt" != - ] && [ "$r_nat" != - ]; then
    geo_wt=$(python3 -c "import math;print($geo_wt+math.log($wr/$tr))")
    geo_nat=$(python3 -c "import math;print($geo_nat+math.log($wr/$nr))")
    count=$((count + 1))
    geo_names+=("$name")
  fi
done <<< "$kernels"
if [ "$count" -gt 0 ]; then
  names=$(printf '%s, ' "${geo_names[@]}")
  python3 -c "import math;print(f'| geometric mean (${names%, }) | | | | {math.exp($geo_wt/$count):.2f} | {math.exp($geo_nat/$count):.2f} | | | | |')"
fi

# SIMD: each kernel built both ways, scalar vs -msimd128, per engine.
simd_rows=$(awk '$4 == "simd128" {print $1 "(" $2 ")"}' <<<"$kernels")
if [ -n "$simd_rows" ]; then
  echo
  echo "| SIMD kernel | engine | scalar ms | simd128 ms | simd128 speedup (scalar / simd128) |"
  echo "| --- | --- | --: | --: | --: |"
  for label in $simd_rows; do
    for engine in wasmo wasmtime; do
      s=${ms["$engine $label scalar"]} v=${ms["$engine $label simd128"]}
      echo "| $label | $engine | $s | $v | $(ratio "$s" "$v") |"
    done
    echo "| $label | native gcc -O2 (one build) | ${ms["native $label"]} | | |"
  done
  echo
  for label in $simd_rows; do
    echo "$label wasmo / wasmtime run time: simd128 build $(ratio "${ms["wasmo $label simd128"]}" "${ms["wasmtime $label simd128"]}"), scalar build $(ratio "${ms["wasmo $label scalar"]}" "${ms["wasmtime $label scalar"]}") (below 1: wasmo faster; \"-\": an engine failed)."
  done
  printf '%s.\n' "${simd_notes[@]}"
fi
echo
echo "Engines: wasmo $(git rev-parse --short HEAD) (optimised, O2), wasmtime $(ls $out/wheel 2>/dev/null | sed -n 's/wasmtime-\([0-9.]*\)-.*/\1/p') (Cranelift), host $(nproc) cores."

if [ ${#failures[@]} -gt 0 ]; then
  echo
  echo "FAILED runs (their cells show \"failed\"):"
  printf -- '- %s\n' "${failures[@]}"
  printf 'benches/run.sh: %d run(s) failed\n' "${#failures[@]}" >&2
  exit 1
fi
