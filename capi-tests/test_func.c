// Functions: host functions with and without an environment (its finalizer runs once, with the
// store), their types and arities, wasm_func_call with every value kind in both directions,
// multi-value results, host -> wasm -> host -> wasm re-entry, and bad calls (wrong arguments,
// short result vectors, host results of the wrong kind) that come back as traps.
#include "harness.h"

#include <math.h>

static wasm_engine_t* engine;
static wasm_store_t* store;
static wasm_module_t* module;
static wasm_instance_t* instance;
static wasm_extern_vec_t exports;

// Host functions of data/func.wat's imports, plus `twice` and `make_refs` (not imported).
static wasm_func_t *add_fn, *echo_fn, *count_fn, *apply_fn, *bad_fn, *wide_fn, *twice_fn, *make_refs_fn;
static wasm_foreign_t* foreign;  // a host object travelling as externref

static const wasm_func_t* export_func(const char* name) {
  return wasm_extern_as_func(export_named(module, &exports, name));
}

// ---- host callbacks --------------------------------------------------------------------------

static int add_calls;
static wasm_trap_t* host_add(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  add_calls++;
  CHECK(args->size == 2 && results->size == 1);
  CHECK(args->data[0].kind == WASM_I32 && args->data[1].kind == WASM_I32);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 + args->data[1].of.i32;
  return NULL;
}

// What echo last received.
static struct {
  int calls;
  int kinds_ok;
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
  int func_is_add;    // the funcref argument was `add_fn`
  int extern_is_foreign;  // the externref argument was `foreign`
} echo_seen;

// Returns copies of its six arguments (i32 i64 f32 f64 funcref externref).
static wasm_trap_t* host_echo(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  echo_seen.calls++;
  CHECK(args->size == 6 && results->size == 6);
  static const wasm_valkind_t kinds[6] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_FUNCREF, WASM_EXTERNREF};
  echo_seen.kinds_ok = 1;
  for (int i = 0; i < 6; i++) {
    if (args->data[i].kind != kinds[i]) echo_seen.kinds_ok = 0;
    // Result slots come pre-set to the result kinds (references null).
    if (results->data[i].kind != kinds[i]) echo_seen.kinds_ok = 0;
  }
  CHECK(results->data[4].of.ref == NULL && results->data[5].of.ref == NULL);
  echo_seen.i32 = args->data[0].of.i32;
  echo_seen.i64 = args->data[1].of.i64;
  echo_seen.f32 = args->data[2].of.f32;
  echo_seen.f64 = args->data[3].of.f64;
  const wasm_ref_t* fr = args->data[4].of.ref;
  echo_seen.func_is_add = fr != NULL && wasm_ref_as_func_const(fr) != NULL &&
                          wasm_func_same(wasm_ref_as_func_const(fr), add_fn);
  const wasm_ref_t* er = args->data[5].of.ref;
  echo_seen.extern_is_foreign = er != NULL && wasm_ref_same(er, wasm_foreign_as_ref(foreign));
  // The arguments stay owned by the caller: the results get their own copies.
  for (int i = 0; i < 6; i++) wasm_val_copy(&results->data[i], &args->data[i]);
  return NULL;
}

typedef struct {
  int64_t total;
  int calls;
} counter_t;
static counter_t counter;
static int counter_finalized;
static void* counter_finalized_with;
static void finalize_counter(void* env) {
  counter_finalized++;
  counter_finalized_with = env;
}

// Adds its argument to the counter in `env`; returns the running total.
static wasm_trap_t* host_count(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  counter_t* c = env;
  c->calls++;
  c->total += args->data[0].of.i64;
  results->data[0].kind = WASM_I64;
  results->data[0].of.i64 = c->total;
  return NULL;
}

// (funcref f, i32 x) -> f(x + 1) * 10, calling f back through wasm_func_call.
static int apply_calls;
static wasm_trap_t* host_apply(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  apply_calls++;
  CHECK(args->data[0].kind == WASM_FUNCREF);
  const wasm_func_t* f = wasm_ref_as_func_const(args->data[0].of.ref);
  CHECK(f != NULL);
  if (!f) return NULL;
  CHECK(wasm_func_param_arity(f) == 1 && wasm_func_result_arity(f) == 1);
  wasm_val_t a[1] = {WASM_I32_VAL(args->data[1].of.i32 + 1)};
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t av = WASM_ARRAY_VEC(a), rv = WASM_ARRAY_VEC(r);
  wasm_trap_t* trap = wasm_func_call(f, &av, &rv);
  if (trap) return trap;
  CHECK(r[0].kind == WASM_I32);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = r[0].of.i32 * 10;
  return NULL;
}

// Declares an i32 result and returns an f64.
static wasm_trap_t* host_bad(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  results->data[0].kind = WASM_F64;
  results->data[0].of.f64 = 1.0;
  return NULL;
}

