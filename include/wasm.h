// WebAssembly C API (wasm.h), as implemented by Wasmo.
//
// Source compatible with the standard wasm-c-api header: same names, signatures, struct layouts,
// enumerations and static inline helpers. GENERATED FILE: the parts between the @generated
// markers come from the Rust definitions in src/capi/ through cbindgen; the rest is the template
// src/capi/header/wasm.h.in. Regenerate with `scripts/gen-headers.sh`; `cargo test --test headers`
// fails when this file and the Rust side drift apart.

#ifndef WASM_H
#define WASM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <assert.h>

#ifndef WASM_API_EXTERN
#if defined(_WIN32) && !defined(__MINGW32__) && !defined(LIBWASM_STATIC)
#define WASM_API_EXTERN __declspec(dllimport)
#else
#define WASM_API_EXTERN
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

///////////////////////////////////////////////////////////////////////////////
// Auxiliaries

// Machine types

inline void assertions(void) {
  static_assert(sizeof(float) == sizeof(uint32_t), "incompatible float type");
  static_assert(sizeof(double) == sizeof(uint64_t), "incompatible double type");
  static_assert(sizeof(intptr_t) == sizeof(uint32_t) ||
                sizeof(intptr_t) == sizeof(uint64_t),
                "incompatible pointer type");
}

typedef char byte_t;
typedef float float32_t;
typedef double float64_t;

// Ownership: `own` marks data whose ownership passes with the call (parameters) or to the caller
// (results). Own data is released with the matching `wasm_xxx_delete`; an `own` vector owns its
// elements too. The marker expands to nothing.
#define own

#define WASM_DECLARE_OWN(name) \
  typedef struct wasm_##name##_t wasm_##name##_t; \
  \
  WASM_API_EXTERN void wasm_##name##_delete(own wasm_##name##_t*);

// Vectors: `data` points to `size` elements; vectors made by the library own their elements.
#define WASM_DECLARE_VEC(name, ptr_or_none) \
  typedef struct wasm_##name##_vec_t { \
    size_t size; \
    wasm_##name##_t ptr_or_none* data; \
  } wasm_##name##_vec_t; \
  \
  WASM_API_EXTERN void wasm_##name##_vec_new_empty(own wasm_##name##_vec_t* out); \
  WASM_API_EXTERN void wasm_##name##_vec_new_uninitialized( \
    own wasm_##name##_vec_t* out, size_t); \
  WASM_API_EXTERN void wasm_##name##_vec_new( \
    own wasm_##name##_vec_t* out, \
    size_t, own wasm_##name##_t ptr_or_none const[]); \
  WASM_API_EXTERN void wasm_##name##_vec_copy( \
    own wasm_##name##_vec_t* out, const wasm_##name##_vec_t*); \
  WASM_API_EXTERN void wasm_##name##_vec_delete(own wasm_##name##_vec_t*);

// Byte vectors and names

typedef byte_t wasm_byte_t;
WASM_DECLARE_VEC(byte, )

typedef wasm_byte_vec_t wasm_name_t;

#define wasm_name wasm_byte_vec
#define wasm_name_new wasm_byte_vec_new
#define wasm_name_new_empty wasm_byte_vec_new_empty
#define wasm_name_new_new_uninitialized wasm_byte_vec_new_uninitialized
#define wasm_name_copy wasm_byte_vec_copy
#define wasm_name_delete wasm_byte_vec_delete

static inline void wasm_name_new_from_string(own wasm_name_t* out, const char* s) {
  wasm_name_new(out, strlen(s), s);
}

static inline void wasm_name_new_from_string_nt(own wasm_name_t* out, const char* s) {
  wasm_name_new(out, strlen(s) + 1, s);
}

///////////////////////////////////////////////////////////////////////////////
// Runtime environment

WASM_DECLARE_OWN(config)
WASM_DECLARE_OWN(engine)
WASM_DECLARE_OWN(store)

///////////////////////////////////////////////////////////////////////////////
// Type representations

typedef uint8_t wasm_mutability_t;
enum wasm_mutability_enum {
  WASM_CONST,
  WASM_VAR,
};

static const uint32_t wasm_limits_max_default = 0xffffffff;

#define WASM_DECLARE_TYPE(name) \
  WASM_DECLARE_OWN(name) \
  WASM_DECLARE_VEC(name, *) \
  \
  WASM_API_EXTERN own wasm_##name##_t* wasm_##name##_copy(const wasm_##name##_t*);

