// Issue 14, finding 5: a deleted instance that nothing references any more gives its linear
// memory back (each reserves 8 GiB of address space; some 16,000 exhaust the process). What is
// still reachable stays: a memory whose extern handle the host kept, and an instance whose
// function sits in a table the host holds, keep working until those go too.
#include "harness.h"

#include <sys/resource.h>

static wasm_engine_t* engine;
static wasm_store_t* store;
static wasm_module_t* module;

// The process's mapped address space, in MiB (VmSize).
static long vm_mib(void) {
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "VmSize: %ld kB", &kb) == 1) break;
  if (f) fclose(f);
  return kb / 1024;
}

static wasm_instance_t* instantiate(wasm_extern_vec_t* exports) {
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  if (instance && exports) wasm_instance_exports(instance, exports);
  return instance;
}

static int32_t call_read(const wasm_func_t* f) {
  wasm_val_t results_v[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_EMPTY_VEC, results = WASM_ARRAY_VEC(results_v);
  wasm_trap_t* trap = wasm_func_call(f, &args, &results);
  if (trap) {
    wasm_trap_delete(trap);
    return -1;
  }
  return results_v[0].of.i32;
}

enum { GIB = 1024 };  // in MiB

// Deleting the only handle gives the memory back at once. (The first release in a process also
// maps the one shared PROT_NONE reservation released memories point at: measure the second.)
static void deleted_instance_releases_its_memory(void) {
  wasm_instance_delete(instantiate(NULL));
  long before = vm_mib();
  wasm_instance_t* instance = instantiate(NULL);
  CHECK(instance != NULL);
  CHECK(vm_mib() - before >= 8 * GIB);
  long with = vm_mib();
  wasm_instance_delete(instance);
  CHECK(with - vm_mib() >= 8 * GIB);
}

// A kept memory handle keeps the memory (usable) until it goes too.
static void kept_memory_stays_until_its_handle_goes(void) {
  wasm_extern_vec_t exports;
  wasm_instance_t* instance = instantiate(&exports);
  CHECK(instance != NULL);
  long with = vm_mib();
  wasm_memory_t* memory = wasm_extern_as_memory(export_named(module, &exports, "mem"));
  wasm_instance_delete(instance);
  CHECK(with - vm_mib() < 8 * GIB);
  CHECK(wasm_memory_data(memory)[0] == 7);
  wasm_memory_data(memory)[1] = 1;
  CHECK(wasm_memory_size(memory) == 1);
  wasm_extern_vec_delete(&exports);
  CHECK(with - vm_mib() >= 8 * GIB);
}

// A function in a table the host holds keeps its instance (and memory) reachable.
static void function_in_a_held_table_keeps_its_instance(void) {
  wasm_extern_vec_t exports;
  wasm_instance_t* instance = instantiate(&exports);
  CHECK(instance != NULL);
  long with = vm_mib();
  wasm_limits_t limits = {1, 1};
  wasm_tabletype_t* tt = wasm_tabletype_new(wasm_valtype_new(WASM_FUNCREF), &limits);
  wasm_table_t* table = wasm_table_new(store, tt, NULL);
  wasm_tabletype_delete(tt);
  wasm_func_t* read = wasm_extern_as_func(export_named(module, &exports, "read"));
  CHECK(wasm_table_set(table, 0, wasm_func_as_ref(read)));
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  CHECK(with - vm_mib() < 8 * GIB);
  // Called through the table, the function still reads its memory.
  wasm_ref_t* r = wasm_table_get(table, 0);
  CHECK(r != NULL);
  wasm_func_t* f = r ? wasm_ref_as_func(r) : NULL;
  CHECK(f && call_read(f) == 7);
  if (r) wasm_ref_delete(r);
  CHECK(with - vm_mib() < 8 * GIB);
  wasm_table_delete(table);
  CHECK(with - vm_mib() >= 8 * GIB);
}

// With room for only four more memories, 64 instantiate/delete cycles in one store still work
// (before the fix the fifth failed: "cannot reserve address space for a linear memory").
static void many_cycles_fit_in_a_small_address_space(void) {
  struct rlimit saved, small;
  CHECK(getrlimit(RLIMIT_AS, &saved) == 0);
  small = saved;
  small.rlim_cur = (rlim_t)(vm_mib() + 4 * 8 * GIB + 2 * GIB) << 20;
  if (saved.rlim_cur != RLIM_INFINITY && saved.rlim_cur < small.rlim_cur) small.rlim_cur = saved.rlim_cur;
  CHECK(setrlimit(RLIMIT_AS, &small) == 0);
  int ok = 0;
  for (int i = 0; i < 64; i++) {
    wasm_extern_vec_t exports;
    wasm_instance_t* instance = instantiate(&exports);
    if (!instance) {
      fprintf(stderr, "  cycle %d: %s\n", i, wasmo_error_message());
      break;
    }
    ok += call_read(wasm_extern_as_func(export_named(module, &exports, "read"))) == 7;
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
  }
  CHECK(ok == 64);
  CHECK(setrlimit(RLIMIT_AS, &saved) == 0);
}

int main(void) {
  // Optimised mode: lift-off's first calls would map code (address space) while VmSize is
  // being compared.
  wasm_config_t* config = wasm_config_new();
  wasmo_config_set_mode(config, WASMO_MODE_OPTIMIZED);
  engine = wasm_engine_new_with_config(config);
  store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  load_wasm("release", &binary);
  module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  if (!module) return test_finish("test_instance_release");
  deleted_instance_releases_its_memory();
  kept_memory_stays_until_its_handle_goes();
  function_in_a_held_table_keeps_its_instance();
  many_cycles_fit_in_a_small_address_space();
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_instance_release");
}