// The wide signature: 12 numbers, an externref and a funcref in; the numbers reversed, then the
// funcref and the externref out.
static const wasm_valkind_t wide_params[14] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_I32, WASM_I64, WASM_F32,
                                               WASM_F64, WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_EXTERNREF,
                                               WASM_FUNCREF};
static int wide_bad_kinds = -1;
static wasm_trap_t* host_wide(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  wide_bad_kinds = 0;
  for (int i = 0; i < 14; i++)
    if (args->size != 14 || args->data[i].kind != wide_params[i]) wide_bad_kinds++;
  for (int i = 0; i < 12; i++) results->data[i] = args->data[11 - i];
  wasm_val_copy(&results->data[12], &args->data[13]);
  wasm_val_copy(&results->data[13], &args->data[12]);
  return NULL;
}

// x -> x * *env
static wasm_trap_t* host_times(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 * *(int32_t*)env;
  return NULL;
}
static int32_t two = 2;

// () -> (funcref externref): new references to `twice_fn` and `foreign`.
static wasm_trap_t* host_make_refs(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK(args->size == 0 && results->size == 2);
  results->data[0].kind = WASM_FUNCREF;
  results->data[0].of.ref = wasm_func_as_ref(wasm_func_copy(twice_fn));
  results->data[1].kind = WASM_EXTERNREF;
  results->data[1].of.ref = wasm_ref_copy(wasm_foreign_as_ref(foreign));
  return NULL;
}

// ---- setup -----------------------------------------------------------------------------------

static wasm_functype_t* functype_all_to_all(void) {
  wasm_valtype_t* ps[6] = {wasm_valtype_new_i32(), wasm_valtype_new_i64(), wasm_valtype_new_f32(),
                           wasm_valtype_new_f64(), wasm_valtype_new_funcref(), wasm_valtype_new_externref()};
  wasm_valtype_t* rs[6] = {wasm_valtype_new_i32(), wasm_valtype_new_i64(), wasm_valtype_new_f32(),
                           wasm_valtype_new_f64(), wasm_valtype_new_funcref(), wasm_valtype_new_externref()};
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new(&params, 6, ps);
  wasm_valtype_vec_new(&results, 6, rs);
  return wasm_functype_new(&params, &results);
}

static void setup(void) {
  engine = wasm_engine_new();
  store = wasm_store_new(engine);
  foreign = wasm_foreign_new(store);
  wasm_byte_vec_t binary;
  load_wasm("func", &binary);
  module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  if (!module) exit(1);

  wasm_functype_t* ii_i = wasm_functype_new_2_1(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32());
  add_fn = wasm_func_new(store, ii_i, host_add);
  wasm_functype_delete(ii_i);
  wasm_functype_t* all = functype_all_to_all();
  echo_fn = wasm_func_new(store, all, host_echo);
  wasm_functype_delete(all);
  wasm_functype_t* l_l = wasm_functype_new_1_1(wasm_valtype_new_i64(), wasm_valtype_new_i64());
  count_fn = wasm_func_new_with_env(store, l_l, host_count, &counter, finalize_counter);
  wasm_functype_delete(l_l);
  wasm_functype_t* fi_i = wasm_functype_new_2_1(wasm_valtype_new_funcref(), wasm_valtype_new_i32(), wasm_valtype_new_i32());
  apply_fn = wasm_func_new(store, fi_i, host_apply);
  wasm_functype_delete(fi_i);
  wasm_functype_t* v_i = wasm_functype_new_0_1(wasm_valtype_new_i32());
  bad_fn = wasm_func_new(store, v_i, host_bad);
  wasm_functype_delete(v_i);
  wasm_importtype_vec_t import_types;  // the wide type, as the module declares it
  wasm_module_imports(module, &import_types);
  wide_fn = wasm_func_new(store, wasm_externtype_as_functype_const(wasm_importtype_type(import_types.data[5])), host_wide);
  wasm_importtype_vec_delete(&import_types);
  wasm_functype_t* i_i = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  twice_fn = wasm_func_new_with_env(store, i_i, host_times, &two, NULL);  // no finalizer
  wasm_functype_delete(i_i);
  wasm_functype_t* v_fe = wasm_functype_new_0_2(wasm_valtype_new_funcref(), wasm_valtype_new_externref());
  make_refs_fn = wasm_func_new(store, v_fe, host_make_refs);
  wasm_functype_delete(v_fe);
  CHECK(add_fn && echo_fn && count_fn && apply_fn && bad_fn && wide_fn && twice_fn && make_refs_fn);

  wasm_extern_t* imports[6] = {wasm_func_as_extern(add_fn), wasm_func_as_extern(echo_fn),
                               wasm_func_as_extern(count_fn), wasm_func_as_extern(apply_fn),
                               wasm_func_as_extern(bad_fn), wasm_func_as_extern(wide_fn)};
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(imports);
  wasm_trap_t* trap = NULL;
  instance = wasm_instance_new(store, module, &import_vec, &trap);
  CHECK(instance != NULL && trap == NULL);
  if (!instance) {
    fprintf(stderr, "instantiation failed: %s\n", wasmo_error_message());
    exit(1);
  }
  wasm_instance_exports(instance, &exports);
}

