// Loads callback.wasm and gives it three host functions taking and returning i32, i64, f32 and
// f64 values: two plain ones (wasm_func_new) and one with an environment (wasm_func_new_with_env)
// holding a counter, whose finalizer runs when the store is deleted.
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "example.h"

// Whether `args` has the expected kinds.
static bool kinds_are(const wasm_val_vec_t* vals, size_t n, const wasm_valkind_t kinds[]) {
  if (vals->size != n) return false;
  for (size_t i = 0; i < n; i++) {
    if (vals->data[i].kind != kinds[i]) return false;
  }
  return true;
}

static bool bad_arguments = false;

// sum: (i32, i64, f32, f64) -> f64
static wasm_trap_t* sum_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  static const wasm_valkind_t kinds[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64};
  if (!kinds_are(args, 4, kinds) || results->size != 1) bad_arguments = true;
  double sum = (double)args->data[0].of.i32 + (double)args->data[1].of.i64 +
               (double)args->data[2].of.f32 + args->data[3].of.f64;
  printf("> sum(%d, %lld, %g, %g) = %.17g\n", args->data[0].of.i32,
         (long long)args->data[1].of.i64, (double)args->data[2].of.f32, args->data[3].of.f64, sum);
  results->data[0].kind = WASM_F64;
  results->data[0].of.f64 = sum;
  return NULL;
}

// half: f32 -> f32
static wasm_trap_t* half_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  static const wasm_valkind_t kinds[] = {WASM_F32};
  if (!kinds_are(args, 1, kinds) || results->size != 1) bad_arguments = true;
  printf("> half(%g)\n", (double)args->data[0].of.f32);
  results->data[0].kind = WASM_F32;
  results->data[0].of.f32 = args->data[0].of.f32 / 2.0f;
  return NULL;
}

// The environment of `count`.
typedef struct {
  int calls;
  int64_t total;
  bool finalized;
} counter_t;

// count: i32 -> i64, adding its argument to the counter's total.
static wasm_trap_t* count_callback(void* env, const wasm_val_vec_t* args,
                                   wasm_val_vec_t* results) {
  static const wasm_valkind_t kinds[] = {WASM_I32};
  if (!kinds_are(args, 1, kinds) || results->size != 1) bad_arguments = true;
  counter_t* counter = env;
  counter->calls++;
  counter->total += args->data[0].of.i32;
  printf("> count(%d): call %d, total %lld\n", args->data[0].of.i32, counter->calls,
         (long long)counter->total);
  results->data[0].kind = WASM_I64;
  results->data[0].of.i64 = counter->total;
  return NULL;
}

static void counter_finalizer(void* env) {
  counter_t* counter = env;
  printf("> counter finalizer (calls %d, total %lld)\n", counter->calls,
         (long long)counter->total);
  counter->finalized = true;
}

