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
//
// A v128 value never goes through a wasm_val_t (its union has 8 bytes), as it never crosses
// into JavaScript in the JS API: wasm_func_call on a function with v128 in its type returns a
// trap, a host function with v128 in its type may be created and imported but traps when called
// (its callback never runs), and wasm_global_new/get/set refuse v128 globals (see their
// comments in wasm.h). The wasmo_global_*_v128 functions below read, write and create v128
// globals as 16 bytes in little-endian lane order, as in linear memory: byte 0 is lane 0 of the
// i8x16 view, bytes 0-3 are lane 0 of the i32x4 view (least significant byte first), and so on.
#define WASMO_V128 4

// Typed references (Wasm 3.0). wasm.h knows only WASM_FUNCREF and WASM_EXTERNREF, so reflection
// shows every function reference type ((ref $t), (ref null $t), (ref func), funcref) with kind
// WASM_FUNCREF and every host reference type with kind WASM_EXTERNREF; wasmo_valtype_is_nullable
// and wasmo_valtype_is_concrete (below) tell them apart. The wasm_valtype_t of a module's type
// keeps the exact type through wasm_valtype_copy and the functype, globaltype and tabletype
// functions, so a host function made with an import's own wasm_functype_t has the import's type.
// Values from C are checked against the exact type wherever they land (wasm_func_call arguments,
// host function results, wasm_global_set, wasm_table_set/grow/new): a (ref ...) takes no NULL,
// and a concrete type only a function of exactly that type.

// Exception handling (Wasm 3.0, and the legacy try/catch instructions). Tags are externs of a
// kind upstream wasm.h lacks: wasm_extern_kind and wasm_externtype_kind report WASMO_EXTERN_TAG
// for them, so reflection (wasm_module_imports/exports, wasm_instance_exports) shows tag imports
// and exports, and wasmo_externtype_tag_type gives their type (the payload as parameters, no
// results). A wasmo_tag_t is such an extern: wasmo_tag_as_extern passes one as an import,
// wasmo_extern_as_tag reads an export; wasmo_tag_new makes one for the host. Exceptions cross
// the boundary as traps: one no wasm handler caught comes back from wasm_func_call as the trap
// "uncaught exception (tag ...)" with its tag and payload readable (wasmo_trap_exception), and
// a host function throws into wasm by returning the trap wasmo_exception_new makes. A wasm
// exception never unwinds a host function's frames.
#define WASMO_EXTERN_TAG 4

// Value kind of exception references (exnref), which upstream wasm.h lacks; a reference kind
// (wasm_valkind_is_ref is true). Such a value's `of.ref` is NULL for null or a wasm_ref_t of the
// exception, valid in its store: it passes through wasm_func_call, host functions, globals and
// tables like any reference, and wasm_ref_same tells whether two denote the same exception.
// Wasm can throw it again (throw_ref); the host cannot read it, and an exception the host was
// given lives as long as its store.
#define WASMO_EXNREF 130
typedef struct wasmo_tag_t wasmo_tag_t;

// Compile modes (see wasmo_config_set_mode).
typedef uint8_t wasmo_mode_t;
enum wasmo_mode_enum {
  // Every function compiled once through LLVM's optimisation pipeline.
  WASMO_MODE_OPTIMIZED = 0,
  // A fast unoptimised first tier, recompiled optimised in the background (the default).
  WASMO_MODE_LIFTOFF = 1,
};

// How many of a module's defined functions run on each tier (see wasmo_module_tier_counts).
typedef struct wasmo_tier_counts_t {
  size_t not_compiled;  // lift-off mode: not called yet, so not compiled yet
  size_t baseline;      // lift-off mode: running the fast unoptimised first tier
  size_t optimized;     // running optimised code (every function, in optimised mode)
} wasmo_tier_counts_t;

// The message of the last failed Wasmo call on this thread (a NUL-terminated string owned by
// Wasmo, valid until the next call that fails or clears it), or NULL after a successful call.
WASM_API_EXTERN const char *wasmo_error_message(void);

// Forgets this thread's last error.
WASM_API_EXTERN void wasmo_error_clear(void);

// Selects the compile mode (`WASMO_MODE_OPTIMIZED` or `WASMO_MODE_LIFTOFF`); false for any
// other value. The default is `WASMO_MODE_LIFTOFF` (or `WASMO_MODE=opt|liftoff` from the
// environment).
WASM_API_EXTERN bool wasmo_config_set_mode(wasm_config_t *config, wasmo_mode_t mode);