// ---- tests -----------------------------------------------------------------------------------

static int kinds_are(const wasm_valtype_vec_t* types, const wasm_valkind_t* kinds, size_t n) {
  if (types->size != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (wasm_valtype_kind(types->data[i]) != kinds[i]) return 0;
  return 1;
}

static void test_types_and_arity(void) {
  static const wasm_valkind_t ii[2] = {WASM_I32, WASM_I32};
  static const wasm_valkind_t i[1] = {WASM_I32};
  static const wasm_valkind_t all[6] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_FUNCREF, WASM_EXTERNREF};
  static const wasm_valkind_t mix_params[4] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64};
  static const wasm_valkind_t mix_results[4] = {WASM_F64, WASM_I64, WASM_F32, WASM_I32};

  wasm_functype_t* t = wasm_func_type(add_fn);
  CHECK(t != NULL && kinds_are(wasm_functype_params(t), ii, 2) && kinds_are(wasm_functype_results(t), i, 1));
  wasm_functype_delete(t);
  CHECK(wasm_func_param_arity(add_fn) == 2 && wasm_func_result_arity(add_fn) == 1);

  t = wasm_func_type(echo_fn);
  CHECK(kinds_are(wasm_functype_params(t), all, 6) && kinds_are(wasm_functype_results(t), all, 6));
  wasm_functype_delete(t);
  CHECK(wasm_func_param_arity(echo_fn) == 6 && wasm_func_result_arity(echo_fn) == 6);
  CHECK(wasm_func_param_arity(make_refs_fn) == 0 && wasm_func_result_arity(make_refs_fn) == 2);

  // Exported wasm functions report their module types.
  t = wasm_func_type(export_func("mix"));
  CHECK(kinds_are(wasm_functype_params(t), mix_params, 4) && kinds_are(wasm_functype_results(t), mix_results, 4));
  wasm_functype_delete(t);
  CHECK(wasm_func_param_arity(export_func("mix")) == 4 && wasm_func_result_arity(export_func("mix")) == 4);
  CHECK(wasm_func_param_arity(export_func("nothing")) == 0 && wasm_func_result_arity(export_func("nothing")) == 0);
  t = wasm_func_type(export_func("id"));
  CHECK(kinds_are(wasm_functype_params(t), all, 6) && kinds_are(wasm_functype_results(t), all, 6));
  wasm_functype_delete(t);

  // An imported host function, re-read through the module's view: same type.
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  CHECK(imports.size == 6);
  const wasm_functype_t* count_import = wasm_externtype_as_functype_const(wasm_importtype_type(imports.data[2]));
  t = wasm_func_type(count_fn);
  CHECK(count_import && wasm_functype_params(t)->size == wasm_functype_params(count_import)->size &&
        wasm_valtype_kind(wasm_functype_params(t)->data[0]) == WASM_I64 &&
        wasm_valtype_kind(wasm_functype_results(t)->data[0]) == WASM_I64);
  wasm_functype_delete(t);
  wasm_importtype_vec_delete(&imports);
}

