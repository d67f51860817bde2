#!/usr/bin/env bash
# The main job: set up the machine, build libwasmo.so, build the C examples (and their C++
# counterparts, examples-cxx/) against it with CMake (find_package(wasmo)) and run every one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release
cmake -S examples-c -B build/examples -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/examples -j2
filter='^(UpdateCTestConfiguration|Parse Config|Constructing|Updating test list|Checking test dependency|Test project|test [0-9]+$|Test command|Working Directory|Environment variables|Test timeout|Start )'
ctest --test-dir build/examples --output-on-failure -V 2>&1 | grep -vE "$filter"
# The same programs' C++ counterparts, through wasm.hh.
cmake -S examples-cxx -B build/examples-cxx -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/examples-cxx -j2
ctest --test-dir build/examples-cxx --output-on-failure -V 2>&1 | grep -vE "$filter"