// Sets the LLVM optimisation level of the optimised tier, 0 to 3; false otherwise.
WASM_API_EXTERN bool wasmo_config_set_opt_level(wasm_config_t *config, uint32_t level);

// Sets the number of compile worker threads; 0 means one per available core.
WASM_API_EXTERN bool wasmo_config_set_compile_threads(wasm_config_t *config, uint32_t threads);

// Turns on the on-disk code cache in directory `dir` (created when first written), or turns it
// off for NULL or "". Modules compiled in optimised mode are stored there as serialised
// artifacts keyed by their bytes, the Wasmo build, target, CPU features and optimisation
// level; compiling the same bytes again loads the entry instead (in lift-off mode too). In
// lift-off mode, what tier-up optimises is kept there too (in the background), so a module
// compiled from the same bytes later starts with those functions optimised. A stale or
// damaged entry is ignored and rewritten; entries are written atomically, so several
// processes may share a directory. Overrides `WASMO_CACHE_DIR`. Always returns true.
WASM_API_EXTERN bool wasmo_config_set_cache_dir(wasm_config_t *config, const char *dir);

// A new memory type with 64-bit indices (memory64) and limits `min` and, if `max_present`,
// `max` (in pages of 64 KiB). Wasmo checks the limits when a memory or module uses the type.
WASM_API_EXTERN
wasm_memorytype_t *wasmo_memorytype_new64(uint64_t min,
                                          bool max_present,
                                          uint64_t max);

// Whether the memory type has 64-bit indices (memory64).
WASM_API_EXTERN bool wasmo_memorytype_is64(const wasm_memorytype_t *t);

// Writes the type's exact limits (in pages) to `min` and, if it has a maximum, `max`; returns
// whether it has one (`max` is left untouched otherwise). Works for 32- and 64-bit types.
WASM_API_EXTERN
bool wasmo_memorytype_limits64(const wasm_memorytype_t *t,
                               uint64_t *min,
                               uint64_t *max);

// A new table type with 64-bit indices (memory64), taking ownership of `element` (a reference
// type), with limits `min` and, if `max_present`, `max` (in elements); NULL (with
// `wasmo_error_message()` set) if `element` is not a reference type.
WASM_API_EXTERN
wasm_tabletype_t *wasmo_tabletype_new64(wasm_valtype_t *element,
                                        uint64_t min,
                                        bool max_present,
                                        uint64_t max);

// Whether the table type has 64-bit indices (memory64).
WASM_API_EXTERN bool wasmo_tabletype_is64(const wasm_tabletype_t *t);

// Writes the table type's exact limits (in elements) to `min` and, if it has a maximum,
// `max`; returns whether it has one (`max` is left untouched otherwise).
WASM_API_EXTERN
bool wasmo_tabletype_limits64(const wasm_tabletype_t *t,
                              uint64_t *min,
                              uint64_t *max);

// Reads the `v128` global `global` into the 16 bytes at `out` (in memory order, see
// `WASMO_V128`) and returns true. False (with `wasmo_error_message()` set, `out` untouched) if
// the global is not of type v128. Clears `wasmo_error_message()` on success.
WASM_API_EXTERN bool wasmo_global_get_v128(const wasm_global_t *global, uint8_t *out);

// Sets the mutable `v128` global `global` to the 16 bytes at `value` (in memory order, see
// `WASMO_V128`) and returns true. False (with `wasmo_error_message()` set, the global unchanged)
// if the global is not of type v128 or is immutable. Clears `wasmo_error_message()` on success.
WASM_API_EXTERN bool wasmo_global_set_v128(wasm_global_t *global, const uint8_t *value);

// A new global of the global type `ty` (mutable or not), whose content must be `v128`, holding
// the 16 bytes at `value` (in memory order, see `WASMO_V128`); NULL (with
// `wasmo_error_message()` set) if the content is not v128.
WASM_API_EXTERN
wasm_global_t *wasmo_global_new_v128(wasm_store_t *store,
                                     const wasm_globaltype_t *ty,
                                     const uint8_t *value);

// Writes to `out` how many of `module`'s defined functions are not compiled yet, run baseline
// code, and run optimised code. The figures move while the background tier-up worker runs.
WASM_API_EXTERN
void wasmo_module_tier_counts(const wasm_module_t *module,
                              wasmo_tier_counts_t *out);

