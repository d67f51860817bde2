#!/usr/bin/env bash
# Every test: set up the machine, then the Rust tests (unit tests, header drift, spec runner in the
# default lift-off mode, then in optimised mode), the C API tests under valgrind and the C examples
# (in both modes), the Python and Go bindings, all against one release build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TERM_COLOR=never
jobs=$(nproc)

echo "== cargo test (release; unit, integration and doc tests, the crate docs' example included)"
cargo build --release
cargo test --release -j "$jobs"
echo "== cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -q

echo "== spec tests again in optimised mode (every function at O2 up front; the default is lift-off),"
echo "   every body the fast validation path accepts validated by wasmparser too (abort if it is invalid)"
WASMO_MODE=opt WASMO_VALIDATE_CROSSCHECK=1 cargo test --release --test spec
echo "== spec tests and trap order again without loop versioning (WASMO_LLVM_VERSION_LOOPS=0), optimised mode"
WASMO_MODE=opt WASMO_LLVM_VERSION_LOOPS=0 cargo test --release --test spec --test trap_order
echo "== spec tests again through serialisation (every module serialised and deserialised)"
WASMO_SPEC_SERIALIZE=1 cargo test --release --test spec
echo "== spec tests again with epoch interruption (a check at every function entry and loop back-edge), both modes"
WASMO_EPOCH_INTERRUPTION=1 cargo test --release --test spec
WASMO_MODE=opt WASMO_EPOCH_INTERRUPTION=1 cargo test --release --test spec

echo "== spec tests again with eager on-stack replacement (every loop that runs continues in an entry at once)"
WASMO_OSR_EAGER=1 cargo test --release --test spec

echo "== differential fuzzer, fixed seed (known open bugs reported, not failing)"
WASMO_VALIDATE_CROSSCHECK=1 FUZZ_ALLOW_KNOWN=1 scripts/fuzz.sh 1000 1   # about 50 s
echo "== differential fuzzer with eager on-stack replacement in lift-off mode"
WASMO_OSR_EAGER=1 FUZZ_ALLOW_KNOWN=1 scripts/fuzz.sh 300 2   # about 25 s

echo "== capi-tests (CTest, valgrind)"
cmake -S capi-tests -B build/capi-tests -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/capi-tests -j "$jobs"
ctest --test-dir build/capi-tests --output-on-failure -j "$jobs"

echo "== Python bindings (pip install into a fresh venv, pytest)"
rm -rf build/python-venv
python3 -m venv build/python-venv
build/python-venv/bin/pip install -q ./bindings/python pytest
(cd build && python-venv/bin/python -m pytest -q -p no:cacheprovider ../bindings/python/tests)

echo "== Go bindings (go vet, go test)"
(cd bindings/go && go vet ./... && go test -count=1 ./...)

echo "== examples-c (CTest)"
cmake -S examples-c -B build/examples -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/examples -j "$jobs"
ctest --test-dir build/examples --output-on-failure -j "$jobs"
echo "== examples-c again in optimised mode"
WASMO_MODE=opt ctest --test-dir build/examples --output-on-failure -j "$jobs"
echo "== examples-cxx (CTest; C++11 through wasm.hh), both modes"
cmake -S examples-cxx -B build/examples-cxx -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/examples-cxx -j "$jobs"
ctest --test-dir build/examples-cxx --output-on-failure -j "$jobs"
WASMO_MODE=opt ctest --test-dir build/examples-cxx --output-on-failure -j "$jobs"
