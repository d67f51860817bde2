// Loads hello.wasm, gives it a host function `hello` that prints and counts its calls, and calls
// the module's export `run`, which calls `hello` once.
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "example.h"

static int hello_calls = 0;

// The host function: no parameters, no results.
static wasm_trap_t* hello_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  hello_calls++;
  printf("> hello from the host (call %d)\n", hello_calls);
  return NULL;
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, "hello.wasm");
  if (!module) return 1;

  printf("creating the host function\n");
  wasm_functype_t* hello_type = wasm_functype_new_0_0();
  wasm_func_t* hello = wasm_func_new(store, hello_type, hello_callback);
  wasm_functype_delete(hello_type);
  check(hello != NULL, "wasm_func_new");
  if (!hello) return 1;

  printf("instantiating\n");
  wasm_extern_t* imports_array[] = {wasm_func_as_extern(hello)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_array);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  check(instance != NULL && trap == NULL, "wasm_instance_new");
  if (!instance) {
    printf("> %s\n", wasmo_error_message());
    return 1;
  }
  check(hello_calls == 0, "hello not called while instantiating");

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  check(exports.size == 1, "one export (got %zu)", exports.size);
  const wasm_func_t* run = exports.size == 1 ? wasm_extern_as_func(exports.data[0]) : NULL;
  check(run != NULL, "the export is a function");

  if (run) {
    check(wasm_func_param_arity(run) == 0 && wasm_func_result_arity(run) == 0,
          "run takes and returns nothing");
    printf("calling run\n");
    wasm_val_vec_t args = WASM_EMPTY_VEC;
    wasm_val_vec_t results = WASM_EMPTY_VEC;
    wasm_trap_t* call_trap = wasm_func_call(run, &args, &results);
    check(call_trap == NULL, "run returned without a trap");
    if (call_trap) wasm_trap_delete(call_trap);
    check(hello_calls == 1, "hello was called once (%d calls)", hello_calls);
  }

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(hello);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);

  printf("hello: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