static void test_direct_host_calls(void) {
  wasm_val_t args[2] = {WASM_I32_VAL(2), WASM_I32_VAL(3)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  wasm_val_vec_t av = WASM_ARRAY_VEC(args), rv = WASM_ARRAY_VEC(results);
  int before = add_calls;
  CHECK(wasm_func_call(add_fn, &av, &rv) == NULL);
  CHECK(add_calls == before + 1);
  CHECK(results[0].kind == WASM_I32 && results[0].of.i32 == 5);

  // Host function with an environment, directly.
  wasm_val_t l[1] = {WASM_I64_VAL(40)};
  wasm_val_t lr[1] = {WASM_INIT_VAL};
  wasm_val_vec_t lv = WASM_ARRAY_VEC(l), lrv = WASM_ARRAY_VEC(lr);
  CHECK(wasm_func_call(count_fn, &lv, &lrv) == NULL);
  CHECK(lr[0].kind == WASM_I64 && lr[0].of.i64 == 40 && counter.calls == 1 && counter.total == 40);

  // Every kind into a host function and back, with a library-made result vector.
  wasm_val_t in[6] = {WASM_I32_VAL(-7), WASM_I64_VAL(INT64_MIN), WASM_F32_VAL(-0.0f), WASM_F64_VAL(1e300),
                      {.kind = WASM_FUNCREF, .of = {.ref = wasm_func_as_ref(add_fn)}},
                      WASM_REF_VAL(wasm_foreign_as_ref(foreign))};
  wasm_val_vec_t inv = WASM_ARRAY_VEC(in), out;
  wasm_val_vec_new_uninitialized(&out, 6);
  memset(&echo_seen, 0, sizeof echo_seen);
  CHECK(wasm_func_call(echo_fn, &inv, &out) == NULL);
  CHECK(echo_seen.calls == 1 && echo_seen.kinds_ok);
  CHECK(echo_seen.i32 == -7 && echo_seen.i64 == INT64_MIN && echo_seen.f32 == 0.0f && signbit(echo_seen.f32));
  CHECK(echo_seen.f64 == 1e300 && echo_seen.func_is_add && echo_seen.extern_is_foreign);
  CHECK(out.data[0].kind == WASM_I32 && out.data[0].of.i32 == -7);
  CHECK(out.data[1].kind == WASM_I64 && out.data[1].of.i64 == INT64_MIN);
  CHECK(out.data[2].kind == WASM_F32 && out.data[2].of.f32 == 0.0f && signbit(out.data[2].of.f32));
  CHECK(out.data[3].kind == WASM_F64 && out.data[3].of.f64 == 1e300);
  CHECK(out.data[4].kind == WASM_FUNCREF && out.data[4].of.ref != NULL &&
        wasm_func_same(wasm_ref_as_func(out.data[4].of.ref), add_fn));
  CHECK(out.data[5].kind == WASM_EXTERNREF && wasm_ref_same(out.data[5].of.ref, wasm_foreign_as_ref(foreign)));
  wasm_val_vec_delete(&out);  // releases the two result references

  // Host results that are references made in the callback.
  wasm_val_t refs[2] = {WASM_INIT_VAL, WASM_INIT_VAL};
  wasm_val_vec_t refsv = WASM_ARRAY_VEC(refs);
  CHECK(wasm_func_call(make_refs_fn, NULL, &refsv) == NULL);
  CHECK(refs[0].kind == WASM_FUNCREF && wasm_ref_as_func(refs[0].of.ref) != NULL &&
        wasm_func_same(wasm_ref_as_func(refs[0].of.ref), twice_fn));
  CHECK(refs[1].kind == WASM_EXTERNREF && wasm_ref_same(refs[1].of.ref, wasm_foreign_as_ref(foreign)));
  // The returned function works.
  wasm_val_t x[1] = {WASM_I32_VAL(21)}, y[1] = {WASM_INIT_VAL};
  wasm_val_vec_t xv = WASM_ARRAY_VEC(x), yv = WASM_ARRAY_VEC(y);
  CHECK(wasm_func_call(wasm_ref_as_func(refs[0].of.ref), &xv, &yv) == NULL && y[0].of.i32 == 42);
  wasm_val_delete(&refs[0]);
  wasm_val_delete(&refs[1]);
}

static void test_wasm_calls(void) {
  // Every kind into wasm and back.
  wasm_val_t in[6] = {WASM_I32_VAL(INT32_MIN), WASM_I64_VAL(-1234567890123LL), WASM_F32_VAL(3.25f),
                      WASM_F64_VAL(-0.0), {.kind = WASM_FUNCREF, .of = {.ref = wasm_func_as_ref(add_fn)}},
                      WASM_REF_VAL(wasm_foreign_as_ref(foreign))};
  wasm_val_t out[6];
  for (int i = 0; i < 6; i++) out[i] = (wasm_val_t)WASM_INIT_VAL;
  wasm_val_vec_t inv = WASM_ARRAY_VEC(in), outv = WASM_ARRAY_VEC(out);
  CHECK(wasm_func_call(export_func("id"), &inv, &outv) == NULL);
  CHECK(out[0].kind == WASM_I32 && out[0].of.i32 == INT32_MIN);
  CHECK(out[1].kind == WASM_I64 && out[1].of.i64 == -1234567890123LL);
  CHECK(out[2].kind == WASM_F32 && out[2].of.f32 == 3.25f);
  CHECK(out[3].kind == WASM_F64 && out[3].of.f64 == 0.0 && signbit(out[3].of.f64));
  CHECK(out[4].kind == WASM_FUNCREF && wasm_ref_as_func(out[4].of.ref) != NULL &&
        wasm_func_same(wasm_ref_as_func(out[4].of.ref), add_fn));
  CHECK(out[5].kind == WASM_EXTERNREF && out[5].of.ref != NULL &&
        wasm_ref_same(out[5].of.ref, wasm_foreign_as_ref(foreign)));
  for (int i = 0; i < 6; i++) wasm_val_delete(&out[i]);

  // NaN payloads survive a round trip through wasm.
  wasm_val_t nan_in[6] = {WASM_I32_VAL(0), WASM_I64_VAL(0), WASM_F32_VAL(NAN), WASM_F64_VAL(-NAN),
                          {.kind = WASM_FUNCREF, .of = {.ref = NULL}}, WASM_REF_VAL(NULL)};
  wasm_val_vec_t nan_inv = WASM_ARRAY_VEC(nan_in);
  CHECK(wasm_func_call(export_func("id"), &nan_inv, &outv) == NULL);
  CHECK(isnan(out[2].of.f32) && isnan(out[3].of.f64) && signbit(out[3].of.f64));
  CHECK(out[4].kind == WASM_FUNCREF && out[4].of.ref == NULL);  // null references stay null
  CHECK(out[5].kind == WASM_EXTERNREF && out[5].of.ref == NULL);

  // wasm -> host -> wasm with every kind.
  memset(&echo_seen, 0, sizeof echo_seen);
  CHECK(wasm_func_call(export_func("call_echo"), &inv, &outv) == NULL);
  CHECK(echo_seen.calls == 1 && echo_seen.kinds_ok);
  CHECK(echo_seen.i32 == INT32_MIN && echo_seen.i64 == -1234567890123LL && echo_seen.f32 == 3.25f);
  CHECK(echo_seen.f64 == 0.0 && signbit(echo_seen.f64) && echo_seen.func_is_add && echo_seen.extern_is_foreign);
  CHECK(out[0].of.i32 == INT32_MIN && out[1].of.i64 == -1234567890123LL && out[2].of.f32 == 3.25f);
  CHECK(out[4].kind == WASM_FUNCREF && wasm_func_same(wasm_ref_as_func(out[4].of.ref), add_fn));
  CHECK(out[5].kind == WASM_EXTERNREF && wasm_ref_same(out[5].of.ref, wasm_foreign_as_ref(foreign)));
  for (int i = 0; i < 6; i++) wasm_val_delete(&out[i]);

  // Multi-value results in a library-made vector.
  wasm_val_t mix_in[4] = {WASM_I32_VAL(10), WASM_I64_VAL(-21), WASM_F32_VAL(2.5f), WASM_F64_VAL(0.25)};
  wasm_val_vec_t mix_inv = WASM_ARRAY_VEC(mix_in), mix_out;
  wasm_val_vec_new_uninitialized(&mix_out, 4);
  CHECK(wasm_func_call(export_func("mix"), &mix_inv, &mix_out) == NULL);
  CHECK(mix_out.data[0].kind == WASM_F64 && mix_out.data[0].of.f64 == 0.75);
  CHECK(mix_out.data[1].kind == WASM_I64 && mix_out.data[1].of.i64 == -42);
  CHECK(mix_out.data[2].kind == WASM_F32 && mix_out.data[2].of.f32 == -2.5f);
  CHECK(mix_out.data[3].kind == WASM_I32 && mix_out.data[3].of.i32 == 7);
  // A results vector larger than needed is fine; the extra slot is left alone.
  wasm_val_t big[5] = {WASM_INIT_VAL, WASM_INIT_VAL, WASM_INIT_VAL, WASM_INIT_VAL, WASM_I32_VAL(99)};
  wasm_val_vec_t bigv = WASM_ARRAY_VEC(big);
  CHECK(wasm_func_call(export_func("mix"), &mix_inv, &bigv) == NULL);
  CHECK(big[3].kind == WASM_I32 && big[3].of.i32 == 7 && big[4].kind == WASM_I32 && big[4].of.i32 == 99);
  wasm_val_vec_delete(&mix_out);

  // wasm calling an imported host function.
  wasm_val_t a[2] = {WASM_I32_VAL(20), WASM_I32_VAL(21)}, r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t av = WASM_ARRAY_VEC(a), rv = WASM_ARRAY_VEC(r);
  int before = add_calls;
  CHECK(wasm_func_call(export_func("call_add"), &av, &rv) == NULL);
  CHECK(add_calls == before + 1 && r[0].kind == WASM_I32 && r[0].of.i32 == 42);

  // 0 parameters: NULL args (and NULL results when there are none).
  CHECK(wasm_func_call(export_func("nothing"), NULL, NULL) == NULL);
  wasm_val_vec_t empty = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(export_func("nothing"), &empty, &empty) == NULL);
  CHECK(wasm_func_call(export_func("answer"), NULL, &rv) == NULL);
  CHECK(r[0].kind == WASM_I32 && r[0].of.i32 == 42);
  wasm_val_vec_t none;
  wasm_val_vec_new_empty(&none);
  r[0].of.i32 = 0;
  CHECK(wasm_func_call(export_func("answer"), &none, &rv) == NULL && r[0].of.i32 == 42);
  wasm_val_vec_delete(&none);
}

