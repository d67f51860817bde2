#!/usr/bin/env bash
# Installs Wasmo into a scratch prefix, then configures, builds and runs an outside project that
# finds it with find_package(wasmo) and CMAKE_PREFIX_PATH, a C program and a C++ one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$1
rm -rf "$work" && mkdir -p "$work"
"$here/../../scripts/install.sh" "$work/prefix" >/dev/null
cmake -S "$here" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/uses_wasmo"
"$work/build/uses_wasmo_cxx"
