// Loads multi.wasm and calls functions with several results of different types (multi-value): a
// host function returning (i32, i64, f32, f64), wasm functions that call it and return its results
// reordered, one with six results, and a multi-value block.
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

// What `spread` returns for n.
static void spread_of(int32_t n, wasm_val_t out[4]) {
  out[0] = (wasm_val_t)WASM_I32_VAL(n + 1);
  out[1] = (wasm_val_t)WASM_I64_VAL((int64_t)n * 1000000000000);
  out[2] = (wasm_val_t)WASM_F32_VAL((float)n / 2.0f);
  out[3] = (wasm_val_t)WASM_F64_VAL((double)n * 0.1);
}

static int spread_calls = 0;

// The host function: i32 -> (i32, i64, f32, f64).
static wasm_trap_t* spread_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  spread_calls++;
  int32_t n = args->data[0].of.i32;
  printf("> spread(%d) with %zu result slots\n", n, results->size);
  spread_of(n, results->data);
  return NULL;
}

// Calls `func` and compares each of its results with `expected`.
static void check_call(const char* what, const wasm_func_t* func, size_t n_args,
                       wasm_val_t* args_array, size_t n_results, const wasm_val_t* expected) {
  printf("calling %s\n", what);
  check(wasm_func_result_arity(func) == n_results, "%zu results", n_results);
  wasm_val_t out[8];
  for (size_t i = 0; i < 8; i++) out[i] = (wasm_val_t)WASM_INIT_VAL;
  wasm_val_vec_t args = {n_args, args_array};
  wasm_val_vec_t results = {n_results, out};
  wasm_trap_t* trap = wasm_func_call(func, &args, &results);
  check(trap == NULL, "no trap");
  if (trap) {
    wasm_trap_delete(trap);
    return;
  }
  for (size_t i = 0; i < n_results; i++) {
    check(same_val(&out[i], &expected[i]), "result %zu = %s (got %s)", i, show_val(&expected[i]),
          show_val(&out[i]));
  }
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, "multi.wasm");
  if (!module) return 1;

  wasm_valtype_t* param_types[] = {wasm_valtype_new_i32()};
  wasm_valtype_t* result_types[] = {wasm_valtype_new_i32(), wasm_valtype_new_i64(),
                                    wasm_valtype_new_f32(), wasm_valtype_new_f64()};
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new(&params, 1, param_types);
  wasm_valtype_vec_new(&results, 4, result_types);
  wasm_functype_t* spread_type = wasm_functype_new(&params, &results);
  wasm_func_t* spread = wasm_func_new(store, spread_type, spread_callback);
  wasm_functype_delete(spread_type);

  printf("instantiating\n");
  wasm_extern_t* imports_array[] = {wasm_func_as_extern(spread)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_array);
  wasm_instance_t* instance = instantiate(store, module, &imports);
  if (!instance) {
    return 1;
  }
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  check(exports.size == 3, "3 exports: reverse, six, swap");
  if (exports.size != 3) return 1;
  const wasm_func_t* reverse = wasm_extern_as_func(exports.data[0]);
  const wasm_func_t* six = wasm_extern_as_func(exports.data[1]);
  const wasm_func_t* swap = wasm_extern_as_func(exports.data[2]);
  check(reverse && six && swap, "the exports are functions");
  if (!(reverse && six && swap)) return 1;

  {
    wasm_val_t args[] = {WASM_I32_VAL(7)};
    wasm_val_t expected[4];
    spread_of(7, expected);
    check_call("spread(7) from C", spread, 1, args, 4, expected);
  }
  {
    wasm_val_t args[] = {WASM_I32_VAL(-3)};
    wasm_val_t s[4];
    spread_of(-3, s);
    wasm_val_t expected[] = {s[3], s[2], s[1], s[0]};
    check_call("reverse(-3)", reverse, 1, args, 4, expected);
  }
  {
    wasm_val_t args[] = {WASM_I32_VAL(11), WASM_I64_VAL(5)};
    wasm_val_t s[4];
    spread_of(11, s);
    wasm_val_t expected[] = {s[1], s[0], s[3], s[2], WASM_I32_VAL(12 + 11),
                             WASM_I64_VAL(11000000000000 + 5)};
    check_call("six(11, 5)", six, 2, args, 6, expected);
  }
  {
    wasm_val_t args[] = {WASM_I64_VAL(INT64_MIN), WASM_F64_VAL(-2.5)};
    wasm_val_t expected[] = {WASM_F64_VAL(-2.5), WASM_I64_VAL(INT64_MIN)};
    check_call("swap(INT64_MIN, -2.5)", swap, 2, args, 2, expected);
  }
  check(spread_calls == 3, "spread was called 3 times (%d)", spread_calls);

  printf("calling with a results vector that is too small\n");
  {
    wasm_val_t args_array[] = {WASM_I32_VAL(1)};
    wasm_val_t out[2] = {WASM_INIT_VAL, WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(args_array);
    wasm_val_vec_t small = WASM_ARRAY_VEC(out);
    wasm_trap_t* trap = wasm_func_call(reverse, &args, &small);
    check(trap != NULL, "wasm_func_call returns a trap instead of writing past the vector");
    if (trap) {
      wasm_message_t message;
      wasm_trap_message(trap, &message);
      printf("> %s\n", message.data);
      wasm_byte_vec_delete(&message);
      wasm_trap_delete(trap);
    }
  }

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(spread);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);

  printf("multi: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
