// The C convention's stack alignment at host callbacks. Wasm code keeps only 8-byte stack
// alignment (codegen/stack_align.rs): host stubs, builtins and everything else that calls C
// realign to 16 bytes. Every callback here checks its own frame (rbp = entry rsp - 8 is 16-byte
// aligned when the caller kept the convention) and formats a double with snprintf, which on
// x86-64 saves the vector registers with aligned stores. Both modes, calls direct, nested and
// through a table, host functions with 0-3 stack arguments and with two results.
#include "harness.h"

#include <stdint.h>

static int calls, misaligned;

static void check_frame(void* frame, double x) {
  calls++;
  if ((uintptr_t)frame % 16 != 0) misaligned++;
  char buf[64];
  snprintf(buf, sizeof buf, "%.3f", x);
  CHECK(buf[0] != 0);
}

#define FRAME() __builtin_frame_address(0)

static wasm_trap_t* h0(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args, (void)results;
  check_frame(FRAME(), 0.5);
  return NULL;
}
static wasm_trap_t* h1(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  check_frame(FRAME(), args->data[0].of.i32);
  results->data[0] = (wasm_val_t)WASM_I32_VAL(args->data[0].of.i32 + 1);
  return NULL;
}
static wasm_trap_t* sum(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  check_frame(FRAME(), 1.25);
  int64_t s = 0;
  for (size_t i = 0; i < args->size; i++) s += args->data[i].of.i64;
  results->data[0] = (wasm_val_t)WASM_I64_VAL(s);
  return NULL;
}
static wasm_trap_t* h2r(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  check_frame(FRAME(), 2.5);
  results->data[0] = (wasm_val_t)WASM_I32_VAL(args->data[0].of.i32);
  results->data[1] = (wasm_val_t)WASM_I32_VAL(100);
  return NULL;
}

static wasm_func_t* host(wasm_store_t* store, wasm_functype_t* ty, wasm_func_callback_t cb) {
  wasm_func_t* f = wasm_func_new(store, ty, cb);
  wasm_functype_delete(ty);
  return f;
}

static wasm_functype_t* i64s(size_t n) {
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new_uninitialized(&params, n);
  for (size_t i = 0; i < n; i++) params.data[i] = wasm_valtype_new_i64();
  wasm_valtype_vec_new_uninitialized(&results, 1);
  results.data[0] = wasm_valtype_new_i64();
  return wasm_functype_new(&params, &results);
}

// What $all returns for argument x: (x + 1) + (x + 15) + (x + 21) + (x + 28) + (x + 100).
static int64_t all(int64_t x) { return 5 * x + 165; }

static void run(wasmo_mode_t mode) {
  wasm_config_t* config = wasm_config_new();
  CHECK(wasmo_config_set_mode(config, mode));
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t wasm;
  load_wasm("stack_align", &wasm);
  wasm_module_t* module = wasm_module_new(store, &wasm);
  wasm_byte_vec_delete(&wasm);
  CHECK(module != NULL);
  if (!module) return;

  wasm_func_t* funcs[6];
  funcs[0] = host(store, wasm_functype_new_0_0(), h0);
  funcs[1] = host(store, wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32()), h1);
  funcs[2] = host(store, i64s(6), sum);
  funcs[3] = host(store, i64s(7), sum);
  funcs[4] = host(store, i64s(8), sum);
  funcs[5] = host(store, wasm_functype_new_1_2(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32()), h2r);
  wasm_extern_t* imports[6];
  for (int i = 0; i < 6; i++) imports[i] = wasm_func_as_extern(funcs[i]);
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(imports);
  wasm_instance_t* instance = wasm_instance_new(store, module, &import_vec, NULL);
  CHECK(instance != NULL);
  if (instance) {
    wasm_extern_vec_t exports;
    wasm_instance_exports(instance, &exports);
    const wasm_func_t* f = wasm_extern_as_func(exports.data[0]);
    // Twice: in lift-off mode the first call also compiles lazily (the resolver's calls).
    for (int round = 0; round < 2; round++) {
      calls = misaligned = 0;
      wasm_val_t out[1] = {WASM_INIT_VAL};
      wasm_val_vec_t args = WASM_EMPTY_VEC, results = WASM_ARRAY_VEC(out);
      wasm_trap_t* trap = wasm_func_call(f, &args, &results);
      CHECK(trap == NULL);
      if (trap) wasm_trap_delete(trap);
      // run = $w0 + $w9(1..9) + $grow + $w9(9..1) through the table.
      int64_t w9a = all(9) + all(8) + all(7) + all(6) + all(5);
      int64_t w9b = all(1) + all(2) + all(3) + all(4) + all(5);
      CHECK(out[0].kind == WASM_I64 && out[0].of.i64 == all(10) + w9a + all(3) + w9b);
      CHECK(calls == 72);
      CHECK(misaligned == 0);
      if (misaligned) fprintf(stderr, "mode %d: %d of %d callbacks misaligned\n", mode, misaligned, calls);
    }
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
  }
  for (int i = 0; i < 6; i++) wasm_func_delete(funcs[i]);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

int main(void) {
  run(WASMO_MODE_LIFTOFF);
  run(WASMO_MODE_OPTIMIZED);
  return test_finish("test_stack_align");
}
