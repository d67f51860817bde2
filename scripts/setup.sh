#!/usr/bin/env bash
# Installs everything Wasmo's build, tests, examples and benchmarks need on a fresh Debian machine.
# Idempotent: packages already present are skipped quickly.
set -euo pipefail

packages=(
  llvm-16-dev libllvm16 libpolly-16-dev libzstd-dev zlib1g-dev # the compiler backend (linked dynamically)
  g++                                  # src/codegen/version_loops.cpp, the C++ examples
  cmake make pkg-config                # C examples and capi-tests
  valgrind                             # leak checks on capi-tests
  gdb                                  # tests/gdb_jit.rs: backtraces through JIT code
  golang-go                            # bindings/go (cgo)
  clang-14 lld-14                      # building wasm test programs from C
  wasi-libc libclang-rt-14-dev-wasm32  # WASI test programs in C (tests/wasi)
  wabt                                 # wat2wasm / wasm2wat for examples and tests
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: cargo (Rust stable) is required" >&2; exit 1; }
