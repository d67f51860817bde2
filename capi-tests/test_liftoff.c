// Lift-off mode through wasm.h and wasmo.h: chosen with wasmo_config_set_mode, functions compile
// on first call (wasmo_module_tier_counts shows it), results are the same before and after
// wasmo_module_wait_tier_up, traps keep their messages, and one module serves several stores.
#include "harness.h"

static wasm_engine_t* engine;

static wasm_func_t* export_func(wasm_extern_vec_t* exports, size_t i) {
  return i < exports->size ? wasm_extern_as_func(exports->data[i]) : NULL;
}

static int32_t call_i32(wasm_func_t* f, int32_t a, int32_t b, int nargs, wasm_trap_t** trap) {
  wasm_val_t args_v[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)};
  wasm_val_t results_v[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = {(size_t)nargs, args_v};
  wasm_val_vec_t results = WASM_ARRAY_VEC(results_v);
  *trap = wasm_func_call(f, &args, &results);
  return *trap ? -1 : results_v[0].of.i32;
}

// Calls f expecting a result; a trap is a failure (and is deleted).
static int32_t call_ok(wasm_func_t* f, int32_t a, int32_t b, int nargs) {
  wasm_trap_t* trap = NULL;
  int32_t r = call_i32(f, a, b, nargs, &trap);
  CHECK(trap == NULL);
  if (trap) {
    wasm_message_t msg;
    wasm_trap_message(trap, &msg);
    fprintf(stderr, "  unexpected trap: %.*s\n", (int)msg.size, msg.data);
    wasm_byte_vec_delete(&msg);
    wasm_trap_delete(trap);
  }
  return r;
}

// Calls f expecting a trap with `message`.
static void call_trap(wasm_func_t* f, int32_t a, int32_t b, const char* message) {
  wasm_trap_t* trap = NULL;
  call_i32(f, a, b, 2, &trap);
  CHECK(trap != NULL);
  if (trap) {
    wasm_message_t msg;
    wasm_trap_message(trap, &msg);
    CHECK(msg.size == strlen(message) + 1 && memcmp(msg.data, message, msg.size) == 0);
    wasm_byte_vec_delete(&msg);
    wasm_trap_delete(trap);
  }
}

static wasmo_tier_counts_t counts(const wasm_module_t* m) {
  wasmo_tier_counts_t c = {99, 99, 99};
  wasmo_module_tier_counts(m, &c);
  return c;
}

static void run_instance(wasm_store_t* store, wasm_module_t* module, int32_t n, int32_t fib_n) {
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* inst = wasm_instance_new(store, module, &imports, NULL);
  CHECK(inst != NULL);
  if (!inst) return;
  wasm_extern_vec_t exports;
  wasm_instance_exports(inst, &exports);
  CHECK(exports.size == 4);
  CHECK(call_ok(export_func(&exports, 0), n, 0, 1) == fib_n);
  // apply(i, x) calls table element i with x: element 1 doubles.
  CHECK(call_ok(export_func(&exports, 1), 1, 21, 2) == 42);
  CHECK(call_ok(export_func(&exports, 1), 0, 10, 2) == 55);
  CHECK(call_ok(export_func(&exports, 2), 7, 2, 2) == 3);
  call_trap(export_func(&exports, 2), 7, 0, "integer divide by zero");
  call_trap(export_func(&exports, 1), 5, 1, "undefined element");
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(inst);
}

// The test module, compiled in `store` (NULL if that fails).
static wasm_module_t* liftoff_module(wasm_store_t* store) {
  wasm_byte_vec_t binary;
  load_wasm("liftoff", &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  return module;
}

int main(void) {
  wasm_config_t* config = wasm_config_new();
  CHECK(wasmo_config_set_mode(config, WASMO_MODE_LIFTOFF));
  engine = wasm_engine_new_with_config(config);
  wasm_store_t* store = wasm_store_new(engine);

  wasm_module_t* module = liftoff_module(store);
  CHECK(module != NULL);
  if (!module) return test_finish("test_liftoff");

  // Nothing is compiled before the first call.
  wasmo_tier_counts_t c = counts(module);
  CHECK(c.not_compiled == 5 && c.baseline == 0 && c.optimized == 0);

  run_instance(store, module, 20, 6765);
  c = counts(module);
  // fib, double (through the table), apply and div ran; unused did not.
  CHECK(c.not_compiled == 1 && c.baseline + c.optimized == 4);

  wasmo_module_wait_tier_up(module);
  c = counts(module);
  CHECK(c.not_compiled == 1 && c.baseline == 0 && c.optimized == 4);

  // Same results on the optimised tier, in the same store and in a fresh one.
  run_instance(store, module, 25, 75025);
  wasm_store_t* store2 = wasm_store_new(engine);
  run_instance(store2, module, 15, 610);
  wasm_store_delete(store2);

  // In optimised mode everything is optimised at once and waiting returns immediately.
  wasm_config_t* opt_config = wasm_config_new();
  CHECK(wasmo_config_set_mode(opt_config, WASMO_MODE_OPTIMIZED));
  wasm_engine_t* opt_engine = wasm_engine_new_with_config(opt_config);
  wasm_store_t* opt_store = wasm_store_new(opt_engine);
  wasm_module_t* opt_module = liftoff_module(opt_store);
  CHECK(opt_module != NULL);
  if (opt_module) {
    c = counts(opt_module);
    CHECK(c.not_compiled == 0 && c.baseline == 0 && c.optimized == 5);
    wasmo_module_wait_tier_up(opt_module);
    wasm_module_delete(opt_module);
  }
  wasm_store_delete(opt_store);

  // With no settings at all, an engine is in lift-off mode: nothing compiled before a call.
  if (!getenv("WASMO_MODE")) {
    wasm_engine_t* default_engine = wasm_engine_new();
    wasm_store_t* default_store = wasm_store_new(default_engine);
    wasm_module_t* default_module = liftoff_module(default_store);
    CHECK(default_module != NULL);
    if (default_module) {
      c = counts(default_module);
      CHECK(c.not_compiled == 5 && c.baseline == 0 && c.optimized == 0);
      wasm_module_delete(default_module);
    }
    wasm_store_delete(default_store);
    wasm_engine_delete(default_engine);
  }
  wasm_engine_delete(opt_engine);

  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_liftoff");
}