// Calls `func` with `args`, storing `n_results` results in `out`; false (printing the message)
// if it trapped.
static bool call(const wasm_func_t* func, size_t n_args, wasm_val_t args_array[], size_t n_results,
                 wasm_val_t out[]) {
  wasm_val_vec_t args = {n_args, args_array};
  wasm_val_vec_t results = {n_results, out};
  wasm_trap_t* trap = wasm_func_call(func, &args, &results);
  if (trap) {
    wasm_message_t message;
    wasm_trap_message(trap, &message);
    printf("> unexpected trap: %s\n", message.data);
    wasm_byte_vec_delete(&message);
    wasm_trap_delete(trap);
    return false;
  }
  return true;
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, "callback.wasm");
  if (!module) return 1;

  printf("creating host functions\n");
  wasm_valtype_t* sum_params[] = {wasm_valtype_new_i32(), wasm_valtype_new_i64(),
                                  wasm_valtype_new_f32(), wasm_valtype_new_f64()};
  wasm_valtype_t* sum_results[] = {wasm_valtype_new_f64()};
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new(&params, 4, sum_params);
  wasm_valtype_vec_new(&results, 1, sum_results);
  wasm_functype_t* sum_type = wasm_functype_new(&params, &results);
  wasm_functype_t* half_type = wasm_functype_new_1_1(wasm_valtype_new_f32(), wasm_valtype_new_f32());
  wasm_functype_t* count_type =
      wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i64());

  counter_t counter = {0, 0, false};
  wasm_func_t* sum = wasm_func_new(store, sum_type, sum_callback);
  wasm_func_t* half = wasm_func_new(store, half_type, half_callback);
  wasm_func_t* count =
      wasm_func_new_with_env(store, count_type, count_callback, &counter, counter_finalizer);
  wasm_functype_delete(sum_type);
  wasm_functype_delete(half_type);
  wasm_functype_delete(count_type);
  check(sum && half && count, "wasm_func_new and wasm_func_new_with_env");
  if (!sum || !half || !count) return 1;
  check(wasm_func_param_arity(sum) == 4 && wasm_func_result_arity(sum) == 1,
        "sum has 4 parameters and 1 result");
  check(wasm_func_param_arity(count) == 1 && wasm_func_result_arity(count) == 1,
        "count has 1 parameter and 1 result");

  printf("instantiating\n");
  wasm_extern_t* imports_array[] = {wasm_func_as_extern(sum), wasm_func_as_extern(half),
                                    wasm_func_as_extern(count)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_array);
  wasm_instance_t* instance = instantiate(store, module, &imports);
  if (!instance) {
    return 1;
  }
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  check(exports.size == 3, "three exports");
  if (exports.size != 3) return 1;
  const wasm_func_t* compute = wasm_extern_as_func(exports.data[0]);
  const wasm_func_t* quarter = wasm_extern_as_func(exports.data[1]);
  const wasm_func_t* count_twice = wasm_extern_as_func(exports.data[2]);
  check(compute && quarter && count_twice, "the exports are functions");
  if (!compute || !quarter || !count_twice) return 1;

  printf("calling compute(7, 10000000000, 0.5, 0.25)\n");
  {
    wasm_val_t args[] = {WASM_I32_VAL(7), WASM_I64_VAL(10000000000LL), WASM_F32_VAL(0.5f),
                         WASM_F64_VAL(0.25)};
    wasm_val_t out[1] = {WASM_INIT_VAL};
    bool ok = call(compute, 4, args, 1, out);
    check(ok && out[0].kind == WASM_F64 && out[0].of.f64 == 20000000015.5,
          "compute = (7 + 1e10 + 0.5 + 0.25) * 2 = 20000000015.5 (got %.17g)", out[0].of.f64);
  }
  printf("calling compute(-1, -9223372036854775807, -1.5, 1e300)\n");
  {
    wasm_val_t args[] = {WASM_I32_VAL(-1), WASM_I64_VAL(-9223372036854775807LL),
                         WASM_F32_VAL(-1.5f), WASM_F64_VAL(1e300)};
    wasm_val_t out[1] = {WASM_INIT_VAL};
    bool ok = call(compute, 4, args, 1, out);
    double expected = ((double)-1 + (double)-9223372036854775807LL + -1.5 + 1e300) * 2;
    check(ok && out[0].kind == WASM_F64 && out[0].of.f64 == expected,
          "compute with extreme values = %.17g (got %.17g)", expected, out[0].of.f64);
  }

  printf("calling quarter(10)\n");
  {
    wasm_val_t args[] = {WASM_F32_VAL(10.0f)};
    wasm_val_t out[1] = {WASM_INIT_VAL};
    bool ok = call(quarter, 1, args, 1, out);
    check(ok && out[0].kind == WASM_F32 && out[0].of.f32 == 2.5f,
          "quarter(10) = half(half(10)) = 2.5 (got %g)", (double)out[0].of.f32);
  }

  printf("calling count_twice(5) and count_twice(1)\n");
  {
    wasm_val_t args[] = {WASM_I32_VAL(5)};
    wasm_val_t out[1] = {WASM_INIT_VAL};
    bool ok = call(count_twice, 1, args, 1, out);
    check(ok && out[0].kind == WASM_I64 && out[0].of.i64 == 5 + 10,
          "count_twice(5) = 5 + 10 = 15 (got %lld)", (long long)out[0].of.i64);
    args[0].of.i32 = 1;
    ok = call(count_twice, 1, args, 1, out);
    check(ok && out[0].of.i64 == 11 + 12, "count_twice(1) = 11 + 12 = 23 (got %lld)",
          (long long)out[0].of.i64);
    check(counter.calls == 4 && counter.total == 12,
          "the environment saw 4 calls, total 12 (%d calls, total %lld)", counter.calls,
          (long long)counter.total);
  }

  printf("calling the host functions directly from C\n");
  {
    wasm_val_t args[] = {WASM_I32_VAL(-2)};
    wasm_val_t out[1] = {WASM_INIT_VAL};
    bool ok = call(count, 1, args, 1, out);
    check(ok && out[0].kind == WASM_I64 && out[0].of.i64 == 10 && counter.calls == 5,
          "count(-2) = 10, fifth call (got %lld)", (long long)out[0].of.i64);
    wasm_val_t half_args[] = {WASM_F32_VAL(-3.0f)};
    ok = call(half, 1, half_args, 1, out);
    check(ok && out[0].kind == WASM_F32 && out[0].of.f32 == -1.5f, "half(-3) = -1.5 (got %g)",
          (double)out[0].of.f32);
  }
  check(!bad_arguments, "every callback got arguments and result slots of the right kinds");

  printf("deleting everything\n");
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(sum);
  wasm_func_delete(half);
  wasm_func_delete(count);
  wasm_module_delete(module);
  // The store owns the host function (the instance may still call it), so the environment
  // lives until the store is deleted.
  check(!counter.finalized, "the finalizer has not run while the store is alive");
  wasm_store_delete(store);
  check(counter.finalized, "the finalizer ran when the store was deleted");
  wasm_engine_delete(engine);

  printf("callback: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