// Blocks until every function of `module` that runs baseline code has been recompiled
// optimised and swapped in (lift-off mode; returns at once in optimised mode). Functions never
// called stay uncompiled. For tests and benchmarks that measure the optimised tier.
WASM_API_EXTERN void wasmo_module_wait_tier_up(const wasm_module_t *module);

// Loads the serialized module (as `wasm_module_serialize` wrote it) in the file at `path` (a
// NUL-terminated path) by mapping the file: its machine code is not copied, and processes
// loading the same file share its code pages. Checked as `wasm_module_deserialize` checks bytes
// (size, checksum, build, target, CPU features) before any of it is made executable. Where the
// file system does not allow executable mappings, the code is copied instead. NULL, with the
// reason in `wasmo_error_message`, if the file cannot be read or is not such a module. Modifying
// the file in place while a module maps it changes the running code (as for a shared library):
// replace such files by renaming, as Wasmo's code cache does.
WASM_API_EXTERN wasm_module_t *wasmo_module_deserialize_file(wasm_store_t *store, const char *path);

// Translates `len` bytes of the text format at `text` (UTF-8, not NUL-terminated) into a
// binary module and writes it to `out` (a new vector the caller deletes with
// `wasm_byte_vec_delete`); true on success. False, with `out` an empty vector and the line,
// column and reason in `wasmo_error_message()`, if the text is not valid UTF-8 or not a valid
// module text. (wasmtime's `wasmtime_wat2wasm`.)
WASM_API_EXTERN bool wasmo_wat2wasm(const char *text, size_t len, wasm_byte_vec_t *out);

// Creates a module from `len` bytes of the text format at `text`: `wasmo_wat2wasm`, then
// `wasm_module_new`. NULL, with the reason in `wasmo_error_message()`, if either fails.
WASM_API_EXTERN
wasm_module_t *wasmo_module_new_text(wasm_store_t *store,
                                     const char *text,
                                     size_t len);

// Whether null is a value of the type. wasm.h reflects every function reference type (3.0's
// `(ref $t)`, `(ref null $t)`, `(ref func)`, `funcref`) as `WASM_FUNCREF` and every host one as
// `WASM_EXTERNREF`; this and [`wasmo_valtype_is_concrete`] tell them apart. True for
// `funcref`, `externref` and `(ref null ...)`; false for non-nullable references and for
// numeric types.
WASM_API_EXTERN bool wasmo_valtype_is_nullable(const wasm_valtype_t *t);

// Whether the type is a reference to functions of one function type (`(ref $t)` or
// `(ref null $t)`): a value passed in must then be a function of exactly that type. A module's
// such types come only from reflection (`wasm_valtype_new` makes `funcref`); copies of them
// keep the concrete type, so a host function made with an import's own `wasm_functype_t`
// satisfies it.
WASM_API_EXTERN bool wasmo_valtype_is_concrete(const wasm_valtype_t *t);

// Turns epoch interruption on or off (off by default). With it on, compiled code checks the
// engine's epoch at every function entry and on every loop's back-edge, and traps with
// "interrupted" once it
// reaches the store's deadline (`wasmo_store_set_epoch_deadline`); another thread advances the
// epoch with `wasmo_engine_increment_epoch`. Off, no check is compiled. A serialized module
// loads only into an engine with the setting it was compiled with. (wasmtime's
// `wasmtime_config_epoch_interruption_set`.)
WASM_API_EXTERN void wasmo_config_set_epoch_interruption(wasm_config_t *config, bool enable);

// Advances the engine's epoch by one. Safe to call from any thread, also while wasm code of the
// engine runs on others: that is how a host interrupts a running `wasm_func_call`.
// (wasmtime's `wasmtime_engine_increment_epoch`.)
WASM_API_EXTERN void wasmo_engine_increment_epoch(const wasm_engine_t *engine);

// Sets the store's deadline `ticks_beyond_current` epochs from the engine's current one: once
// the epoch reaches it, wasm code of the store traps with "interrupted" (a `wasm_trap_t`) at
// its next check (see `wasmo_config_set_epoch_interruption`), and the store stays usable. Until this is called,
// the deadline is never; after an interruption, set a new one before calling in again. A
// deadline changed from a host function while wasm runs applies to the functions called after
// that, not to loops already running (compiled code reads it once per call).
// Without epoch interruption (`wasmo_config_set_epoch_interruption`) it has no effect.
// (wasmtime's `wasmtime_context_set_epoch_deadline`.)
WASM_API_EXTERN
void wasmo_store_set_epoch_deadline(wasm_store_t *store,
                                    uint64_t ticks_beyond_current);

