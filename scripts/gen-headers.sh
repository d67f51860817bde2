#!/usr/bin/env bash
# Regenerates include/wasm.h, include/wasmo.h and include/wasi.h from src/capi/ (see tests/headers.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
WASMO_BLESS=1 cargo test --release --test headers -q
