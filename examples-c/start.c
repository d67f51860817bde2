// Instantiates start_trap.wasm, whose start function executes `unreachable`: wasm_instance_new
// fails and hands back the trap. Then instantiates start.wasm, whose start function calls the host
// and writes an exported global, and checks the effects are visible once wasm_instance_new returns.
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

static int started_calls = 0;
static int32_t started_value = 0;

// Called by start.wasm's start function.
static wasm_trap_t* started_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)results;
  started_calls++;
  started_value = args->data[0].of.i32;
  printf("> the start function called the host with %d\n", started_value);
  return NULL;
}

static void trapping_start(wasm_store_t* store) {
  printf("instantiating start_trap.wasm\n");
  wasm_module_t* module = load_module(store, "start_trap.wasm");
  if (!module) exit(1);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, NULL, &trap);
  check(instance == NULL, "wasm_instance_new returned NULL");
  check(trap != NULL, "and a trap");
  if (trap) {
    wasm_message_t message;
    wasm_trap_message(trap, &message);
    printf("> trap message: \"%s\"\n", message.data);
    check(strcmp(message.data, "unreachable") == 0, "the trap's message is \"unreachable\"");
    wasm_byte_vec_delete(&message);
    wasm_frame_t* origin = wasm_trap_origin(trap);
    if (origin) {
      printf("> origin: function %u, module offset 0x%zx\n", wasm_frame_func_index(origin),
             wasm_frame_module_offset(origin));
      check(wasm_frame_func_index(origin) == 0, "the trap comes from function 0, the start function");
      wasm_frame_delete(origin);
    } else {
      check(false, "the trap has an origin");
    }
    wasm_trap_delete(trap);
  }
  const char* reason = wasmo_error_message();
  check(reason != NULL && strcmp(reason, "unreachable") == 0,
        "wasmo_error_message() is \"unreachable\" too");
  if (instance) wasm_instance_delete(instance);

  // Without the trap out-parameter the failure is the same.
  instance = wasm_instance_new(store, module, NULL, NULL);
  check(instance == NULL, "wasm_instance_new with no trap out-parameter returned NULL");
  if (instance) wasm_instance_delete(instance);
  wasm_module_delete(module);
}

static void writing_start(wasm_store_t* store) {
  printf("instantiating start.wasm in the same store\n");
  wasm_module_t* module = load_module(store, "start.wasm");
  if (!module) exit(1);
  wasm_functype_t* started_type = wasm_functype_new_1_0(wasm_valtype_new_i32());
  wasm_func_t* started = wasm_func_new(store, started_type, started_callback);
  wasm_functype_delete(started_type);
  wasm_extern_t* imports_array[] = {wasm_func_as_extern(started)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_array);
  wasm_trap_t* trap = (wasm_trap_t*)1;  // must be overwritten
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  check(instance != NULL, "wasm_instance_new succeeded");
  check(trap == NULL, "the trap out-parameter was set to NULL");
  if (!instance) {
    printf("> %s\n", wasmo_error_message());
    exit(1);
  }
  check(started_calls == 1 && started_value == 42,
        "the start function called the host once, with 42");

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  check(exports.size == 2, "2 exports: value, get");
  if (exports.size != 2) exit(1);
  wasm_global_t* value = wasm_extern_as_global(exports.data[0]);
  const wasm_func_t* get = wasm_extern_as_func(exports.data[1]);
  check(value && get, "a global and a function");
  if (!(value && get)) exit(1);
  wasm_val_t v;
  wasm_global_get(value, &v);
  check(v.kind == WASM_I32 && v.of.i32 == 42, "the global written by the start function is 42");
  wasm_val_t result = WASM_INIT_VAL;
  wasm_val_vec_t args = WASM_EMPTY_VEC;
  wasm_val_vec_t results = {1, &result};
  wasm_trap_t* call_trap = wasm_func_call(get, &args, &results);
  check(call_trap == NULL && result.kind == WASM_I32 && result.of.i32 == 42, "get() = 42");
  if (call_trap) wasm_trap_delete(call_trap);
  check(started_calls == 1, "the start function ran only once");

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(started);
  wasm_module_delete(module);
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);

  trapping_start(store);
  writing_start(store);

  wasm_store_delete(store);
  wasm_engine_delete(engine);

  printf("start: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
