// Wasmo's extensions to the WebAssembly C API.
//
// GENERATED FILE: the declarations between the @generated markers come from src/capi/wasmo.rs
// through cbindgen; the rest is the template src/capi/header/wasmo.h.in. Regenerate with
// `scripts/gen-headers.sh`; `cargo test --test headers` fails when they drift apart.

#ifndef WASMO_H
#define WASMO_H

#include "wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

// Value kind of `v128`, which upstream wasm.h lacks; reported by wasm_valtype_kind for SIMD
// types in module reflection.
#define WASMO_V128 4

// Compile modes (see wasmo_config_set_mode).
typedef uint8_t wasmo_mode_t;
enum wasmo_mode_enum {
  // Every function compiled once through LLVM's optimisation pipeline.
  WASMO_MODE_OPTIMIZED = 0,
  // A fast unoptimised first tier, recompiled optimised in the background.
  WASMO_MODE_LIFTOFF = 1,
};

// The message of the last failed Wasmo call on this thread (a NUL-terminated string owned by
// Wasmo, valid until the next call that fails or clears it), or NULL after a successful call.
WASM_API_EXTERN const char *wasmo_error_message(void);

// Forgets this thread's last error.
WASM_API_EXTERN void wasmo_error_clear(void);

// Selects the compile mode (`WASMO_MODE_OPTIMIZED` or `WASMO_MODE_LIFTOFF`); false for any
// other value.
WASM_API_EXTERN bool wasmo_config_set_mode(wasm_config_t *config, wasmo_mode_t mode);

// Sets the LLVM optimisation level of the optimised tier, 0 to 3; false otherwise.
WASM_API_EXTERN bool wasmo_config_set_opt_level(wasm_config_t *config, uint32_t level);

// Sets the number of compile worker threads; 0 means one per available core.
WASM_API_EXTERN bool wasmo_config_set_compile_threads(wasm_config_t *config, uint32_t threads);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // WASMO_H