// Many arguments and results, wasm -> host -> wasm: nothing is lost to register spilling.
static void test_wide_signature(void) {
  wasm_val_t in[14], out[14];
  for (int i = 0; i < 12; i++) {
    in[i].kind = wide_params[i];
    switch (wide_params[i]) {
      case WASM_I32: in[i].of.i32 = 100 + i; break;
      case WASM_I64: in[i].of.i64 = 1000000000000LL + i; break;
      case WASM_F32: in[i].of.f32 = 0.5f + (float)i; break;
      default: in[i].of.f64 = 0.25 + i; break;
    }
  }
  in[12] = (wasm_val_t)WASM_REF_VAL(wasm_foreign_as_ref(foreign));
  in[13].kind = WASM_FUNCREF;
  in[13].of.ref = wasm_func_as_ref(twice_fn);
  for (int i = 0; i < 14; i++) out[i] = (wasm_val_t)WASM_INIT_VAL;
  wasm_val_vec_t inv = WASM_ARRAY_VEC(in), outv = WASM_ARRAY_VEC(out);
  CHECK(wasm_func_call(export_func("call_wide"), &inv, &outv) == NULL);
  CHECK(wide_bad_kinds == 0);
  int numbers_ok = 1;
  for (int i = 0; i < 12; i++) {
    int j = 11 - i;
    numbers_ok = numbers_ok && out[i].kind == wide_params[j];
    switch (wide_params[j]) {
      case WASM_I32: numbers_ok = numbers_ok && out[i].of.i32 == 100 + j; break;
      case WASM_I64: numbers_ok = numbers_ok && out[i].of.i64 == 1000000000000LL + j; break;
      case WASM_F32: numbers_ok = numbers_ok && out[i].of.f32 == 0.5f + (float)j; break;
      default: numbers_ok = numbers_ok && out[i].of.f64 == 0.25 + j; break;
    }
  }
  CHECK(numbers_ok);
  CHECK(out[12].kind == WASM_FUNCREF && out[12].of.ref && wasm_func_same(wasm_ref_as_func(out[12].of.ref), twice_fn));
  CHECK(out[13].kind == WASM_EXTERNREF && out[13].of.ref && wasm_ref_same(out[13].of.ref, wasm_foreign_as_ref(foreign)));
  wasm_val_delete(&out[12]);
  wasm_val_delete(&out[13]);
}

