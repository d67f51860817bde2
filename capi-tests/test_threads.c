// One compiled module shared across threads: each thread obtains it in its own store,
// instantiates it many times with its own host function, calls it (wasm -> host -> wasm
// recursion) and catches traps, all concurrently.
#include <pthread.h>

#include "harness.h"

#define THREADS 4
#define ROUNDS 20

static wasm_engine_t* engine;
static wasm_shared_module_t* shared;

static wasm_trap_t* host_add(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 + args->data[1].of.i32;
  return NULL;
}

typedef struct {
  int ok_calls, ok_traps;
} thread_result;

// One round: a fresh store (instances and their memories live until their store is deleted),
// the shared module obtained in it, a host import, a call through wasm and host frames, a trap.
static void round_trip(thread_result* r) {
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = wasm_module_obtain(store, shared);
  wasm_functype_t* ty = wasm_functype_new_2_1(wasm_valtype_new_i32(), wasm_valtype_new_i32(),
                                              wasm_valtype_new_i32());
  wasm_func_t* add = wasm_func_new(store, ty, host_add);
  wasm_functype_delete(ty);
  wasm_extern_t* imports[1] = {wasm_func_as_extern(add)};
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(imports);
  wasm_instance_t* instance = module ? wasm_instance_new(store, module, &import_vec, NULL) : NULL;
  if (instance) {
    wasm_extern_vec_t exports;
    wasm_instance_exports(instance, &exports);
    wasm_val_t args[1] = {WASM_I32_VAL(15)};
    wasm_val_t results[1] = {WASM_INIT_VAL};
    wasm_val_vec_t av = WASM_ARRAY_VEC(args), rv = WASM_ARRAY_VEC(results);
    wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(exports.data[0]), &av, &rv);
    if (!trap && results[0].of.i32 == 610) r->ok_calls++;
    if (trap) wasm_trap_delete(trap);
    trap = wasm_func_call(wasm_extern_as_func(exports.data[1]), NULL, &rv);
    if (trap_message_is(trap, "out of bounds memory access")) r->ok_traps++;
    if (trap) wasm_trap_delete(trap);
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
  }
  wasm_func_delete(add);
  if (module) wasm_module_delete(module);
  wasm_store_delete(store);
}

static void* worker(void* arg) {
  for (int round = 0; round < ROUNDS; round++) round_trip(arg);
  return NULL;
}

int main(void) {
  engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  load_wasm("shared", &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  shared = wasm_module_share(module);
  wasm_module_delete(module);  // the shared module keeps the compiled code alive

  pthread_t threads[THREADS];
  thread_result results[THREADS] = {{0, 0}};
  for (int i = 0; i < THREADS; i++) pthread_create(&threads[i], NULL, worker, &results[i]);
  for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
  for (int i = 0; i < THREADS; i++) {
    CHECK(results[i].ok_calls == ROUNDS);
    CHECK(results[i].ok_traps == ROUNDS);
  }

  wasm_shared_module_delete(shared);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_threads");
}
