// v128 at the C API boundary (data/simd_capi.wat, data/simd_capi_import.wat). A wasm_val_t
// cannot hold a v128, so, as in the JS API: wasm_func_call on a function with v128 in its type
// returns a trap and runs nothing; a host function with v128 in its type can be created and
// imported, but a call from wasm traps without running its callback; wasm_global_new/get/set
// refuse v128 globals in a defined way. The wasmo_global_*_v128 extensions read, write and create
// v128 globals as 16 bytes in memory order, and v128 globals link between instances.
#include "harness.h"

#define V128_MISMATCH "type mismatch: v128 values cannot be passed through wasm.h"

static wasm_engine_t* engine;
static wasm_store_t* store;
static wasm_module_t* module;
static wasm_instance_t* instance;
static wasm_extern_vec_t exports;
static wasm_func_t *take_fn, *give_fn;

static wasm_extern_t* exp_(const char* name) { return export_named(module, &exports, name); }
static const wasm_func_t* func(const char* name) { return wasm_extern_as_func(exp_(name)); }
static wasm_global_t* global(const char* name) { return wasm_extern_as_global(exp_(name)); }

// The 16 bytes of a v128 global, or all 0xEE if wasmo_global_get_v128 refuses it.
typedef struct {
  uint8_t b[16];
} v128_t;

static v128_t get_v128(const wasm_global_t* g) {
  v128_t v;
  memset(v.b, 0xEE, sizeof v.b);
  CHECK(wasmo_global_get_v128(g, v.b));
  return v;
}

static int v128_eq(v128_t a, const uint8_t* b) { return memcmp(a.b, b, 16) == 0; }