static void test_env_and_reentry(void) {
  // The environment reaches the callback, called twice from wasm.
  counter.total = 0;
  counter.calls = 0;
  wasm_val_t a[1] = {WASM_I64_VAL(5)}, r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t av = WASM_ARRAY_VEC(a), rv = WASM_ARRAY_VEC(r);
  CHECK(wasm_func_call(export_func("count_twice"), &av, &rv) == NULL);
  CHECK(counter.calls == 2 && counter.total == 10 && r[0].kind == WASM_I64 && r[0].of.i64 == 10);
  CHECK(counter_finalized == 0);

  // wasm passes its own function to the host, which calls it back.
  wasm_val_t x[1] = {WASM_I32_VAL(4)}, y[1] = {WASM_INIT_VAL};
  wasm_val_vec_t xv = WASM_ARRAY_VEC(x), yv = WASM_ARRAY_VEC(y);
  CHECK(wasm_func_call(export_func("call_apply"), &xv, &yv) == NULL);
  CHECK(apply_calls == 1 && y[0].kind == WASM_I32 && y[0].of.i32 == (3 * 5 + 1) * 10);

  // The host passes a host function as funcref; wasm calls it through a table.
  wasm_val_t fa[2] = {{.kind = WASM_FUNCREF, .of = {.ref = wasm_func_as_ref(twice_fn)}}, WASM_I32_VAL(21)};
  wasm_val_vec_t fav = WASM_ARRAY_VEC(fa);
  CHECK(wasm_func_call(export_func("call_funcref"), &fav, &yv) == NULL);
  CHECK(y[0].of.i32 == 42);
  // The same with a function of another type: the table call checks it.
  fa[0].of.ref = wasm_func_as_ref(add_fn);
  wasm_trap_t* trap = wasm_func_call(export_func("call_funcref"), &fav, &yv);
  CHECK(trap_message_is(trap, "indirect call type mismatch"));
  wasm_trap_delete(trap);
  // A wasm function reference works too.
  wasm_val_t self[1] = {WASM_INIT_VAL};
  wasm_val_vec_t selfv = WASM_ARRAY_VEC(self);
  CHECK(wasm_func_call(export_func("self"), NULL, &selfv) == NULL);
  CHECK(self[0].kind == WASM_FUNCREF && self[0].of.ref != NULL);
  fa[0].of.ref = self[0].of.ref;  // `id`: not i32 -> i32
  trap = wasm_func_call(export_func("call_funcref"), &fav, &yv);
  CHECK(trap_message_is(trap, "indirect call type mismatch"));
  wasm_trap_delete(trap);
  wasm_val_delete(&self[0]);
}

