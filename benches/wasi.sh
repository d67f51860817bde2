#!/usr/bin/env bash
# WASI programs doing real work, timed against node's WASI (node:wasi, V8) in one run:
#
#   benches/wasi.sh            (REPEAT=N runs per engine, median; default 3)
#
# yosys: the WASI build of Yosys shipped in the npm package @yowasp/yosys (pinned below; its core
# module imports only wasi_snapshot_preview1) synthesises benches/wasi/design.v (read_verilog;
# synth -noabc; stat) with its share/ directory preopened under `/`. ABC is left out because the
# package runs it as a separate program, which plain WASI cannot start (node fails there too).
# Engines: node (V8's default tiers), wasmo in lift-off mode (the default) and, with OPT=1, in
# optimised mode (every function at O2 before the first call: many minutes for this 31 MB module
# on a 2-core machine). Each engine's output must equal node's. First output: time to the first
# byte on stdout; total: to the exit. Markdown table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/build/bench/wasi
mkdir -p "$out"
repeat=${REPEAT:-3}
wasmo=$root/target/release/wasmo
[ -x "$wasmo" ] || cargo build --release >&2

pkg=@yowasp/yosys@0.55.944
dir=$out/yosys
if [ ! -f "$dir/package/gen/yosys.core.wasm" ]; then
  echo "wasi.sh: fetching $pkg" >&2
  rm -rf "$dir" && mkdir -p "$dir"
  tgz=$(cd "$dir" && npm pack --silent "$pkg" | tail -1)
  tar -xzf "$dir/$tgz" -C "$dir"
fi
fs=$dir/root
if [ ! -d "$fs/share" ]; then
  node benches/wasi/yowasp-share.mjs "$dir/package/gen/resources-yosys.js" "$fs"
fi
mkdir -p "$fs/tmp"
cp benches/wasi/design.v "$fs/design.v"

wasm=$dir/package/gen/yosys.core.wasm
script="read_verilog design.v; synth -top top -noabc; stat"
engines=(
  "node=node --no-warnings benches/wasi/node-wasi.mjs $wasm $fs -p '$script'"
  "wasmo lift-off=WASMO_PROGRESS_AFTER_MS=1000000000 $wasmo run --mode liftoff $wasm --dir $fs::/ -- -p '$script'"
)
if [ "${OPT:-0}" = 1 ]; then
  engines+=("wasmo optimised=WASMO_PROGRESS_AFTER_MS=1000000000 $wasmo run --mode opt $wasm --dir $fs::/ -- -p '$script'")
fi
echo "yosys ($pkg, $(stat -c %s "$wasm") bytes of wasm), median of $repeat; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo
echo "| engine | first output (ms) | total (ms) | total / node |"
echo "| --- | --: | --: | --: |"
python3 benches/wasi/time-run.py "$repeat" "${engines[@]}"
