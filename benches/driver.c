// Benchmark driver using only wasm.h: loads a .wasm, times compilation, instantiation, and the
// best of `repeat` calls of its `run(i32) -> i32` export. Built once against libwasmo.so and once
// against wasmtime's libwasmtime.so, so both engines run the same code path.
//
//   driver FILE.wasm N REPEAT   ->  prints "compile_ms instantiate_ms run_ms result"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm.h"

// Wasmo's "message of the last failed call" (wasmo.h), declared weak so that the same driver also
// links against libwasmtime.so, where it stays NULL. Lets a failed compile say why.
__attribute__((weak)) const char* wasmo_error_message(void);

static int fail(const char* what) {
  const char* why = wasmo_error_message ? wasmo_error_message() : NULL;
  fprintf(stderr, "%s failed%s%s\n", what, why ? ": " : "", why ? why : "");
  return 1;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s FILE.wasm N REPEAT\n", argv[0]);
    return 2;
  }
  FILE* f = fopen(argv[1], "rb");
  if (!f) return 2;
  fseek(f, 0, SEEK_END);
  size_t size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_t binary;
  wasm_byte_vec_new_uninitialized(&binary, size);
  if (fread(binary.data, 1, size, f) != size) return 2;
  fclose(f);
  int n = atoi(argv[2]), repeat = atoi(argv[3]);

  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  double t0 = now_ms();
  wasm_module_t* module = wasm_module_new(store, &binary);
  double t1 = now_ms();
  if (!module) return fail("compile");
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  double t2 = now_ms();
  if (!instance) return fail("instantiate");
  wasm_exporttype_vec_t export_types;
  wasm_module_exports(module, &export_types);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* run = NULL;
  for (size_t i = 0; i < export_types.size; i++) {
    const wasm_name_t* name = wasm_exporttype_name(export_types.data[i]);
    if (name->size == 3 && memcmp(name->data, "run", 3) == 0) run = wasm_extern_as_func(exports.data[i]);
  }
  if (!run) {
    fprintf(stderr, "no run export\n");
    return 1;
  }
  double best = 1e300;
  int result = 0;
  for (int r = 0; r < repeat; r++) {
    wasm_val_t args[1] = {WASM_I32_VAL(n)};
    wasm_val_t results[1] = {WASM_INIT_VAL};
    wasm_val_vec_t av = WASM_ARRAY_VEC(args), rv = WASM_ARRAY_VEC(results);
    double s = now_ms();
    trap = wasm_func_call(run, &av, &rv);
    double e = now_ms();
    if (trap) {
      wasm_message_t message;
      wasm_trap_message(trap, &message);
      fprintf(stderr, "trap: %.*s\n", (int)message.size, message.data);
      return 1;
    }
    result = results[0].of.i32;
    if (e - s < best) best = e - s;
  }
  printf("%.3f %.3f %.3f %d\n", t1 - t0, t2 - t1, best, result);
  wasm_extern_vec_delete(&exports);
  wasm_exporttype_vec_delete(&export_types);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  wasm_byte_vec_delete(&binary);
  return 0;
}