static void test_function_refs(void) {
  // A function reference made by wasm is the exported function.
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t rv = WASM_ARRAY_VEC(r);
  CHECK(wasm_func_call(export_func("self"), NULL, &rv) == NULL);
  CHECK(r[0].kind == WASM_FUNCREF);
  wasm_func_t* self = wasm_ref_as_func(r[0].of.ref);
  CHECK(self != NULL && wasm_func_same(self, export_func("id")) && !wasm_func_same(self, export_func("mix")));
  CHECK(wasm_func_param_arity(self) == 6);
  // ... and callable from the host.
  wasm_val_t in[6] = {WASM_I32_VAL(1), WASM_I64_VAL(2), WASM_F32_VAL(3), WASM_F64_VAL(4),
                      {.kind = WASM_FUNCREF, .of = {.ref = NULL}}, WASM_REF_VAL(NULL)};
  wasm_val_t out[6];
  for (int i = 0; i < 6; i++) out[i] = (wasm_val_t)WASM_INIT_VAL;
  wasm_val_vec_t inv = WASM_ARRAY_VEC(in), outv = WASM_ARRAY_VEC(out);
  CHECK(wasm_func_call(self, &inv, &outv) == NULL);
  CHECK(out[0].of.i32 == 1 && out[1].of.i64 == 2 && out[2].of.f32 == 3 && out[3].of.f64 == 4);
  CHECK(out[4].of.ref == NULL && out[5].of.ref == NULL);
  wasm_val_delete(&r[0]);

  wasm_val_t e[1] = {WASM_REF_VAL(NULL)};
  wasm_val_vec_t ev = WASM_ARRAY_VEC(e);
  CHECK(wasm_func_call(export_func("is_null_extern"), &ev, &rv) == NULL && r[0].of.i32 == 1);
  e[0].of.ref = wasm_foreign_as_ref(foreign);
  CHECK(wasm_func_call(export_func("is_null_extern"), &ev, &rv) == NULL && r[0].of.i32 == 0);
  // Any object can be an externref, a function too.
  e[0].of.ref = wasm_func_as_ref(add_fn);
  CHECK(wasm_func_call(export_func("is_null_extern"), &ev, &rv) == NULL && r[0].of.i32 == 0);

  r[0] = (wasm_val_t)WASM_I32_VAL(5);
  CHECK(wasm_func_call(export_func("null_func"), NULL, &rv) == NULL);
  CHECK(r[0].kind == WASM_FUNCREF && r[0].of.ref == NULL);
}

static void check_still_works(void) {
  wasm_val_t a[2] = {WASM_I32_VAL(1), WASM_I32_VAL(2)}, r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t av = WASM_ARRAY_VEC(a), rv = WASM_ARRAY_VEC(r);
  CHECK(wasm_func_call(export_func("call_add"), &av, &rv) == NULL && r[0].of.i32 == 4);
  CHECK(wasm_func_call(add_fn, &av, &rv) == NULL && r[0].of.i32 == 3);
}

// Bad calls are traps, never crashes; the store keeps working afterwards.
static void test_bad_calls(void) {
  const wasm_func_t* funcs[2] = {export_func("call_add"), add_fn};  // wasm and host
  for (int k = 0; k < 2; k++) {
    const wasm_func_t* f = funcs[k];
    wasm_val_t r[1] = {WASM_INIT_VAL};
    wasm_val_vec_t rv = WASM_ARRAY_VEC(r);
    int before = add_calls;

    wasm_val_t one[1] = {WASM_I32_VAL(1)};
    wasm_val_vec_t onev = WASM_ARRAY_VEC(one);
    wasm_trap_t* trap = wasm_func_call(f, &onev, &rv);  // too few
    CHECK(trap_message_has(trap, "bad arguments"));
    wasm_trap_delete(trap);

    wasm_val_t three[3] = {WASM_I32_VAL(1), WASM_I32_VAL(2), WASM_I32_VAL(3)};
    wasm_val_vec_t threev = WASM_ARRAY_VEC(three);
    trap = wasm_func_call(f, &threev, &rv);  // too many
    CHECK(trap_message_has(trap, "bad arguments"));
    wasm_trap_delete(trap);

    trap = wasm_func_call(f, NULL, &rv);  // none
    CHECK(trap_message_has(trap, "bad arguments"));
    wasm_trap_delete(trap);

    wasm_val_t kinds[2] = {WASM_I32_VAL(1), WASM_I64_VAL(2)};
    wasm_val_vec_t kindsv = WASM_ARRAY_VEC(kinds);
    trap = wasm_func_call(f, &kindsv, &rv);  // wrong kind
    CHECK(trap_message_has(trap, "bad arguments"));
    wasm_trap_delete(trap);

    wasm_val_t refs[2] = {WASM_REF_VAL(NULL), WASM_I32_VAL(2)};
    wasm_val_vec_t refsv = WASM_ARRAY_VEC(refs);
    trap = wasm_func_call(f, &refsv, &rv);  // a reference for a number
    CHECK(trap_message_has(trap, "bad arguments"));
    wasm_trap_delete(trap);

    CHECK(add_calls == before);  // the function never ran
    check_still_works();

    // Results vectors that are too small: the call runs (as in V8), its results are dropped.
    wasm_val_t ok[2] = {WASM_I32_VAL(1), WASM_I32_VAL(2)};
    wasm_val_vec_t okv = WASM_ARRAY_VEC(ok), empty = WASM_EMPTY_VEC;
    int ran = add_calls;
    trap = wasm_func_call(f, &okv, &empty);
    CHECK(trap_message_has(trap, "too small for 1 results (the call ran"));
    wasm_trap_delete(trap);
    trap = wasm_func_call(f, &okv, NULL);
    CHECK(trap_message_has(trap, "too small"));
    wasm_trap_delete(trap);
    CHECK(add_calls == ran + 2);
    check_still_works();
  }

  // A funcref argument must be a function: a foreign object is refused.
  wasm_val_t fa[2] = {{.kind = WASM_FUNCREF, .of = {.ref = wasm_foreign_as_ref(foreign)}}, WASM_I32_VAL(1)};
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t fav = WASM_ARRAY_VEC(fa), rv = WASM_ARRAY_VEC(r);
  wasm_trap_t* trap = wasm_func_call(export_func("call_funcref"), &fav, &rv);
  CHECK(trap_message_has(trap, "bad arguments"));
  wasm_trap_delete(trap);
  // A function of another store is refused.
  wasm_store_t* other = wasm_store_new(engine);
  wasm_functype_t* i_i = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* alien = wasm_func_new_with_env(other, i_i, host_times, &two, NULL);
  wasm_functype_delete(i_i);
  fa[0].of.ref = wasm_func_as_ref(alien);
  trap = wasm_func_call(export_func("call_funcref"), &fav, &rv);
  CHECK(trap_message_has(trap, "bad arguments"));
  wasm_trap_delete(trap);
  wasm_func_delete(alien);
  wasm_store_delete(other);

  // A host result of the wrong kind is a trap, called directly or from wasm.
  trap = wasm_func_call(bad_fn, NULL, &rv);
  CHECK(trap_message_has(trap, "host function returned"));
  wasm_trap_delete(trap);
  trap = wasm_func_call(export_func("call_bad"), NULL, &rv);
  CHECK(trap_message_has(trap, "host function returned"));
  wasm_trap_delete(trap);
  check_still_works();
}