// Caps what the store may allocate from now on, as wasmtime's `wasmtime_store_limiter` does
// (a negative value is no cap): bytes of one linear memory, elements of one table, and how
// many instances, tables and memories the store may hold. `memory.grow`, `table.grow`,
// `wasm_memory_grow` and `wasm_table_grow` fail past a cap as past a maximum;
// `wasm_instance_new`, `wasm_memory_new` and `wasm_table_new` past one return NULL, with the
// cap named in `wasmo_error_message()`. Keeps the total set by
// `wasmo_store_set_total_memory_limit`.
WASM_API_EXTERN
void wasmo_store_limiter(wasm_store_t *store,
                         int64_t memory_size,
                         int64_t table_elements,
                         int64_t instances,
                         int64_t tables,
                         int64_t memories);

// Caps the bytes of all the store's linear memories together (negative: no cap), as
// `wasmo_store_limiter` does for each.
WASM_API_EXTERN void wasmo_store_set_total_memory_limit(wasm_store_t *store, int64_t bytes);

// A new tag in `store` whose exceptions carry values of `type`'s parameters; NULL (with the
// reason in `wasmo_error_message`) if `type` has results.
WASM_API_EXTERN wasmo_tag_t *wasmo_tag_new(wasm_store_t *store, const wasm_functype_t *type);

// Deletes a tag handle (the tag lives on with its store and its other handles).
WASM_API_EXTERN void wasmo_tag_delete(wasmo_tag_t *tag);

// A new handle to the same tag.
WASM_API_EXTERN wasmo_tag_t *wasmo_tag_copy(const wasmo_tag_t *tag);

// Whether two handles denote the same tag (a tag's identity: an import is its exporter's tag,
// each definition in each instance a new one).
WASM_API_EXTERN bool wasmo_tag_same(const wasmo_tag_t *a, const wasmo_tag_t *b);

// The tag's type, as a new function type (its payload as parameters, no results).
WASM_API_EXTERN wasm_functype_t *wasmo_tag_type(const wasmo_tag_t *tag);

// The tag as an extern (of kind `WASMO_EXTERN_TAG`), e.g. for `wasm_instance_new`'s imports;
// the same object, not a copy.
WASM_API_EXTERN wasm_extern_t *wasmo_tag_as_extern(wasmo_tag_t *tag);

// `wasmo_tag_as_extern` for a const pointer.
WASM_API_EXTERN const wasm_extern_t *wasmo_tag_as_extern_const(const wasmo_tag_t *tag);

// The extern as a tag (the same object), or NULL if it is not one.
WASM_API_EXTERN wasmo_tag_t *wasmo_extern_as_tag(wasm_extern_t *e);

// `wasmo_extern_as_tag` for a const pointer.
WASM_API_EXTERN const wasmo_tag_t *wasmo_extern_as_tag_const(const wasm_extern_t *e);

// The type of a tag import or export (an extern type of kind `WASMO_EXTERN_TAG`) as a new
// function type, or NULL for another kind.
WASM_API_EXTERN wasm_functype_t *wasmo_externtype_tag_type(const wasm_externtype_t *t);

// A trap that, returned by a host function's callback, throws an exception of `tag` with
// `payload` (copied; one value per tag parameter, of its type) into the wasm that called it,
// where a handler can catch it. The host function has returned by then: no host frame is
// unwound. A payload that does not match the tag makes the call trap instead. Returned to the
// host (or uncaught), it is the trap "uncaught exception". v128 payloads cannot be given.
WASM_API_EXTERN
wasm_trap_t *wasmo_exception_new(wasm_store_t *store,
                                 const wasmo_tag_t *tag,
                                 const wasm_val_vec_t *payload);

// If `trap` is an "uncaught exception" trap (or one `wasmo_exception_new` made): true, with a
// new handle to its tag in `*tag_out` (unless NULL) and its payload as a new vector in
// `*payload_out` (unless NULL; v128 values come out as kind `WASMO_V128` with no bits). False,
// touching neither, for any other trap.
WASM_API_EXTERN
bool wasmo_trap_exception(const wasm_trap_t *trap,
                          wasmo_tag_t **tag_out,
                          wasm_val_vec_t *payload_out);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // WASMO_H
