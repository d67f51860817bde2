#!/usr/bin/env bash
# Installs libwasmo.so, the headers, the CMake package and the pkg-config file into PREFIX
# (default /usr/local), so that find_package(wasmo) works with CMAKE_PREFIX_PATH=PREFIX and
# `pkg-config --cflags --libs wasmo` with PKG_CONFIG_PATH=PREFIX/lib/pkgconfig (or without, for
# /usr/local and /usr). Builds the library if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/usr/local}
[ -f target/release/libwasmo.so ] || cargo build --release
install -d "$prefix/lib/cmake/wasmo" "$prefix/lib/pkgconfig" "$prefix/include"
install -m 644 target/release/libwasmo.so "$prefix/lib/"
install -m 644 include/wasm.h include/wasm.hh include/wasmo.h include/wasi.h "$prefix/include/"
install -m 644 cmake/wasmoConfig.cmake cmake/wasmoConfigVersion.cmake "$prefix/lib/cmake/wasmo/"
prefix=$(cd "$prefix" && pwd)
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" cmake/wasmo.pc.in \
  > "$prefix/lib/pkgconfig/wasmo.pc"
chmod 644 "$prefix/lib/pkgconfig/wasmo.pc"
echo "installed wasmo into $prefix"