static const uint8_t bytes_0_to_15[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
// (v128.const i32x4 0x11223344 -1 0 0x80000000), little-endian lanes.
static const uint8_t m_initial[16] = {0x44, 0x33, 0x22, 0x11, 0xff, 0xff, 0xff, 0xff,
                                      0,    0,    0,    0,    0,    0,    0,    0x80};
static const uint8_t zeros[16] = {0};
static const uint8_t pattern_p[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4,
                                      0x7f, 0x80, 0x81, 0xfe, 0xff, 0, 0x55, 0xaa};
static const uint8_t pattern_q[16] = {0xa5, 0x5a, 0, 0xff, 0x10, 0x20, 0x30, 0x40,
                                      0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0};

// Whether wasmo_error_message() is exactly `expected`.
static int error_is(const char* expected) {
  const char* msg = wasmo_error_message();
  int ok = msg != NULL && strcmp(msg, expected) == 0;
  if (!ok) fprintf(stderr, "error message \"%s\", expected \"%s\"\n", msg ? msg : "(null)", expected);
  return ok;
}

static int error_has(const char* part) {
  const char* msg = wasmo_error_message();
  int ok = msg != NULL && strstr(msg, part) != NULL;
  if (!ok) fprintf(stderr, "error message \"%s\" lacks \"%s\"\n", msg ? msg : "(null)", part);
  return ok;
}

// ---- host functions with v128 in their type -------------------------------------------------

static int take_calls, give_calls, give_finalized;

static wasm_trap_t* host_take(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  take_calls++;
  results->data[0] = (wasm_val_t)WASM_I32_VAL(99);
  return NULL;
}

static wasm_trap_t* host_give(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  give_calls++;
  return NULL;
}

static void finalize_give(void* env) {
  CHECK(env == &give_calls);
  give_finalized++;
}

static wasm_valtype_vec_t types1(wasm_valkind_t kind) {
  wasm_valtype_vec_t v;
  wasm_valtype_vec_new_uninitialized(&v, 1);
  v.data[0] = wasm_valtype_new(kind);
  return v;
}

static void make_host_functions(void) {
  // (func (param v128) (result i32)) and (func (result v128)), built from WASMO_V128.
  wasm_valtype_t* v128 = wasm_valtype_new(WASMO_V128);
  CHECK(v128 != NULL && wasm_valtype_kind(v128) == WASMO_V128);
  wasm_valtype_delete(v128);
  wasm_valtype_vec_t params = types1(WASMO_V128), results = types1(WASM_I32);
  wasm_functype_t* take_ty = wasm_functype_new(&params, &results);
  wasm_valtype_vec_t no_params = WASM_EMPTY_VEC, give_results = types1(WASMO_V128);
  wasm_functype_t* give_ty = wasm_functype_new(&no_params, &give_results);

  take_fn = wasm_func_new(store, take_ty, host_take);
  CHECK(take_fn != NULL);
  give_fn = wasm_func_new_with_env(store, give_ty, host_give, &give_calls, finalize_give);
  CHECK(give_fn != NULL);
  if (!take_fn || !give_fn) {
    fprintf(stderr, "host functions with v128 refused: %s\n", wasmo_error_message());
    exit(1);
  }
  wasm_functype_delete(take_ty);
  wasm_functype_delete(give_ty);

  // Their types reflect v128.
  wasm_functype_t* ty = wasm_func_type(take_fn);
  CHECK(wasm_functype_params(ty)->size == 1 &&
        wasm_valtype_kind(wasm_functype_params(ty)->data[0]) == WASMO_V128);
  wasm_functype_delete(ty);
  ty = wasm_func_type(give_fn);
  CHECK(wasm_functype_results(ty)->size == 1 &&
        wasm_valtype_kind(wasm_functype_results(ty)->data[0]) == WASMO_V128);
  wasm_functype_delete(ty);
  CHECK(wasm_func_param_arity(take_fn) == 1 && wasm_func_result_arity(give_fn) == 1);
}

// ---- reflection ------------------------------------------------------------------------------

static void test_reflection(void) {
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  CHECK(imports.size == 2);
  const wasm_functype_t* take_ty = wasm_externtype_as_functype_const(wasm_importtype_type(imports.data[0]));
  CHECK(take_ty != NULL && wasm_valtype_kind(wasm_functype_params(take_ty)->data[0]) == WASMO_V128);
  wasm_importtype_vec_delete(&imports);

  wasm_globaltype_t* gt = wasm_global_type(global("c_v128"));
  CHECK(wasm_valtype_kind(wasm_globaltype_content(gt)) == WASMO_V128 &&
        wasm_globaltype_mutability(gt) == WASM_CONST);
  wasm_globaltype_delete(gt);
  gt = wasm_global_type(global("m_v128"));
  CHECK(wasm_valtype_kind(wasm_globaltype_content(gt)) == WASMO_V128 &&
        wasm_globaltype_mutability(gt) == WASM_VAR);
  wasm_globaltype_delete(gt);

  wasm_functype_t* ft = wasm_func_type(func("id"));
  CHECK(wasm_valtype_kind(wasm_functype_params(ft)->data[0]) == WASMO_V128 &&
        wasm_valtype_kind(wasm_functype_results(ft)->data[0]) == WASMO_V128);
  wasm_functype_delete(ft);
}

// ---- globals ---------------------------------------------------------------------------------

static void test_exported_globals(void) {
  wasm_global_t* c = global("c_v128");
  wasm_global_t* m = global("m_v128");

  // Initial values, byte for byte in memory order.
  CHECK(v128_eq(get_v128(c), bytes_0_to_15));
  CHECK(wasmo_error_message() == NULL);
  CHECK(v128_eq(get_v128(m), m_initial));

  // wasm_global_get: kind WASMO_V128, zero payload, an error naming the extension.
  wasm_val_t v;
  memset(&v, 0x5c, sizeof v);
  wasm_global_get(c, &v);
  CHECK(v.kind == WASMO_V128 && v.of.ref == NULL && v.of.i64 == 0);
  CHECK(error_is("wasm_global_get: " V128_MISMATCH " (use wasmo_global_get_v128)"));
  wasm_val_delete(&v);  // nothing to release; harmless
  // A scalar global reads as before, and clears the error.
  wasm_global_get(global("c_i32"), &v);
  CHECK(v.kind == WASM_I32 && v.of.i32 == 5 && wasmo_error_message() == NULL);

  // wasmo_global_set_v128 round-trips all 16 bytes.
  CHECK(wasmo_global_set_v128(m, pattern_p));
  CHECK(wasmo_error_message() == NULL);
  CHECK(v128_eq(get_v128(m), pattern_p));

  // wasm reads what the host wrote and the host reads what wasm wrote: swap_m exchanges m with
  // a private global (zero at first).
  wasm_val_vec_t none = WASM_EMPTY_VEC, none_r = WASM_EMPTY_VEC;
  wasm_trap_t* trap = wasm_func_call(func("swap_m"), &none, &none_r);
  CHECK(trap == NULL);
  wasm_trap_delete(trap);
  CHECK(v128_eq(get_v128(m), zeros));
  CHECK(wasmo_global_set_v128(m, pattern_q));
  trap = wasm_func_call(func("swap_m"), &none, &none_r);
  CHECK(trap == NULL);
  wasm_trap_delete(trap);
  CHECK(v128_eq(get_v128(m), pattern_p));
  trap = wasm_func_call(func("copy_c_to_m"), &none, &none_r);
  CHECK(trap == NULL);
  wasm_trap_delete(trap);
  CHECK(v128_eq(get_v128(m), bytes_0_to_15));
  CHECK(wasmo_global_set_v128(m, pattern_p));

  // An immutable v128 global refuses a new value.
  CHECK(!wasmo_global_set_v128(c, pattern_q));
  CHECK(error_is("wasmo_global_set_v128: cannot set an immutable global"));
  CHECK(v128_eq(get_v128(c), bytes_0_to_15));

  // The extensions refuse globals of other types, leaving `out` and the global alone.
  uint8_t out[16];
  memset(out, 0xAA, sizeof out);
  CHECK(!wasmo_global_get_v128(global("m_f64"), out));
  CHECK(error_is("wasmo_global_get_v128: the global has type f64, not v128"));
  CHECK(out[0] == 0xAA && out[15] == 0xAA);
  CHECK(!wasmo_global_set_v128(global("m_f64"), pattern_q));
  CHECK(error_is("wasmo_global_set_v128: the global has type f64, not v128"));
  wasm_global_get(global("m_f64"), &v);
  CHECK(v.kind == WASM_F64 && v.of.f64 == 0.5);

  // wasm_global_set refuses every value for a v128 global: another kind, or a WASMO_V128-kind
  // value (which has no room for one), mutable or not.
  wasm_val_t seven = WASM_I32_VAL(7);
  wasm_global_set(m, &seven);
  CHECK(error_is("wasm_global_set: " V128_MISMATCH " (use wasmo_global_set_v128)"));
  wasm_val_t v128_kind = {.kind = WASMO_V128, .of = {.i64 = -1}};
  wasm_global_set(m, &v128_kind);
  CHECK(error_is("wasm_global_set: " V128_MISMATCH " (use wasmo_global_set_v128)"));
  wasm_global_set(c, &v128_kind);
  CHECK(error_is("wasm_global_set: " V128_MISMATCH " (use wasmo_global_set_v128)"));
  CHECK(v128_eq(get_v128(m), pattern_p));
  CHECK(v128_eq(get_v128(c), bytes_0_to_15));
  // And a WASMO_V128-kind value does not fit a scalar global.
  wasm_global_set(global("m_f64"), &v128_kind);
  CHECK(error_has("wasm_global_set: value of kind 4 where f64 is expected"));
}

// NULL byte pointers are programming errors, caught loudly (run in a child process).
static void get_into_null(void) { wasmo_global_get_v128(global("m_v128"), NULL); }
static void set_from_null(void) { wasmo_global_set_v128(global("m_v128"), NULL); }
static void new_from_null(void) {
  wasm_globaltype_t* ty = wasm_globaltype_new(wasm_valtype_new(WASMO_V128), WASM_VAR);
  wasmo_global_new_v128(store, ty, NULL);
}

static void test_null_bytes(void) {
  CHECK(aborts_with(get_into_null, "wasmo_global_get_v128: argument `out` must not be NULL"));
  CHECK(aborts_with(set_from_null, "wasmo_global_set_v128: argument `value` must not be NULL"));
  CHECK(aborts_with(new_from_null, "wasmo_global_new_v128: argument `value` must not be NULL"));
}

static void test_host_globals(void) {
  wasm_globaltype_t* var_ty = wasm_globaltype_new(wasm_valtype_new(WASMO_V128), WASM_VAR);
  wasm_globaltype_t* const_ty = wasm_globaltype_new(wasm_valtype_new(WASMO_V128), WASM_CONST);
  wasm_globaltype_t* i32_ty = wasm_globaltype_new(wasm_valtype_new(WASM_I32), WASM_VAR);

  // wasm_global_new refuses a v128 type whatever the value.
  wasm_val_t v128_kind = {.kind = WASMO_V128, .of = {.i64 = 0}};
  wasm_val_t one = WASM_I32_VAL(1);
  CHECK(wasm_global_new(store, var_ty, &v128_kind) == NULL);
  CHECK(error_is("wasm_global_new: " V128_MISMATCH " (use wasmo_global_new_v128)"));
  CHECK(wasm_global_new(store, const_ty, &one) == NULL);
  CHECK(error_is("wasm_global_new: " V128_MISMATCH " (use wasmo_global_new_v128)"));
  // A WASMO_V128-kind value for a scalar type is a plain kind mismatch.
  CHECK(wasm_global_new(store, i32_ty, &v128_kind) == NULL);
  CHECK(error_has("value of kind 4 where i32 is expected"));

  // wasmo_global_new_v128: mutable and immutable, typed v128, holding exactly the bytes given.
  wasm_global_t* hv = wasmo_global_new_v128(store, var_ty, pattern_q);
  CHECK(hv != NULL && wasmo_error_message() == NULL);
  wasm_global_t* hc = wasmo_global_new_v128(store, const_ty, bytes_0_to_15);
  CHECK(hc != NULL);
  CHECK(v128_eq(get_v128(hv), pattern_q));
  CHECK(v128_eq(get_v128(hc), bytes_0_to_15));
  wasm_globaltype_t* t = wasm_global_type(hv);
  CHECK(wasm_valtype_kind(wasm_globaltype_content(t)) == WASMO_V128 &&
        wasm_globaltype_mutability(t) == WASM_VAR);
  wasm_globaltype_delete(t);
  CHECK(wasmo_global_set_v128(hv, pattern_p));
  CHECK(v128_eq(get_v128(hv), pattern_p));
  CHECK(!wasmo_global_set_v128(hc, pattern_p));
  CHECK(error_has("immutable"));
  CHECK(v128_eq(get_v128(hc), bytes_0_to_15));
  wasm_val_t v;
  wasm_global_get(hv, &v);
  CHECK(v.kind == WASMO_V128 && v.of.ref == NULL);
  CHECK(error_has("use wasmo_global_get_v128"));

  // Another content type is refused.
  CHECK(wasmo_global_new_v128(store, i32_ty, pattern_p) == NULL);
  CHECK(error_is("wasmo_global_new_v128: the global type has content i32, not v128"));

  wasm_global_delete(hv);
  wasm_global_delete(hc);
  wasm_globaltype_delete(var_ty);
  wasm_globaltype_delete(const_ty);
  wasm_globaltype_delete(i32_ty);
}

// ---- calls -------------------------------------------------------------------------------------

// Calls `f` with `args` (arity from its type) and result slots preset to i32 -1; checks the call
// traps with `expected` and leaves the results alone.
static void check_v128_call_trap(const wasm_func_t* f, wasm_val_t* args, size_t nargs,
                                 const char* expected) {
  wasm_val_t results[1] = {WASM_I32_VAL(-1)};
  wasm_val_vec_t av = {nargs, args}, rv = {wasm_func_result_arity(f), results};
  wasm_trap_t* trap = wasm_func_call(f, &av, &rv);
  CHECK(trap_message_is(trap, expected));
  CHECK(results[0].kind == WASM_I32 && results[0].of.i32 == -1);
  wasm_trap_delete(trap);
}

static int32_t call_plus1(int32_t x) {
  wasm_val_t args[1] = {WASM_I32_VAL(x)}, results[1] = {WASM_INIT_VAL};
  wasm_val_vec_t av = WASM_ARRAY_VEC(args), rv = WASM_ARRAY_VEC(results);
  wasm_trap_t* trap = wasm_func_call(func("plus1"), &av, &rv);
  CHECK(trap == NULL);
  wasm_trap_delete(trap);
  return results[0].kind == WASM_I32 ? results[0].of.i32 : -1;
}

static void test_calls(void) {
  wasm_val_t v128_arg[1] = {{.kind = WASMO_V128, .of = {.i64 = 0}}};
  wasm_val_t i32_arg[1] = {WASM_I32_VAL(3)};

  // Exported functions with v128 anywhere in their type: a trap, whatever the arguments.
  const char* seven = "wasm_func_call: " V128_MISMATCH " (function type (func (param v128) (result i32)))";
  check_v128_call_trap(func("seven"), v128_arg, 1, seven);
  check_v128_call_trap(func("seven"), i32_arg, 1, seven);
  check_v128_call_trap(func("seven"), NULL, 0, seven);
  check_v128_call_trap(func("id"), v128_arg, 1,
                       "wasm_func_call: " V128_MISMATCH " (function type (func (param v128) (result v128)))");
  check_v128_call_trap(func("get_m"), NULL, 0,
                       "wasm_func_call: " V128_MISMATCH " (function type (func (result v128)))");
  // A NULL args vector is still the v128 trap.
  wasm_val_t results[1] = {WASM_INIT_VAL};
  wasm_val_vec_t rv = WASM_ARRAY_VEC(results);
  wasm_trap_t* trap = wasm_func_call(func("seven"), NULL, &rv);
  CHECK(trap_message_is(trap, seven));
  wasm_trap_delete(trap);

  // The store keeps working.
  CHECK(call_plus1(41) == 42);

  // The host functions, called from C: the same trap, the callbacks never run.
  check_v128_call_trap(take_fn, v128_arg, 1, seven);
  check_v128_call_trap(give_fn, NULL, 0,
                       "wasm_func_call: " V128_MISMATCH " (function type (func (result v128)))");
  CHECK(take_calls == 0 && give_calls == 0);

  // Called from wasm: a trap out of the wasm caller, the callbacks never run, m unchanged.
  wasm_val_t r1[1] = {WASM_I32_VAL(-1)};
  wasm_val_vec_t none = WASM_EMPTY_VEC, rv1 = WASM_ARRAY_VEC(r1), none_r = WASM_EMPTY_VEC;
  trap = wasm_func_call(func("call_take"), &none, &rv1);
  CHECK(trap_message_is(trap, "host function: " V128_MISMATCH " (function type (func (param v128) (result i32)))"));
  CHECK(r1[0].kind == WASM_I32 && r1[0].of.i32 == -1);
  wasm_trap_delete(trap);
  trap = wasm_func_call(func("call_give"), &none, &none_r);
  CHECK(trap_message_is(trap, "host function: " V128_MISMATCH " (function type (func (result v128)))"));
  wasm_trap_delete(trap);
  CHECK(take_calls == 0 && give_calls == 0);
  CHECK(v128_eq(get_v128(global("m_v128")), pattern_p));

  // Still working, more than once.
  CHECK(call_plus1(-1) == 0);
  trap = wasm_func_call(func("call_take"), &none, &rv1);
  CHECK(trap_message_has(trap, V128_MISMATCH));
  wasm_trap_delete(trap);
  CHECK(call_plus1(1000) == 1001);
  CHECK(take_calls == 0);
}

// ---- v128 globals linked between instances ------------------------------------------------

static void test_linking(void) {
  wasm_byte_vec_t binary;
  load_wasm("simd_capi_import", &binary);
  wasm_module_t* mod2 = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(mod2 != NULL);
  if (!mod2) {
    fprintf(stderr, "simd_capi_import: %s\n", wasmo_error_message());
    return;
  }
  wasm_global_t* m = global("m_v128");
  CHECK(wasmo_global_set_v128(m, pattern_q));

  // Instance B imports A's c_v128 and m_v128.
  wasm_extern_t* ext[2] = {exp_("c_v128"), exp_("m_v128")};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(ext), exp2;
  wasm_trap_t* trap = NULL;
  wasm_instance_t* b = wasm_instance_new(store, mod2, &imports, &trap);
  CHECK(b != NULL && trap == NULL);
  wasm_trap_delete(trap);
  if (b) {
    wasm_instance_exports(b, &exp2);
    wasm_global_t* own = wasm_extern_as_global(export_named(mod2, &exp2, "own"));
    wasm_global_t* m_again = wasm_extern_as_global(export_named(mod2, &exp2, "m_again"));
    // `own` was initialised from the imported c_v128.
    CHECK(v128_eq(get_v128(own), bytes_0_to_15));
    // The re-export is A's m: writes on either side are seen on the other.
    CHECK(v128_eq(get_v128(m_again), pattern_q));
    CHECK(wasmo_global_set_v128(m_again, pattern_p));
    CHECK(v128_eq(get_v128(m), pattern_p));
    // B's code reads and writes the imported global.
    wasm_val_vec_t none = WASM_EMPTY_VEC, none_r = WASM_EMPTY_VEC;
    trap = wasm_func_call(wasm_extern_as_func(export_named(mod2, &exp2, "swap_own_m")), &none, &none_r);
    CHECK(trap == NULL);
    wasm_trap_delete(trap);
    CHECK(v128_eq(get_v128(m), bytes_0_to_15));
    CHECK(v128_eq(get_v128(own), pattern_p));
    // And A's code sees B's write.
    trap = wasm_func_call(func("copy_c_to_m"), &none, &none_r);
    CHECK(trap == NULL);
    wasm_trap_delete(trap);
    CHECK(v128_eq(get_v128(m_again), bytes_0_to_15));
    wasm_extern_vec_delete(&exp2);
    wasm_instance_delete(b);
  }

  // Host-made v128 globals link too.
  wasm_globaltype_t* var_ty = wasm_globaltype_new(wasm_valtype_new(WASMO_V128), WASM_VAR);
  wasm_globaltype_t* const_ty = wasm_globaltype_new(wasm_valtype_new(WASMO_V128), WASM_CONST);
  wasm_global_t* hc = wasmo_global_new_v128(store, const_ty, pattern_q);
  wasm_global_t* hv = wasmo_global_new_v128(store, var_ty, zeros);
  wasm_extern_t* hext[2] = {wasm_global_as_extern(hc), wasm_global_as_extern(hv)};
  wasm_extern_vec_t himports = WASM_ARRAY_VEC(hext);
  trap = NULL;
  wasm_instance_t* b2 = wasm_instance_new(store, mod2, &himports, &trap);
  CHECK(b2 != NULL && trap == NULL);
  wasm_trap_delete(trap);
  if (b2) {
    wasm_instance_exports(b2, &exp2);
    CHECK(v128_eq(get_v128(wasm_extern_as_global(export_named(mod2, &exp2, "own"))), pattern_q));
    wasm_val_vec_t none = WASM_EMPTY_VEC, none_r = WASM_EMPTY_VEC;
    trap = wasm_func_call(wasm_extern_as_func(export_named(mod2, &exp2, "swap_own_m")), &none, &none_r);
    CHECK(trap == NULL);
    wasm_trap_delete(trap);
    CHECK(v128_eq(get_v128(hv), pattern_q));
    wasm_extern_vec_delete(&exp2);
    wasm_instance_delete(b2);
  }

  // A scalar global where a v128 one is imported: instantiation fails.
  wasm_extern_t* bad[2] = {exp_("c_i32"), exp_("m_v128")};
  wasm_extern_vec_t bad_imports = WASM_ARRAY_VEC(bad);
  trap = NULL;
  wasm_instance_t* b3 = wasm_instance_new(store, mod2, &bad_imports, &trap);
  CHECK(b3 == NULL);
  wasm_trap_delete(trap);

  wasm_global_delete(hc);
  wasm_global_delete(hv);
  wasm_globaltype_delete(var_ty);
  wasm_globaltype_delete(const_ty);
  wasm_module_delete(mod2);
}

int main(void) {
  engine = wasm_engine_new();
  store = wasm_store_new(engine);
  make_host_functions();

  wasm_byte_vec_t binary;
  load_wasm("simd_capi", &binary);
  module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  if (!module) {
    fprintf(stderr, "simd_capi: %s\n", wasmo_error_message());
  } else {
    wasm_extern_t* ext[2] = {wasm_func_as_extern(take_fn), wasm_func_as_extern(give_fn)};
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(ext);
    wasm_trap_t* trap = NULL;
    instance = wasm_instance_new(store, module, &imports, &trap);
    CHECK(instance != NULL && trap == NULL);
    wasm_trap_delete(trap);
    if (instance) {
      wasm_instance_exports(instance, &exports);
      test_reflection();
      test_exported_globals();
      test_host_globals();
      test_null_bytes();
      test_calls();
      test_linking();
      wasm_extern_vec_delete(&exports);
      wasm_instance_delete(instance);
    } else {
      fprintf(stderr, "simd_capi instance: %s\n", wasmo_error_message());
    }
    wasm_module_delete(module);
  }

  wasm_func_delete(take_fn);
  wasm_func_delete(give_fn);
  wasm_store_delete(store);
  CHECK(give_finalized == 1);
  wasm_engine_delete(engine);
  return test_finish("test_simd_capi");
}
