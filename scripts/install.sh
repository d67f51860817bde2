#!/usr/bin/env bash
# Installs libwasmo.so, the headers and the CMake package into PREFIX (default /usr/local), so
# that find_package(wasmo) works with CMAKE_PREFIX_PATH=PREFIX. Builds the library if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/usr/local}
[ -f target/release/libwasmo.so ] || cargo build --release
install -d "$prefix/lib/cmake/wasmo" "$prefix/include"
install -m 644 target/release/libwasmo.so "$prefix/lib/"
install -m 644 include/wasm.h include/wasmo.h include/wasi.h "$prefix/include/"
install -m 644 cmake/wasmoConfig.cmake cmake/wasmoConfigVersion.cmake "$prefix/lib/cmake/wasmo/"
echo "installed wasmo into $prefix"
