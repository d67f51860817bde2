// Epoch interruption through wasmo.h: another thread stops endless loops in a running
// wasm_func_call, in both modes, and the store keeps working. Under valgrind.
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "wasmo.h"

static void* tick_later(void* engine) {
  struct timespec nap = {0, 100 * 1000 * 1000};
  nanosleep(&nap, NULL);
  wasmo_engine_increment_epoch((const wasm_engine_t*)engine);
  return NULL;
}

// Calls `func` (an endless loop) while another thread advances the epoch.
static void check_interrupted(wasm_engine_t* engine, wasm_store_t* store, wasm_func_t* func) {
  wasmo_store_set_epoch_deadline(store, 1);
  pthread_t thread;
  pthread_create(&thread, NULL, tick_later, engine);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  wasm_trap_t* trap = wasm_func_call(func, &none, &none);
  pthread_join(thread, NULL);
  CHECK(trap != NULL);
  if (trap) {
    CHECK(trap_message_is(trap, "interrupted"));
    wasm_trap_delete(trap);
  }
}

static void run(wasmo_mode_t mode) {
  wasm_config_t* config = wasm_config_new();
  CHECK(wasmo_config_set_mode(config, mode));
  wasmo_config_set_epoch_interruption(config, true);
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  load_wasm("spin", &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* spin = wasm_extern_as_func(export_named(module, &exports, "spin"));
  wasm_func_t* calls = wasm_extern_as_func(export_named(module, &exports, "calls"));
  wasm_func_t* answer = wasm_extern_as_func(export_named(module, &exports, "answer"));
  wasm_func_t* answer_via_leaf =
      wasm_extern_as_func(export_named(module, &exports, "answer_via_leaf"));

  check_interrupted(engine, store, spin);
  check_interrupted(engine, store, calls);
  // The store keeps working once it has a new deadline.
  wasmo_store_set_epoch_deadline(store, 1000);
  wasm_val_t out[1];
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  wasm_val_vec_t results = WASM_ARRAY_VEC(out);
  wasm_trap_t* trap = wasm_func_call(answer, &none, &results);
  CHECK(trap == NULL && out[0].of.i32 == 42);
  if (trap) wasm_trap_delete(trap);
  // A deadline already reached traps at the next function entry, a leaf's as any other.
  wasmo_store_set_epoch_deadline(store, 0);
  trap = wasm_func_call(answer, &none, &results);
  CHECK(trap != NULL && trap_message_is(trap, "interrupted"));
  if (trap) wasm_trap_delete(trap);
  trap = wasm_func_call(answer_via_leaf, &none, &results);
  CHECK(trap != NULL && trap_message_is(trap, "interrupted"));
  if (trap) wasm_trap_delete(trap);
  // And a new deadline makes the store usable again.
  wasmo_store_set_epoch_deadline(store, 1000);
  trap = wasm_func_call(answer_via_leaf, &none, &results);
  CHECK(trap == NULL && out[0].of.i32 == 42);
  if (trap) wasm_trap_delete(trap);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

int main(void) {
  run(WASMO_MODE_OPTIMIZED);
  run(WASMO_MODE_LIFTOFF);
  return test_finish("test_interrupt");
}
