// Issue 14, finding 3: a lift-off program that returns from main while the tier-up thread is
// still compiling must exit cleanly. LLVM registers destructors of function-local statics when a
// compile first uses them (after any atexit handler the engine registered), so exit used to
// destroy them under the running worker (before the fix this program crashed in 46 of 60 runs,
// in SelectionDAG). Wasmo now stops the workers from a thread-local destructor of the main
// thread, which exit runs first. Under memcheck any use of a destroyed LLVM static fails it.
//
// The module: `run` calls each of FUNCS functions with a BLOCKS-deep br_table (slow to optimise)
// ROUNDS times, so they become hot and tier up in the background, batch after batch; main
// returns 30 ms later, with the worker inside LLVM.
#include "harness.h"

#include <string.h>
#include <time.h>

#include "wasmo.h"

enum { FUNCS = 40, BLOCKS = 600, ROUNDS = 400 };

// Kept in globals: at exit they are still reachable, not leaked.
static wasm_engine_t* engine;
static wasm_store_t* store;
static wasm_module_t* module;
static wasm_instance_t* instance;
static wasm_extern_vec_t exports;

static unsigned char* out;
static size_t len, cap;
static void byte(unsigned b) {
  if (len == cap) out = realloc(out, cap = cap ? 2 * cap : 1 << 16);
  out[len++] = (unsigned char)b;
}
static void uleb(unsigned v) {
  do {
    unsigned b = v & 0x7f;
    v >>= 7;
    byte(v ? b | 0x80 : b);
  } while (v);
}
// A section: its id, then its contents (built by `fill`) prefixed with their size.
static void section(unsigned id, void (*fill)(void)) {
  size_t start = len;
  fill();
  size_t body = len - start;
  unsigned char* copy = malloc(body);
  memcpy(copy, out + start, body);
  len = start;
  byte(id);
  uleb((unsigned)body);
  for (size_t i = 0; i < body; i++) byte(copy[i]);
  free(copy);
}
static void types(void) {
  uleb(1);                               // one type: (i32) -> ()
  byte(0x60), uleb(1), byte(0x7f), uleb(0);
}
static void funcs(void) {
  uleb(FUNCS + 1);
  for (int i = 0; i <= FUNCS; i++) uleb(0);
}
static void exps(void) {
  uleb(1);
  uleb(3), byte('r'), byte('u'), byte('n'), byte(0x00), uleb(FUNCS);
}
static void body_switch(void) {
  uleb(0);                                                  // no locals
  for (int i = 0; i < BLOCKS; i++) byte(0x02), byte(0x40);  // block
  byte(0x20), uleb(0);                                      // local.get 0
  byte(0x0e), uleb(BLOCKS - 1);                             // br_table
  for (int i = 0; i < BLOCKS; i++) uleb((unsigned)(i * 7 % BLOCKS));
  for (int i = 0; i < BLOCKS; i++) byte(0x0b);              // end
  byte(0x0b);
}
static void body_run(void) {
  uleb(1), uleb(1), byte(0x7f);  // one i32 local: the round
  byte(0x03), byte(0x40);        // loop
  for (int f = 0; f < FUNCS; f++) byte(0x20), uleb(0), byte(0x10), uleb((unsigned)f);
  byte(0x20), uleb(1), byte(0x41), uleb(1), byte(0x6a), byte(0x22), uleb(1);  // round += 1
  byte(0x41), uleb(ROUNDS), byte(0x49), byte(0x0d), uleb(0);                  // br_if round < N
  byte(0x0b), byte(0x0b);
}
static void code(void) {
  uleb(FUNCS + 1);
  for (int f = 0; f <= FUNCS; f++) {
    size_t start = len;
    if (f < FUNCS) body_switch(); else body_run();
    size_t body = len - start;
    unsigned char* copy = malloc(body);
    memcpy(copy, out + start, body);
    len = start;
    uleb((unsigned)body);
    for (size_t i = 0; i < body; i++) byte(copy[i]);
    free(copy);
  }
}

int main(void) {
  const unsigned char header[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  for (int i = 0; i < 8; i++) byte(header[i]);
  section(1, types);
  section(3, funcs);
  section(7, exps);
  section(10, code);

  wasm_config_t* config = wasm_config_new();
  CHECK(wasmo_config_set_mode(config, WASMO_MODE_LIFTOFF));
  engine = wasm_engine_new_with_config(config);
  store = wasm_store_new(engine);
  wasm_byte_vec_t binary = {len, (wasm_byte_t*)out};
  module = wasm_module_new(store, &binary);
  CHECK(module != NULL);
  free(out);
  if (!module) return test_finish("test_exit_during_tier_up");
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  if (!instance) return test_finish("test_exit_during_tier_up");
  wasm_instance_exports(instance, &exports);
  wasm_func_t* run = wasm_extern_as_func(exports.data[0]);
  for (int i = 0; i < 3; i++) {
    wasm_val_t args_v[1] = {WASM_I32_VAL(i)};
    wasm_val_vec_t args = WASM_ARRAY_VEC(args_v), results = WASM_EMPTY_VEC;
    wasm_trap_t* trap = wasm_func_call(run, &args, &results);
    CHECK(trap == NULL);
    if (trap) wasm_trap_delete(trap);
  }
  wasmo_tier_counts_t counts;
  wasmo_module_tier_counts(module, &counts);
  fprintf(stderr, "  at exit: %u baseline, %u optimised of %u functions\n",
          (unsigned)counts.baseline, (unsigned)counts.optimized, (unsigned)(FUNCS + 1));
  // Give the worker time to pick the hot functions up, then return with everything alive and
  // tier-up (most likely) inside LLVM.
  struct timespec pause = {0, 30 * 1000 * 1000};
  nanosleep(&pause, NULL);
  return test_finish("test_exit_during_tier_up");
}