WASM_DECLARE_TYPE(valtype)

typedef uint8_t wasm_valkind_t;
enum wasm_valkind_enum {
  WASM_I32,
  WASM_I64,
  WASM_F32,
  WASM_F64,
  WASM_EXTERNREF = 128,
  WASM_FUNCREF,
};

WASM_DECLARE_TYPE(functype)
WASM_DECLARE_TYPE(globaltype)
WASM_DECLARE_TYPE(tabletype)
WASM_DECLARE_TYPE(memorytype)
WASM_DECLARE_TYPE(externtype)

typedef uint8_t wasm_externkind_t;
enum wasm_externkind_enum {
  WASM_EXTERN_FUNC,
  WASM_EXTERN_GLOBAL,
  WASM_EXTERN_TABLE,
  WASM_EXTERN_MEMORY,
};

// Extern type conversions (borrowed pointers to the same object).
WASM_API_EXTERN wasm_externtype_t* wasm_functype_as_externtype(wasm_functype_t*);
WASM_API_EXTERN wasm_externtype_t* wasm_globaltype_as_externtype(wasm_globaltype_t*);
WASM_API_EXTERN wasm_externtype_t* wasm_tabletype_as_externtype(wasm_tabletype_t*);
WASM_API_EXTERN wasm_externtype_t* wasm_memorytype_as_externtype(wasm_memorytype_t*);

WASM_API_EXTERN wasm_functype_t* wasm_externtype_as_functype(wasm_externtype_t*);
WASM_API_EXTERN wasm_globaltype_t* wasm_externtype_as_globaltype(wasm_externtype_t*);
WASM_API_EXTERN wasm_tabletype_t* wasm_externtype_as_tabletype(wasm_externtype_t*);
WASM_API_EXTERN wasm_memorytype_t* wasm_externtype_as_memorytype(wasm_externtype_t*);

WASM_API_EXTERN const wasm_externtype_t* wasm_functype_as_externtype_const(const wasm_functype_t*);
WASM_API_EXTERN const wasm_externtype_t* wasm_globaltype_as_externtype_const(const wasm_globaltype_t*);
WASM_API_EXTERN const wasm_externtype_t* wasm_tabletype_as_externtype_const(const wasm_tabletype_t*);
WASM_API_EXTERN const wasm_externtype_t* wasm_memorytype_as_externtype_const(const wasm_memorytype_t*);

WASM_API_EXTERN const wasm_functype_t* wasm_externtype_as_functype_const(const wasm_externtype_t*);
WASM_API_EXTERN const wasm_globaltype_t* wasm_externtype_as_globaltype_const(const wasm_externtype_t*);
WASM_API_EXTERN const wasm_tabletype_t* wasm_externtype_as_tabletype_const(const wasm_externtype_t*);
WASM_API_EXTERN const wasm_memorytype_t* wasm_externtype_as_memorytype_const(const wasm_externtype_t*);

WASM_DECLARE_TYPE(importtype)
WASM_DECLARE_TYPE(exporttype)

///////////////////////////////////////////////////////////////////////////////
// Runtime objects

#define WASM_DECLARE_REF_BASE(name) \
  WASM_DECLARE_OWN(name) \
  \
  WASM_API_EXTERN own wasm_##name##_t* wasm_##name##_copy(const wasm_##name##_t*); \
  WASM_API_EXTERN bool wasm_##name##_same(const wasm_##name##_t*, const wasm_##name##_t*); \
  \
  WASM_API_EXTERN void* wasm_##name##_get_host_info(const wasm_##name##_t*); \
  WASM_API_EXTERN void wasm_##name##_set_host_info(wasm_##name##_t*, void*); \
  WASM_API_EXTERN void wasm_##name##_set_host_info_with_finalizer( \
    wasm_##name##_t*, void*, void (*)(void*));

#define WASM_DECLARE_REF(name) \
  WASM_DECLARE_REF_BASE(name) \
  \
  WASM_API_EXTERN wasm_ref_t* wasm_##name##_as_ref(wasm_##name##_t*); \
  WASM_API_EXTERN wasm_##name##_t* wasm_ref_as_##name(wasm_ref_t*); \
  WASM_API_EXTERN const wasm_ref_t* wasm_##name##_as_ref_const(const wasm_##name##_t*); \
  WASM_API_EXTERN const wasm_##name##_t* wasm_ref_as_##name##_const(const wasm_ref_t*);