// The environment's finalizer runs exactly once, when the store is deleted (not with the last
// handle of the function).
static int env_finalized;
static void bump(void* p) {
  env_finalized++;
  CHECK(p == &env_finalized);
}
static void test_env_finalizer(void) {
  wasm_store_t* s = wasm_store_new(engine);
  wasm_functype_t* i_i = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* f = wasm_func_new_with_env(s, i_i, host_times, &two, NULL);
  wasm_func_t* g = wasm_func_new_with_env(s, i_i, host_count, &env_finalized, bump);
  wasm_functype_delete(i_i);
  wasm_func_t* g2 = wasm_func_copy(g);
  CHECK(wasm_func_same(g, g2) && !wasm_func_same(f, g));
  wasm_func_delete(g);
  wasm_func_delete(g2);
  wasm_func_delete(f);
  CHECK(env_finalized == 0);
  wasm_store_delete(s);
  CHECK(env_finalized == 1);
}

// ---- forbidden arguments ---------------------------------------------------------------------

static void call_null(void) { wasm_func_call(NULL, NULL, NULL); }
static void new_without_callback(void) {
  wasm_functype_t* t = wasm_functype_new_0_0();
  wasm_func_new(store, t, NULL);
}
static void new_with_env_without_store(void) {
  wasm_functype_t* t = wasm_functype_new_0_0();
  wasm_func_new_with_env(NULL, t, host_times, NULL, NULL);
}
static void type_of_null(void) { wasm_func_type(NULL); }

int main(void) {
  setup();
  test_types_and_arity();
  test_direct_host_calls();
  test_wasm_calls();
  test_wide_signature();
  test_env_and_reentry();
  test_function_refs();
  test_bad_calls();
  test_env_finalizer();

  CHECK(aborts_with(call_null, "wasmo: wasm_func_call: argument `self` must not be NULL"));
  CHECK(aborts_with(new_without_callback, "wasmo: wasm_func_new: argument `callback` must not be NULL"));
  CHECK(aborts_with(new_with_env_without_store, "wasmo: wasm_func_new_with_env: argument `store` must not be NULL"));
  CHECK(aborts_with(type_of_null, "wasmo: wasm_func_type: argument `self` must not be NULL"));

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_func_t* fns[8] = {add_fn, echo_fn, count_fn, apply_fn, bad_fn, wide_fn, twice_fn, make_refs_fn};
  for (int i = 0; i < 8; i++) wasm_func_delete(fns[i]);
  wasm_foreign_delete(foreign);
  CHECK(counter_finalized == 0);
  wasm_store_delete(store);
  // The environment of `count` is finalized once, with the store.
  CHECK(counter_finalized == 1 && counter_finalized_with == &counter);
  wasm_engine_delete(engine);
  return test_finish("test_func");
}
