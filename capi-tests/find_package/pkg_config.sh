#!/usr/bin/env bash
# Installs Wasmo into a scratch prefix, then builds and runs a C program with the flags
# `pkg-config --cflags --libs wasmo` gives from that install tree, and a C++ one (wasm.hh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$1
rm -rf "$work" && mkdir -p "$work"
"$here/../../scripts/install.sh" "$work/prefix" >/dev/null
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
pkg-config --exists --print-errors wasmo
[ "$(pkg-config --modversion wasmo)" = "$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/../../Cargo.toml" | head -1)" ]
# shellcheck disable=SC2046 # the flags are words
cc -o "$work/uses_wasmo" "$here/main.c" $(pkg-config --cflags --libs wasmo)
LD_LIBRARY_PATH="$(pkg-config --variable=libdir wasmo)" "$work/uses_wasmo"
# shellcheck disable=SC2046
c++ -std=c++11 -o "$work/uses_wasmo_cxx" "$here/main.cc" $(pkg-config --cflags --libs wasmo)
LD_LIBRARY_PATH="$(pkg-config --variable=libdir wasmo)" "$work/uses_wasmo_cxx"