#define WASM_DECLARE_SHARABLE_REF(name) \
  WASM_DECLARE_REF(name) \
  WASM_DECLARE_OWN(shared_##name) \
  \
  WASM_API_EXTERN own wasm_shared_##name##_t* wasm_##name##_share(const wasm_##name##_t*); \
  WASM_API_EXTERN own wasm_##name##_t* wasm_##name##_obtain(wasm_store_t*, const wasm_shared_##name##_t*);

WASM_DECLARE_REF_BASE(ref)

// Generated types: limits and values.
typedef union wasm_val_union {
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
  struct wasm_ref_t *ref;
} wasm_val_union;

typedef struct wasm_val_t {
  wasm_valkind_t kind;
  union wasm_val_union of;
} wasm_val_t;

// Size limits, in pages or elements; `max == wasm_limits_max_default` means no maximum.
typedef struct wasm_limits_t {
  uint32_t min;
  uint32_t max;
} wasm_limits_t;

WASM_DECLARE_VEC(val, )

typedef wasm_name_t wasm_message_t;  // null terminated

WASM_DECLARE_OWN(frame)
WASM_DECLARE_VEC(frame, *)
WASM_API_EXTERN own wasm_frame_t* wasm_frame_copy(const wasm_frame_t*);

WASM_DECLARE_REF(trap)
WASM_DECLARE_REF(foreign)
WASM_DECLARE_SHARABLE_REF(module)

WASM_DECLARE_REF(func)

typedef own wasm_trap_t* (*wasm_func_callback_t)(
  const wasm_val_vec_t* args, own wasm_val_vec_t* results);
typedef own wasm_trap_t* (*wasm_func_callback_with_env_t)(
  void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results);

WASM_DECLARE_REF(global)
WASM_DECLARE_REF(table)

typedef uint32_t wasm_table_size_t;

WASM_DECLARE_REF(memory)

typedef uint32_t wasm_memory_pages_t;

static const size_t MEMORY_PAGE_SIZE = 0x10000;

WASM_DECLARE_REF(extern)
WASM_DECLARE_VEC(extern, *)

// Extern conversions (borrowed pointers to the same object).
WASM_API_EXTERN wasm_extern_t* wasm_func_as_extern(wasm_func_t*);
WASM_API_EXTERN wasm_extern_t* wasm_global_as_extern(wasm_global_t*);
WASM_API_EXTERN wasm_extern_t* wasm_table_as_extern(wasm_table_t*);
WASM_API_EXTERN wasm_extern_t* wasm_memory_as_extern(wasm_memory_t*);

WASM_API_EXTERN wasm_func_t* wasm_extern_as_func(wasm_extern_t*);
WASM_API_EXTERN wasm_global_t* wasm_extern_as_global(wasm_extern_t*);
WASM_API_EXTERN wasm_table_t* wasm_extern_as_table(wasm_extern_t*);
WASM_API_EXTERN wasm_memory_t* wasm_extern_as_memory(wasm_extern_t*);

WASM_API_EXTERN const wasm_extern_t* wasm_func_as_extern_const(const wasm_func_t*);
WASM_API_EXTERN const wasm_extern_t* wasm_global_as_extern_const(const wasm_global_t*);
WASM_API_EXTERN const wasm_extern_t* wasm_table_as_extern_const(const wasm_table_t*);
WASM_API_EXTERN const wasm_extern_t* wasm_memory_as_extern_const(const wasm_memory_t*);

WASM_API_EXTERN const wasm_func_t* wasm_extern_as_func_const(const wasm_extern_t*);
WASM_API_EXTERN const wasm_global_t* wasm_extern_as_global_const(const wasm_extern_t*);
WASM_API_EXTERN const wasm_table_t* wasm_extern_as_table_const(const wasm_extern_t*);
WASM_API_EXTERN const wasm_memory_t* wasm_extern_as_memory_const(const wasm_extern_t*);

WASM_DECLARE_REF(instance)

// Generated functions.
WASM_API_EXTERN wasm_config_t *wasm_config_new(void);

WASM_API_EXTERN void wasm_config_delete(wasm_config_t *config);

WASM_API_EXTERN wasm_engine_t *wasm_engine_new(void);

// Creates an engine with `config`, which it consumes.
WASM_API_EXTERN wasm_engine_t *wasm_engine_new_with_config(wasm_config_t *config);

WASM_API_EXTERN void wasm_engine_delete(wasm_engine_t *engine);

WASM_API_EXTERN wasm_externkind_t wasm_extern_kind(const wasm_extern_t *e);

WASM_API_EXTERN wasm_externtype_t *wasm_extern_type(const wasm_extern_t *e);

// A host function of type `ty` that runs `callback`.
//
// A type with `v128` among its parameters or results is accepted, so the function can satisfy
// an import of that type, but its callback is never called (a `wasm_val_t` cannot hold a
// v128; the JS API throws a TypeError alike): a call from wasm traps with the message "host
// function: type mismatch: v128 values cannot be passed through wasm.h (function type (func
// (param ...) (result ...)))", and `wasm_func_call` on it returns its own v128 trap.
WASM_API_EXTERN
wasm_func_t *wasm_func_new(wasm_store_t *store,
                           const wasm_functype_t *ty,
                           wasm_func_callback_t callback);

// Like `wasm_func_new` (v128 included), with `env` passed to each call of the callback and to
// `finalizer` (if not NULL) when Wasmo releases the function together with its store.
WASM_API_EXTERN
wasm_func_t *wasm_func_new_with_env(wasm_store_t *store,
                                    const wasm_functype_t *ty,
                                    wasm_func_callback_with_env_t callback,
                                    void *env,
                                    void (*finalizer)(void*));

WASM_API_EXTERN wasm_functype_t *wasm_func_type(const wasm_func_t *func);

WASM_API_EXTERN size_t wasm_func_param_arity(const wasm_func_t *func);

WASM_API_EXTERN size_t wasm_func_result_arity(const wasm_func_t *func);

// Calls `func`; returns NULL and fills `results` (pre-allocated with the result arity), or
// returns the trap. Arguments of the wrong number or type are a trap too, and the function does
// not run.
//
// A `results` vector that is too small (or NULL) does not stop the call, as in V8's
// implementation, on which the upstream `trap` examples rely (they call functions that trap
// with an empty vector): a trap is returned as it is; a function that returns gets the trap
// "wasm_func_call: the results vector is too small for N results (the call ran; its results
// are dropped)".
//
// A function with `v128` among its parameters or results cannot be called through wasm.h (a
// `wasm_val_t` cannot hold a v128; the JS API throws a TypeError alike): the call returns a trap
// with the message "wasm_func_call: type mismatch: v128 values cannot be passed through wasm.h
// (function type (func (param ...) (result ...)))", runs nothing and leaves `results` untouched.
WASM_API_EXTERN
wasm_trap_t *wasm_func_call(const wasm_func_t *func,
                            const wasm_val_vec_t *args,
                            wasm_val_vec_t *results);

// A new global; NULL (with an error message) if the value does not match the type.
//
// A `v128` global type is refused whatever the value (NULL, with the message "wasm_global_new:
// type mismatch: v128 values cannot be passed through wasm.h (use wasmo_global_new_v128)"):
// create v128 globals with `wasmo_global_new_v128` (wasmo.h).
WASM_API_EXTERN
wasm_global_t *wasm_global_new(wasm_store_t *store,
                               const wasm_globaltype_t *ty,
                               const wasm_val_t *value);

WASM_API_EXTERN wasm_globaltype_t *wasm_global_type(const wasm_global_t *global);

// Writes the global's value to `out` (which then owns any reference in it) and clears
// `wasmo_error_message()`.
//
// A `v128` value cannot be read this way: `out` gets kind `WASMO_V128` and an all-zero
// payload (`of.ref` is NULL, there is nothing to delete), and `wasmo_error_message()` says
// "wasm_global_get: type mismatch: v128 values cannot be passed through wasm.h (use
// wasmo_global_get_v128)".
WASM_API_EXTERN void wasm_global_get(const wasm_global_t *global, wasm_val_t *out);

// Sets a mutable global. Setting an immutable global or a value of the wrong type is refused
// (the global keeps its value and the reason is in `wasmo_error_message()`, which a successful
// set clears).
//
// A `v128` global is never set this way, whatever the value's kind: the reason is
// "wasm_global_set: type mismatch: v128 values cannot be passed through wasm.h (use
// wasmo_global_set_v128)".
WASM_API_EXTERN void wasm_global_set(wasm_global_t *global, const wasm_val_t *value);

// Instantiates `module` with `imports` (in the module's import order). On failure returns NULL,
// leaves the reason in `wasmo_error_message()` and, if `trap` is not NULL, stores a trap with
// the same message there (a link error or a trap in a segment or the start function).
WASM_API_EXTERN
wasm_instance_t *wasm_instance_new(wasm_store_t *store,
                                   const wasm_module_t *module,
                                   const wasm_extern_vec_t *imports,
                                   wasm_trap_t **trap);

WASM_API_EXTERN void wasm_instance_exports(const wasm_instance_t *instance, wasm_extern_vec_t *out);

WASM_API_EXTERN wasm_memory_t *wasm_memory_new(wasm_store_t *store, const wasm_memorytype_t *ty);

WASM_API_EXTERN wasm_memorytype_t *wasm_memory_type(const wasm_memory_t *memory);

// The memory's bytes; valid until the memory grows or its store is deleted.
WASM_API_EXTERN char *wasm_memory_data(wasm_memory_t *memory);

WASM_API_EXTERN size_t wasm_memory_data_size(const wasm_memory_t *memory);

// The size in pages. A 64-bit memory has at most 131072 pages in Wasmo (8 GiB: growing further
// fails), so this 32-bit count always holds the size of any memory.
WASM_API_EXTERN wasm_memory_pages_t wasm_memory_size(const wasm_memory_t *memory);

// Grows by `delta` pages; false past the maximum.
WASM_API_EXTERN bool wasm_memory_grow(wasm_memory_t *memory, wasm_memory_pages_t delta);

// Decodes and validates `binary`; NULL with the validator's message (see `wasmo_error_message`)
// when it is malformed, invalid or uses an unsupported feature.
WASM_API_EXTERN wasm_module_t *wasm_module_new(wasm_store_t *store, const wasm_byte_vec_t *binary);

// Writes to `out` the module's optimised machine code and what instantiating it needs, for
// `wasm_module_deserialize` in this or another process (same Wasmo build, target and CPU
// features). A module compiled in lift-off mode is compiled optimised for it first. On failure
// `out` is an empty vector and the reason is in `wasmo_error_message`.
WASM_API_EXTERN void wasm_module_serialize(const wasm_module_t *module, wasm_byte_vec_t *out);

// Loads a module written by `wasm_module_serialize` without compiling it. NULL, with the reason
// in `wasmo_error_message`, for anything else: truncated or damaged bytes (checked against a
// checksum before anything is made executable), another format version or Wasmo build, another
// target or CPU features.
WASM_API_EXTERN
wasm_module_t *wasm_module_deserialize(wasm_store_t *store,
                                       const wasm_byte_vec_t *binary);

// Whether `binary` is a valid module; on false the reason is in `wasmo_error_message`.
WASM_API_EXTERN bool wasm_module_validate(wasm_store_t *store, const wasm_byte_vec_t *binary);

WASM_API_EXTERN void wasm_module_imports(const wasm_module_t *module, wasm_importtype_vec_t *out);

WASM_API_EXTERN void wasm_module_exports(const wasm_module_t *module, wasm_exporttype_vec_t *out);

WASM_API_EXTERN void wasm_shared_module_delete(wasm_shared_module_t *shared);

WASM_API_EXTERN wasm_shared_module_t *wasm_module_share(const wasm_module_t *module);

// The shared module as a module of `store`; NULL (with an error) if the store belongs to another
// engine.
WASM_API_EXTERN
wasm_module_t *wasm_module_obtain(wasm_store_t *store,
                                  const wasm_shared_module_t *shared);

// A new foreign object: an opaque host value that wasm code can hold as an `externref`.
WASM_API_EXTERN wasm_foreign_t *wasm_foreign_new(wasm_store_t *store);

WASM_API_EXTERN wasm_store_t *wasm_store_new(wasm_engine_t *engine);

WASM_API_EXTERN void wasm_store_delete(wasm_store_t *store);

// A new table with every element set to `init` (NULL: null references).
WASM_API_EXTERN
wasm_table_t *wasm_table_new(wasm_store_t *store,
                             const wasm_tabletype_t *ty,
                             wasm_ref_t *init);

WASM_API_EXTERN wasm_tabletype_t *wasm_table_type(const wasm_table_t *table);

// The element at `index` (a new reference, NULL for null or out of bounds).
WASM_API_EXTERN wasm_ref_t *wasm_table_get(const wasm_table_t *table, wasm_table_size_t index);

// Sets the element at `index`; false if out of bounds or the reference does not fit.
WASM_API_EXTERN bool wasm_table_set(wasm_table_t *table, wasm_table_size_t index, wasm_ref_t *r);

WASM_API_EXTERN wasm_table_size_t wasm_table_size(const wasm_table_t *table);

// Grows by `delta` elements set to `init`; false past the maximum.
WASM_API_EXTERN
bool wasm_table_grow(wasm_table_t *table,
                     wasm_table_size_t delta,
                     wasm_ref_t *init);

// A new trap with `message` (copied; a terminating NUL is added if missing).
WASM_API_EXTERN wasm_trap_t *wasm_trap_new(wasm_store_t *store, const wasm_message_t *message);

// The trap's message, NUL-terminated.
WASM_API_EXTERN void wasm_trap_message(const wasm_trap_t *trap, wasm_message_t *out);

// The innermost wasm frame, or NULL if the trap has none.
WASM_API_EXTERN wasm_frame_t *wasm_trap_origin(const wasm_trap_t *trap);

// The wasm frames, innermost first.
WASM_API_EXTERN void wasm_trap_trace(const wasm_trap_t *trap, wasm_frame_vec_t *out);

// The instance the frame's function belongs to (borrowed from the frame), or NULL if it cannot
// be told: a frame of code that several instances of the store run, reached through an import
// or a table from another module's code.
WASM_API_EXTERN wasm_instance_t *wasm_frame_instance(const wasm_frame_t *frame);

WASM_API_EXTERN uint32_t wasm_frame_func_index(const wasm_frame_t *frame);

// The offset of the frame's instruction (the one that trapped in the innermost frame, the call
// in outer frames) from the start of its function's body, i.e. its code section entry.
WASM_API_EXTERN size_t wasm_frame_func_offset(const wasm_frame_t *frame);

// The offset in the module binary of the frame's instruction (the one that trapped in the
// innermost frame, the call in outer frames).
WASM_API_EXTERN size_t wasm_frame_module_offset(const wasm_frame_t *frame);

// A new value type, or NULL (with an error message) for a kind wasm.h does not define.
WASM_API_EXTERN wasm_valtype_t *wasm_valtype_new(wasm_valkind_t kind);

WASM_API_EXTERN wasm_valkind_t wasm_valtype_kind(const wasm_valtype_t *t);

WASM_API_EXTERN wasm_externkind_t wasm_externtype_kind(const wasm_externtype_t *t);

// A function type taking ownership of both vectors (which are left empty).
WASM_API_EXTERN
wasm_functype_t *wasm_functype_new(wasm_valtype_vec_t *params,
                                   wasm_valtype_vec_t *results);

WASM_API_EXTERN const wasm_valtype_vec_t *wasm_functype_params(const wasm_functype_t *t);

WASM_API_EXTERN const wasm_valtype_vec_t *wasm_functype_results(const wasm_functype_t *t);

// A global type taking ownership of `content`; NULL (with an error) for a bad mutability.
WASM_API_EXTERN
wasm_globaltype_t *wasm_globaltype_new(wasm_valtype_t *content,
                                       wasm_mutability_t mutability);

WASM_API_EXTERN const wasm_valtype_t *wasm_globaltype_content(const wasm_globaltype_t *t);

WASM_API_EXTERN wasm_mutability_t wasm_globaltype_mutability(const wasm_globaltype_t *t);

// A table type taking ownership of `element`; NULL (with an error) unless it is a reference type.
WASM_API_EXTERN
wasm_tabletype_t *wasm_tabletype_new(wasm_valtype_t *element,
                                     const wasm_limits_t *limits);

WASM_API_EXTERN const wasm_valtype_t *wasm_tabletype_element(const wasm_tabletype_t *t);

// The type's limits as wasm.h's 32-bit `wasm_limits_t`; for a 64-bit table type (see
// `wasmo_tabletype_is64`) values beyond 32 bits read as in `wasm_memorytype_limits`.
WASM_API_EXTERN const wasm_limits_t *wasm_tabletype_limits(const wasm_tabletype_t *t);

WASM_API_EXTERN wasm_memorytype_t *wasm_memorytype_new(const wasm_limits_t *limits);

// The type's limits as wasm.h's 32-bit `wasm_limits_t`. For a 64-bit memory type (see
// `wasmo_memorytype_is64`) a minimum beyond 32 bits reads as `UINT32_MAX`, and so does a
// maximum that is absent or beyond 32 bits (wasm.h's "no maximum"): read its exact limits with
// `wasmo_memorytype_limits64`.
WASM_API_EXTERN const wasm_limits_t *wasm_memorytype_limits(const wasm_memorytype_t *t);

// An import type taking ownership of both names and the type.
WASM_API_EXTERN
wasm_importtype_t *wasm_importtype_new(wasm_name_t *module,
                                       wasm_name_t *name,
                                       wasm_externtype_t *ty);

WASM_API_EXTERN const wasm_name_t *wasm_importtype_module(const wasm_importtype_t *t);

WASM_API_EXTERN const wasm_name_t *wasm_importtype_name(const wasm_importtype_t *t);

WASM_API_EXTERN const wasm_externtype_t *wasm_importtype_type(const wasm_importtype_t *t);

// An export type taking ownership of the name and the type.
WASM_API_EXTERN wasm_exporttype_t *wasm_exporttype_new(wasm_name_t *name, wasm_externtype_t *ty);

WASM_API_EXTERN const wasm_name_t *wasm_exporttype_name(const wasm_exporttype_t *t);

WASM_API_EXTERN const wasm_externtype_t *wasm_exporttype_type(const wasm_exporttype_t *t);

// Releases what `v` owns (its reference, if any) and leaves it a null reference.
WASM_API_EXTERN void wasm_val_delete(wasm_val_t *v);

WASM_API_EXTERN void wasm_val_copy(wasm_val_t *out, const wasm_val_t *src);

///////////////////////////////////////////////////////////////////////////////
// Convenience

// Vectors

#define WASM_EMPTY_VEC {0, NULL}
#define WASM_ARRAY_VEC(array) {sizeof(array)/sizeof(*(array)), array}

// Value types

static inline own wasm_valtype_t* wasm_valtype_new_i32(void) { return wasm_valtype_new(WASM_I32); }
static inline own wasm_valtype_t* wasm_valtype_new_i64(void) { return wasm_valtype_new(WASM_I64); }
static inline own wasm_valtype_t* wasm_valtype_new_f32(void) { return wasm_valtype_new(WASM_F32); }
static inline own wasm_valtype_t* wasm_valtype_new_f64(void) { return wasm_valtype_new(WASM_F64); }
static inline own wasm_valtype_t* wasm_valtype_new_externref(void) {
  return wasm_valtype_new(WASM_EXTERNREF);
}
static inline own wasm_valtype_t* wasm_valtype_new_funcref(void) {
  return wasm_valtype_new(WASM_FUNCREF);
}

static inline bool wasm_valkind_is_num(wasm_valkind_t k) { return k < WASM_EXTERNREF; }
static inline bool wasm_valkind_is_ref(wasm_valkind_t k) { return k >= WASM_EXTERNREF; }

static inline bool wasm_valtype_is_num(const wasm_valtype_t* t) {
  return wasm_valkind_is_num(wasm_valtype_kind(t));
}
static inline bool wasm_valtype_is_ref(const wasm_valtype_t* t) {
  return wasm_valkind_is_ref(wasm_valtype_kind(t));
}

// Function types: wasm_functype_new_<params>_<results>

static inline own wasm_functype_t* wasm__functype_from_arrays(
  size_t np, own wasm_valtype_t* const ps[], size_t nr, own wasm_valtype_t* const rs[]
) {
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new(&params, np, ps);
  wasm_valtype_vec_new(&results, nr, rs);
  return wasm_functype_new(&params, &results);
}

static inline own wasm_functype_t* wasm_functype_new_0_0(void) {
  return wasm__functype_from_arrays(0, NULL, 0, NULL);
}
static inline own wasm_functype_t* wasm_functype_new_1_0(own wasm_valtype_t* p) {
  wasm_valtype_t* ps[1] = {p};
  return wasm__functype_from_arrays(1, ps, 0, NULL);
}
static inline own wasm_functype_t* wasm_functype_new_2_0(
  own wasm_valtype_t* p1, own wasm_valtype_t* p2
) {
  wasm_valtype_t* ps[2] = {p1, p2};
  return wasm__functype_from_arrays(2, ps, 0, NULL);
}
static inline own wasm_functype_t* wasm_functype_new_3_0(
  own wasm_valtype_t* p1, own wasm_valtype_t* p2, own wasm_valtype_t* p3
) {
  wasm_valtype_t* ps[3] = {p1, p2, p3};
  return wasm__functype_from_arrays(3, ps, 0, NULL);
}
static inline own wasm_functype_t* wasm_functype_new_0_1(own wasm_valtype_t* r) {
  wasm_valtype_t* rs[1] = {r};
  return wasm__functype_from_arrays(0, NULL, 1, rs);
}
static inline own wasm_functype_t* wasm_functype_new_1_1(
  own wasm_valtype_t* p, own wasm_valtype_t* r
) {
  wasm_valtype_t* ps[1] = {p};
  wasm_valtype_t* rs[1] = {r};
  return wasm__functype_from_arrays(1, ps, 1, rs);
}
static inline own wasm_functype_t* wasm_functype_new_2_1(
  own wasm_valtype_t* p1, own wasm_valtype_t* p2, own wasm_valtype_t* r
) {
  wasm_valtype_t* ps[2] = {p1, p2};
  wasm_valtype_t* rs[1] = {r};
  return wasm__functype_from_arrays(2, ps, 1, rs);
}
static inline own wasm_functype_t* wasm_functype_new_3_1(
  own wasm_valtype_t* p1, own wasm_valtype_t* p2, own wasm_valtype_t* p3, own wasm_valtype_t* r
) {
  wasm_valtype_t* ps[3] = {p1, p2, p3};
  wasm_valtype_t* rs[1] = {r};
  return wasm__functype_from_arrays(3, ps, 1, rs);
}
static inline own wasm_functype_t* wasm_functype_new_0_2(
  own wasm_valtype_t* r1, own wasm_valtype_t* r2
) {
  wasm_valtype_t* rs[2] = {r1, r2};
  return wasm__functype_from_arrays(0, NULL, 2, rs);
}
static inline own wasm_functype_t* wasm_functype_new_1_2(
  own wasm_valtype_t* p, own wasm_valtype_t* r1, own wasm_valtype_t* r2
) {
  wasm_valtype_t* ps[1] = {p};
  wasm_valtype_t* rs[2] = {r1, r2};
  return wasm__functype_from_arrays(1, ps, 2, rs);
}
static inline own wasm_functype_t* wasm_functype_new_2_2(
  own wasm_valtype_t* p1, own wasm_valtype_t* p2, own wasm_valtype_t* r1, own wasm_valtype_t* r2
) {
  wasm_valtype_t* ps[2] = {p1, p2};
  wasm_valtype_t* rs[2] = {r1, r2};
  return wasm__functype_from_arrays(2, ps, 2, rs);
}
static inline own wasm_functype_t* wasm_functype_new_3_2(
  own wasm_valtype_t* p1, own wasm_valtype_t* p2, own wasm_valtype_t* p3,
  own wasm_valtype_t* r1, own wasm_valtype_t* r2
) {
  wasm_valtype_t* ps[3] = {p1, p2, p3};
  wasm_valtype_t* rs[2] = {r1, r2};
  return wasm__functype_from_arrays(3, ps, 2, rs);
}

// Values

static inline void wasm_val_init_ptr(own wasm_val_t* out, void* p) {
#if UINTPTR_MAX == UINT32_MAX
  out->kind = WASM_I32;
  out->of.i32 = (intptr_t)p;
#elif UINTPTR_MAX == UINT64_MAX
  out->kind = WASM_I64;
  out->of.i64 = (intptr_t)p;
#endif
}

static inline void* wasm_val_ptr(const wasm_val_t* val) {
#if UINTPTR_MAX == UINT32_MAX
  return (void*)(intptr_t)val->of.i32;
#elif UINTPTR_MAX == UINT64_MAX
  return (void*)(intptr_t)val->of.i64;
#endif
}

#define WASM_I32_VAL(i) {.kind = WASM_I32, .of = {.i32 = i}}
#define WASM_I64_VAL(i) {.kind = WASM_I64, .of = {.i64 = i}}
#define WASM_F32_VAL(z) {.kind = WASM_F32, .of = {.f32 = z}}
#define WASM_F64_VAL(z) {.kind = WASM_F64, .of = {.f64 = z}}
#define WASM_REF_VAL(r) {.kind = WASM_EXTERNREF, .of = {.ref = r}}
#define WASM_INIT_VAL {.kind = WASM_EXTERNREF, .of = {.ref = NULL}}

///////////////////////////////////////////////////////////////////////////////

#undef own

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // WASM_H
