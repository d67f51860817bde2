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

# kernel  argument  repeats
kernels="fib 30 5
sieve 3 5
matmul 20 5
indirect 20000000 5"
REPEAT=${REPEAT:-}

echo "| kernel | wasmo run ms | wasmtime run ms | native gcc -O2 ms | wasmo / wasmtime | wasmo / native | wasmo compile ms | wasmtime compile ms | wasmo instantiate ms | wasmtime instantiate ms |"
echo "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |"
geo_wt=0; geo_nat=0; count=0
while read -r name arg repeat; do
  repeat=${REPEAT:-$repeat}
  clang-14 --target=wasm32 -O2 -mbulk-memory -nostdlib -fuse-ld=/usr/bin/wasm-ld-14 -Wl,--no-entry -Wl,--export=run \
    "benches/kernels/$name.c" -o "$out/$name.wasm"
  gcc -O2 "benches/kernels/$name.c" benches/native.c -o "$out/$name-native"
  read -r wc wi wr wres < <("$out/driver-wasmo" "$out/$name.wasm" "$arg" "$repeat")
  read -r tc ti tr tres < <("$out/driver-wasmtime" "$out/$name.wasm" "$arg" "$repeat")
  read -r _ _ nr nres < <("$out/$name-native" "$arg" "$repeat")
  if [ "$wres" != "$tres" ] || [ "$wres" != "$nres" ]; then
    echo "result mismatch on $name: wasmo $wres, wasmtime $tres, native $nres" >&2
    exit 1
  fi
  r_wt=$(python3 -c "print(f'{$wr/$tr:.2f}')")
  r_nat=$(python3 -c "print(f'{$wr/$nr:.2f}')")
  echo "| $name($arg) | $wr | $tr | $nr | $r_wt | $r_nat | $wc | $tc | $wi | $ti |"
  geo_wt=$(python3 -c "import math;print($geo_wt+math.log($wr/$tr))")
  geo_nat=$(python3 -c "import math;print($geo_nat+math.log($wr/$nr))")
  count=$((count + 1))
done <<< "$kernels"
python3 -c "import math;print(f'| geometric mean | | | | {math.exp($geo_wt/$count):.2f} | {math.exp($geo_nat/$count):.2f} | | | | |')"
echo
echo "Engines: wasmo $(git rev-parse --short HEAD) (optimised, O2), wasmtime $(ls $out/wheel 2>/dev/null | sed -n 's/wasmtime-\([0-9.]*\)-.*/\1/p') (Cranelift), host $(nproc) cores."
